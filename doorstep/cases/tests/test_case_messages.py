"""The resident hears of what happens to their running case: an approved extension (延期) with
the new due date and the reason, a suspension (中止) with its reason and the stopped clock, and
the resumption with the new due date. Each message is queued once, signed by the unit carrying
the case, routed like every other case message (the log without a mobile, skipped when the
resident chose no messages), and never queued for a refused action.

Dates: the suite's frozen Tuesday 2026-12-01; a case accepted then is due 2026-12-15 (10 working
days)."""

from __future__ import annotations

import datetime
import json
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from doorstep.cases.actions import (
    InvalidTransition,
    do_decide_extension,
    do_request_extension,
    do_transition,
)
from doorstep.cases.models import Case
from doorstep.notify.choices import Channel, Status
from doorstep.notify.models import Message
from doorstep.people.choices import Preference
from doorstep.places.models import Area

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
D = datetime.date
MOBILE = "13812345678"
NEW_TEMPLATES = ("case_extended", "case_suspended", "case_resumed")


def at(day: datetime.date):
    moment = datetime.datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI)
    return time_machine.travel(moment, tick=False)


def fresh(case) -> Case:
    return Case.objects.get(pk=case.pk)


def messages(case, template: str) -> list[Message]:
    return list(
        Message.objects.filter(idempotency_key__startswith=f"case:{case.pk}:", template=template)
    )


def community_name(case) -> str:
    return Area.objects.get(code=case.area_code[:12]).name


@pytest.fixture
def phoned(make_resident):
    return make_resident("龚建国", mobile=MOBILE)


@pytest.fixture
def accepted(make_case, phoned, frozen):
    case = make_case("accept", resident=phoned)
    assert case.due_on == D(2026, 12, 15)
    return case


# ---- extension (延期) ----------------------------------------------------------------------------


def test_an_approved_extension_tells_the_new_due_date_and_why(accepted, personas):
    asked = do_request_extension(accepted, actor=personas.clerk_a, days=5, reason="需实地核查")
    assert messages(accepted, "case_extended") == []  # asked, not yet granted
    do_decide_extension(asked, actor=personas.street_lead, approve=True, note="同意")
    [message] = messages(accepted, "case_extended")
    assert message.idempotency_key == f"case:{accepted.pk}:extension:{asked.pk}"
    assert (message.channel, message.address, message.status) == ("sms", MOBILE, "pending")
    assert message.language == "en"  # the resident's language, as every case message
    body = message.body
    assert "龚建国" in body and "困难残疾人生活补贴" in body and accepted.receipt in body
    assert "2026-12-22" in body and "2026-12-15" not in body  # 5 working days later
    assert "需实地核查" in body and "同意" not in body  # the reason, not the approver's note
    assert body.endswith(f"— {community_name(accepted)}")  # signed by the community desk
    assert message.subject == "More time: 困难残疾人生活补贴"


def test_an_extension_of_a_forwarded_case_is_signed_by_the_department(accepted, personas):
    do_transition(accepted, "forward", actor=personas.clerk_a)
    asked = do_request_extension(accepted, actor=personas.clerk_a, days=3, reason="会商")
    do_decide_extension(asked, actor=personas.reviewer, approve=True)
    [message] = messages(accepted, "case_extended")
    assert message.body.endswith(f"— {fresh(accepted).forwarded_to.name}")


def test_a_refused_or_turned_down_extension_sends_nothing(accepted, personas):
    asked = do_request_extension(accepted, actor=personas.clerk_a, days=5, reason="需实地核查")
    with pytest.raises(ValidationError):  # turned down without a reason: refused
        do_decide_extension(asked, actor=personas.street_lead, approve=False, note=" ")
    with pytest.raises(PermissionDenied):  # the other community's clerk
        do_decide_extension(asked, actor=personas.clerk_b, approve=True)
    with pytest.raises(PermissionDenied):  # whoever asked
        do_decide_extension(asked, actor=personas.clerk_a, approve=True)
    do_decide_extension(asked, actor=personas.street_lead, approve=False, note="可按期办结")
    with pytest.raises(InvalidTransition):  # already decided
        do_decide_extension(asked, actor=personas.district_lead, approve=True)
    assert messages(accepted, "case_extended") == []
    assert fresh(accepted).due_on == D(2026, 12, 15)


# ---- suspension (中止) and resumption ------------------------------------------------------------


def test_suspending_tells_why_and_that_the_clock_stopped(accepted, personas):
    with at(D(2026, 12, 3)):
        do_transition(accepted, "suspend", actor=personas.clerk_a, reason="等待司法鉴定结论")
    [message] = messages(accepted, "case_suspended")
    event = fresh(accepted).events.get(verb="suspend")
    assert message.idempotency_key == f"case:{accepted.pk}:suspend:{event.pk}"
    assert message.channel == "sms" and message.status == "pending"
    body = message.body
    assert "龚建国" in body and accepted.receipt in body and "等待司法鉴定结论" in body
    assert "stopped counting until it resumes" in body
    assert body.endswith(f"— {community_name(accepted)}")
    assert messages(accepted, "case_resumed") == []


def test_resuming_tells_the_new_due_date(accepted, personas):
    with at(D(2026, 12, 3)):
        do_transition(accepted, "suspend", actor=personas.clerk_a, reason="等待司法鉴定结论")
    with at(D(2026, 12, 10)):  # Thu 3rd → Thu 10th: 5 working days stopped
        do_transition(fresh(accepted), "resume", actor=personas.clerk_a)
    [message] = messages(accepted, "case_resumed")
    assert "2026-12-22" in message.body and accepted.receipt in message.body
    assert "counts again" in message.body
    assert message.body.endswith(f"— {community_name(accepted)}")
    assert len(messages(accepted, "case_suspended")) == 1  # each step queued once


def test_a_second_suspension_is_a_second_message(accepted, personas):
    do_transition(accepted, "suspend", actor=personas.clerk_a, reason="等待鉴定")
    do_transition(fresh(accepted), "resume", actor=personas.clerk_a)
    do_transition(fresh(accepted), "suspend", actor=personas.clerk_a, reason="等待关联案件")
    bodies = sorted(m.body for m in messages(accepted, "case_suspended"))
    assert len(bodies) == 2 and "等待关联案件" in bodies[0] + bodies[1]


def test_a_refused_suspension_or_resumption_sends_nothing(accepted, personas):
    with pytest.raises(ValidationError):  # no reason
        do_transition(accepted, "suspend", actor=personas.clerk_a, reason="  ")
    with pytest.raises(PermissionDenied):  # the other community's clerk
        do_transition(accepted, "suspend", actor=personas.clerk_b, reason="等待鉴定")
    with pytest.raises(PermissionDenied):  # no role at all
        do_transition(accepted, "suspend", actor=personas.outsider, reason="等待鉴定")
    with pytest.raises(InvalidTransition):  # not suspended
        do_transition(accepted, "resume", actor=personas.clerk_a)
    assert fresh(accepted).status == "accepted"
    assert not Message.objects.filter(template__in=["case_suspended", "case_resumed"]).exists()


# ---- no way to reach the resident ----------------------------------------------------------------


def test_without_a_mobile_nothing_goes_out_by_sms(make_case, make_resident, personas, frozen):
    """Routed exactly as the acceptance message: a resident with no mobile on record gets the
    message on the log channel only (on record, no SMS)."""
    case = make_case("accept", resident=make_resident("张景林"))
    accepted_message = Message.objects.get(idempotency_key=f"case:{case.pk}:accepted")
    do_transition(case, "suspend", actor=personas.clerk_a, reason="等待鉴定")
    do_transition(fresh(case), "resume", actor=personas.clerk_a)
    asked = do_request_extension(fresh(case), actor=personas.clerk_a, days=2, reason="会商")
    do_decide_extension(asked, actor=personas.street_lead, approve=True)
    sent = [*messages(case, "case_suspended"), *messages(case, "case_resumed")]
    sent += messages(case, "case_extended")
    assert len(sent) == 3
    assert {(m.channel, m.address) for m in sent} == {(Channel.LOG, "")}
    assert accepted_message.channel == Channel.LOG


def test_a_resident_who_chose_no_messages_is_sent_none(accepted, phoned, personas):
    type(phoned).objects.filter(pk=phoned.pk).update(notify_channel=Preference.NONE)
    do_transition(accepted, "suspend", actor=personas.clerk_a, reason="等待鉴定")
    do_transition(fresh(accepted), "resume", actor=personas.clerk_a)
    asked = do_request_extension(fresh(accepted), actor=personas.clerk_a, days=2, reason="会商")
    do_decide_extension(asked, actor=personas.street_lead, approve=True)
    for template in ("case_suspended", "case_resumed", "case_extended"):
        [message] = messages(accepted, template)
        assert message.status == Status.SKIPPED and message.last_error, template


# ---- through the screens and the API -------------------------------------------------------------


def post_verb(client, case, verb: str, reason: str):
    url = reverse("cases-transition", args=[case.pk, verb])
    return client.post(url, {"revision": fresh(case).revision, "reason": reason})


def api_post(client, name: str, args, body: dict):
    return client.post(reverse(name, args=args), json.dumps(body), content_type="application/json")


def test_the_screen_suspends_and_resumes_with_one_message_each(client, accepted, personas):
    client.force_login(personas.clerk_a)
    refused = post_verb(client, accepted, "suspend", "")
    assert refused.status_code == 302 and fresh(accepted).status == "accepted"
    assert "the resident will read it" in client.get(refused["Location"]).content.decode()
    assert messages(accepted, "case_suspended") == []
    post_verb(client, accepted, "suspend", "等待司法鉴定结论")
    post_verb(client, accepted, "resume", "")
    assert fresh(accepted).status == "in_progress"
    assert len(messages(accepted, "case_suspended")) == 1
    assert len(messages(accepted, "case_resumed")) == 1


@pytest.mark.parametrize("who", ["clerk_b", "outsider", "grid_a", None])
def test_the_wrong_person_sends_no_message(client, accepted, personas, who):
    asked = do_request_extension(accepted, actor=personas.clerk_a, days=5, reason="需实地核查")
    if who:
        client.force_login(getattr(personas, who))
    response = post_verb(client, accepted, "suspend", "等待鉴定")
    assert response.status_code == (404 if who else 302)
    url = reverse("cases-extension-decide", args=[accepted.pk, asked.pk])
    response = client.post(url, {"revision": fresh(accepted).revision, "approve": "1"})
    assert response.status_code == (404 if who else 302)
    body = {"verb": "suspend", "reason": "等待鉴定"}
    response = api_post(client, "api:case-transition", [accepted.pk], body)
    assert response.status_code == (404 if who else 401)
    assert fresh(accepted).status == "accepted" and fresh(accepted).due_on == D(2026, 12, 15)
    assert not Message.objects.filter(template__in=NEW_TEMPLATES).exists()


def test_the_api_refuses_bad_input_and_sends_nothing(client, accepted, personas):
    client.force_login(personas.clerk_a)
    bad = api_post(client, "api:case-transition", [accepted.pk], {"verb": "suspend"})
    assert bad.status_code == 400 and bad.json()["field"] == "reason"
    bad = api_post(client, "api:case-transition", [accepted.pk], {"verb": "resume"})
    assert bad.status_code == 409 and bad.json()["code"] == "invalid_transition"
    assert not Message.objects.filter(template__in=NEW_TEMPLATES).exists()
    done = api_post(client, "api:case-transition", [accepted.pk],
                    {"verb": "suspend", "reason": "等待鉴定"})  # fmt: skip
    assert done.status_code == 200, done.content
    assert len(messages(accepted, "case_suspended")) == 1
