"""The statutory public holidays (全国年节及纪念日放假办法), for years whose official schedule has
not been entered yet: 元旦 1 day, 春节 4 (除夕 to 初三), 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3.

They are fixed by law for every year; the ``holidays`` package computes the lunar ones. Only
the statutory days are taken: the days off in lieu and the make-up working days (调休) of a year
are known only once the State Council publishes its notice, so a due date counted with these is
*provisional* (``calendar.is_provisional``).
"""

from __future__ import annotations

import datetime
from functools import cache

import holidays

# The package's English names of the statutory days; substitute days and observed days (in
# lieu of a holiday on a weekend) are left out.
STATUTORY = frozenset(
    {
        "New Year's Day",
        "Chinese New Year's Eve",
        "Chinese New Year (Spring Festival)",
        "Tomb-Sweeping Day",
        "Labor Day",
        "Dragon Boat Festival",
        "Mid-Autumn Festival",
        "National Day",
    }
)


@cache
def statutory_holidays(year: int) -> dict[datetime.date, str]:
    """The statutory public holidays of ``year`` (weekends included), with their English name."""
    days = holidays.China(years=year, observed=False, language="en_US")
    return {day: name for day, name in sorted(days.items()) if name in STATUTORY}


@cache
def weekday_holidays(year: int) -> tuple[datetime.date, ...]:
    """The statutory holidays of ``year`` that fall on a weekday, sorted."""
    return tuple(day for day in statutory_holidays(year) if day.weekday() < 5)
