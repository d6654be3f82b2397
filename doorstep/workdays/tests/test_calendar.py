"""The working-day calendar against the State Council's 2025 and 2026 notices."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.management import call_command

from doorstep.workdays import calendar
from doorstep.workdays.calendar import (
    add_working_days,
    is_working_day,
    known_years,
    working_days_between,
)
from doorstep.workdays.checks import check_years_seeded
from doorstep.workdays.choices import DayKind, Source
from doorstep.workdays.models import Holiday
from doorstep.workdays.seed import package_years, seed_holidays

D = datetime.date


def span(a: datetime.date, b: datetime.date) -> list[datetime.date]:
    return [a + datetime.timedelta(days=i) for i in range((b - a).days + 1)]


@pytest.fixture
def seeded(db):
    """The table as a fresh database has it (seeded after migrate), whatever ran before."""
    Holiday.objects.all().delete()
    seed_holidays()


OFF_2025 = [
    D(2025, 1, 1),
    *span(D(2025, 1, 28), D(2025, 2, 4)),  # 春节
    *span(D(2025, 4, 4), D(2025, 4, 6)),  # 清明
    *span(D(2025, 5, 1), D(2025, 5, 5)),  # 劳动节
    *span(D(2025, 5, 31), D(2025, 6, 2)),  # 端午
    *span(D(2025, 10, 1), D(2025, 10, 8)),  # 国庆 + 中秋
]
MAKEUP_2025 = [D(2025, 1, 26), D(2025, 2, 8), D(2025, 4, 27), D(2025, 9, 28), D(2025, 10, 11)]

OFF_2026 = [
    *span(D(2026, 1, 1), D(2026, 1, 3)),  # 元旦
    *span(D(2026, 2, 15), D(2026, 2, 23)),  # 春节, nine days
    *span(D(2026, 4, 4), D(2026, 4, 6)),  # 清明
    *span(D(2026, 5, 1), D(2026, 5, 5)),  # 劳动节
    *span(D(2026, 6, 19), D(2026, 6, 21)),  # 端午
    *span(D(2026, 9, 25), D(2026, 9, 27)),  # 中秋
    *span(D(2026, 10, 1), D(2026, 10, 7)),  # 国庆
]
MAKEUP_2026 = [
    D(2026, 1, 4),  # Sunday
    D(2026, 2, 14),  # Saturday
    D(2026, 2, 28),  # Saturday
    D(2026, 5, 9),  # Saturday
    D(2026, 9, 20),  # Sunday
    D(2026, 10, 10),  # Saturday
]


@pytest.mark.parametrize("day", OFF_2025 + OFF_2026, ids=str)
def test_official_days_off(seeded, day):
    assert not is_working_day(day)


@pytest.mark.parametrize("day", MAKEUP_2025 + MAKEUP_2026, ids=str)
def test_official_make_up_working_days(seeded, day):
    assert day.weekday() >= 5
    assert is_working_day(day)


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_other_day_follows_monday_to_friday(seeded, year):
    off, makeup = set(OFF_2025 + OFF_2026), set(MAKEUP_2025 + MAKEUP_2026)
    for day in span(D(year, 1, 1), D(year, 12, 31)):
        if day not in off and day not in makeup:
            assert is_working_day(day) == (day.weekday() < 5), day


def test_year_totals(seeded):
    # 2025: 261 weekdays − 18 weekdays off + 5 make-up weekend days = 248.
    assert working_days_between(D(2024, 12, 31), D(2025, 12, 31)) == 248
    assert sum(is_working_day(d) for d in span(D(2025, 1, 1), D(2025, 12, 31))) == 248
    assert working_days_between(D(2025, 12, 31), D(2026, 12, 31)) == sum(
        is_working_day(d) for d in span(D(2026, 1, 1), D(2026, 12, 31))
    )


def test_start_day_never_counts(seeded):
    # Accepted on Monday 2025-03-03: one working day is Tuesday.
    assert add_working_days(D(2025, 3, 3), 1) == D(2025, 3, 4)
    assert add_working_days(D(2025, 3, 7), 1) == D(2025, 3, 10)  # Friday → Monday


def test_zero_days_is_the_same_day(seeded):
    assert add_working_days(D(2025, 3, 3), 0) == D(2025, 3, 3)
    assert add_working_days(D(2025, 10, 1), 0) == D(2025, 10, 1)
    assert working_days_between(D(2025, 3, 3), D(2025, 3, 3)) == 0


def test_negative_days_refused(seeded):
    with pytest.raises(ValueError):
        add_working_days(D(2025, 3, 3), -1)


def test_across_spring_festival_2025(seeded):
    # Accepted Friday 2025-01-24: Sun 1/26 (make-up) is day 1, Mon 1/27 day 2, then the break
    # to 2/4, Wed 2/5 day 3, Thu 4, Fri 5, Sat 2/8 (make-up) day 6.
    start = D(2025, 1, 24)
    assert add_working_days(start, 1) == D(2025, 1, 26)
    assert add_working_days(start, 2) == D(2025, 1, 27)
    assert add_working_days(start, 3) == D(2025, 2, 5)
    assert add_working_days(start, 6) == D(2025, 2, 8)
    assert add_working_days(start, 7) == D(2025, 2, 10)


def test_across_spring_festival_2026(seeded):
    # Accepted Friday 2026-02-13: Sat 2/14 (make-up) is day 1, then the break to 2/23.
    start = D(2026, 2, 13)
    assert add_working_days(start, 1) == D(2026, 2, 14)
    assert add_working_days(start, 2) == D(2026, 2, 24)


def test_starting_on_a_holiday(seeded):
    # Accepted during 国庆 2025: the first working day is Thursday 10/9.
    assert add_working_days(D(2025, 10, 1), 1) == D(2025, 10, 9)
    assert add_working_days(D(2025, 10, 1), 3) == D(2025, 10, 11)  # make-up Saturday
    assert calendar.next_working_day(D(2025, 10, 1)) == D(2025, 10, 9)
    assert calendar.next_working_day(D(2025, 10, 9)) == D(2025, 10, 9)


def test_national_day_2026(seeded):
    assert add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 10)  # make-up Saturday


def test_between_is_the_inverse_of_add(seeded):
    for start in span(D(2025, 1, 20), D(2025, 2, 15)) + span(D(2026, 9, 15), D(2026, 10, 15)):
        for n in (0, 1, 2, 5, 10, 20, 60):
            end = add_working_days(start, n)
            assert working_days_between(start, end) == n
            assert working_days_between(end, start) == -n


def test_between_counts_make_up_days_and_skips_holidays(seeded):
    # (2025-09-26, 2025-10-12]: Sun 9/28 make-up, Mon 9/29, Tue 9/30, 10/1–10/8 off,
    # Thu 10/9, Fri 10/10, Sat 10/11 make-up = 6.
    assert working_days_between(D(2025, 9, 26), D(2025, 10, 12)) == 6


def test_unknown_years_fall_back_to_monday_to_friday(seeded):
    assert 2040 not in known_years()
    assert is_working_day(D(2040, 1, 2))  # a Monday; whatever 2040 brings, nobody knows yet
    assert not is_working_day(D(2040, 1, 7))
    assert add_working_days(D(2040, 1, 6), 1) == D(2040, 1, 9)
    assert working_days_between(D(2040, 1, 1), D(2040, 1, 31)) == 22


def test_seed_is_idempotent_and_keeps_edits(seeded):
    count = Holiday.objects.count()
    assert seed_holidays() == 0
    assert Holiday.objects.count() == count
    # An administrator moves a make-up day and renames a holiday.
    Holiday.objects.filter(date=D(2025, 10, 11)).delete()
    Holiday.objects.filter(date=D(2025, 10, 1)).update(name="国庆", source=Source.EDITED)
    assert not is_working_day(D(2025, 10, 11))
    call_command("seed_holidays", "2025")  # puts back only what is missing
    assert is_working_day(D(2025, 10, 11))
    assert Holiday.objects.get(date=D(2025, 10, 1)).name == "国庆"
    assert Holiday.objects.get(date=D(2025, 1, 28)).name == "春节"


def test_seeding_after_migrate_keeps_deleted_dates(seeded):
    from doorstep.workdays.seed import seed_missing_years

    Holiday.objects.filter(date=D(2025, 10, 11)).delete()
    assert seed_missing_years() == 0
    assert not Holiday.objects.filter(date=D(2025, 10, 11)).exists()


def test_admin_edit_seen_at_once(seeded):
    Holiday.objects.create(date=D(2030, 3, 4), kind=DayKind.HOLIDAY, name="test")
    assert not is_working_day(D(2030, 3, 4))
    assert 2030 in known_years()
    Holiday.objects.filter(date=D(2030, 3, 4)).get().delete()
    assert is_working_day(D(2030, 3, 4))


def test_one_query_per_call_never_per_day(seeded, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        add_working_days(D(2025, 1, 1), 240)
    with django_assert_max_num_queries(1):
        working_days_between(D(2025, 1, 1), D(2026, 12, 31))


def test_cached_per_process_once_committed(seeded, django_assert_num_queries):
    calendar._settle()  # as if the fixture's edits had committed
    try:
        with django_assert_num_queries(1):
            add_working_days(D(2025, 1, 1), 240)
            working_days_between(D(2025, 1, 1), D(2026, 12, 31))
            is_working_day(D(2026, 2, 14))
    finally:
        calendar.invalidate()  # inside the test transaction: caching stays off until commit


def test_known_years_and_package(seeded):
    assert {2025, 2026} <= set(known_years())
    assert set(known_years()) == set(package_years())


def test_system_check_warns_about_missing_years(seeded):
    last = package_years()[-1]
    with time_machine.travel(datetime.datetime(last, 6, 1, 12), tick=False):
        assert check_years_seeded() == []
    with time_machine.travel(datetime.datetime(last, 11, 20, 12), tick=False):
        warnings = check_years_seeded()
        assert [w.id for w in warnings] == ["workdays.W001"]
        assert str(last + 1) in warnings[0].msg
    with time_machine.travel(datetime.datetime(last + 1, 1, 5, 12), tick=False):
        assert len(check_years_seeded()) == 1


def test_admin_lists_holidays_for_superusers_only(seeded, client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="pw")
    clerk = django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    client.force_login(clerk)
    assert client.get("/admin/workdays/holiday/").status_code == 403
    client.force_login(admin)
    response = client.get("/admin/workdays/holiday/?date__year=2025")
    assert response.status_code == 200
    assert "春节" in response.content.decode()
    response = client.post(
        "/admin/workdays/holiday/add/",
        {"date": "2030-01-02", "kind": DayKind.HOLIDAY, "name": "元旦"},
    )
    assert response.status_code == 302
    assert Holiday.objects.get(date=D(2030, 1, 2)).source == Source.EDITED
    assert not is_working_day(D(2030, 1, 2))
