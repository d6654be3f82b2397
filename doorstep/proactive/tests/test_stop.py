"""Stops: died, moved away, no longer meeting the grant rule, opted out — ended from the next
period with the reason, notified once; the still-eligible are granted the next period."""

from __future__ import annotations

import datetime

import pytest

from doorstep.notify.models import Message
from doorstep.people.models import Resident
from doorstep.proactive import actions
from doorstep.proactive.choices import EntitlementStatus, StopReason
from doorstep.proactive.models import Entitlement, OptOut
from doorstep.proactive.tests.conftest import SHANGHAI
from doorstep.proactive.tests.test_runs import World, build_world

S = EntitlementStatus
JANUARY = datetime.datetime(2027, 1, 4, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def world(personas, make_resident, make_programme, frozen) -> World:
    world = build_world(personas, make_resident, make_programme)
    actions.do_run_programme(world.programme)  # December: 王秀英 and 李建国
    return world


def entitlement(resident, period="2026-12") -> Entitlement:
    return Entitlement.objects.get(resident=resident, period=period)


@pytest.mark.parametrize("status", ["deceased", "moved_out"])
def test_died_or_moved_away_is_stopped_from_the_next_period(world, frozen, status):
    Resident.objects.filter(pk=world.old_b.pk).update(status=status)
    frozen.move_to(JANUARY)
    run = actions.do_run_programme(world.programme)
    assert (run.period, run.stopped, run.granted, run.unchanged) == ("2027-01", 1, 1, 0)
    december = entitlement(world.old_b)
    assert december.status == S.STOPPED and december.stop_reason == StopReason.STOP_RULE
    assert december.stop_run == run and december.stopped_at is not None
    assert not Entitlement.objects.filter(resident=world.old_b, period="2027-01").exists()
    # The still-eligible one is granted January; December stays as it was.
    assert entitlement(world.old_a, "2027-01").status == S.GRANTED
    assert entitlement(world.old_a).status == S.GRANTED
    (stopped,) = Message.objects.filter(template="programme_stopped")
    assert stopped.resident_id == world.old_b.pk
    assert stopped.idempotency_key == f"entitlement:{december.pk}:stopped"
    assert "高龄津贴" in stopped.body and december.token in stopped.body


def test_a_stop_is_done_and_notified_once(world, frozen):
    Resident.objects.filter(pk=world.old_b.pk).update(status="deceased")
    frozen.move_to(JANUARY)
    actions.do_run_programme(world.programme)
    again = actions.do_run_programme(world.programme)
    assert (again.stopped, again.granted, again.notified, again.unchanged) == (0, 0, 0, 1)
    assert Message.objects.filter(template="programme_stopped").count() == 1


def test_no_longer_meeting_the_grant_rule_is_stopped(world, department):
    actions.do_save_programme(
        world.programme, actor=world.personas.admin, grant_rule='age >= 85 && status == "active"'
    )
    refused = actions.do_run_programme(world.programme)  # the change waits for a second person
    assert (refused.status, refused.stopped) == ("failed", 0)
    programme = world.programme
    actions.do_approve_programme(
        programme, actor=world.personas.administrator, seen=actions.approval_key(programme)
    )
    run = actions.do_run_programme(world.programme)
    assert (run.stopped, run.granted, run.unchanged) == (1, 0, 1)
    e = entitlement(world.old_b)
    assert (e.status, e.stop_reason, e.stop_run) == (S.STOPPED, StopReason.NOT_ELIGIBLE, run)


def test_an_opt_out_stops_what_is_held_at_the_next_run(world):
    actions.do_opt_out(entitlement(world.old_a))
    run = actions.do_run_programme(world.programme)
    assert run.stopped == 1
    e = entitlement(world.old_a)
    assert (e.status, e.stop_reason) == (S.STOPPED, StopReason.OPTED_OUT)


def test_the_monthly_run_regrants_the_still_eligible_and_not_the_stopped(world, frozen):
    Resident.objects.filter(pk=world.old_b.pk).update(status="deceased")
    frozen.move_to(JANUARY)
    actions.do_run_programme(world.programme)
    frozen.move_to(datetime.datetime(2027, 2, 2, 10, 0, tzinfo=SHANGHAI))
    february = actions.do_run_programme(world.programme)
    assert (february.period, february.granted, february.stopped) == ("2027-02", 1, 0)
    assert set(Entitlement.objects.filter(period="2027-02").values_list("resident", flat=True)) == {
        world.old_a.pk
    }
    # The January stop is history: February stops nothing more.
    assert Entitlement.objects.filter(status=S.STOPPED).count() == 1


def test_a_death_later_in_the_month_stops_that_months_entitlement(world, frozen):
    frozen.move_to(JANUARY)
    actions.do_run_programme(world.programme)
    Resident.objects.filter(pk=world.old_a.pk).update(status="deceased")
    frozen.move_to(datetime.datetime(2027, 1, 20, 10, 0, tzinfo=SHANGHAI))
    run = actions.do_run_programme(world.programme)
    assert run.stopped == 1
    assert entitlement(world.old_a, "2027-01").status == S.STOPPED
    assert entitlement(world.old_a).status == S.GRANTED  # December, which was paid, stays


def test_someone_who_comes_back_is_granted_from_the_next_period(world, frozen):
    Resident.objects.filter(pk=world.old_b.pk).update(status="moved_out")
    actions.do_run_programme(world.programme)
    assert entitlement(world.old_b).status == S.STOPPED
    Resident.objects.filter(pk=world.old_b.pk).update(status="active")
    same_month = actions.do_run_programme(world.programme)
    assert (same_month.granted, same_month.stopped) == (0, 0)
    frozen.move_to(JANUARY)
    assert actions.do_run_programme(world.programme).granted == 2


def test_an_open_offer_is_stopped_too(world, make_programme):
    offer = make_programme("offer", 'age >= 80 && status == "active"', mode="offer")
    actions.do_run_programme(offer)
    Resident.objects.filter(pk=world.old_a.pk).update(status="deceased")
    run = actions.do_run_programme(offer)
    assert run.stopped == 1
    e = Entitlement.objects.get(programme=offer, resident=world.old_a)
    assert (e.status, e.stop_reason) == (S.STOPPED, StopReason.NOT_ELIGIBLE)


def test_the_opted_out_count_of_the_preview(world):
    OptOut.objects.create(programme=world.programme, resident=world.old_b, reason="opted_out")
    result = actions.preview(world.programme)
    assert (result.stopped, result.opted_out, result.unchanged) == (1, 1, 1)
