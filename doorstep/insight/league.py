"""The monthly league table (issue 13): streets, communities or departments ranked by one figure
of a month, and the units lagging two months running.

Ranked by the composite score (``metrics.composite``), or the satisfaction rate where no
composite is registered. Only a unit whose figure is shown (n at least
``DOORSTEP_METRIC_MIN_N``) takes a place; the others are listed after them, unranked, as "—".

Lagging: a unit is in the *bottom quarter* of a month when its rank is among the last
⌈ranked ÷ 4⌉ places, and only when at least four units are ranked that month (with fewer, a
"quarter" is one unit picked by chance). Ties share a rank (1, 2, 2, 4), so a unit tied with one
above the line is not in the bottom quarter. A unit in the bottom quarter this month and the
month before is *lagging two months running* and flagged. We chose the bottom quarter over
"below the district's figure": it flags a fixed share of units whatever the district's level,
which is what a monthly league (排名通报) is for; the district's figure is shown beside it.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, replace
from typing import Any

from .metrics import (
    AREA_UNIT,
    METRIC_BY_KEY,
    Measure,
    Metric,
    Scope,
    figures,
    figures_by,
)

MIN_RANKED_FOR_QUARTER = 4


def ranking_metric() -> Metric:
    return METRIC_BY_KEY.get("composite") or METRIC_BY_KEY["satisfaction_rate"]


def month_bounds(first: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day of the month that ``first`` falls in."""
    start = first.replace(day=1)
    following = (start + datetime.timedelta(days=32)).replace(day=1)
    return start, following - datetime.timedelta(days=1)


def previous_month(first: datetime.date) -> datetime.date:
    return (first.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def ranks(values: dict[Any, Measure | None]) -> dict[Any, int]:
    """Competition ranks (1, 2, 2, 4) of the units whose value is shown, highest first."""
    shown = {key: v.shown for key, v in values.items() if v is not None and v.shown is not None}
    ordered = sorted(shown.values(), reverse=True)
    return {key: ordered.index(value) + 1 for key, value in shown.items()}


def bottom_quarter(placed: dict[Any, int]) -> set:
    """The units whose rank is among the last quarter of places (none below four ranked)."""
    n = len(placed)
    if n < MIN_RANKED_FOR_QUARTER:
        return set()
    line = n - math.ceil(n / 4)
    return {key for key, rank in placed.items() if rank > line}


@dataclass(frozen=True)
class Row:
    unit: Any  # an Area or a Department
    value: Measure | None
    rank: int | None
    previous: Measure | None
    previous_rank: int | None
    bottom: bool
    lagging: bool  # in the bottom quarter this month and the month before

    @property
    def shown(self) -> str:
        return "—" if self.value is None else str(self.value)


@dataclass(frozen=True)
class League:
    metric: Metric
    rows: list[Row]
    whole: Measure | None  # the figure of the whole scope (the user's area) this month

    @property
    def label(self) -> str:
        # for templates, which would call ``metric`` (a callable) rather than read it
        return str(self.metric.label)


def _month_values(scope: Scope, keys: list, by: str) -> dict[Any, Measure | None]:
    metric = ranking_metric()
    grouped = figures_by(scope, keys, by=by, only=[metric.key])
    return {key: found[0].value for key, found in grouped.items()}


def league(scope: Scope, units: list, *, by: str = AREA_UNIT) -> League:
    """The league of ``units`` (areas of one level, or departments) for the month of
    ``scope.start``: two grouped queries per month read (this one and the one before), and one
    for the whole scope's figure."""
    keys = [unit.code if by == AREA_UNIT else unit.pk for unit in units]
    start, end = month_bounds(scope.start)
    this = replace(scope, start=start, end=end)
    before = replace(scope, start=previous_month(start), end=start - datetime.timedelta(days=1))
    now, then = _month_values(this, keys, by), _month_values(before, keys, by)
    placed, placed_before = ranks(now), ranks(then)
    lagging = bottom_quarter(placed) & bottom_quarter(placed_before)
    bottom = bottom_quarter(placed)
    rows = [
        Row(unit, now.get(key), placed.get(key), then.get(key), placed_before.get(key),
            key in bottom, key in lagging)
        for unit, key in zip(units, keys, strict=True)
    ]  # fmt: skip
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0))
    whole = figures(this, only=[ranking_metric().key])[0].value
    return League(ranking_metric(), rows, whole)
