"""The silence alarm (red list): ruled residents nobody met or heard from, whose programme
message was not delivered, for longer than the silence period."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from doorstep.cases.tests.conftest import holidays, materials, service  # noqa: F401 (fixtures)
from doorstep.notify.models import Message
from doorstep.visits.queries import silent_residents

from .conftest import NOW

OLD = NOW - datetime.timedelta(days=40)


def _message(resident, *, status="failed", template="programme_granted", at=OLD):
    with time_machine.travel(at, tick=False):
        return Message.objects.create(
            channel="sms",
            resident=resident,
            address="13800000000",
            template=template,
            language="zh-hans",
            body="您已获得高龄津贴",
            idempotency_key=f"entitlement:{resident.pk}:{template}:{status}:{at.isoformat()}",
            status=status,
        )


@pytest.fixture
def undelivered(street):
    for r in (street.zhang, street.li, street.wang, street.liu, street.zhao):
        _message(r)


def _names(user) -> list[str]:
    return sorted(r.name for r in silent_residents(user))


def test_silent_vulnerable_residents_are_on_the_red_list(street, personas, undelivered):
    # 刘德华 holds no ruled tag; 李王氏 has no message.
    assert _names(personas.clerk_a) == ["张桂兰", "李建国", "王秀英"]
    assert _names(personas.grid_a) == ["张桂兰", "李建国"]  # their grid only
    assert _names(personas.grid_b) == ["赵丽"]
    assert _names(personas.outsider) == [] and _names(personas.reviewer) == []


def test_a_met_visit_inside_the_period_silences_the_alarm(street, personas, undelivered,
                                                         log_visit):  # fmt: skip
    log_visit(street.alone_a, days_ago=5)
    log_visit(street.disabled_a, days_ago=5, outcome="nobody_home")  # not met: still silent
    assert _names(personas.clerk_a) == ["李建国", "王秀英"]


def test_a_delivered_or_recent_or_other_message_does_not_count(street, personas):
    _message(street.zhang, status="sent")
    _message(street.li, at=NOW - datetime.timedelta(days=3))  # not long enough yet
    _message(street.wang, template="case_overdue")  # not a programme message
    assert _names(personas.clerk_a) == []


def test_the_period_is_a_setting(street, personas, undelivered, settings):
    settings.DOORSTEP_VISIT_SILENCE_DAYS = 60
    assert _names(personas.clerk_a) == []


@pytest.mark.usefixtures("holidays")
def test_a_case_taken_in_for_the_resident_is_contact(street, personas, undelivered, request):
    matter, needed = request.getfixturevalue("service"), request.getfixturevalue("materials")
    from doorstep.cases.actions import do_intake

    do_intake(
        actor=personas.clerk_a,
        resident=street.zhang,
        service=matter,
        outcome="accept",
        provided=[*needed.required, needed.proof.pk],
    )
    assert "张桂兰" not in _names(personas.clerk_a)


def test_red_list_api_and_page(client, street, personas, undelivered):
    client.force_login(personas.grid_a)
    out = client.get("/api/v1/visits/silent/").json()
    assert out["silence_days"] == 30 and out["count"] == 2
    assert {r["resident"]["name"] for r in out["results"]} == {"张桂兰", "李建国"}
    assert out["results"][0]["last_met"] is None
    page = client.get("/visits/silent/")
    assert page.status_code == 200 and "张桂兰" in page.text and "王秀英" not in page.text
    client.force_login(personas.outsider)
    assert client.get("/api/v1/visits/silent/").json()["count"] == 0
    assert client.get("/visits/silent/").status_code == 403


# ---- a silence period per visit rule -----------------------------------------------------------


def _period(personas, code: str, days: int | None) -> None:
    from doorstep.people.models import Tag
    from doorstep.visits.actions import do_set_visit_rule
    from doorstep.visits.models import VisitRule

    rule = VisitRule.objects.get(tag__code=code)
    tag = Tag.objects.get(code=code)
    do_set_visit_rule(actor=personas.admin, tag=tag, interval_days=rule.interval_days,
                      silence_days=days)  # fmt: skip


def test_a_rule_sets_its_own_period(street, personas, undelivered, settings):
    settings.DOORSTEP_VISIT_SILENCE_DAYS = 60  # the messages are 40 days old
    _period(personas, "disabled", 20)
    assert _names(personas.clerk_a) == ["李建国"]
    settings.DOORSTEP_VISIT_SILENCE_DAYS = 30
    _period(personas, "living-alone", 90)  # longer than the default: not yet
    assert _names(personas.clerk_a) == ["李建国"]
    _period(personas, "living-alone", None)  # back to the default
    assert _names(personas.clerk_a) == ["张桂兰", "李建国", "王秀英"]


def test_the_shortest_period_of_the_residents_rules_counts(street, personas, undelivered):
    from doorstep.people.models import ResidentTag, Tag

    ResidentTag.objects.create(resident=street.zhang, tag=Tag.objects.get(code="disabled"))
    _period(personas, "living-alone", 90)
    _period(personas, "disabled", 35)
    assert _names(personas.clerk_a) == ["张桂兰", "李建国"]  # 35 < 40 days; 王秀英 waits 90
    _period(personas, "disabled", 45)
    assert _names(personas.clerk_a) == []


def test_a_met_visit_inside_a_rules_period_counts(street, personas, undelivered, log_visit):
    _period(personas, "living-alone", 10)
    log_visit(street.alone_a, days_ago=12)  # met, but before the 10-day period began
    assert _names(personas.clerk_a) == ["张桂兰", "李建国", "王秀英"]
    log_visit(street.alone_a, days_ago=8)
    assert _names(personas.clerk_a) == ["李建国", "王秀英"]


def test_period_on_the_rules_page_api_and_red_list(client, street, personas, undelivered):
    from doorstep.visits.models import VisitRule

    client.force_login(personas.grid_a)  # may read, not change
    form = {"tag": "disabled", "interval_days": 30, "silence_days": 20}
    assert client.post("/visits/rules/", form).status_code == 403
    client.force_login(personas.administrator)
    assert client.post("/visits/rules/", {**form, "silence_days": 0}).status_code == 400
    assert client.post("/visits/rules/", {**form, "silence_days": 367}).status_code == 400
    assert VisitRule.objects.get(tag__code="disabled").silence_days is None
    assert client.post("/visits/rules/", form).status_code == 302
    assert VisitRule.objects.get(tag__code="disabled").silence_days == 20
    assert "20" in client.get("/visits/rules/").text
    api = "/api/v1/visits/rules/"
    bad = client.post(api, {"tag": "living-alone", "interval_days": 7, "silence_days": 0},
                      content_type="application/json")  # fmt: skip
    assert bad.status_code == 400 and bad.json()["field"] == "silence_days"
    ok = client.post(api, {"tag": "living-alone", "interval_days": 7, "silence_days": 12},
                     content_type="application/json")  # fmt: skip
    assert ok.status_code == 200 and ok.json()["silence_days"] == 12
    rules = {r["tag"]: r["silence_days"] for r in client.get(api).json()}
    assert rules == {"living-alone": 12, "disabled": 20}
    client.force_login(personas.clerk_a)
    out = client.get("/api/v1/visits/silent/").json()
    assert {r["resident"]["name"]: r["silence_days"] for r in out["results"]} == {
        "张桂兰": 12, "李建国": 20, "王秀英": 12,
    }  # fmt: skip
    client.force_login(personas.grid_b)
    assert client.post(api, {"tag": "disabled", "interval_days": 30, "silence_days": 99},
                       content_type="application/json").status_code == 403  # fmt: skip
    assert VisitRule.objects.get(tag__code="disabled").silence_days == 20


def test_period_in_the_admin(client, street, personas):
    from doorstep.visits.models import VisitEvent, VisitRule

    rule = VisitRule.objects.get(tag__code="disabled")
    url = f"/admin/visits/visitrule/{rule.pk}/change/"
    client.force_login(personas.admin)
    form = {"tag": rule.tag_id, "interval_days": 30, "silence_days": 14}
    assert client.post(url, {**form, "silence_days": 0}).status_code == 200  # refused
    assert VisitRule.objects.get(pk=rule.pk).silence_days is None
    assert client.post(url, form).status_code == 302
    assert VisitRule.objects.get(pk=rule.pk).silence_days == 14
    event = VisitEvent.objects.filter(kind="rule_set").latest("pk")
    assert event.data["silence_days"] == 14 and event.data["before"] == [30, None]


def test_a_rule_and_its_event_are_one_transaction(street, personas, monkeypatch):
    from doorstep.visits.models import VisitEvent, VisitRule

    def broken(**kwargs):
        raise RuntimeError("the event could not be written")

    monkeypatch.setattr(VisitEvent.objects, "create", broken)
    with pytest.raises(RuntimeError):
        _period(personas, "disabled", 20)
    assert VisitRule.objects.get(tag__code="disabled").silence_days is None
