"""Rollups (issue 13): so that no dashboard scans every case, what closed cases and needs count
towards each metric is kept in ``Tally`` rows, by day and by month, area code and (for needs)
sensitivity, and a figure is

    the tallies of its period and area  +  the same formula over the rows not rolled up yet.

Both halves come from the metric's one ``Formula`` (``insight.metrics``), so a figure read this
way equals the figure computed from the raw rows, whatever was rolled up when.

- **What is rolled up.** Closed rows only: a closed case changes no more, and a need that is
  reopened leaves the tallies first (its ``save_guarded`` sends ``tallied_row_changing``; the
  receiver here adds its counts negated and clears ``tally`` in the same transaction). Open
  rows are few and are read live, through a partial index.
- **When.** On write: the action that closes a case or a need adds it in its own transaction
  (``save_guarded`` sends ``row_closed``; ``take_in``), so the dashboards are current at once.
  And in batches, for rows closed any other way (a bulk load, an import, a database restored
  from before this existed): ``do_roll_up`` (the ``roll_up`` command, the task
  ``insight.tasks.roll_up``; run it after the case sweep) stamps a batch number on closed rows
  not rolled up yet (``Case.tally``). Either way their counts are added with ``INSERT … SELECT
  … GROUP BY``, one per metric and grain; working days, which count on the holiday calendar,
  are added up in Python once per distinct (area, accepted, completed, stopped).
- **When tallies are read.** For a scope whose rows are exactly "every row of the area" for
  the user (``covered``): an area inside the user's grants for the table, no service,
  department or channel filter (tallies do not keep them: such a scope reads the rows, through
  their own indexes). Needs: a user who may not see every sensitive need of the area reads
  the tallies of the others, and the sensitive ones they do see (their own) from the rows.
  Otherwise — a department reviewer, a user's whole view without an area — the rows are read.
- **Periods.** Whole months inside the period read the month tallies, the days at either end
  the day tallies.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models, transaction
from django.db.models import Case as When_
from django.db.models import DateField, F, FloatField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Cast, Substr, TruncDate, TruncMonth
from django.utils import timezone

from doorstep.cases.choices import CLOSED
from doorstep.cases.models import Case
from doorstep.core.bulk import insert_from
from doorstep.needs.choices import NeedStatus
from doorstep.needs.models import Need
from doorstep.staff.roles import REVIEW_NEEDS, VIEW_CASES, VIEW_NEEDS
from doorstep.staff.scoping import covers

from .metrics import (
    CASES,
    FIRST_DAY,
    LAST_DAY,
    METRICS,
    NEEDS,
    Metric,
    Scope,
    working_days,
    working_days_by,
)
from .models import Grain, RollUp, Tally

BATCH = 100_000  # rows of one table stamped and tallied per transaction
ON_WRITE = 0  # the ``tally`` of a row its closing action added (batches count from 1)


@dataclass(frozen=True)
class Rolled:
    """A table whose closed rows are rolled up: its metrics' ``Table``, its model, which rows
    are settled, the capability that shows its rows of an area, and for needs the flag that
    hides a row from those who may not see sensitive ones."""

    table: str
    model: type[models.Model]
    settled: Q
    view: str
    restricted: str = ""


ROLLED = [
    Rolled(CASES.name, Case, Q(status__in=sorted(CLOSED)), VIEW_CASES),
    Rolled(NEEDS.name, Need, Q(status=NeedStatus.CLOSED), VIEW_NEEDS, "sensitive"),
]
BY_MODEL = {r.model: r for r in ROLLED}
TALLY_FIELDS = ["metric", "grain", "day", "by", "area_code", "restricted", "num", "den"]
UNBOUNDED = Scope(user=None)  # a formula with no period: what a row counts, whenever


def _plain(table: str) -> list[Metric]:
    """The table's metrics that are one aggregate (``working_days`` is rolled up apart)."""
    return [m for m in METRICS if m.table.name == table and type(m) is Metric]


# ---- reading -----------------------------------------------------------------------------------


def covered(scope: Scope, *, by_department: bool = False) -> dict[str, bool]:
    """The rolled-up tables whose tallies ``scope`` may read, each with True when only rows
    that are not sensitive count for this user."""
    if by_department or scope.service is not None or scope.department is not None:
        return {}
    if scope.channel or not scope.tallies:
        return {}
    user = scope.user
    area = scope.area
    if not area and not user.is_superuser:
        return {}  # a user's whole view also holds rows seen beyond their areas
    found: dict[str, bool] = {}
    for rolled in ROLLED:
        if rolled.restricted and covers(user, REVIEW_NEEDS, area):
            found[rolled.table] = False
        elif covers(user, rolled.view, area):
            found[rolled.table] = bool(rolled.restricted)
    return found


def _spans(scope: Scope) -> Q:
    """The tallies of the period: whole months from the month grain, the days at either end
    from the day grain."""
    start, end = scope.start or FIRST_DAY, scope.end or LAST_DAY
    first = start if start.day == 1 else _next_month(start)  # the first whole month
    stop = _next_month(end)  # the day after the last whole month
    if stop - datetime.timedelta(days=1) != end:
        stop = end.replace(day=1)
    if first >= stop:
        return Q(grain=Grain.DAY, day__gte=start, day__lte=end)
    months = Q(grain=Grain.MONTH, day__gte=first, day__lt=stop)
    ends = Q(day__gte=start, day__lt=first) | Q(day__gte=stop, day__lte=end)
    return months | (Q(grain=Grain.DAY) & ends)


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def tallied(
    scope: Scope, metrics: Iterable[Metric], tables: dict[str, bool], *, unit_length: int = 0
) -> dict[object, dict[str, tuple[float, int]]]:
    """The tallies of ``metrics`` (those of ``tables``) for ``scope``: {unit: {key: (numerator,
    denominator)}}, the unit the first ``unit_length`` digits of the area code (None when 0).
    One query."""
    keys_by_table: dict[str, list[str]] = defaultdict(list)
    for m in metrics:
        if m.table.name in tables:
            keys_by_table[m.table.name].append(m.key)
    if not keys_by_table:
        return {}
    which = Q()
    for table, keys in keys_by_table.items():
        mine = Q(metric__in=keys)
        if tables[table]:
            mine &= Q(restricted=False)
        which |= mine
    rows = Tally.objects.filter(which, _spans(scope))
    if scope.area:
        rows = rows.filter(area_code__prefix=scope.area)
    num = Sum("num")
    if scope.end is not None:  # a numerator with a date counts what happened by the period's end
        counted = Q(by__isnull=True) | Q(by__lte=scope.end)
        num = Sum(When_(When(counted, then=F("num")), default=Value(0.0)))
    unit = Substr("area_code", 1, unit_length) if unit_length else Value("")
    grouped = rows.values("metric", unit=unit).annotate(n=num, d=Sum("den")).order_by()
    found: dict[object, dict[str, tuple[float, int]]] = defaultdict(dict)
    for row in grouped:
        found[row["unit"] if unit_length else None][row["metric"]] = (row["n"] or 0, row["d"] or 0)
    return found


# ---- rolling up --------------------------------------------------------------------------------


def _local_date(model: type[models.Model], name: str, *, month: bool = False):
    """The local (Asia/Shanghai) date of the field ``name``, or its month's first day."""
    at = isinstance(model._meta.get_field(name), models.DateTimeField)
    tz = {"tzinfo": timezone.get_default_timezone()} if at else {}
    if month:
        return TruncMonth(name, output_field=DateField(), **tz)
    return TruncDate(name, **tz) if at else F(name)


def _add(rolled: Rolled, rows: QuerySet, *, sign: int = 1) -> None:
    """Add what ``rows`` count towards each metric of their table to the tallies (negated with
    ``sign=-1``): one ``INSERT … SELECT … GROUP BY`` per metric and grain."""
    restricted = F(rolled.restricted) if rolled.restricted else Value(False)
    for m in _plain(rolled.table):
        formula = m.define(UNBOUNDED)
        matching = rows.filter(formula.where) if formula.where else rows
        by = _local_date(rolled.model, formula.by) if formula.by else Value(None, DateField())
        for grain in Grain:
            bucket = _local_date(rolled.model, formula.day, month=grain == Grain.MONTH)
            grouped = matching.values(
                t_metric=Value(m.key), t_grain=Value(grain.value), t_day=bucket, t_by=by,
                t_area=F("area_code"), t_restricted=restricted,
            ).annotate(
                t_num=Cast(formula.numerator, FloatField()) * Value(float(sign)),
                t_den=formula.denominator * Value(sign),
            ).order_by()  # fmt: skip
            insert_from(Tally, TALLY_FIELDS, grouped)
    if rolled.model is Case:
        _add_working_days(rows, sign)


def _add_working_days(rows: QuerySet[Case], sign: int) -> None:
    sums: dict[tuple, list[float]] = defaultdict(lambda: [0.0, 0])
    for (area, closed_on), days, n in working_days_by(rows, "area_code", "closed_on"):
        for grain, day in ((Grain.DAY, closed_on), (Grain.MONTH, closed_on.replace(day=1))):
            total = sums[(grain, day, area)]
            total[0] += sign * days
            total[1] += sign * n
    Tally.objects.bulk_create(
        Tally(metric=working_days.key, grain=grain, day=day, area_code=area, num=num, den=den)
        for (grain, day, area), (num, den) in sums.items()
    )


def do_roll_up(*, batch: int = BATCH) -> dict[str, int]:
    """Roll up the closed cases and needs not rolled up yet; returns how many of each. Each
    batch is one transaction: its rows are stamped first (on PostgreSQL that locks them, so a
    reopening waits for the batch and then takes its counts back out)."""
    done: dict[str, int] = {}
    for rolled in ROLLED:
        done[rolled.table] = 0
        pending = rolled.model.objects.filter(rolled.settled, tally__isnull=True)
        while pending.exists():
            with transaction.atomic():
                run = RollUp.objects.create(table=rolled.table, rows=0)
                first = pending.order_by("pk").values("pk")[:batch]
                # ``pending`` again: a row its action took in meanwhile is not stamped twice.
                run.rows = pending.filter(pk__in=first).update(tally=run.pk)
                _add(rolled, rolled.model.objects.filter(tally=run.pk))
                run.save(update_fields=["rows"])
            done[rolled.table] += run.rows
    return done


def take_in(sender, pk: int, **kwargs) -> None:
    """``row_closed``'s receiver: a row its action just closed is added to the tallies in the
    same transaction (``tally`` = ``ON_WRITE``), so the dashboards count it at once."""
    rolled = BY_MODEL.get(sender)
    if rolled is None:
        return
    if sender.objects.filter(rolled.settled, pk=pk, tally__isnull=True).update(tally=ON_WRITE):
        _add(rolled, sender.objects.filter(pk=pk))


def take_out(sender, pk: int, **kwargs) -> None:
    """``tallied_row_changing``'s receiver: a rolled-up row about to change leaves the tallies
    (its counts added negated) and is read from the row again."""
    rolled = BY_MODEL.get(sender)
    if rolled is None:
        return
    row = sender.objects.select_for_update().filter(pk=pk, tally__isnull=False)
    if not row.values_list("pk", flat=True).first():
        return
    _add(rolled, sender.objects.filter(pk=pk), sign=-1)
    row.update(tally=None)
