"""Filling the holiday table from the ``chinesecalendar`` package (module ``chinese_calendar``),
which encodes the State Council's yearly notices."""

from __future__ import annotations

from collections.abc import Iterable

import chinese_calendar

from . import calendar
from .choices import DayKind, Source

_CHINESE_NAMES = {h.value: h.chinese for h in chinese_calendar.Holiday}


def package_years() -> tuple[int, ...]:
    """The years the installed package knows."""
    return tuple(sorted({d.year for d in chinese_calendar.holidays}))


def seed_holidays(years: Iterable[int] | None = None, *, model=None) -> int:
    """Add the package's holidays and make-up working days for ``years`` (default: every year
    it knows); returns how many rows were added.

    Idempotent: a date already in the table is left alone, so an administrator's edits survive.
    Years the package does not know are skipped. ``model`` is for the post-migrate hook, which
    must use the historical model.
    """
    announce = model is None
    if model is None:
        from .models import Holiday as model
    wanted = set(package_years() if years is None else years)
    rows = [(day, DayKind.HOLIDAY, name) for day, name in chinese_calendar.holidays.items()] + [
        (day, DayKind.WORKDAY, name) for day, name in chinese_calendar.workdays.items()
    ]
    rows = [r for r in rows if r[0].year in wanted]
    if not rows:
        return 0
    dates = [r[0] for r in rows]
    present = set(
        model.objects.filter(date__gte=min(dates), date__lte=max(dates)).values_list(
            "date", flat=True
        )
    )
    new = [
        model(date=day, kind=kind, name=_CHINESE_NAMES.get(name, name), source=Source.SEEDED)
        for day, kind, name in rows
        if day not in present
    ]
    model.objects.bulk_create(new, ignore_conflicts=True)
    calendar.invalidate()
    if new and announce:  # not from the post-migrate hook: no case exists before migrate
        from .signals import send_schedule_changed

        send_schedule_changed(model, {row.date.year for row in new})
    return len(new)


def seed_missing_years(*, model=None) -> int:
    """Seed only the package years with no rows at all (run after every ``migrate``), so a
    fresh database is usable at once and dates an administrator deleted stay deleted."""
    if model is None:
        from .models import Holiday as model
    have = {d.year for d in model.objects.values_list("date", flat=True)}
    missing = [y for y in package_years() if y not in have]
    return seed_holidays(missing, model=model) if missing else 0
