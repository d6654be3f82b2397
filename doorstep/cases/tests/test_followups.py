"""容缺: a case accepted with a material to follow cannot be approved or completed until it came
in; the resident and the handler are reminded before the deadline, and once it passes the case
is flagged on the handler's list.

The suite's clock: Tuesday 2026-12-01 10:00; ``make_case("accept_pending")`` gives the proof
(相关证明材料) five days to follow, until 2026-12-06."""

from __future__ import annotations

import datetime
import io
import json
import zoneinfo

import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.urls import reverse

from doorstep.cases.actions import (
    InvalidTransition,
    do_receive_materials,
    do_remind_followups,
    do_transition,
)
from doorstep.cases.choices import CaseStatus, EventKind
from doorstep.cases.models import Case
from doorstep.notify.models import Message

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
D = datetime.date


def at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, 9, tzinfo=SHANGHAI)


@pytest.fixture
def pending(make_case, frozen):
    case = make_case("accept_pending")
    assert case.pending_deadline == D(2026, 12, 6)
    return case


def _messages(case) -> dict[str, str]:
    return dict(
        Message.objects.filter(idempotency_key__startswith=f"case:{case.pk}:followup")
        .order_by("pk")
        .values_list("idempotency_key", "body")
    )


# ---- approving and completing ------------------------------------------------------------------


def test_completing_with_a_material_to_follow_is_refused(pending, personas):
    with pytest.raises(InvalidTransition, match="相关证明材料"):
        do_transition(pending, "complete", actor=personas.clerk_a)
    assert Case.objects.get(pk=pending.pk).status == CaseStatus.ACCEPTED


def test_approving_with_a_material_to_follow_is_refused(pending, personas):
    do_transition(pending, "forward", actor=personas.clerk_a)
    with pytest.raises(InvalidTransition, match="相关证明材料"):
        do_transition(pending, "approve", actor=personas.reviewer)
    assert Case.objects.get(pk=pending.pk).status == CaseStatus.FORWARDED


def test_once_it_came_in_the_case_completes(pending, personas, materials):
    do_receive_materials(pending, actor=personas.clerk_a, provided=[materials.proof.pk])
    do_transition(pending, "complete", actor=personas.clerk_a)
    assert Case.objects.get(pk=pending.pk).status == CaseStatus.COMPLETED


def test_the_page_says_why_and_changes_nothing(pending, personas, client):
    client.force_login(personas.clerk_a)
    response = client.post(
        reverse("cases-transition", args=[pending.pk, "complete"]), {"revision": pending.revision}
    )
    assert response.status_code == 302
    flashed = " | ".join(str(m) for m in get_messages(response.wsgi_request))
    assert "Materials accepted to follow have not come in yet: 相关证明材料" in flashed
    after = Case.objects.get(pk=pending.pk)
    assert (after.status, after.revision) == (pending.status, pending.revision)


def test_the_api_answers_409_in_the_one_error_shape(pending, personas, client):
    client.force_login(personas.clerk_a)
    response = client.post(
        reverse("api:case-transition", args=[pending.pk]),
        json.dumps({"verb": "complete", "revision": pending.revision}),
        content_type="application/json",
    )
    assert response.status_code == 409
    body = response.json()
    assert set(body) == {"code", "message", "field"}
    assert body["code"] == "invalid_transition" and "相关证明材料" in body["message"]
    assert Case.objects.get(pk=pending.pk).status == CaseStatus.ACCEPTED


# ---- reminders and the late flag ---------------------------------------------------------------


def test_no_reminder_while_the_deadline_is_far(pending):
    run = do_remind_followups()  # 2026-12-01: five days before
    assert (run.reminded, run.late) == (0, 0)
    assert _messages(pending) == {}


def test_resident_and_handler_are_reminded_before_the_deadline_once(pending, frozen):
    frozen.move_to(at(D(2026, 12, 4)))
    assert do_remind_followups().reminded == 1
    sent = _messages(pending)
    assert set(sent) == {
        f"case:{pending.pk}:followup-reminder:2026-12-06",
        f"case:{pending.pk}:followup-due:2026-12-06",
    }
    reminder = sent[f"case:{pending.pk}:followup-reminder:2026-12-06"]
    assert "相关证明材料" in reminder and "2026-12-06" in reminder and pending.receipt in reminder
    resident_message = Message.objects.get(
        idempotency_key=f"case:{pending.pk}:followup-reminder:2026-12-06"
    )
    assert resident_message.resident_id == pending.resident_id
    frozen.move_to(at(D(2026, 12, 5)))
    do_remind_followups()
    assert len(_messages(pending)) == 2  # nothing twice
    assert not Case.objects.get(pk=pending.pk).followups_late


def test_after_the_deadline_the_case_is_flagged_once_and_shown(pending, frozen, client,
                                                               personas):  # fmt: skip
    frozen.move_to(at(D(2026, 12, 7)))
    assert do_remind_followups().late == 1
    case = Case.objects.get(pk=pending.pk)
    assert case.followups_late
    assert case.events.filter(kind=EventKind.LATE).count() == 1
    assert f"case:{pending.pk}:followup-late:2026-12-06" in _messages(pending)
    assert do_remind_followups().late == 0
    assert case.events.filter(kind=EventKind.LATE).count() == 1

    client.force_login(personas.clerk_a)
    listed = client.get(reverse("cases-list")).content.decode()
    assert "materials to follow late (due 2026-12-06)" in listed
    page = client.get(reverse("cases-detail", args=[case.pk])).content.decode()
    assert 'data-followups-late="1"' in page
    api = client.get(reverse("api:cases")).json()["results"]
    assert [(r["receipt"], r["followups_late"]) for r in api] == [(case.receipt, True)]


def test_receiving_the_material_clears_the_flag(pending, frozen, materials, personas, client):
    frozen.move_to(at(D(2026, 12, 7)))
    do_remind_followups()
    do_receive_materials(pending, actor=personas.clerk_a, provided=[materials.proof.pk])
    case = Case.objects.get(pk=pending.pk)
    assert (case.followups_late, case.pending_deadline) == (False, None)
    client.force_login(personas.clerk_a)
    assert "data-followups-late" not in client.get(reverse("cases-list")).content.decode()


def test_a_case_without_materials_to_follow_is_never_flagged(make_case, frozen):
    case = make_case("accept")
    frozen.move_to(at(D(2027, 3, 1)))
    assert do_remind_followups().late == 0
    assert not Case.objects.get(pk=case.pk).followups_late


def test_other_personas_do_not_see_the_flagged_case(pending, frozen, client, personas):
    frozen.move_to(at(D(2026, 12, 7)))
    do_remind_followups()
    for user in (personas.clerk_b, personas.outsider):
        client.force_login(user)
        response = client.get(reverse("cases-list"))
        assert pending.receipt not in response.content.decode()


def test_the_command_and_the_task(pending, frozen):
    from doorstep.cases.tasks import remind_followups

    out = io.StringIO()
    call_command("remind_followups", "--today", "2026-12-04", stdout=out)
    assert out.getvalue().strip() == "Reminded: 1. Newly late: 0."
    frozen.move_to(at(D(2026, 12, 7)))
    assert remind_followups.call() == 1
    assert remind_followups.call() == 0


def test_the_command_refuses_a_bad_date(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("remind_followups", "--today", "7 December")
