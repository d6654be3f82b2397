"""The clerk's and reviewer's verbs on a running case: extension (延期) asked with a reason and
decided by someone else, suspension (中止) that stops the clock, a lead's supervision (督办), and
completion with its result (准予 / 不予, certificate number, collected or mailed). For each: the
clock, bad input changing nothing, and the wrong person getting nothing.

Dates: the suite's frozen Tuesday 2026-12-01; a case accepted then is due 2026-12-15 (10 working
days)."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from doorstep.cases import clock
from doorstep.cases.actions import (
    Completion,
    InvalidTransition,
    do_decide_extension,
    do_recount_due_dates,
    do_request_extension,
    do_set_supervision,
    do_transition,
)
from doorstep.cases.choices import Clock
from doorstep.cases.models import Case, CaseEvent, Extension
from doorstep.core.signals import row_closed

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
D = datetime.date
DUE = D(2026, 12, 15)


def at(day: datetime.date, hour: int = 10):
    return time_machine.travel(
        datetime.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI), tick=False
    )


def fresh(case) -> Case:
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def accepted(make_case, frozen):
    case = make_case("accept")
    assert case.due_on == DUE
    return case


def code_of(exc: ValidationError) -> str:
    """The code of a one-field error (``errors.field_error``)."""
    return next(e.code for errors in exc.error_dict.values() for e in errors)


def snapshot(case) -> tuple:
    row = fresh(case)
    return (row.status, row.revision, row.due_on, row.limit_days, row.supervised, row.result)


# ---- extension (延期) ----------------------------------------------------------------------------


def test_an_approved_extension_moves_the_due_date_by_its_working_days(accepted, personas):
    asked = do_request_extension(accepted, actor=personas.clerk_a, days=5, reason="需实地核查")
    assert fresh(accepted).due_on == DUE  # nothing moves before approval
    done = do_decide_extension(asked, actor=personas.street_lead, approve=True)
    case = fresh(accepted)
    assert case.due_on == D(2026, 12, 22) == done.due_after and done.due_was == DUE
    assert (case.limit_days, case.extended_days) == (15, 5)
    assert case.warn_on == clock.recount(case.accepted_on, 15, 0)[1]
    assert done.status == "approved" and done.decided_by == personas.street_lead
    verbs = list(case.events.filter(kind="extension").values_list("verb", flat=True))
    assert verbs == ["requested", "approved"]


def test_the_recount_keeps_an_approved_extension(accepted, personas):
    asked = do_request_extension(accepted, actor=personas.clerk_a, days=5, reason="需实地核查")
    do_decide_extension(asked, actor=personas.street_lead, approve=True)
    do_recount_due_dates()
    assert fresh(accepted).due_on == D(2026, 12, 22)


def test_an_extension_of_a_suspended_case_keeps_the_stop(accepted, personas):
    with at(D(2026, 12, 3)):
        do_transition(accepted, "suspend", actor=personas.clerk_a, reason="等待鉴定结论")
        asked = do_request_extension(accepted, actor=personas.clerk_a, days=2, reason="鉴定")
        do_decide_extension(asked, actor=personas.street_lead, approve=True)
    with at(D(2026, 12, 8)):  # 3 working days stopped: Thu 3rd → Tue 8th
        do_transition(fresh(accepted), "resume", actor=personas.clerk_a)
    assert fresh(accepted).due_on == clock.recount(D(2026, 12, 1), 12, 3)[0] == D(2026, 12, 22)


def test_the_department_reviewer_decides_an_extension_of_a_forwarded_case(accepted, personas):
    do_transition(accepted, "forward", actor=personas.clerk_a)
    asked = do_request_extension(accepted, actor=personas.clerk_a, days=3, reason="会商")
    do_decide_extension(asked, actor=personas.reviewer, approve=True)
    assert fresh(accepted).extended_days == 3


def test_whoever_asked_cannot_approve_it(accepted, personas):
    asked = do_request_extension(accepted, actor=personas.admin, days=5, reason="需实地核查")
    with pytest.raises(PermissionDenied):
        do_decide_extension(asked, actor=personas.admin, approve=True)  # a lead, and the asker
    asked.refresh_from_db()
    assert asked.status == "pending" and fresh(accepted).due_on == DUE


@pytest.mark.parametrize("who", ["clerk_a", "clerk_b", "outsider", "grid_a"])
def test_a_clerk_or_outsider_cannot_decide(accepted, personas, who):
    asked = do_request_extension(accepted, actor=personas.admin, days=5, reason="需实地核查")
    with pytest.raises(PermissionDenied):
        do_decide_extension(asked, actor=getattr(personas, who), approve=True)
    assert fresh(accepted).due_on == DUE


def test_a_refusal_needs_a_note_and_moves_nothing(accepted, personas):
    asked = do_request_extension(accepted, actor=personas.clerk_a, days=5, reason="需实地核查")
    with pytest.raises(ValidationError) as caught:
        do_decide_extension(asked, actor=personas.street_lead, approve=False, note="  ")
    assert code_of(caught.value) == "reason_required"
    done = do_decide_extension(asked, actor=personas.street_lead, approve=False, note="可按期办结")
    assert done.status == "rejected" and fresh(accepted).due_on == DUE
    with pytest.raises(InvalidTransition):  # decided once
        do_decide_extension(asked, actor=personas.district_lead, approve=True)


@pytest.mark.parametrize(
    ("days", "reason", "code"),
    [(5, "", "reason_required"), (5, "   ", "reason_required"), (0, "x", "invalid"),
     (61, "x", "invalid"), ("五", "x", "invalid"), (None, "x", "invalid")],
)  # fmt: skip
def test_bad_extension_requests_change_nothing(accepted, personas, days, reason, code):
    before = snapshot(accepted)
    with pytest.raises(ValidationError) as caught:
        do_request_extension(accepted, actor=personas.clerk_a, days=days, reason=reason)
    assert code_of(caught.value) == code
    assert snapshot(accepted) == before and not Extension.objects.exists()


def test_one_extension_waits_at_a_time(accepted, personas):
    do_request_extension(accepted, actor=personas.clerk_a, days=5, reason="需实地核查")
    with pytest.raises(InvalidTransition):
        do_request_extension(accepted, actor=personas.clerk_a, days=3, reason="再延")
    assert Extension.objects.count() == 1


def test_a_closed_or_not_accepted_case_cannot_be_extended(make_case, personas, frozen):
    done = make_case("accept")
    do_transition(done, "complete", actor=personas.clerk_a)
    waiting = make_case("notice")
    for case in (done, waiting):
        with pytest.raises(InvalidTransition):
            do_request_extension(case, actor=personas.clerk_a, days=5, reason="需实地核查")
    assert not Extension.objects.exists()


def test_an_extension_asked_then_the_case_closed_cannot_be_approved(accepted, personas):
    asked = do_request_extension(accepted, actor=personas.clerk_a, days=5, reason="需实地核查")
    do_transition(fresh(accepted), "complete", actor=personas.clerk_a)
    with pytest.raises(InvalidTransition):
        do_decide_extension(asked, actor=personas.street_lead, approve=True)


def test_other_areas_clerk_cannot_ask(accepted, personas):
    with pytest.raises(PermissionDenied):
        do_request_extension(accepted, actor=personas.clerk_b, days=5, reason="需实地核查")


def test_an_extension_brings_an_overdue_case_back_on_time(accepted, personas):
    with at(D(2026, 12, 16)):
        from doorstep.cases.actions import do_sweep_overdue

        do_sweep_overdue()
        assert fresh(accepted).overdue_at is not None
        asked = do_request_extension(accepted, actor=personas.clerk_a, days=5, reason="补正")
        do_decide_extension(asked, actor=personas.street_lead, approve=True)
        case = fresh(accepted)
        assert case.overdue_at is None and case.clock(D(2026, 12, 16)) != Clock.RED


# ---- suspension (中止) ---------------------------------------------------------------------------


def test_suspension_stops_the_clock_and_resuming_moves_the_due_date(accepted, personas):
    with at(D(2026, 12, 3)):
        do_transition(accepted, "suspend", actor=personas.clerk_a, reason="等待司法鉴定")
    case = fresh(accepted)
    assert case.status == "suspended" and case.paused_since == D(2026, 12, 3)
    assert case.clock(D(2026, 12, 30)) == Clock.SUSPENDED  # never red while suspended
    assert not Case.objects.overdue(D(2026, 12, 30)).filter(pk=case.pk).exists()
    with at(D(2026, 12, 10)):  # Thu 3rd → Thu 10th: 5 working days stopped
        do_transition(case, "resume", actor=personas.clerk_a)
    case = fresh(accepted)
    assert case.status == "in_progress" and case.paused_days == 5
    assert case.due_on == D(2026, 12, 22) and case.paused_since is None


def test_suspension_needs_a_reason(accepted, personas):
    before = snapshot(accepted)
    with pytest.raises(ValidationError) as caught:
        do_transition(accepted, "suspend", actor=personas.clerk_a, reason=" ")
    assert code_of(caught.value) == "reason_required" and snapshot(accepted) == before


def test_only_an_accepted_running_case_is_suspended(make_case, personas, frozen):
    waiting = make_case("notice")
    with pytest.raises(InvalidTransition):
        do_transition(waiting, "suspend", actor=personas.clerk_a, reason="x")


# ---- supervision (督办) --------------------------------------------------------------------------


def test_a_lead_supervises_and_lifts(accepted, personas):
    do_set_supervision(accepted, actor=personas.street_lead, on=True, reason="三日内反馈进度")
    assert fresh(accepted).supervised
    assert Case.objects.filter(supervised=True).count() == 1
    do_set_supervision(fresh(accepted), actor=personas.street_lead, on=False)
    assert not fresh(accepted).supervised
    verbs = list(accepted.events.filter(kind="supervision").values_list("verb", flat=True))
    assert verbs == ["supervise", "unsupervise"]


@pytest.mark.parametrize("who", ["clerk_a", "reviewer", "outsider", "grid_a"])
def test_only_a_lead_supervises(accepted, personas, who):
    with pytest.raises(PermissionDenied):
        do_set_supervision(accepted, actor=getattr(personas, who), on=True, reason="督办")
    assert not fresh(accepted).supervised


def test_supervision_needs_what_the_lead_asks(accepted, personas):
    with pytest.raises(ValidationError) as caught:
        do_set_supervision(accepted, actor=personas.street_lead, on=True, reason="")
    assert code_of(caught.value) == "reason_required" and not fresh(accepted).supervised


# ---- completion with its result ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("done", "field"),
    [
        (Completion(result="", delivery="desk"), "result"),
        (Completion(result="maybe", delivery="desk"), "result"),
        (Completion(result="denied", delivery="desk"), "result_reason"),
        (Completion(result="granted", delivery=""), "delivery"),
        (Completion(result="granted", delivery="mail"), "tracking_no"),
        (Completion(result="granted", delivery="mail", tracking_no="   "), "tracking_no"),
        (Completion(result="granted", delivery="desk", certificate_no="x" * 61), "certificate_no"),
    ],
)
def test_bad_completions_change_nothing(accepted, personas, done, field):
    before = snapshot(accepted)
    with pytest.raises(ValidationError) as caught:
        do_transition(accepted, "complete", actor=personas.clerk_a, completion=done)
    assert field in caught.value.message_dict
    assert snapshot(accepted) == before


def test_completion_records_the_result_through_the_closing_path(accepted, personas):
    closed = []

    def heard(sender, pk, **kw):
        closed.append(pk)

    row_closed.connect(heard)
    try:
        done = Completion(result="denied", reason="不符合补贴条件：家庭人均收入超标",
                          delivery="mail", tracking_no=" SF 1234 ", certificate_no="")  # fmt: skip
        event = do_transition(accepted, "complete", actor=personas.clerk_a, completion=done)
    finally:
        row_closed.disconnect(heard)
    case = fresh(accepted)
    assert closed == [case.pk]  # counted by the figures at once, like every closing
    assert case.status == "completed" and case.closed_at is not None
    assert (case.result, case.delivery, case.tracking_no) == ("denied", "mail", "SF1234")
    assert case.result_reason.startswith("不符合")
    assert event.data["result"] == "denied" and event.reason == case.result_reason


# ---- the screens -------------------------------------------------------------------------------


def post(client, name: str, case, data: dict, *args):
    data.setdefault("revision", fresh(case).revision)
    return client.post(reverse(name, args=[case.pk, *args]), data)


def test_the_screens_ask_and_approve_an_extension(client, accepted, personas):
    client.force_login(personas.clerk_a)
    body = client.get(reverse("cases-detail", args=[accepted.pk])).content.decode()
    assert 'id="act-extension"' in body and 'id="act-supervision"' not in body
    response = post(client, "cases-extension", accepted, {"days": "5", "reason": "需实地核查"})
    assert response.status_code == 302
    asked = Extension.objects.get()
    body = client.get(reverse("cases-detail", args=[accepted.pk])).content.decode()
    assert 'id="extension-waiting"' in body and 'id="act-decide-extension"' not in body
    # the clerk's own approval, forced through the URL, is refused
    denied = post(client, "cases-extension-decide", accepted, {"approve": "1"}, asked.pk)
    assert denied.status_code == 403 and fresh(accepted).due_on == DUE
    client.force_login(personas.street_lead)
    body = client.get(reverse("cases-detail", args=[accepted.pk])).content.decode()
    assert 'id="act-decide-extension"' in body
    listed = client.get(reverse("cases-list"), {"extension": "on"}).context["page"].object_list
    assert [c.pk for c in listed] == [accepted.pk]
    response = post(client, "cases-extension-decide", accepted, {"approve": "1"}, asked.pk)
    assert response.status_code == 302 and fresh(accepted).due_on == D(2026, 12, 22)


def test_the_screens_say_what_is_wrong_with_an_extension(client, accepted, personas):
    client.force_login(personas.clerk_a)
    response = post(client, "cases-extension", accepted, {"days": "0", "reason": ""})
    assert response.status_code == 302 and not Extension.objects.exists()
    body = client.get(response["Location"]).content.decode()
    assert "from 1 to 60" in body
    response = post(client, "cases-extension", accepted, {"days": "3", "reason": ""})
    body = client.get(response["Location"]).content.decode()
    assert "Give the reason for the extension." in body and not Extension.objects.exists()


def test_the_screens_complete_with_a_result(client, accepted, personas):
    client.force_login(personas.clerk_a)
    url = reverse("cases-transition", args=[accepted.pk, "complete"])
    response = client.post(url, {"revision": accepted.revision, "result": "granted",
                                 "delivery": "mail"})  # fmt: skip
    body = client.get(response["Location"]).content.decode()
    assert "Give the mail tracking number." in body and fresh(accepted).status == "accepted"
    client.post(url, {"revision": accepted.revision, "result": "granted", "delivery": "mail",
                      "tracking_no": "SF1234567890", "certificate_no": "鄂残2026001"})  # fmt: skip
    case = fresh(accepted)
    assert case.status == "completed" and case.certificate_no == "鄂残2026001"
    body = client.get(reverse("cases-detail", args=[case.pk])).content.decode()
    assert 'id="result"' in body and "SF1234567890" in body


def test_the_screens_supervise(client, accepted, personas):
    client.force_login(personas.street_lead)
    response = post(client, "cases-supervision", accepted, {"on": "1", "reason": "三日内反馈"})
    assert response.status_code == 302 and fresh(accepted).supervised
    client.force_login(personas.clerk_a)
    body = client.get(reverse("cases-list")).content.decode()
    assert "case-supervised" in body
    listed = client.get(reverse("cases-list"), {"supervised": "on"}).context["page"].object_list
    assert [c.pk for c in listed] == [accepted.pk]
    assert (
        "case-supervised"
        in client.get(reverse("cases-detail", args=[accepted.pk])).content.decode()
    )


@pytest.mark.parametrize("who", ["clerk_b", "outsider", "grid_a", None])
def test_the_wrong_person_gets_nothing_from_the_new_verbs(client, accepted, personas, who):
    asked = do_request_extension(accepted, actor=personas.clerk_a, days=5, reason="需实地核查")
    if who:
        client.force_login(getattr(personas, who))
    events = CaseEvent.objects.count()
    for name, data, args in [
        ("cases-extension", {"days": "5", "reason": "x"}, ()),
        ("cases-extension-decide", {"approve": "1"}, (asked.pk,)),
        ("cases-supervision", {"on": "1", "reason": "x"}, ()),
    ]:
        response = post(client, name, accepted, data, *args)
        expected = 404 if who else 302
        assert response.status_code == expected
        if not who:
            assert response["Location"].startswith(reverse("login"))
    assert CaseEvent.objects.count() == events and Extension.objects.count() == 1
    assert snapshot(accepted)[2:] == (DUE, 10, False, "")


# ---- the JSON API --------------------------------------------------------------------------------


def api_post(client, name: str, args, body):
    import json

    return client.post(reverse(name, args=args), json.dumps(body), content_type="application/json")


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "field"} and body["message"]
    return body


def test_the_api_asks_decides_and_supervises(client, accepted, personas):
    client.force_login(personas.clerk_a)
    bad = api_post(client, "api:case-extensions", [accepted.pk], {"days": 5, "reason": ""})
    assert error_of(bad, 400)["field"] == "reason" and not Extension.objects.exists()
    bad = api_post(client, "api:case-extensions", [accepted.pk], {"days": "5", "reason": "x"})
    assert bad.status_code == 400  # strict: a number, not text
    asked = api_post(client, "api:case-extensions", [accepted.pk], {"days": 5, "reason": "核查"})
    assert asked.status_code == 201, asked.content
    extension = Extension.objects.get()
    own = api_post(client, "api:case-extension-decision", [accepted.pk, extension.pk],
                   {"approve": True})  # fmt: skip
    assert error_of(own, 403) and fresh(accepted).due_on == DUE
    again = api_post(client, "api:case-extensions", [accepted.pk], {"days": 2, "reason": "再延"})
    assert error_of(again, 409)["code"] == "invalid_transition"
    client.force_login(personas.street_lead)
    done = api_post(client, "api:case-extension-decision", [accepted.pk, extension.pk],
                    {"approve": True})  # fmt: skip
    assert done.status_code == 200
    assert done.json()["case"]["due_on"] == "2026-12-22"
    assert done.json()["case"]["extended_days"] == 5
    missing = api_post(client, "api:case-extension-decision", [accepted.pk, 999999],
                       {"approve": True})  # fmt: skip
    assert error_of(missing, 404)
    watched = api_post(client, "api:case-supervision", [accepted.pk],
                       {"on": True, "reason": "三日内反馈"})  # fmt: skip
    assert watched.status_code == 200 and watched.json()["case"]["supervised"] is True


@pytest.mark.parametrize("who", ["clerk_b", "outsider"])
def test_the_api_gives_others_nothing(client, accepted, personas, who):
    extension = do_request_extension(accepted, actor=personas.clerk_a, days=5, reason="核查")
    client.force_login(getattr(personas, who))
    for name, args, body in [
        ("api:case-extensions", [accepted.pk], {"days": 5, "reason": "x"}),
        ("api:case-extension-decision", [accepted.pk, extension.pk], {"approve": True}),
        ("api:case-supervision", [accepted.pk], {"on": True, "reason": "x"}),
    ]:
        assert error_of(api_post(client, name, args, body), 404)
    assert snapshot(accepted)[2:] == (DUE, 10, False, "")


def test_the_admin_shows_extensions_read_only(client, accepted, personas):
    do_request_extension(accepted, actor=personas.clerk_a, days=5, reason="需实地核查")
    client.force_login(personas.admin)
    page = client.get(reverse("admin:cases_case_change", args=[accepted.pk]))
    assert page.status_code == 200 and "需实地核查" in page.content.decode()
    listing = client.get(reverse("admin:cases_case_changelist"), {"supervised__exact": "1"})
    assert listing.status_code == 200
