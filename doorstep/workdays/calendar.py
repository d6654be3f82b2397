"""Working days in mainland China: Monday–Friday, minus public holidays, plus make-up working
days (调休), as held in the ``Holiday`` table.

Counting rule (the practice of 承诺时限): a time limit of *n* working days starts on the first
working day **after** the day of acceptance, so the day a case is accepted never counts, even when
it is a working day. ``add_working_days(d, n)`` is the n-th working day after ``d``, and
``working_days_between(a, b)`` counts the working days in the half-open range ``(a, b]``; they
are inverses: ``working_days_between(d, add_working_days(d, n)) == n``.

Years the table does not cover (the official schedule not entered yet) fall back to the
statutory public holidays (``statutory``: 元旦, 春节 … fixed by law, without the year's 调休);
a date counted across such a year is *provisional* (``is_provisional``) and is recounted when
the schedule is entered (the ``schedule_changed`` signal). ``known_years()`` says which years
are covered, and a system check warns when the current (or, late in the year, the next) year
is missing.

The whole table (a few dozen rows a year) is read in one query and kept per process; saving or
deleting a ``Holiday`` clears it at once, and it is re-read at least every ``CACHE_SECONDS`` so
that edits made in another process show up.
"""

from __future__ import annotations

import bisect
import datetime
import threading
import time
from dataclasses import dataclass

from django.db import transaction

from .statutory import statutory_holidays, weekday_holidays

CACHE_SECONDS = 300


@dataclass(frozen=True)
class Exceptions:
    holidays: frozenset[datetime.date]  # days off on a weekday (weekend ones change nothing)
    workdays: frozenset[datetime.date]  # make-up working days on a weekend
    years: tuple[int, ...]
    # Sorted, for counting over a range with bisect.
    holiday_list: tuple[datetime.date, ...]
    workday_list: tuple[datetime.date, ...]
    # Every day of a public holiday, weekends included (desks close on all of them).
    public_holidays: frozenset[datetime.date] = frozenset()

    def official(self, year: int) -> bool:
        """Whether ``year``'s official schedule is in the table."""
        return year in self.years

    def is_holiday(self, day: datetime.date) -> bool:
        """A weekday off: from the table, or by statute in a year the table lacks."""
        if day.year in self.years:
            return day in self.holidays
        return day.weekday() < 5 and day in statutory_holidays(day.year)

    def holidays_in(self, a: datetime.date, b: datetime.date) -> int:
        """Weekday holidays in (a, b], the statutory ones in years the table lacks."""
        count = _count(self.holiday_list, a, b)
        for year in range(a.year, b.year + 1):
            if year not in self.years:
                count += _count(weekday_holidays(year), a, b)
        return count


_lock = threading.Lock()
_cached: Exceptions | None = None
_loaded_at = 0.0
# Set while an edit may still be rolled back: nothing is cached until it commits.
_dirty = False


def _load() -> Exceptions:
    from .choices import DayKind
    from .models import Holiday

    holidays, workdays, years, public = set(), set(), set(), set()
    for day, kind in Holiday.objects.values_list("date", "kind"):
        years.add(day.year)
        if kind == DayKind.HOLIDAY:
            public.add(day)
        if kind == DayKind.HOLIDAY and day.weekday() < 5:
            holidays.add(day)
        elif kind == DayKind.WORKDAY and day.weekday() >= 5:
            workdays.add(day)
    return Exceptions(
        frozenset(holidays),
        frozenset(workdays),
        tuple(sorted(years)),
        tuple(sorted(holidays)),
        tuple(sorted(workdays)),
        frozenset(public),
    )


def exceptions() -> Exceptions:
    """The holiday table, from the per-process cache when it is fresh."""
    global _cached, _loaded_at
    with _lock:
        if _cached is not None and time.monotonic() - _loaded_at < CACHE_SECONDS:
            return _cached
    loaded = _load()
    with _lock:
        if not _dirty:
            _cached, _loaded_at = loaded, time.monotonic()
    return loaded


def _settle() -> None:
    global _cached, _dirty
    with _lock:
        _cached, _dirty = None, False


def invalidate(**kwargs) -> None:
    """Forget the cached table (connected to Holiday's post_save and post_delete).

    Inside a transaction the edit might still roll back, so caching stays off until it commits.
    """
    global _cached, _dirty
    with _lock:
        _cached = None
        if transaction.get_connection().in_atomic_block:
            _dirty = True
            transaction.on_commit(_settle)


def known_years() -> tuple[int, ...]:
    """The years that have at least one entry in the holiday table."""
    return exceptions().years


def is_provisional(start: datetime.date, end: datetime.date) -> bool:
    """Whether working days counted from ``start`` to ``end`` cross a year whose official
    schedule is not in the table (counted with the statutory holidays only, so the date may
    still move when the schedule is entered)."""
    ex = exceptions()
    a, b = min(start, end), max(start, end)
    return any(not ex.official(year) for year in range(a.year, b.year + 1))


def is_public_holiday(day: datetime.date) -> bool:
    """A day of an official holiday break (or, in a year without one, a statutory holiday),
    whatever the weekday."""
    ex = exceptions()
    if ex.official(day.year):
        return day in ex.public_holidays
    return day in statutory_holidays(day.year)


def is_working_day(day: datetime.date) -> bool:
    ex = exceptions()
    if day.weekday() < 5:
        return not ex.is_holiday(day)
    return day in ex.workdays


def _weekdays_upto(day: datetime.date) -> int:
    """Mondays–Fridays from a fixed Monday (0001-01-01) up to and including ``day``."""
    n = day.toordinal()  # ordinal 1 is a Monday
    weeks, rest = divmod(n, 7)
    return weeks * 5 + min(rest, 5)


def _count(items: tuple[datetime.date, ...], a: datetime.date, b: datetime.date) -> int:
    """How many of the sorted ``items`` lie in (a, b]."""
    return bisect.bisect_right(items, b) - bisect.bisect_right(items, a)


def working_days_between(a: datetime.date, b: datetime.date) -> int:
    """Working days after ``a`` up to and including ``b``; negative when ``b`` is before ``a``."""
    if b < a:
        return -working_days_between(b, a)
    ex = exceptions()
    return (
        _weekdays_upto(b) - _weekdays_upto(a) - ex.holidays_in(a, b) + _count(ex.workday_list, a, b)
    )


def add_working_days(day: datetime.date, n: int) -> datetime.date:
    """The n-th working day after ``day`` (``day`` itself never counts); ``n=0`` is ``day``."""
    if n < 0:
        raise ValueError("n must be zero or more")
    ex = exceptions()
    current = day
    while n:
        current += datetime.timedelta(days=1)
        if (current.weekday() < 5 and not ex.is_holiday(current)) or current in ex.workdays:
            n -= 1
    return current


def next_working_day(day: datetime.date) -> datetime.date:
    """``day`` itself when it is a working day, else the first working day after it."""
    return day if is_working_day(day) else add_working_days(day, 1)
