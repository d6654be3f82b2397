"""District dashboard: 5,000,000 cases and 1,000,000 needs read through the rollups, against the
same figures by a direct GROUP BY over every row; and the rollups kept current at the sweep.

Builds, set-based and not measured, four years of a district up to 1 December 2025 (the
data's today; nothing reads the real date): 5,000,000 × ``BENCH_SCALE`` cases taken in on any
day (those of the last three weeks still open, and one in two hundred stuck open and overdue;
the rest closed), 1,000,000 × ``BENCH_SCALE`` needs (open in their first ten days, then
closed), a thousand shapes each multiplied in one ``INSERT … SELECT`` (``case_sweep``'s and
``needs_escalation``'s loaders); then rolls up everything closed once (``do_roll_up``, timed
and reported).

Measured in child processes:

- **The dashboard's figures** for the district lead's district and November 2025 — every
  metric, the child areas' key figures and the twelve-month trend, the calls the page makes
  (``insight.dashboard``) — read through the rollups; and the floor: the same calls with the
  tallies off (``Scope.tallies=False``), so every figure is one aggregate (or GROUP BY) over
  all the rows of its table. The two must give the same figures. Each warmed once, then the
  floor run ``FLOOR_ROUNDS`` times and the product ``ROUNDS`` times. Target: the product's
  p95 at least 10× faster than the floor's fastest run. The page itself (test client,
  rendered) is reported too.
- **The case sweep with the rollups kept current**: a day's work — the running cases due the
  day before marked overdue by ``do_sweep_overdue``, and the cases a day closes (1/1460 of
  the closed ones, taken out of the tallies first) rolled up by ``do_roll_up`` — against the
  sweep alone, reset between runs. Target: within 1.2× of the sweep alone.
"""

from __future__ import annotations

import datetime
import random
import statistics
import sys
import time

from django.db import connection, transaction

from .context import Context, run_child
from .results import Results

FULL_CASES = 5_000_000
FULL_NEEDS = 1_000_000
ROUNDS = 20
FLOOR_ROUNDS = 3  # a full scan each time: minutes
SWEEP_ROUNDS = 3
MIN_SPEEDUP = 10
MAX_SWEEP_RATIO = 1.2
DAYS = 1460  # four years of work
TODAY = datetime.date(2025, 12, 1)  # the data's today (nothing here reads the real date)
MONTH = (datetime.date(2025, 11, 1), datetime.date(2025, 11, 30))
CLOSED = ("completed", "refused", "withdrawn")
RUNNING = ("accepted", "forwarded", "in_progress")


def _case_shape(rng: random.Random, k: int, services, handlers) -> dict:
    """A case taken in on one of the four years' days; closed unless it is recent (a few
    stragglers stay open, overdue and marked)."""
    from .case_sweep import SHAPE_COLUMNS, _at

    service_id, version_id, department_id = rng.choice(services)
    days = datetime.timedelta
    age = 15 if k == 0 else rng.randrange(1, DAYS)  # shape 0: due yesterday, the sweep's work
    taken = TODAY - days(age)
    row = dict.fromkeys(SHAPE_COLUMNS)
    row.update(
        k=k, service_id=service_id, version_id=version_id, department_id=department_id,
        handler_id=rng.choice(handlers), max_trips=1, created_at=_at(taken, 9),
        accepted_at=_at(taken, 10), accepted_on=taken, limit_days=10, due_on=taken + days(14),
        warn_on=taken + days(11),
    )  # fmt: skip
    if age <= 20 or rng.random() < 0.005:
        row["status"] = rng.choice(RUNNING)
        if row["due_on"] < TODAY - days(1):
            row["overdue_at"] = _at(row["due_on"] + days(1), 1)
        return row
    closed = taken + days(rng.randrange(1, 20))
    row.update(status=rng.choices(CLOSED, weights=(12, 1, 1))[0], closed_at=_at(closed, 15))
    if closed > row["due_on"]:
        row["overdue_at"] = _at(row["due_on"] + days(1), 1)
    return row


def _need_shape(rng: random.Random, k: int, now: datetime.datetime, refs: dict) -> dict:
    """A need registered on one of the four years' days; closed unless it is recent."""
    from .needs_escalation import SHAPE_COLUMNS

    hours = datetime.timedelta(hours=1)
    compound_id, code = rng.choice(refs["compounds"])
    created = now - hours * rng.randrange(1, 24 * DAYS)
    row = dict.fromkeys(SHAPE_COLUMNS)
    row.update(
        k=k, category_id=rng.choice(refs["categories"]), area_code=code,
        compound_id=compound_id, created_at=created, owner_user_id=rng.choice(refs["owners"]),
        level=1, level_since=created, feedback_due_at=created + hours * 24 * 7, decision="",
    )  # fmt: skip
    if now - created > hours * 24 * 10:
        row.update(status="closed", answered_at=created + hours * 30, decision="resolved",
                   closed_at=created + hours * 50)  # fmt: skip
    else:
        row["status"] = rng.choice(("new", "in_progress"))
    return row


def _build_cases(ctx: Context, n: int) -> None:
    from .case_sweep import load_cases

    load_cases(ctx, n, _case_shape, seed=53, prefix="DASH-")


def _build_needs(ctx: Context, n: int) -> None:
    from django.utils import timezone

    from doorstep.needs.models import NeedCategory
    from doorstep.places.choices import AreaKind
    from doorstep.places.models import Area

    from .needs_escalation import SHAPES, _fill, _staff

    refs = {
        "owners": _staff(),
        "categories": list(NeedCategory.objects.values_list("pk", flat=True)),
        "compounds": list(
            Area.objects.filter(kind=AreaKind.COMPOUND).order_by("code").values_list("pk", "code")
        ),
    }
    now = timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time(8)))
    rng = random.Random(ctx.seed + 59)
    shapes = [_need_shape(rng, k, now, refs) for k in range(SHAPES)]
    for row in shapes:
        for key in ("created_at", "feedback_due_at", "paused_at", "level_since", "answered_at",
                    "closed_at"):  # fmt: skip
            row[key] = connection.ops.adapt_datetimefield_value(row[key])
    with transaction.atomic(), connection.cursor() as cursor:
        _fill(cursor, shapes, max(1, n // SHAPES))


def build(ctx: Context, cases: int, needs: int, *, analyze: bool = True) -> dict:
    """The cases and needs, everything closed rolled up (the roll-up timed); ``analyze`` runs
    PostgreSQL's VACUUM ANALYZE after the loads (not inside a test's transaction)."""
    from doorstep.insight.rollups import do_roll_up

    _build_cases(ctx, cases)
    _build_needs(ctx, needs)
    if analyze and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE cases_case")
            cursor.execute("VACUUM ANALYZE needs_need")
    t = time.perf_counter()
    rolled = do_roll_up()
    seconds = time.perf_counter() - t
    if analyze and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("cases_case", "needs_need", "insight_tally"):
                cursor.execute(f"VACUUM ANALYZE {table}")
    return {"rolled": rolled, "roll_seconds": seconds}


# ---- in the child process --------------------------------------------------------------------


def _dashboard_figures(scope) -> list:
    """What the dashboard page computes (``insight.dashboard.dashboard``: the figures, the
    child areas' key figures, the trend), as numbers to compare."""
    from doorstep.insight.dashboard import _children, _trend
    from doorstep.insight.metrics import figures
    from doorstep.places.models import Area

    area = Area.objects.get(code=scope.area)
    out: list = [(f.key, _pair(f)) for f in figures(scope)]
    for child in _children(scope, area):
        out += [(child.area.code, f.key, _pair(f)) for f in child.figures]
    out.append(_trend(scope))
    return out


def _pair(figure) -> tuple | None:
    value = figure.value
    return None if value is None else (round(value.numerator, 6), value.denominator)


def _p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def child_dashboard() -> dict:
    from dataclasses import replace

    from django.contrib.auth import get_user_model
    from django.test import Client

    from doorstep.insight.metrics import figure_areas, make_scope

    lead = get_user_model().objects.get(username="district_lead")
    district = figure_areas(lead)[0]
    scope = make_scope(lead, area=district, start=MONTH[0], end=MONTH[1])
    floor_scope = replace(scope, tallies=False)
    got = {"product": _dashboard_figures(scope), "floor": _dashboard_figures(floor_scope)}
    if got["product"] != got["floor"]:  # (this first round also warms the caches)
        diff = [(a, b) for a, b in zip(got["product"], got["floor"], strict=True) if a != b]
        raise RuntimeError(f"the rollups and the rows disagree: {diff[:5]}")
    times: dict[str, list[float]] = {"product": [], "floor": []}
    for name, scoped, rounds in (("floor", floor_scope, FLOOR_ROUNDS), ("product", scope, ROUNDS)):
        for _ in range(rounds):
            t = time.perf_counter()
            _dashboard_figures(scoped)
            times[name].append(time.perf_counter() - t)
        print(f"   {name}: {', '.join(f'{x:.2f}' for x in times[name])} s", file=sys.stderr,
              flush=True)  # fmt: skip
    client = Client()
    client.force_login(lead)
    query = {"area": district, "start": MONTH[0].isoformat(), "end": MONTH[1].isoformat()}
    pages = []
    for _ in range(ROUNDS):
        t = time.perf_counter()
        response = client.get("/dashboard/", query, HTTP_HOST="localhost")
        pages.append(time.perf_counter() - t)
        if response.status_code != 200:
            raise RuntimeError(f"the dashboard answered {response.status_code}")
    return {
        "product_p95": _p(times["product"], 0.95),
        "product_p50": statistics.median(times["product"]),
        "floor_best": min(times["floor"]),
        "floor_p50": statistics.median(times["floor"]),
        "page_p95": _p(pages, 0.95),
        "figures": len(got["product"]),
    }


def _close_a_day(day: datetime.date) -> int:
    """The day's closings to roll up: 1/1460 of the closed cases (what a day of the four years
    closes) taken out of the tallies, some through ``take_out`` (as a reopening would), the
    rest set-based; returns how many closed cases are now left for the roll-up."""
    from django.db.models import F

    from doorstep.cases.models import Case
    from doorstep.insight.models import Tally
    from doorstep.insight.rollups import take_out

    closed = Case.objects.filter(status="completed", tally__isnull=False)
    picked = list(closed.annotate(k=F("pk") % DAYS).filter(k=0).values_list("pk", flat=True))
    with transaction.atomic():
        before = Tally.objects.count()
        for pk in picked[:50]:  # the real path for some, to check it
            take_out(Case, pk=pk)
        if Tally.objects.count() == before and picked:
            raise RuntimeError("taking a case out of the tallies added nothing")
        rest = picked[50:]
        _untally_set(rest)
    return Case.objects.filter(status__in=CLOSED, tally__isnull=True).count()


def _untally_set(pks: list[int]) -> None:
    """``take_out`` for many rows at once (the bench's setup, not measured)."""
    from doorstep.cases.models import Case
    from doorstep.insight.rollups import BY_MODEL, _add

    for i in range(0, len(pks), 5000):
        chunk = pks[i : i + 5000]
        _add(BY_MODEL[Case], Case.objects.filter(pk__in=chunk), sign=-1)
        Case.objects.filter(pk__in=chunk).update(tally=None)


def _snapshot() -> int:
    from doorstep.insight.models import RollUp

    return RollUp.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _undo_roll_up(last_batch: int) -> None:
    """Back to before the roll-up: its batches' counts taken out, its rows not rolled up."""
    from doorstep.cases.models import Case
    from doorstep.insight.models import RollUp

    batches = list(RollUp.objects.filter(pk__gt=last_batch).values_list("pk", flat=True))
    pks = list(Case.objects.filter(tally__in=batches).values_list("pk", flat=True))
    _untally_set(pks)
    RollUp.objects.filter(pk__in=batches).delete()


def child_sweep() -> dict:
    from django.utils import timezone

    from doorstep.bench.case_sweep import _reset
    from doorstep.cases.actions import do_sweep_overdue
    from doorstep.cases.models import Case
    from doorstep.insight.rollups import do_roll_up, take_in

    yesterday = TODAY - datetime.timedelta(days=1)
    stamp0 = timezone.make_aware(datetime.datetime(2025, 1, 1))
    # The days before were swept: only the cases due yesterday are newly overdue today.
    Case.objects.filter(overdue_at__isnull=True, due_on__lt=yesterday,
                        status__in=["accepted", "forwarded", "in_progress"]).update(
        overdue_at=stamp0)  # fmt: skip
    closings = _close_a_day(yesterday)
    # Were the day's closings to come by a bulk path, the batch roll-up's time for them:
    last = _snapshot()
    t = time.perf_counter()
    batched = do_roll_up()["cases"]
    batch_seconds = time.perf_counter() - t
    _undo_roll_up(last)
    # As they come: each closing action adds its case in its own transaction.
    pending = list(Case.objects.filter(status__in=CLOSED, tally__isnull=True)
                   .values_list("pk", flat=True))  # fmt: skip
    t = time.perf_counter()
    for pk in pending:
        with transaction.atomic():
            take_in(Case, pk=pk)
    per_closing = (time.perf_counter() - t) / max(1, len(pending))
    now = timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time(1)))
    best: dict[str, float] = {}
    marked = 0
    for round_ in range(SWEEP_ROUNDS):
        for name in ("sweep", "both") if round_ % 2 == 0 else ("both", "sweep"):
            t = time.perf_counter()
            marked = do_sweep_overdue(today=TODAY, now=now)
            if name == "both" and do_roll_up()["cases"]:
                raise RuntimeError("closings were left for the batch roll-up")
            seconds = time.perf_counter() - t
            _reset([now])
            best[name] = min(seconds, best.get(name, seconds))
            print(f"   {name}: {seconds:.2f} s", file=sys.stderr, flush=True)
    if batched != closings or len(pending) != closings:
        raise RuntimeError(f"{closings:,} closings, {batched:,} batched, {len(pending):,} taken in")
    return {"sweep": best["sweep"], "both": best["both"], "marked": marked,
            "closings": closings, "batch_seconds": batch_seconds,
            "per_closing_ms": per_closing * 1000}  # fmt: skip


def run(ctx: Context, results: Results) -> None:
    cases = max(2000, round(FULL_CASES * ctx.scale))
    needs = max(1000, round(FULL_NEEDS * ctx.scale))
    t = time.perf_counter()
    print(f"   building {cases:,} cases and {needs:,} needs set-based (not measured) …", flush=True)
    built = build(ctx, cases, needs)
    print(f"   ({time.perf_counter() - t:.0f} s)", flush=True)
    rolled = built["rolled"]
    results.limit(
        "rollups: rolling up everything once", built["roll_seconds"], "s",
        note=f"{rolled['cases']:,} closed cases, {rolled['needs']:,} closed needs",
    )  # fmt: skip
    out = run_child("doorstep.bench.dashboard:child_dashboard")
    note = (f"{cases:,} cases, {needs:,} needs; {out['figures']} figures (district, its "
            f"children, 12-month trend); p50 {out['product_p50'] * 1000:.0f} ms over "
            f"{ROUNDS} runs; floor: the fastest of {FLOOR_ROUNDS}, median "
            f"{out['floor_p50']:.1f} s")  # fmt: skip
    results.ratio(
        "district dashboard: figures p95", out["product_p95"], out["floor_best"], "s",
        max_ratio=1 / MIN_SPEEDUP, note=note,
    )  # fmt: skip
    results.limit("district dashboard: the page p95", out["page_p95"], "s",
                  note="rendered, through the test client")  # fmt: skip
    sweep = run_child("doorstep.bench.dashboard:child_sweep")
    results.ratio(
        "case sweep with the rollups kept current", sweep["both"], sweep["sweep"], "s",
        max_ratio=MAX_SWEEP_RATIO,
        note=f"{sweep['marked']:,} newly overdue; the day's {sweep['closings']:,} closings "
        f"counted by their actions; then roll_up (nothing left); best of {SWEEP_ROUNDS}",
    )  # fmt: skip
    results.limit("rollups: what a closing action adds", sweep["per_closing_ms"], "ms",
                  note="one case, in its own transaction")  # fmt: skip
    results.limit(
        "rollups: a day's closings by the batch roll-up", sweep["batch_seconds"], "s",
        note=f"{sweep['closings']:,} cases, were they closed by a bulk path",
    )  # fmt: skip
