"""The clock in working days: holidays and make-up days (调休), pauses while the resident
corrects or supplies materials, and the green / yellow / red colours."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
import time_machine

from doorstep.cases import clock
from doorstep.cases.actions import do_receive_materials, do_transition
from doorstep.cases.choices import Clock

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
D = datetime.date


def at(day: datetime.date, hour: int = 10):
    return time_machine.travel(
        datetime.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI), tick=False
    )


@pytest.fixture
def limit(service):
    """Set the published version's promised limit (versions are immutable: a direct update)."""
    from doorstep.catalogue.models import ServiceVersion

    def set_limit(days: int) -> None:
        ServiceVersion.objects.filter(pk=service.published_version().pk).update(
            promised_limit_days=days
        )

    return set_limit


def test_due_date_skips_national_day_and_counts_the_make_up_saturday(make_case, limit):
    limit(5)
    with at(D(2026, 9, 30)):  # Wednesday, the day before the National Day break
        case = make_case("accept")
    # Oct 1–7 are off; Thu 8, Fri 9, Sat 10 (调休 working day), Mon 12, Tue 13.
    assert case.accepted_on == D(2026, 9, 30)
    assert case.due_on == D(2026, 10, 13)
    assert case.warn_on == D(2026, 10, 12)  # 4 of 5 days used = 80%


def test_the_day_of_acceptance_never_counts_even_on_a_make_up_day(make_case, limit):
    limit(1)
    with at(D(2026, 10, 10)):  # Saturday, a make-up working day
        case = make_case("accept")
    assert case.due_on == D(2026, 10, 12)


def test_accepted_on_a_holiday_counts_from_the_next_working_day(make_case, limit):
    limit(2)
    with at(D(2026, 10, 3)):
        case = make_case("accept")
    assert case.due_on == D(2026, 10, 9)


def test_done_on_the_spot_is_due_the_same_day(make_case, limit):
    limit(0)
    with at(D(2026, 12, 1)):
        case = make_case("accept")
    assert case.due_on == case.warn_on == D(2026, 12, 1)
    assert case.clock(D(2026, 12, 1)) == Clock.YELLOW
    assert case.clock(D(2026, 12, 2)) == Clock.RED


def test_colours_green_yellow_red(make_case, limit):
    limit(10)
    with at(D(2026, 12, 1)):
        case = make_case("accept")
    assert case.due_on == D(2026, 12, 15)
    assert case.warn_on == D(2026, 12, 11)  # 8 of 10 working days
    assert case.clock(D(2026, 12, 10)) == Clock.GREEN
    assert case.clock(D(2026, 12, 11)) == Clock.YELLOW
    assert case.clock(D(2026, 12, 15)) == Clock.YELLOW
    assert case.clock(D(2026, 12, 16)) == Clock.RED
    assert clock.remaining_days(case, D(2026, 12, 10)) == 3
    assert clock.used_days(case, D(2026, 12, 10)) == 7


def test_the_clock_stops_while_the_resident_supplies_materials(
    make_case, limit, personas, materials
):
    limit(10)
    with at(D(2026, 9, 21)):  # Monday
        case = make_case("accept")
    assert case.due_on == D(2026, 10, 12)
    with at(D(2026, 9, 24)):
        do_transition(
            case,
            "request_materials",
            actor=personas.clerk_a,
            reason="申请表签名缺失",
            materials=[materials.form.pk],
        )
    case.refresh_from_db()
    assert case.paused_since == D(2026, 9, 24)
    assert case.clock(D(2026, 10, 20)) == Clock.PAUSED  # stopped: never red
    from doorstep.cases.models import Case

    assert not Case.objects.overdue(D(2026, 10, 20)).exists()
    with at(D(2026, 10, 9)):
        do_receive_materials(case, actor=personas.clerk_a, provided=[materials.form.pk])
        do_transition(case, "supply", actor=personas.clerk_a)
    case.refresh_from_db()
    # Stopped over 28, 29, 30 Sep, 8 and 9 Oct: five working days later.
    assert case.paused_days == 5
    assert case.paused_since is None
    assert case.due_on == D(2026, 10, 19)
    assert clock.used_days(case, D(2026, 10, 9)) == 3
    assert clock.remaining_days(case, D(2026, 10, 9)) == 7


def test_a_pause_and_restart_on_the_same_day_costs_nothing(make_case, limit, personas):
    limit(10)
    with at(D(2026, 12, 1)):
        case = make_case("accept")
        do_transition(case, "forward", actor=personas.clerk_a)
        do_transition(case, "return", actor=personas.reviewer, reason="照片不清晰")
        case.refresh_from_db()
        assert case.clock(D(2026, 12, 1)) == Clock.PAUSED
        do_transition(case, "resubmit", actor=personas.clerk_a)
    case.refresh_from_db()
    assert case.paused_days == 0
    assert case.due_on == D(2026, 12, 15)


def test_a_return_for_correction_over_a_weekend_and_holiday(make_case, limit, personas):
    limit(3)
    with at(D(2026, 9, 30)):
        case = make_case("accept")
        do_transition(case, "forward", actor=personas.clerk_a)
        do_transition(case, "return", actor=personas.reviewer, reason="补正")
    with at(D(2026, 10, 8)):  # back after the break: only Oct 8 was a lost working day
        do_transition(case, "resubmit", actor=personas.clerk_a)
    case.refresh_from_db()
    assert case.paused_days == 1
    # Without the pause: Oct 8, 9, 10 → due Oct 10; one day later: Oct 12.
    assert case.due_on == D(2026, 10, 12)
