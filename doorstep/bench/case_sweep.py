"""Overdue sweep: ``cases.actions.do_sweep_overdue`` over 1,000,000 cases, against hand-written SQL.

Builds 1,000,000 × ``BENCH_SCALE`` cases set-based: a thousand case shapes drawn at random (a
realistic mix: 70% closed, 12% running and on time, 5% running and already marked overdue,
5% running and newly overdue, 4% with the clock stopped, 4% not accepted yet; due dates spread
over the last months), multiplied in one ``INSERT … SELECT`` over the residents on file (a
case's area is its resident's). Twenty handlers (half with an email address) and eleven leads.

Measured in one child process (its peak resident memory is the sweep's), three times each in
alternating order on the same data, reset between runs (marks cleared, events and messages
deleted; on PostgreSQL vacuumed and checkpointed): the sweep as the product runs it, and the
floor — the same writes
(guarded status UPDATE, one event per case, one message per case with the same text, one
digest per lead) as hand-written set-based SQL on a raw cursor. The best of each is kept.
Target: the sweep within 2× of the floor.
"""

from __future__ import annotations

import datetime
import random
import sys
import time

from django.db import connection, transaction

from .context import Context, run_child
from .results import Results

FULL_CASES = 1_000_000
SHAPES = 1000
HANDLERS = 20
LEAD_COMMUNITIES = 10
MAX_RATIO = 2.0
MAX_PEAK_MB = 256
ROUNDS = 3
RUNNING = ("accepted", "forwarded", "in_progress")
CLOSED = ("completed", "refused", "withdrawn")
CASE_COLUMNS = (
    "receipt", "resident_id", "area_code", "service_id", "version_id", "department_id",
    "status", "revision", "handler_id", "created_at", "idempotency_key", "agent_kind",
    "agent_name", "agent_phone", "agent_relation", "consent", "consent_note", "accepted_at",
    "accepted_on", "limit_days", "due_on", "warn_on", "paused_since", "paused_days",
    "pending_deadline", "overdue_at", "closed_at", "trips", "max_trips", "forwarded_to_id",
    "forwarded_at",
)  # fmt: skip
# What varies between case shapes; the rest is the same for every bench case.
SHAPE_COLUMNS = (
    "k", "service_id", "version_id", "department_id", "status", "handler_id", "created_at",
    "accepted_at", "accepted_on", "limit_days", "due_on", "warn_on", "paused_since",
    "overdue_at", "closed_at", "max_trips", "forwarded_to_id", "forwarded_at",
)  # fmt: skip


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    from django.utils import timezone

    return datetime.datetime.combine(day, datetime.time(hour), timezone.get_current_timezone())


def _shape(rng: random.Random, k: int, today: datetime.date, services, handlers) -> dict:
    service_id, version_id, department_id = rng.choice(services)
    days = datetime.timedelta
    row = dict.fromkeys(SHAPE_COLUMNS)
    row.update(
        k=k,
        service_id=service_id,
        version_id=version_id,
        department_id=department_id,
        handler_id=rng.choice(handlers),
        max_trips=1,
    )
    draw = rng.random()
    if draw < 0.04:  # not accepted yet: no clock
        row["status"] = rng.choice(("draft", "awaiting_materials"))
        row["created_at"] = _at(today - days(rng.randrange(30)), 9)
        return row
    if draw < 0.74:  # closed
        accepted = today - days(rng.randrange(20, 400))
        status = rng.choices(CLOSED, weights=(12, 1, 1))[0]
        due = accepted + days(14)
        closed = accepted + days(rng.randrange(1, 20))
        row.update(status=status, closed_at=_at(closed, 15))
        if closed > due:
            row["overdue_at"] = _at(due + days(1), 1)
    elif draw < 0.86:  # running, on time
        accepted = today - days(rng.randrange(14))
        row["status"] = rng.choice(RUNNING)
    elif draw < 0.91:  # running, overdue and already marked
        accepted = today - days(rng.randrange(15, 45))
        row["status"] = rng.choice(RUNNING)
        row["overdue_at"] = _at(accepted + days(15), 1)
    elif draw < 0.96:  # running, newly overdue: the sweep's work
        accepted = today - days(rng.randrange(15, 45))
        row["status"] = rng.choice(RUNNING)
    else:  # the clock stopped, waiting for the resident
        accepted = today - days(rng.randrange(40))
        row["status"] = rng.choice(("awaiting_materials", "returned"))
        row["paused_since"] = accepted + days(rng.randrange(1, 5))
    row.update(
        created_at=_at(accepted, 9),
        accepted_at=_at(accepted, 10),
        accepted_on=accepted,
        limit_days=10,
        due_on=accepted + days(14),
        warn_on=accepted + days(11),
    )
    if row["status"] in ("forwarded", "returned"):
        row.update(forwarded_to_id=department_id, forwarded_at=_at(accepted + days(1), 11))
    return row


def _staff() -> list[int]:
    """Twenty handlers (half of them with an email address) and eleven leads: the street lead
    of the demo and a community lead over each of ten communities."""
    from django.contrib.auth import get_user_model

    from doorstep.places.choices import AreaKind
    from doorstep.places.models import Area
    from doorstep.staff.choices import Role
    from doorstep.staff.models import RoleGrant

    User = get_user_model()
    communities = list(Area.objects.filter(kind=AreaKind.COMMUNITY).order_by("code"))
    handlers = []
    for i in range(HANDLERS):
        email = f"clerk{i}@bench.example" if i % 2 == 0 else ""
        user, _ = User.objects.get_or_create(username=f"bench_clerk_{i}", defaults={"email": email})
        area = communities[i % len(communities)]
        RoleGrant.objects.get_or_create(user=user, role=Role.CLERK, area=area)
        handlers.append(user.pk)
    for i, area in enumerate(communities[:LEAD_COMMUNITIES]):
        email = f"lead{i}@bench.example" if i % 3 else ""
        user, _ = User.objects.get_or_create(username=f"bench_lead_{i}", defaults={"email": email})
        RoleGrant.objects.get_or_create(user=user, role=Role.COMMUNITY_LEAD, area=area)
    return handlers


def _residents(ctx: Context) -> None:
    from doorstep.people.demo import load_residents
    from doorstep.people.models import Resident

    if Resident.objects.count() < 1000:
        print("   loading 2,000 synthetic residents (not measured) …", flush=True)
        load_residents(2000, actor=ctx.user("admin"))


def load_cases(ctx: Context, n: int, shape, *, seed: int, prefix: str) -> tuple[list[dict], int]:
    """Write ``n`` bench cases from a thousand shapes ``shape(rng, k, services, handlers)``
    (with the catalogue, residents and handlers they need); returns the shapes, their dates
    as the database takes them, and how many times each was written."""
    from doorstep.catalogue.loader import load_catalogue
    from doorstep.catalogue.models import ServiceVersion

    load_catalogue()
    _residents(ctx)
    handlers = _staff()
    services = list(
        ServiceVersion.objects.filter(status="published")
        .order_by("service__code")
        .values_list("service_id", "pk", "service__department_id")
    )
    rng = random.Random(ctx.seed + seed)
    shapes = [shape(rng, k, services, handlers) for k in range(SHAPES)]
    ops = connection.ops
    for row in shapes:
        for key in ("created_at", "accepted_at", "overdue_at", "closed_at", "forwarded_at"):
            row[key] = ops.adapt_datetimefield_value(row[key])
        for key in ("accepted_on", "due_on", "warn_on", "paused_since"):
            row[key] = ops.adapt_datefield_value(row[key])
    reps = max(1, n // SHAPES)
    with transaction.atomic(), connection.cursor() as cursor:
        _fill(cursor, shapes, reps, prefix)
    return shapes, reps


def build(ctx: Context, n: int, today: datetime.date) -> int:
    """Write ``n`` bench cases; returns how many of them are newly overdue on ``today``."""
    shapes, reps = load_cases(
        ctx, n, lambda rng, k, services, handlers: _shape(rng, k, today, services, handlers),
        seed=17, prefix="BENCH-",
    )  # fmt: skip
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE cases_case")  # what autovacuum does after a load
    newly = [s for s in shapes if s["status"] in RUNNING and s["overdue_at"] is None]
    today_value = connection.ops.adapt_datefield_value(today)
    return sum(1 for s in newly if s["due_on"] < today_value) * reps


def _fill(cursor, shapes: list[dict], reps: int, prefix: str = "BENCH-") -> None:
    """Shapes × repetitions × residents, in one INSERT … SELECT (no rows through Python); the
    receipts numbered after ``prefix`` (one per module: receipts are unique)."""
    shape_cols = ", ".join(SHAPE_COLUMNS[1:])
    cursor.execute(
        f"CREATE TEMPORARY TABLE bench_shape AS SELECT 0 AS k, {shape_cols} FROM cases_case "
        "WHERE 1 = 0"
    )
    marks = ", ".join(["%s"] * len(SHAPE_COLUMNS))
    cursor.executemany(
        f"INSERT INTO bench_shape ({', '.join(SHAPE_COLUMNS)}) VALUES ({marks})",
        [tuple(s[c] for c in SHAPE_COLUMNS) for s in shapes],
    )
    cursor.execute(
        "CREATE TEMPORARY TABLE bench_resident AS SELECT "
        "ROW_NUMBER() OVER (ORDER BY id) - 1 AS n, id, area_code FROM people_resident"
    )
    cursor.execute("CREATE INDEX bench_resident_n ON bench_resident (n)")
    cursor.execute("SELECT COUNT(*) FROM bench_resident")
    (residents,) = cursor.fetchone()
    values = {
        "receipt": f"'{prefix}' || (s.i * {SHAPES} + t.k)",
        "resident_id": "r.id",
        "area_code": "r.area_code",
        "revision": "1",
        "idempotency_key": "''",
        "agent_kind": "'self'",
        "agent_name": "''",
        "agent_phone": "''",
        "agent_relation": "''",
        "consent": "1 = 0",
        "consent_note": "''",
        "paused_days": "0",
        "pending_deadline": "NULL",
        "trips": "1",
    }
    select = ", ".join(values.get(c, f"t.{c}") for c in CASE_COLUMNS)
    cursor.execute(
        "INSERT INTO cases_case (" + ", ".join(CASE_COLUMNS) + ") "
        "WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < %s) "
        f"SELECT {select} FROM seq s CROSS JOIN bench_shape t "
        "INNER JOIN bench_resident r ON r.n = (s.i * %s + t.k) %% %s",
        [reps - 1, SHAPES, residents],
    )
    cursor.execute("DROP TABLE bench_shape")
    cursor.execute("DROP TABLE bench_resident")


# ---- in the child process --------------------------------------------------------------------


def _reset(stamps: list) -> None:
    """Back to the data as built: the marks of the runs cleared, their rows deleted."""
    ops = connection.ops
    with transaction.atomic(), connection.cursor() as cursor:
        for stamp in stamps:
            cursor.execute(
                "UPDATE cases_case SET overdue_at = NULL WHERE overdue_at = %s",
                [ops.adapt_datetimefield_value(stamp)],
            )
        cursor.execute("DELETE FROM cases_caseevent WHERE kind = 'overdue'")
        cursor.execute(
            "DELETE FROM notify_message WHERE template IN ('case_overdue', 'cases_overdue_digest')"
        )
        cursor.execute("DELETE FROM django_tasks_database_dbtaskresult")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in ("cases_case", "cases_caseevent", "notify_message"):
                cursor.execute(f"VACUUM ANALYZE {table}")
            cursor.execute("CHECKPOINT")  # no run should pay for writing out the last one's pages
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _text_parts(template: str, names: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """The template's subject and body in the site's language, split around its variables."""
    import re

    from django.conf import settings

    from doorstep.notify import templates

    marks = {n: f"\ue000{i}\ue001" for i, n in enumerate(names)}
    subject, body = templates.render(template, marks, language=settings.LANGUAGE_CODE)
    split = re.compile("(" + "|".join(re.escape(m) for m in marks.values()) + ")")
    return split.split(subject), split.split(body)


def _concat(parts: list[str], columns: dict[str, str], params: list) -> str:
    """``%s || column || %s …`` for the split text (constants as parameters)."""
    by_mark = {f"\ue000{i}\ue001": col for i, col in enumerate(columns.values())}
    sql = []
    for part in parts:
        if part in by_mark:
            sql.append(by_mark[part])
        elif part:
            sql.append("%s")
            params.append(part)
    return " || ".join(sql)


def floor_sweep(today: datetime.date, stamp: datetime.datetime) -> int:
    """The sweep's writes, written by hand."""
    from django.conf import settings

    ops = connection.ops
    at, day = ops.adapt_datetimefield_value(stamp), ops.adapt_datefield_value(today)
    running = "status IN ('accepted', 'forwarded', 'in_progress')"
    mine = f"{running} AND due_on < %s AND overdue_at = %s"
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            f"UPDATE cases_case SET overdue_at = %s WHERE {running} AND due_on < %s "
            "AND overdue_at IS NULL",
            [at, day],
        )
        marked = cur.rowcount
        if not marked:
            return 0
        cur.execute(
            "INSERT INTO cases_caseevent (case_id, at, kind, verb, from_status, to_status, "
            "reason, data) SELECT id, %s, 'overdue', '', status, status, '', '{}' "
            f"FROM cases_case WHERE {mine}",
            [at, day, at],
        )
        subject_parts, body_parts = _text_parts("case_overdue", ("receipt", "service", "due"))
        columns = {"receipt": "c.receipt", "service": "s.name", "due": "CAST(c.due_on AS TEXT)"}
        params: list = []
        subject = _concat(subject_parts, columns, params)
        body = _concat(body_parts, columns, params)
        cur.execute(
            "INSERT INTO notify_message (channel, address, template, language, subject, body, "
            "idempotency_key, status, attempts, next_attempt_at, last_error, created_at) "
            "SELECT CASE WHEN u.email = '' THEN 'log' ELSE 'email' END, u.email, "
            f"'case_overdue', %s, {subject}, {body}, 'case:' || c.id || ':overdue', 'pending', "
            "0, %s, '', %s FROM cases_case c "
            "INNER JOIN auth_user u ON u.id = c.handler_id "
            "INNER JOIN catalogue_service s ON s.id = c.service_id "
            f"WHERE c.{running} AND c.due_on < %s AND c.overdue_at = %s ON CONFLICT DO NOTHING",
            [settings.LANGUAGE_CODE, *params, at, at, day, at],
        )
        _floor_digests(cur, today, mine, [day, at])
    return marked


def _floor_digests(cur, today: datetime.date, mine: str, params: list) -> None:
    from django.conf import settings
    from django.utils import timezone

    from doorstep.notify import templates

    cur.execute(
        "SELECT g.user_id, u.email, a.code, a.name FROM people_rolegrant g "
        "INNER JOIN auth_user u ON u.id = g.user_id INNER JOIN places_area a ON a.id = g.area_id "
        "WHERE g.role IN ('community_lead', 'street_lead') AND u.is_active "
        "ORDER BY g.user_id, a.code"
    )
    leads: dict[int, tuple[str, list]] = {}
    for user_id, email, code, name in cur.fetchall():
        leads.setdefault(user_id, (email, []))[1].append((code, name))
    cur.execute(f"SELECT area_code, COUNT(*) FROM cases_case WHERE {mine} GROUP BY 1", params)
    per_area = dict(cur.fetchall())
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    for user_id, (email, areas) in leads.items():
        prefixes = tuple(code for code, _name in areas)
        count = sum(n for code, n in per_area.items() if code.startswith(prefixes))
        if not count:
            continue
        scope = " OR ".join(["area_code LIKE %s"] * len(prefixes))
        cur.execute(
            f"SELECT receipt FROM cases_case WHERE {mine} AND ({scope}) "
            "ORDER BY due_on, receipt LIMIT 20",
            [*params, *(p + "%" for p in prefixes)],
        )
        receipts = [r for (r,) in cur.fetchall()]
        context = {
            "count": count,
            "area": "、".join(name for _code, name in areas),
            "receipts": ", ".join(receipts) + (" …" if count > len(receipts) else ""),
        }
        subject, body = templates.render(
            "cases_overdue_digest", context, language=settings.LANGUAGE_CODE
        )
        cur.execute(
            "INSERT INTO notify_message (channel, address, template, language, subject, body, "
            "idempotency_key, status, attempts, next_attempt_at, last_error, created_at) "
            "VALUES (%s, %s, 'cases_overdue_digest', %s, %s, %s, %s, 'pending', 0, %s, '', %s) "
            "ON CONFLICT DO NOTHING",
            [
                "email" if email else "log",
                email,
                settings.LANGUAGE_CODE,
                subject,
                body,
                f"cases-overdue:{user_id}:{today.isoformat()}",
                now,
                now,
            ],
        )


def _written() -> dict:
    """What a run wrote, to check that the sweep and the floor did the same."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM cases_caseevent WHERE kind = 'overdue'")
        (events,) = cursor.fetchone()
        cursor.execute(
            "SELECT template, COUNT(*), SUM(LENGTH(body)), MIN(body), MAX(body) "
            "FROM notify_message WHERE template IN ('case_overdue', 'cases_overdue_digest') "
            "GROUP BY template ORDER BY template"
        )
        messages = [list(row) for row in cursor.fetchall()]
    return {"events": events, "messages": messages}


def child_measure(today: str, expected: int) -> dict:
    """Runs in the child process: floor and sweep, alternately, reset between."""
    from django.utils import timezone

    from doorstep.cases.actions import do_sweep_overdue

    day = datetime.date.fromisoformat(today)
    runs = {
        "floor": lambda stamp: floor_sweep(day, stamp),
        "sweep": lambda stamp: do_sweep_overdue(today=day, now=stamp),
    }
    order = ["floor", "sweep"]
    best: dict[str, float] = {}
    written: dict[str, dict] = {}
    for round_ in range(ROUNDS):
        for name in order if round_ % 2 == 0 else order[::-1]:
            stamp = timezone.now()
            t = time.perf_counter()
            marked = runs[name](stamp)
            seconds = time.perf_counter() - t
            if marked != expected:
                raise RuntimeError(f"{name} marked {marked:,} cases, not {expected:,}")
            written[name] = _written()
            _reset([stamp])
            best[name] = min(seconds, best.get(name, seconds))
            print(f"   {name}: {seconds:.2f} s", file=sys.stderr, flush=True)
    if written["floor"] != written["sweep"]:
        raise RuntimeError(f"sweep and floor wrote different rows: {written}")
    return {
        "floor": best["floor"],
        "sweep": best["sweep"],
        "written": written["sweep"],
        "peak_mb": _high_water_mb(),
    }


def _high_water_mb() -> float:
    """This process's peak resident memory since it started its program (``VmHWM``).

    Not ``ru_maxrss``: Linux carries that across ``execve``, so a child started from a big
    benchmark process would report the parent's size at the fork."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(ctx: Context, results: Results) -> None:
    from django.utils import timezone

    n = max(SHAPES, round(FULL_CASES * ctx.scale))
    today = timezone.localdate()
    t = time.perf_counter()
    print(f"   building {n:,} cases set-based (not measured) …", flush=True)
    expected = build(ctx, n, today)
    print(
        f"   ({time.perf_counter() - t:.0f} s; {expected:,} newly overdue on {today})", flush=True
    )
    out = run_child(
        "doorstep.bench.case_sweep:child_measure", today=today.isoformat(), expected=expected
    )
    note = f"{n:,} cases, {expected:,} newly overdue; best of {ROUNDS} each"
    results.ratio(
        "overdue sweep: time", out["sweep"], out["floor"], "s", max_ratio=MAX_RATIO, note=note
    )
    results.limit(
        "overdue sweep: cases marked per second",
        expected / out["sweep"],
        "cases/s",
        floor=expected / out["floor"],
    )
    results.limit("overdue sweep: peak memory", out["peak_mb"], "MB", below=MAX_PEAK_MB)
