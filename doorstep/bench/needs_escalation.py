"""Escalation sweep: ``needs.actions.do_escalate_needs`` over 1,000,000 needs, against
hand-written SQL.

Builds 1,000,000 × ``BENCH_SCALE`` needs set-based: a thousand need shapes drawn at random (60%
closed, 10% answered and waiting for the callback, 14% running and on time, 10% running and
overdue — the sweep's work, a few of them already at the top of the ladder — 6% waiting for the
resident with the clock stopped), multiplied in one ``INSERT … SELECT`` over the compounds on
file. Twenty owners (half with an email address), ten community leads and one street lead;
two departments answering for some categories, with reviewers over the street, the district
and a community; a district lead for the categories with no department; property management
companies over half the compounds (some by email, some by phone) and over one community.

Measured in one child process, three times each in alternating order on the same data, reset
between runs (the moved needs restored from a copy taken before the first run, events and
messages deleted; on PostgreSQL vacuumed and checkpointed): the sweep as the product runs it,
and the floor — the same writes (status-guarded UPDATE of level, stamp and deadline, one event
per need, one message per owner with the same text, one message per need now with property
management to its nearest company, one inbox item and one message per need now at the
department to each reviewer or district lead over it, one digest per lead) as hand-written
set-based SQL on a raw cursor. The two must write the same rows. The best of each is kept.
Target: the sweep within 1.5× of the floor.
"""

from __future__ import annotations

import datetime
import random
import sys
import time

from django.db import connection, transaction

from .case_sweep import _concat, _high_water_mb, _text_parts
from .context import Context, run_child
from .results import Results

FULL_NEEDS = 1_000_000
SHAPES = 1000
OWNERS = 20
LEAD_COMMUNITIES = 10
MAX_RATIO = 1.5
MAX_PEAK_MB = 256
ROUNDS = 3
RUNNING = ("new", "in_progress")
NEED_COLUMNS = (
    "source", "source_ref", "kind", "category_id", "description", "urgency", "area_code",
    "compound_id", "building_id", "lat", "lng", "resident_id", "raiser_name", "raiser_phone",
    "status", "revision", "created_at", "created_by_id", "owner_kind", "owner_user_id",
    "owner_department_id", "owner_external_id", "feedback_due_at", "paused_at", "paused_seconds",
    "extension_asked_at", "extension_hours", "extension_reason", "extended", "level",
    "level_since", "answered_at", "decision", "answer", "case_id", "dispute_id", "closed_at",
    "sensitive", "unreasonable",
)  # fmt: skip
SHAPE_COLUMNS = (
    "k", "category_id", "area_code", "compound_id", "status", "created_at", "owner_user_id",
    "feedback_due_at", "paused_at", "level", "level_since", "answered_at", "decision",
    "closed_at",
)  # fmt: skip


def _shape(rng: random.Random, k: int, now: datetime.datetime, refs: dict) -> dict:
    hours = datetime.timedelta(hours=1)
    category = rng.choice(refs["categories"])
    compound_id, code = rng.choice(refs["compounds"])
    created = now - hours * rng.randrange(1, 24 * 60)
    row = dict.fromkeys(SHAPE_COLUMNS)
    row.update(
        k=k, category_id=category, area_code=code, compound_id=compound_id, created_at=created,
        owner_user_id=rng.choice(refs["owners"]), level=1, level_since=created,
        feedback_due_at=created + hours * 24 * 7, decision="",
    )  # fmt: skip
    draw = rng.random()
    if draw < 0.60:
        row.update(status="closed", answered_at=created + hours * 30, decision="resolved",
                   closed_at=created + hours * 50)  # fmt: skip
    elif draw < 0.70:
        row.update(status="answered", answered_at=now - hours, decision="partly")
    elif draw < 0.84:  # running, on time
        row.update(status=rng.choice(RUNNING), feedback_due_at=now + hours * rng.randrange(1, 99))
    elif draw < 0.94:  # running and overdue: the sweep's work (some already at the top)
        level = rng.choice((1, 1, 2, 3, 4, 5))
        row.update(status=rng.choice(RUNNING), level=level,
                   feedback_due_at=now - hours * rng.randrange(1, 99))  # fmt: skip
    else:  # waiting for the resident: the clock is stopped, never escalated
        row.update(status="waiting", paused_at=now - hours * 5,
                   feedback_due_at=now - hours * rng.randrange(1, 99))  # fmt: skip
    return row


def _staff() -> list[int]:
    from django.contrib.auth import get_user_model

    from doorstep.places.choices import AreaKind
    from doorstep.places.models import Area
    from doorstep.staff.choices import Role
    from doorstep.staff.models import RoleGrant

    User = get_user_model()
    communities = list(Area.objects.filter(kind=AreaKind.COMMUNITY).order_by("code"))
    owners = []
    for i in range(OWNERS):
        email = f"grid{i}@bench.example" if i % 2 == 0 else ""
        user, _ = User.objects.get_or_create(username=f"bench_grid_{i}", defaults={"email": email})
        RoleGrant.objects.get_or_create(
            user=user, role=Role.GRID_WORKER, area=communities[i % len(communities)]
        )
        owners.append(user.pk)
    for i, area in enumerate(communities[:LEAD_COMMUNITIES]):
        email = f"nlead{i}@bench.example" if i % 3 else ""
        user, _ = User.objects.get_or_create(username=f"bench_nlead_{i}", defaults={"email": email})
        RoleGrant.objects.get_or_create(user=user, role=Role.COMMUNITY_LEAD, area=area)
    street = communities[0].parent
    user, _ = User.objects.get_or_create(
        username="bench_nstreet", defaults={"email": "street@bench.example"}
    )
    RoleGrant.objects.get_or_create(user=user, role=Role.STREET_LEAD, area=street)
    _next_levels(communities)
    return owners


def _next_levels(communities: list) -> None:
    """Who the sweep tells at property management and at the department."""
    from django.contrib.auth import get_user_model

    from doorstep.catalogue.models import Department
    from doorstep.needs.models import ExternalBody, NeedCategory
    from doorstep.places.choices import AreaKind
    from doorstep.places.models import Area
    from doorstep.staff.choices import Role
    from doorstep.staff.models import RoleGrant

    User = get_user_model()
    street, district = communities[0].parent, communities[0].parent.parent
    departments = [
        Department.objects.get_or_create(code=f"bench-{c}", defaults={"name": f"bench {c}"})[0]
        for c in ("a", "b")
    ]
    for i, category in enumerate(NeedCategory.objects.order_by("pk")):
        category.department = departments[i % 2] if i % 3 else None
        category.save(update_fields=["department"])
    reviewers = [(departments[0], street), (departments[0], district), (departments[1], street),
                 (departments[1], communities[1])]  # fmt: skip
    for i, (department, area) in enumerate(reviewers):
        user, _ = User.objects.get_or_create(
            username=f"bench_review_{i}", defaults={"email": f"r{i}@bench.example" if i else ""}
        )
        RoleGrant.objects.get_or_create(
            user=user, role=Role.REVIEWER, area=area, defaults={"department": department}
        )
    user, _ = User.objects.get_or_create(
        username="bench_ndistrict", defaults={"email": "district@bench.example"}
    )
    RoleGrant.objects.get_or_create(user=user, role=Role.DISTRICT_LEAD, area=district)
    compounds = Area.objects.filter(kind=AreaKind.COMPOUND).order_by("code")
    for i, compound in enumerate(compounds[::2]):
        email, phone = (f"wuye{i}@bench.example", "") if i % 2 else ("", f"1380000{i:04d}")
        ExternalBody.objects.get_or_create(
            name=f"bench wuye {i}",
            defaults={"kind": "property", "area": compound, "email": email, "phone": phone},
        )
    ExternalBody.objects.get_or_create(
        name="bench wuye community",
        defaults={"kind": "property", "area": communities[0], "email": "c@bench.example"},
    )


def build(ctx: Context, n: int, now: datetime.datetime) -> int:
    """Write ``n`` bench needs; returns how many of them the sweep moves at ``now``."""
    from doorstep.needs.models import NeedCategory
    from doorstep.places.choices import AreaKind
    from doorstep.places.demo import build_places
    from doorstep.places.models import Area

    build_places()
    refs = {
        "owners": _staff(),
        "categories": list(NeedCategory.objects.values_list("pk", flat=True)),
        "compounds": list(
            Area.objects.filter(kind=AreaKind.COMPOUND).order_by("code").values_list("pk", "code")
        ),
    }
    rng = random.Random(ctx.seed + 31)
    shapes = [_shape(rng, k, now, refs) for k in range(SHAPES)]
    ops = connection.ops
    for row in shapes:
        for key in ("created_at", "feedback_due_at", "paused_at", "level_since", "answered_at",
                    "closed_at"):  # fmt: skip
            row[key] = ops.adapt_datetimefield_value(row[key])
    reps = max(1, n // SHAPES)
    with transaction.atomic(), connection.cursor() as cursor:
        _fill(cursor, shapes, reps)
        _backup(cursor, now)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE needs_need")
    at = ops.adapt_datetimefield_value(now)
    moved = [
        s for s in shapes
        if s["status"] in RUNNING and s["feedback_due_at"] < at and s["level"] < 5
    ]  # fmt: skip
    return len(moved) * reps


def _fill(cursor, shapes: list[dict], reps: int) -> None:
    shape_cols = ", ".join(SHAPE_COLUMNS[1:])
    cursor.execute(
        f"CREATE TEMPORARY TABLE bench_nshape AS SELECT 0 AS k, {shape_cols} FROM needs_need "
        "WHERE 1 = 0"
    )
    marks = ", ".join(["%s"] * len(SHAPE_COLUMNS))
    cursor.executemany(
        f"INSERT INTO bench_nshape ({', '.join(SHAPE_COLUMNS)}) VALUES ({marks})",
        [tuple(s[c] for c in SHAPE_COLUMNS) for s in shapes],
    )
    values = {
        "source": "'visit'", "source_ref": "''", "kind": "'help'",
        "description": "'bench need ' || (s.i * 1000 + t.k)", "urgency": "'yellow'",
        "building_id": "NULL", "lat": "NULL", "lng": "NULL", "resident_id": "NULL",
        "raiser_name": "'bench'", "raiser_phone": "''", "revision": "1",
        "created_by_id": "t.owner_user_id", "owner_kind": "'user'",
        "owner_department_id": "NULL", "owner_external_id": "NULL", "paused_seconds": "0",
        "extension_asked_at": "NULL", "extension_hours": "0", "extension_reason": "''",
        "extended": "1 = 0", "answer": "''", "case_id": "NULL", "dispute_id": "NULL",
        "sensitive": "1 = 0", "unreasonable": "1 = 0",
    }  # fmt: skip
    select = ", ".join(values.get(c, f"t.{c}") for c in NEED_COLUMNS)
    cursor.execute(
        "INSERT INTO needs_need (" + ", ".join(NEED_COLUMNS) + ") "
        "WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < %s) "
        f"SELECT {select} FROM seq s CROSS JOIN bench_nshape t",
        [reps - 1],
    )
    cursor.execute("DROP TABLE bench_nshape")


def _backup(cursor, now: datetime.datetime) -> None:
    """A copy of what the sweep changes on the needs it will move, to restore between runs."""
    stamp_type = "timestamp with time zone" if connection.vendor == "postgresql" else "datetime"
    cursor.execute("DROP TABLE IF EXISTS bench_need_backup")
    cursor.execute(
        "CREATE TABLE bench_need_backup (id bigint PRIMARY KEY, level integer, "
        f"level_since {stamp_type}, feedback_due_at {stamp_type}, revision integer)"
    )
    cursor.execute(
        "INSERT INTO bench_need_backup SELECT id, level, level_since, feedback_due_at, revision "
        "FROM needs_need WHERE status IN ('new', 'in_progress') AND feedback_due_at < %s "
        "AND level < 5",
        [connection.ops.adapt_datetimefield_value(now)],
    )


# ---- in the child process --------------------------------------------------------------------


def _reset() -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        for column in ("level", "level_since", "feedback_due_at", "revision"):
            cursor.execute(
                f"UPDATE needs_need SET {column} = (SELECT b.{column} FROM bench_need_backup b "
                "WHERE b.id = needs_need.id) WHERE id IN (SELECT id FROM bench_need_backup)"
            )
        cursor.execute("DELETE FROM needs_needevent WHERE kind = 'escalated'")
        cursor.execute(
            "DELETE FROM notify_message WHERE template IN ('need_escalated', "
            "'needs_escalated_digest')"
        )
        cursor.execute("DELETE FROM notify_inboxitem WHERE kind = 'need_escalated'")
        cursor.execute("DELETE FROM django_tasks_database_dbtaskresult")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in ("needs_need", "needs_needevent", "notify_message"):
                cursor.execute(f"VACUUM ANALYZE {table}")
            cursor.execute("CHECKPOINT")
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def floor_sweep(stamp: datetime.datetime) -> int:
    """The sweep's writes, written by hand."""
    from django.conf import settings
    from django.utils import translation

    from doorstep.needs.clock import due_at
    from doorstep.needs.models import NeedCategory

    ops = connection.ops
    at = ops.adapt_datetimefield_value(stamp)
    deadlines, params = [], []
    for category in NeedCategory.objects.order_by("pk"):
        deadlines.append("WHEN %s THEN %s")
        params += [category.pk, ops.adapt_datetimefield_value(due_at(category, stamp))]
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "UPDATE needs_need SET level = level + 1, level_since = %s, feedback_due_at = "
            f"CASE category_id {' '.join(deadlines)} ELSE feedback_due_at END, "
            "revision = revision + 1 WHERE status IN ('new', 'in_progress') "
            "AND feedback_due_at < %s AND level < 5",
            [at, *params, at],
        )
        moved = cur.rowcount
        if not moved:
            return 0
        cur.execute(
            "INSERT INTO needs_needevent (need_id, at, actor_name, kind, verb, from_status, "
            "to_status, level, reason, data) SELECT id, %s, '', 'escalated', '', status, status, "
            "level, '', '{}' FROM needs_need WHERE level_since = %s",
            [at, at],
        )
        from doorstep.needs.choices import Level

        with translation.override(settings.LANGUAGE_CODE):
            labels = [(value, str(label).replace("'", "''")) for value, label in Level.choices]
        names = ("number", "category", "compound", "level")
        subject_parts, body_parts = _text_parts("need_escalated", names)
        level_sql = "CASE n.level " + " ".join(
            f"WHEN {value} THEN '{label}'" for value, label in labels
        ) + " ELSE '' END"  # fmt: skip
        columns = {
            "number": "CAST(n.id AS TEXT)",
            "category": "c.name",
            "compound": "a.name",
            "level": level_sql,
        }
        text_params: list = []
        subject = _concat(subject_parts, columns, text_params)
        body = _concat(body_parts, columns, text_params)
        cur.execute(
            "INSERT INTO notify_message (channel, address, template, language, subject, body, "
            "idempotency_key, status, attempts, next_attempt_at, last_error, created_at) "
            "SELECT CASE WHEN u.email = '' THEN 'log' ELSE 'email' END, u.email, "
            f"'need_escalated', %s, SUBSTR({subject}, 1, 200), {body}, "
            "'need:' || n.id || ':level:' || n.level, 'pending', 0, %s, '', %s "
            "FROM needs_need n INNER JOIN auth_user u ON u.id = n.owner_user_id "
            "INNER JOIN needs_needcategory c ON c.id = n.category_id "
            "INNER JOIN places_area a ON a.id = n.compound_id "
            "WHERE n.level_since = %s AND n.owner_kind = 'user' ON CONFLICT DO NOTHING",
            [settings.LANGUAGE_CODE, *text_params, at, at, at],
        )
        text = (subject, body, text_params)
        _floor_property(cur, at, text)
        _floor_department(cur, at, text)
        _floor_digests(cur, stamp, at)
    return moved


MESSAGE = (
    "INSERT INTO notify_message (channel, address, template, language, subject, body, "
    "idempotency_key, status, attempts, next_attempt_at, last_error, created_at) "
)
# The codes of the need's compound and of the areas above it (a code extends its parent's).
OVER = ", ".join(f"SUBSTR(n.area_code, 1, {n})" for n in (6, 9, 12, 15))
NEED = (
    "FROM needs_need n INNER JOIN needs_needcategory c ON c.id = n.category_id "
    "INNER JOIN places_area a ON a.id = n.compound_id "
)


def _floor_property(cur, at, text: tuple[str, str, list]) -> None:
    """One message per need now with property management, to the nearest active company."""
    from django.conf import settings

    subject, body, params = text
    has_email = "b.email <> ''"
    cur.execute(
        f"{MESSAGE} SELECT CASE WHEN {has_email} THEN 'email' WHEN b.phone <> '' THEN 'sms' "
        f"ELSE 'log' END, CASE WHEN {has_email} THEN b.email ELSE b.phone END, "
        f"'need_escalated', %s, SUBSTR({subject}, 1, 200), {body}, "
        "'need:' || n.id || ':level:' || n.level || ':property', 'pending', 0, %s, '', %s "
        f"{NEED} INNER JOIN needs_externalbody b ON b.id = (SELECT b2.id FROM "
        "needs_externalbody b2 WHERE b2.kind = 'property' AND b2.active "
        f"AND b2.area_code IN ({OVER}) ORDER BY LENGTH(b2.area_code) DESC, b2.id "
        "LIMIT 1) WHERE n.level_since = %s AND n.level = 2 ON CONFLICT DO NOTHING",
        [settings.LANGUAGE_CODE, *params, at, at, at],
    )


def _fill_sql(text: str, columns: dict[str, str], params: list) -> str:
    """``text`` with its ``%(name)s`` placeholders as the given SQL columns."""
    import re

    sql = []
    for i, part in enumerate(re.split(r"%\((\w+)\)s", text)):
        if i % 2:
            sql.append(columns[part])
        elif part:
            sql.append("%s")
            params.append(part)
    return " || ".join(sql)


def _floor_department(cur, at, text: tuple[str, str, list]) -> None:
    """An inbox item and a message per need now at the department, to each reviewer of its
    category's department over it, or to each district lead over it when there is none."""
    from django.conf import settings
    from django.urls import reverse

    from doorstep.needs.actions.sweep import inbox_texts

    subject, body, params = text
    title_text, body_text = inbox_texts()
    mark = "918273645"
    url = reverse("needs-detail", args=[int(mark)]).replace(mark, "%(number)s")
    fields = {"number": "CAST(n.id AS TEXT)", "category": "c.name", "compound": "a.name"}
    item_params: list = []
    title = _fill_sql(title_text, fields, item_params)
    item_body = _fill_sql(body_text, fields, item_params)
    link = _fill_sql(url, fields, item_params)
    recipients = (
        f"{NEED} INNER JOIN people_rolegrant g ON ((c.department_id IS NOT NULL "
        "AND g.role = 'reviewer' AND g.department_id = c.department_id) "
        "OR (c.department_id IS NULL AND g.role = 'district_lead')) "
        "INNER JOIN places_area ga ON ga.id = g.area_id "
        "INNER JOIN auth_user u ON u.id = g.user_id AND u.is_active "
        f"WHERE n.level_since = %s AND n.level = 5 AND ga.code IN ({OVER}) "
        "ON CONFLICT DO NOTHING"
    )
    cur.execute(
        "INSERT INTO notify_inboxitem (recipient_id, kind, title, body, url, key, created_at) "
        f"SELECT g.user_id, 'need_escalated', SUBSTR({title}, 1, 200), {item_body}, {link}, "
        f"'need:' || n.id || ':level:' || n.level, %s {recipients}",
        [*item_params, at, at],
    )
    cur.execute(
        f"{MESSAGE} SELECT CASE WHEN u.email = '' THEN 'log' ELSE 'email' END, u.email, "
        f"'need_escalated', %s, SUBSTR({subject}, 1, 200), {body}, "
        "'need:' || n.id || ':level:' || n.level || ':user:' || g.user_id, 'pending', 0, %s, "
        f"'', %s {recipients}",
        [settings.LANGUAGE_CODE, *params, at, at, at],
    )


def _floor_digests(cur, stamp: datetime.datetime, at) -> None:
    from django.conf import settings
    from django.utils import timezone

    from doorstep.notify import templates

    floors = {"community_lead": 3, "street_lead": 4}
    cur.execute(
        "SELECT g.user_id, g.role, u.email, a.code, a.name FROM people_rolegrant g "
        "INNER JOIN auth_user u ON u.id = g.user_id INNER JOIN places_area a ON a.id = g.area_id "
        "WHERE g.role IN ('community_lead', 'street_lead') AND u.is_active "
        "ORDER BY g.user_id, g.role, a.code"
    )
    leads: dict[tuple[int, str], tuple[str, list]] = {}
    for user_id, role, email, code, name in cur.fetchall():
        leads.setdefault((user_id, role), (email, []))[1].append((code, name))
    cur.execute(
        "SELECT area_code, level, COUNT(*) FROM needs_need WHERE level_since = %s GROUP BY 1, 2",
        [at],
    )
    per_area = cur.fetchall()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    for (user_id, role), (email, areas) in leads.items():
        prefixes = tuple(code for code, _name in areas)
        floor = floors[role]
        count = sum(
            n for code, level, n in per_area if level >= floor and code.startswith(prefixes)
        )
        if not count:
            continue
        scope = " OR ".join(["area_code LIKE %s"] * len(prefixes))
        cur.execute(
            f"SELECT id FROM needs_need WHERE level_since = %s AND level >= %s AND ({scope}) "
            "ORDER BY id LIMIT 20",
            [at, floor, *(p + "%" for p in prefixes)],
        )
        numbers = [r for (r,) in cur.fetchall()]
        context = {
            "count": count,
            "area": "、".join(name for _code, name in areas),
            "numbers": ", ".join(f"#{n}" for n in numbers) + (" …" if count > len(numbers) else ""),
        }
        subject, body = templates.render(
            "needs_escalated_digest", context, language=settings.LANGUAGE_CODE
        )
        cur.execute(
            "INSERT INTO notify_message (channel, address, template, language, subject, body, "
            "idempotency_key, status, attempts, next_attempt_at, last_error, created_at) "
            "VALUES (%s, %s, 'needs_escalated_digest', %s, %s, %s, %s, 'pending', 0, %s, '', %s) "
            "ON CONFLICT DO NOTHING",
            [
                "email" if email else "log", email, settings.LANGUAGE_CODE, subject, body,
                f"needs-escalated:{user_id}:{role}:{stamp.isoformat()}", now, now,
            ],
        )  # fmt: skip


def _written(stamp: datetime.datetime) -> dict:
    """What a run wrote, to check that the sweep and the floor wrote the same rows."""
    at = connection.ops.adapt_datetimefield_value(stamp)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*), SUM(level), SUM(revision), MIN(feedback_due_at), "
            "MAX(feedback_due_at) FROM needs_need WHERE level_since = %s",
            [at],
        )
        needs = [str(v) for v in cursor.fetchone()]
        cursor.execute(
            "SELECT COUNT(*), SUM(level), SUM(need_id) FROM needs_needevent "
            "WHERE kind = 'escalated'"
        )
        # As text: PostgreSQL's SUM is a Decimal, which the child's JSON answer cannot carry.
        events = [str(v) for v in cursor.fetchone()]
        cursor.execute(
            "SELECT template, COUNT(*), SUM(LENGTH(body)), MIN(body), MAX(body), "
            "MIN(idempotency_key), MAX(address) FROM notify_message "
            "WHERE template IN ('need_escalated', 'needs_escalated_digest') "
            "GROUP BY template ORDER BY template"
        )
        messages = [[str(v) for v in row] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT COUNT(*), SUM(recipient_id), MIN(title), MAX(body), MIN(url), MAX(key), "
            "SUM(LENGTH(title) + LENGTH(body) + LENGTH(url) + LENGTH(key)) "
            "FROM notify_inboxitem WHERE kind = 'need_escalated'"
        )
        items = [str(v) for v in cursor.fetchone()]
        cursor.execute(
            "SELECT channel, COUNT(*), SUM(LENGTH(address) + LENGTH(idempotency_key) "
            "+ LENGTH(subject)), MIN(address), MAX(idempotency_key) FROM notify_message "
            "WHERE template = 'need_escalated' GROUP BY channel ORDER BY channel"
        )
        routes = [[str(v) for v in row] for row in cursor.fetchall()]
    # The digests' keys carry the run's stamp; compare their text, not their keys.
    for row in messages:
        if row[0] == "needs_escalated_digest":
            row[5] = row[5].rsplit(":", 3)[0]
    return {"needs": needs, "events": events, "messages": messages, "inbox": items,
            "routes": routes}  # fmt: skip


def child_measure(now: str, expected: int) -> dict:
    from doorstep.needs.actions import do_escalate_needs

    stamp = datetime.datetime.fromisoformat(now)
    runs = {
        "floor": lambda: floor_sweep(stamp),
        "sweep": lambda: do_escalate_needs(now=stamp),
    }
    order = ["floor", "sweep"]
    best: dict[str, float] = {}
    written: dict[str, dict] = {}
    for round_ in range(ROUNDS):
        for name in order if round_ % 2 == 0 else order[::-1]:
            t = time.perf_counter()
            moved = runs[name]()
            seconds = time.perf_counter() - t
            if moved != expected:
                raise RuntimeError(f"{name} moved {moved:,} needs, not {expected:,}")
            written[name] = _written(stamp)
            _reset()
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


def run(ctx: Context, results: Results) -> None:
    from django.utils import timezone

    n = max(SHAPES, round(FULL_NEEDS * ctx.scale))
    now = timezone.now().replace(microsecond=0)
    t = time.perf_counter()
    print(f"   building {n:,} needs set-based (not measured) …", flush=True)
    expected = build(ctx, n, now)
    print(f"   ({time.perf_counter() - t:.0f} s; {expected:,} overdue to escalate)", flush=True)
    out = run_child(
        "doorstep.bench.needs_escalation:child_measure", now=now.isoformat(), expected=expected
    )
    note = f"{n:,} needs, {expected:,} escalated; best of {ROUNDS} each"
    results.ratio(
        "needs escalation: time", out["sweep"], out["floor"], "s", max_ratio=MAX_RATIO, note=note
    )
    results.limit(
        "needs escalation: needs moved per second",
        expected / out["sweep"],
        "needs/s",
        floor=expected / out["floor"],
    )
    results.limit("needs escalation: peak memory", out["peak_mb"], "MB", below=MAX_PEAK_MB)
