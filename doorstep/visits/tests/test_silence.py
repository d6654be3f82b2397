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
