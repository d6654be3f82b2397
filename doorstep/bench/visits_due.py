"""Due-visit list: ``visits.queries.due_households`` for a street of 200,000 residents, p95
against hand-written indexed SQL.

Builds its own data (not measured): 200,000 × ``BENCH_SCALE`` synthetic residents in the
compounds of 琴断口街道 (420105006) through the registry importer (5% of them carry a ruled
tag: elderly living alone every 7 days, disabled every 30), one grid per compound, grid_a
assigned to one grid of its community, and a history of visits written set-based: about three
visits per ruled household over the last 60 days (met, nobody home, refused), a quarter of the
ruled households never visited, and visits at some households without a rule.

Measured in this process, alternately, after a warm-up: the worklist's query — the first page
of 25 and the count, as the page runs them — for the street lead (the whole street) and for
grid_a (one grid); and the floor, the same rows by hand: the ruled households and their
smallest interval from one GROUP BY over the residents' tags, the last met visit from one
GROUP BY over the visits index, the same order, the same columns. Target: p95 within 3× of the
floor's, on the same rows (checked on every run).
"""

from __future__ import annotations

import datetime
import gc
import statistics
import time

from django.db import connection, transaction

from .context import Context
from .results import Results

FULL_RESIDENTS = 200_000
STREET = "420105006"
RUNS = 200
WARMUP = 20
PAGE = 25
MAX_RATIO = 3.0
USERS = [("street_lead", "street lead"), ("grid_a", "grid worker")]


def _street_compounds() -> list[str]:
    from doorstep.places.choices import AreaKind
    from doorstep.places.models import Area

    return list(
        Area.objects.filter(kind=AreaKind.COMPOUND, code__startswith=STREET)
        .order_by("code")
        .values_list("code", flat=True)
    )


def build(ctx: Context, n: int, *, analyze: bool = True) -> None:
    from doorstep.people import importer, synthetic
    from doorstep.people.models import Tag
    from doorstep.visits.actions import do_set_visit_rule

    admin = ctx.user("admin")
    compounds = _street_compounds()
    rows = enumerate(synthetic.rows(n, compounds, seed=ctx.seed + 5), start=2)
    result = importer.import_rows(synthetic.HEADER, rows, actor=admin)
    if not result.written:
        raise RuntimeError(f"bench residents were rejected: {result.errors[:3]}")
    for code, days in (("living-alone", 7), ("disabled", 30)):
        do_set_visit_rule(actor=admin, tag=Tag.objects.get(code=code), interval_days=days)
    _grids(ctx)
    with transaction.atomic(), connection.cursor() as cursor:
        _visits(cursor, ctx.user("grid_a").pk, ctx.seed)
    if not analyze:  # in a test's transaction
        return
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def _grids(ctx: Context) -> None:
    from doorstep.places.models import Area, Building, Grid

    grid_a = ctx.user("grid_a")
    for compound in Area.objects.filter(code__startswith=STREET, kind="compound"):
        grid = Grid.objects.create(community_id=compound.parent_id, name=f"{compound.name}网格")
        grid.buildings.set(Building.objects.filter(compound=compound))
        if compound.code == "420105006001001":
            grid.workers.add(grid_a)


def _visits(cursor, worker_id: int, seed: int) -> None:
    """About three visits per ruled household and some elsewhere, over the last 60 days, in
    one INSERT … SELECT per outcome (the day and the outcome drawn from the household's id)."""
    from django.utils import timezone

    today = timezone.localdate()
    ops = connection.ops
    shift = seed % 97
    households = (
        "SELECT DISTINCT r.household_id AS id, b.compound_id AS compound_id, a.code AS code "
        "FROM people_resident r "
        "INNER JOIN people_residenttag rt ON rt.resident_id = r.id "
        "INNER JOIN visits_visitrule vr ON vr.tag_id = rt.tag_id "
        "INNER JOIN places_household h ON h.id = r.household_id "
        "INNER JOIN places_building b ON b.id = h.building_id "
        "INNER JOIN places_area a ON a.id = b.compound_id"
    )
    cursor.execute(f"CREATE TEMPORARY TABLE bench_ruled AS {households}")
    for k, outcome in enumerate(("met", "met", "nobody_home")):
        days = [ops.adapt_datefield_value(today - datetime.timedelta(days=d)) for d in range(61)]
        cursor.execute("CREATE TEMPORARY TABLE bench_day (n INTEGER, d DATE)")
        cursor.executemany("INSERT INTO bench_day VALUES (%s, %s)", list(enumerate(days)))
        retry = "d.d" if outcome == "nobody_home" else "NULL"
        cursor.execute(
            "INSERT INTO visits_visit (household_id, area_code, worker_id, visited_at, "
            "visited_on, purpose, outcome, notes, followups, retry_on, client_key, created_at) "
            f"SELECT h.id, h.code, %s, %s, d.d, 'routine', %s, '', '', {retry}, NULL, %s "
            "FROM bench_ruled h INNER JOIN bench_day d "
            "ON d.n = (h.id * 7 + %s + %s * 23) %% 61 "
            "WHERE (h.id + %s) %% 4 <> 0",  # a quarter never visited
            [
                worker_id,
                ops.adapt_datetimefield_value(timezone.now()),
                outcome,
                ops.adapt_datetimefield_value(timezone.now()),
                shift,
                k,
                k,
            ],
        )
        cursor.execute("DROP TABLE bench_day")
    cursor.execute("DROP TABLE bench_ruled")
    # Visits at households without a rule (a patrol, a policy talk): the index holds them too.
    cursor.execute(
        "INSERT INTO visits_visit (household_id, area_code, worker_id, visited_at, visited_on, "
        "purpose, outcome, notes, followups, retry_on, client_key, created_at) "
        "SELECT h.id, a.code, %s, %s, %s, 'policy', 'met', '', '', NULL, NULL, %s "
        "FROM places_household h INNER JOIN places_building b ON b.id = h.building_id "
        "INNER JOIN places_area a ON a.id = b.compound_id WHERE h.id %% 10 = 3",
        [
            worker_id,
            ops.adapt_datetimefield_value(timezone.now()),
            ops.adapt_datefield_value(today),
            ops.adapt_datetimefield_value(timezone.now()),
        ],
    )


# ---- the floor ---------------------------------------------------------------------------------


def _add_days(date_sql: str, days_sql: str) -> str:
    if connection.vendor == "sqlite":
        return f"date({date_sql}, '+' || {days_sql} || ' days')"
    return f"({date_sql} + {days_sql})"


DETAILS = (
    "SELECT h.id, b.number, a.name FROM places_household h "
    "INNER JOIN places_building b ON b.id = h.building_id "
    "INNER JOIN places_area a ON a.id = b.compound_id WHERE h.id IN ({marks})"
)
LATEST = (
    "SELECT h.id, (SELECT v.outcome FROM visits_visit v WHERE v.household_id = h.id "
    "ORDER BY v.visited_at DESC, v.id DESC LIMIT 1), (SELECT v.retry_on FROM visits_visit v "
    "WHERE v.household_id = h.id ORDER BY v.visited_at DESC, v.id DESC LIMIT 1) "
    "FROM places_household h WHERE h.id IN ({marks})"
)


def floor_sql(user, horizon) -> tuple[str, str, list]:
    """(page SQL, count SQL, params): the due list by hand, for ``user``'s scope; the page's
    latest visits come from ``LATEST``."""
    from doorstep.places.models import Grid
    from doorstep.visits.scoping import split_grants

    area, _grid = split_grants(user, "view_visits")
    if area:
        code = area[0]
        scope, scope_params = "a.code LIKE %s", [code + "%"]
        if connection.vendor == "sqlite":
            # "+": the scope is broad; the query starts from the ruled residents.
            scope, scope_params = "(+a.code >= %s AND +a.code < %s)", [code, code + "\U0010ffff"]
    else:
        buildings = list(
            Grid.buildings.through.objects.filter(grid__workers=user).values_list(
                "building_id", flat=True
            )
        )
        marks = ", ".join(["%s"] * len(buildings)) or "NULL"
        scope, scope_params = f"b.id IN ({marks})", buildings
    due = _add_days("d.last_met", "d.interval_days")
    # The ruled households in scope with their smallest interval (one GROUP BY from the rules'
    # tags), then each one's last met visit (an index seek per household).
    ruled = (
        "WITH ru AS (SELECT r.household_id AS hid, MIN(vr.interval_days) AS interval_days "
        "FROM visits_visitrule vr INNER JOIN people_residenttag rt ON rt.tag_id = vr.tag_id "
        "INNER JOIN people_resident r ON r.id = rt.resident_id "
        "INNER JOIN places_household h ON h.id = r.household_id "
        "INNER JOIN places_building b ON b.id = h.building_id "
        "INNER JOIN places_area a ON a.id = b.compound_id "
        f"WHERE r.status = 'active' AND {scope} GROUP BY r.household_id), "
        "d AS MATERIALIZED (SELECT ru.hid, ru.interval_days, (SELECT MAX(v.visited_on) "
        "FROM visits_visit v "
        "WHERE v.household_id = ru.hid AND v.outcome = 'met') AS last_met FROM ru) "
    )
    body = f"FROM d WHERE (d.last_met IS NULL OR {due} <= %s) "
    page = (
        ruled
        + f"SELECT d.hid, d.interval_days, d.last_met, {due} "
        + body
        + f"ORDER BY d.last_met IS NOT NULL, {due}, d.hid LIMIT {PAGE}"
    )
    count = ruled + "SELECT COUNT(*) " + body
    return page, count, [*scope_params, connection.ops.adapt_datefield_value(horizon)]


# ---- measuring ---------------------------------------------------------------------------------


def _product(user, today) -> tuple:
    """What the worklist asks for its list: the count, the page, the page's latest visits."""
    from django.db.models import prefetch_related_objects

    from doorstep.visits.queries import due_households, latest_visits

    rows = due_households(user, today=today)
    page = list(rows[:PAGE])
    prefetch_related_objects(page, "building__compound")
    latest = latest_visits([h.pk for h in page])
    return rows.count(), [(h.pk, h.building.number, h.building.compound.name) for h in page], latest


def _floor(cursor, page_sql: str, count_sql: str, params: list) -> tuple:
    cursor.execute(page_sql, params)
    ids = [row[0] for row in cursor.fetchall()]
    cursor.execute(count_sql, params)
    (count,) = cursor.fetchone()
    latest, details = {}, {}
    if ids:
        marks = ", ".join(["%s"] * len(ids))
        cursor.execute(DETAILS.format(marks=marks), ids)
        details = {pk: (number, name) for pk, number, name in cursor.fetchall()}
        cursor.execute(LATEST.format(marks=marks), ids)
        latest = {pk: (o, r) for pk, o, r in cursor.fetchall() if o is not None}
    return count, [(pk, *details[pk]) for pk in ids], latest


def _percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[94]


def run(ctx: Context, results: Results) -> None:
    from django.utils import timezone

    from doorstep.visits.queries import due_soon_days

    n = max(2000, round(FULL_RESIDENTS * ctx.scale))
    t = time.perf_counter()
    print(f"   building a street of {n:,} residents and their visits (not measured) …", flush=True)
    build(ctx, n)
    print(f"   ({time.perf_counter() - t:.0f} s)", flush=True)
    today = timezone.localdate()
    horizon = today + datetime.timedelta(days=due_soon_days())
    gc.collect()
    gc.freeze()
    for username, label in USERS:
        user = ctx.user(username)
        page_sql, count_sql, params = floor_sql(user, horizon)
        real, floor = [], []
        with connection.cursor() as cursor:
            for i in range(WARMUP + RUNS):
                for name in ("product", "floor") if i % 2 else ("floor", "product"):
                    t0 = time.perf_counter()
                    if name == "product":
                        got = _product(user, today)
                    else:
                        expected = _floor(cursor, page_sql, count_sql, params)
                    seconds = (time.perf_counter() - t0) * 1000
                    if i >= WARMUP:
                        (real if name == "product" else floor).append(seconds)
                if got != expected:
                    message = f"due list and floor differ for {username}: {got} {expected}"
                    raise RuntimeError(message)
        (r50, r95), (f50, f95) = _percentiles(real), _percentiles(floor)
        note = f"{n:,} residents in the street, {got[0]:,} households due; {RUNS} runs"
        name = f"due-visit list, {label}"
        results.limit(f"{name}: p50", r50, "ms", floor=f50, note=note)
        results.ratio(f"{name}: p95", r95, f95, "ms", max_ratio=MAX_RATIO, note=note)
