"""Years without an official schedule: the statutory public holidays (from the real ``holidays``
data) and the provisional flag."""

from __future__ import annotations

import datetime
import itertools
from collections import Counter

import pytest

from doorstep.workdays import calendar
from doorstep.workdays.choices import DayKind
from doorstep.workdays.models import Holiday
from doorstep.workdays.seed import seed_holidays
from doorstep.workdays.statutory import statutory_holidays

D = datetime.date
# 全国年节及纪念日放假办法 (as amended in 2024): days off for everyone, by festival.
BY_LAW = {
    "New Year's Day": 1,
    "Spring Festival": 4,  # 除夕 to 初三
    "Tomb-Sweeping Day": 1,
    "Labor Day": 2,
    "Dragon Boat Festival": 1,
    "Mid-Autumn Festival": 1,
    "National Day": 3,
}


def _festival(name: str) -> str:
    return "Spring Festival" if "Chinese New Year" in name else name


@pytest.mark.parametrize("year", [2027, 2030])
def test_the_statutory_days_of_a_year_are_the_ones_the_law_gives(year):
    days = statutory_holidays(year)
    assert Counter(_festival(n) for n in days.values()) == BY_LAW
    assert sum(BY_LAW.values()) == len(days) == 13
    new_year = [d for d, n in days.items() if n == "New Year's Day"]
    national = [d for d, n in days.items() if n == "National Day"]
    assert new_year == [D(year, 1, 1)]
    assert national == [D(year, 10, 1), D(year, 10, 2), D(year, 10, 3)]
    spring = sorted(d for d, n in days.items() if _festival(n) == "Spring Festival")
    assert [(b - a).days for a, b in itertools.pairwise(spring)] == [1, 1, 1]


def test_2027_spring_festival_is_eve_to_the_third_day():
    # 2027 lunar new year: Saturday 6 February; 除夕 Friday 5 February.
    spring = sorted(
        d for d, n in statutory_holidays(2027).items() if _festival(n) == "Spring Festival"
    )
    assert spring == [D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8)]


@pytest.fixture
def seeded(db):
    Holiday.objects.all().delete()
    seed_holidays()


def test_new_years_day_2027_is_not_a_working_day_without_the_schedule(seeded):
    assert 2027 not in calendar.known_years()
    assert not calendar.is_working_day(D(2027, 1, 1))  # a Friday
    assert calendar.is_public_holiday(D(2027, 1, 1))
    assert calendar.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
    # Tuesday 2027-02-09 is a working day by statute (no 调休 known yet), Monday 8 is not.
    assert not calendar.is_working_day(D(2027, 2, 8))
    assert calendar.is_working_day(D(2027, 2, 9))
    # (2026-12-31, 2027-01-08]: 6 weekdays less New Year's Day; the count inverts the addition.
    assert calendar.working_days_between(D(2026, 12, 31), D(2027, 1, 8)) == 5
    for n in range(0, 60, 7):
        day = calendar.add_working_days(D(2026, 12, 20), n)
        assert calendar.working_days_between(D(2026, 12, 20), day) == n


def test_provisional_when_the_count_crosses_a_year_without_its_schedule(seeded):
    assert not calendar.is_provisional(D(2026, 12, 1), D(2026, 12, 31))
    assert calendar.is_provisional(D(2026, 12, 1), D(2027, 1, 13))
    Holiday.objects.create(date=D(2027, 1, 1), kind=DayKind.HOLIDAY, name="元旦")
    assert not calendar.is_provisional(D(2026, 12, 1), D(2027, 1, 13))
    # The entered schedule replaces the statute for its year: 2027-10-01 is no longer a
    # holiday until the administrator enters it.
    assert calendar.is_working_day(D(2027, 10, 1))
