"""Sessions and slots generated from weekly schedules and their exceptions."""

from __future__ import annotations

import datetime

import pytest

from doorstep.desks.actions import do_generate_sessions
from doorstep.desks.choices import DeskKind, ExceptionKind, SessionStatus
from doorstep.desks.models import DeskException, DeskSchedule, DeskSession, Slot

MONDAY = datetime.date(2026, 11, 30)
T = datetime.time


def rule(desk, weekday, start, end, **kw):
    return DeskSchedule.objects.create(
        desk=desk,
        weekday=weekday,
        start=T.fromisoformat(start),
        end=T.fromisoformat(end),
        valid_from=kw.pop("valid_from", MONDAY),
        **kw,
    )


def test_weekly_rules_make_sessions_and_slots(desk_a):
    rule(desk_a, 0, "09:00", "11:00", slot_minutes=30, capacity=4)
    rule(desk_a, 2, "14:00", "15:00", slot_minutes=20, capacity=2)
    created = do_generate_sessions(desk_a, MONDAY, MONDAY + datetime.timedelta(days=13))
    assert created == 4  # two Mondays, two Wednesdays
    dates = list(DeskSession.objects.values_list("date", flat=True))
    assert dates == [
        MONDAY,
        MONDAY + datetime.timedelta(days=2),
        MONDAY + datetime.timedelta(days=7),
        MONDAY + datetime.timedelta(days=9),
    ]
    monday = DeskSession.objects.get(date=MONDAY)
    assert monday.area_code == desk_a.area.code
    slots = list(monday.slots.values_list("start", "end", "capacity", "booked"))
    assert slots[0] == (T(9), T(9, 30), 4, 0)
    assert len(slots) == 4
    assert DeskSession.objects.get(date=MONDAY + datetime.timedelta(days=2)).slots.count() == 3


def test_generation_is_idempotent(desk_a):
    rule(desk_a, 0, "09:00", "10:00")
    end = MONDAY + datetime.timedelta(days=6)
    assert do_generate_sessions(desk_a, MONDAY, end) == 1
    assert do_generate_sessions(desk_a, MONDAY, end) == 0
    assert DeskSession.objects.count() == 1
    assert Slot.objects.count() == 2


def test_validity_window(desk_a):
    rule(desk_a, 0, "09:00", "10:00", valid_to=MONDAY + datetime.timedelta(days=6))
    do_generate_sessions(desk_a, MONDAY, MONDAY + datetime.timedelta(days=20))
    assert list(DeskSession.objects.values_list("date", flat=True)) == [MONDAY]


def test_closed_exception_skips_the_day(desk_a):
    rule(desk_a, 0, "09:00", "10:00")
    DeskException.objects.create(
        desk=desk_a, date=MONDAY + datetime.timedelta(days=7), kind=ExceptionKind.CLOSED
    )
    do_generate_sessions(desk_a, MONDAY, MONDAY + datetime.timedelta(days=13))
    assert list(DeskSession.objects.values_list("date", flat=True)) == [MONDAY]


def test_closing_a_generated_day_cancels_its_unbooked_session(desk_a):
    rule(desk_a, 0, "09:00", "10:00")
    do_generate_sessions(desk_a, MONDAY, MONDAY)
    DeskException.objects.create(desk=desk_a, date=MONDAY, kind=ExceptionKind.CLOSED)
    do_generate_sessions(desk_a, MONDAY, MONDAY)
    assert DeskSession.objects.get().status == SessionStatus.CANCELLED


def test_open_exception_adds_a_day_and_changes_the_route(personas, make_desk):
    stop_1, stop_2 = (
        personas.compound_a,
        personas.area_a.children.exclude(pk=personas.compound_a.pk).first(),
    )
    desk = make_desk(area=personas.area_a, name="流动办公桌", kind=DeskKind.MOBILE)
    desk.route.set([stop_1, stop_2])
    rule(desk, 1, "09:00", "11:00", compound=stop_1)
    saturday = MONDAY + datetime.timedelta(days=5)
    tuesday = MONDAY + datetime.timedelta(days=1)
    DeskException.objects.create(
        desk=desk, date=saturday, kind=ExceptionKind.OPEN, start=T(10), end=T(11), compound=stop_2
    )
    DeskException.objects.create(
        desk=desk, date=tuesday, kind=ExceptionKind.OPEN, start=T(14), end=T(15), compound=stop_2
    )
    do_generate_sessions(desk, MONDAY, MONDAY + datetime.timedelta(days=6))
    got = list(DeskSession.objects.values_list("date", "start", "area_code"))
    assert got == [(tuesday, T(14), stop_2.code), (saturday, T(10), stop_2.code)]


@pytest.mark.parametrize("minutes,expected", [(30, 2), (25, 2), (60, 1), (90, 0)])
def test_slots_fit_inside_the_session(desk_a, minutes, expected):
    rule(desk_a, 0, "09:00", "10:00", slot_minutes=minutes)
    do_generate_sessions(desk_a, MONDAY, MONDAY)
    assert Slot.objects.count() == expected


def test_desk_and_rule_validation(personas, make_desk):
    from django.core.exceptions import ValidationError

    from doorstep.desks.models import Desk

    with pytest.raises(ValidationError):
        Desk(name="x", kind=DeskKind.FIXED, area=personas.area_a).full_clean()
    with pytest.raises(ValidationError):
        Desk(name="x", kind=DeskKind.MOBILE, area=personas.compound_a).full_clean()
    mobile = make_desk(area=personas.area_a, name="流动", kind=DeskKind.MOBILE)
    fixed = make_desk()
    bad = [
        DeskSchedule(desk=mobile, weekday=0, start=T(9), end=T(10), valid_from=MONDAY),
        DeskSchedule(
            desk=mobile,
            weekday=0,
            start=T(9),
            end=T(10),
            valid_from=MONDAY,
            compound=personas.compound_b,
        ),
        DeskSchedule(
            desk=fixed,
            weekday=0,
            start=T(9),
            end=T(10),
            valid_from=MONDAY,
            compound=personas.compound_b,
        ),
        DeskException(desk=fixed, date=MONDAY, kind=ExceptionKind.OPEN),
    ]
    for rule_ in bad:
        with pytest.raises(ValidationError):
            rule_.full_clean()
    DeskSchedule(
        desk=mobile,
        weekday=0,
        start=T(9),
        end=T(10),
        valid_from=MONDAY,
        compound=personas.compound_a,
    ).full_clean()


def test_official_holidays_close_weekly_sessions_unless_an_exception_opens(desk_a):
    from doorstep.workdays.choices import DayKind
    from doorstep.workdays.models import Holiday

    # 2026-10-01 (Thursday) and 2026-10-03 (Saturday) lie in the National Day break.
    thursday, saturday = datetime.date(2026, 10, 1), datetime.date(2026, 10, 3)
    for day in (thursday, saturday):
        Holiday.objects.update_or_create(date=day, defaults={"kind": DayKind.HOLIDAY})
    rule(desk_a, 3, "09:00", "10:00", valid_from=datetime.date(2026, 9, 1))
    rule(desk_a, 5, "09:00", "10:00", valid_from=datetime.date(2026, 9, 1))
    DeskException.objects.create(
        desk=desk_a,
        date=saturday,
        kind=ExceptionKind.OPEN,
        start=T(14),
        end=T(15),
        slot_minutes=30,
        capacity=2,
    )
    do_generate_sessions(desk_a, datetime.date(2026, 9, 28), datetime.date(2026, 10, 10))
    sessions = list(DeskSession.objects.order_by("date").values_list("date", "start"))
    assert (thursday, T(9)) not in sessions
    assert (saturday, T(14)) in sessions and (saturday, T(9)) not in sessions
    assert (datetime.date(2026, 10, 8), T(9)) in sessions  # the Thursday after the break
