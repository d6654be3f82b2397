"""The data of the programmes benchmark (``programmes.py``), built set-based: residents in
households, tags, certificates, the 20 programmes and last month's runs of two of them.
Pseudo-random values come from arithmetic on row numbers (``_h``), the same on SQLite and
PostgreSQL, so no row passes through Python."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from .context import Context
from .programmes_floor import PROGRAMMES, Sql, periods, token_sql, years_before

P = 2147483647  # the modulus of the pseudo-random arithmetic (2³¹ − 1)
ROOMS = 48  # households per building
NO_HOUSEHOLD = 0.04  # residents with no household on record
GENERAL_PROFILES, ELDERLY_PROFILES = 10_000, 2_000
# Programmes whose last month ran already (a share of the entitlements is held by people
# who have since died, moved away or let their certificate lapse).
RAN_LAST_PERIOD = ("elderly-80", "disability-living")
DECLINED = "alone-call-button"  # some residents declined this offer before


def _h(x: str, a: int) -> str:
    """A pseudo-random number in [0, 2³¹ − 1) from the integer expression ``x`` (under 2³¹):
    a product of two Lehmer steps, quadratic in ``x`` so that neighbouring rows do not move in
    step; the same 64-bit integer arithmetic on SQLite and PostgreSQL."""
    return f"((({x}) + 1) * {a} %% {P} * ((({x}) + 1) * 16807 %% {P} + 12345) %% {P})"


def _series(n: int) -> str:
    """A FROM item ``s`` with the integers 0 … n − 1 in column ``i``."""
    if connection.vendor == "postgresql":
        return f"generate_series(0::bigint, {n - 1}) AS s(i)"
    return (
        f"(WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < {n - 1}) "
        "SELECT i FROM seq) s"
    )


def _plus_days(day: datetime.date, days: str) -> str:
    """The date ``days`` (an integer expression) after ``day``."""
    if connection.vendor == "postgresql":
        return f"(DATE '{day.isoformat()}' + CAST({days} AS INTEGER))"
    return f"date('{day.isoformat()}', ({days}) || ' days')"


def _profiles(rng: random.Random, on: datetime.date) -> list[tuple]:
    """(k, birth date, sex, status): an age pyramid of an old district (k < GENERAL_PROFILES)
    and one of people living alone (older: k ≥ GENERAL_PROFILES)."""
    bands = [(0, 18, 17), (18, 40, 28), (40, 60, 30), (60, 70, 13), (70, 80, 8.9),
             (80, 90, 2.5), (90, 100, 0.55), (100, 106, 0.05)]  # fmt: skip
    lone = [(40, 60, 25), (60, 70, 28), (70, 80, 30), (80, 90, 14), (90, 100, 2.7),
            (100, 104, 0.3)]  # fmt: skip
    rows = []
    for k in range(GENERAL_PROFILES + ELDERLY_PROFILES):
        table = bands if k < GENERAL_PROFILES else lone
        lo, hi, _w = rng.choices(table, weights=[w for *_x, w in table])[0]
        age = rng.randrange(lo, hi)
        birth = years_before(on, age) - datetime.timedelta(days=rng.randrange(365))
        birth = max(birth, datetime.date(1920, 1, 1))
        dead = 0.004 + (0.06 if age >= 80 else 0.015 if age >= 60 else 0)
        draw = rng.random()
        status = "deceased" if draw < dead else "moved_out" if draw < dead + 0.025 else "active"
        rows.append((k, birth, rng.choice("MF"), status))
    return rows


RESIDENT_COLUMNS = (
    "name", "name_pinyin", "name_initials", "id_cipher", "id_hash", "id_masked", "id_tail_hash",
    "birth_date", "sex", "phone", "phone_tail", "notify_channel", "area_id", "area_code",
    "household_id", "status", "note", "created_at", "updated_at",
)  # fmt: skip
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华慧建国平红玉兰桂珍志刚文辉霞婷宁鹏飞丹云凤梅"


def _resident_select(x: str) -> dict[str, str]:
    """Expressions for the resident columns, from the integer expression ``x`` (unique)."""
    surname = f"substr('{SURNAMES}', CAST(1 + {_h(x, 48271)} %% {len(SURNAMES)} AS INTEGER), 1)"
    given = f"substr('{GIVEN}', CAST(1 + {_h(x, 69621)} %% {len(GIVEN)} AS INTEGER), 1)"
    given2 = f"substr('{GIVEN}', CAST(1 + {_h(x, 40692)} %% {len(GIVEN)} AS INTEGER), 1)"
    tail = f"CAST(1000 + {_h(x, 39373)} %% 9000 AS TEXT)"
    return {
        "name": f"{surname} || {given} || CASE WHEN {_h(x, 16807)} %% 3 = 0 THEN '' "
        f"ELSE {given2} END",
        "name_pinyin": "'bench'",
        "name_initials": "'bc'",
        "id_cipher": f"'bench-cipher-' || ({x})",  # filler: never decrypted by the bench
        "id_hash": f"'bench-' || ({x})",
        "id_masked": "'420105************'",
        "id_tail_hash": f"'bench-tail-' || CAST({_h(x, 53668)} %% 10000 AS TEXT)",
        "phone": f"CASE WHEN {_h(x, 40014)} %% 100 < 85 THEN '139' || "
        f"CAST(1000 + {_h(x, 12211)} %% 9000 AS TEXT) || {tail} ELSE '' END",
        "phone_tail": f"CASE WHEN {_h(x, 40014)} %% 100 < 85 THEN {tail} ELSE '' END",
        "notify_channel": f"CASE WHEN {_h(x, 20021)} %% 100 < 3 THEN 'none' ELSE 'sms' END",
        "note": "''",
    }


def _temp_tables(cur, on: datetime.date, seed: int) -> None:
    ops = connection.ops
    cur.execute("CREATE TEMPORARY TABLE bench_n (n INTEGER PRIMARY KEY)")
    cur.executemany("INSERT INTO bench_n (n) VALUES (%s)", [(n,) for n in range(5)])
    cur.execute("CREATE TEMPORARY TABLE bench_room (room VARCHAR(20))")
    rooms = [(f"{f + 1}{d + 1:02d}",) for f in range(ROOMS // 4) for d in range(4)]
    cur.executemany("INSERT INTO bench_room (room) VALUES (%s)", rooms)
    cur.execute(
        "CREATE TEMPORARY TABLE bench_profile (k INTEGER PRIMARY KEY, birth_date DATE, "
        "sex VARCHAR(1), status VARCHAR(12))"
    )
    cur.executemany(
        "INSERT INTO bench_profile (k, birth_date, sex, status) VALUES (%s, %s, %s, %s)",
        [
            (k, ops.adapt_datefield_value(b), s, st)
            for k, b, s, st in _profiles(random.Random(seed), on)
        ],
    )
    cur.execute(
        "CREATE TEMPORARY TABLE bench_compound (k INTEGER PRIMARY KEY, area_id BIGINT, "
        "code VARCHAR(15))"
    )
    cur.execute(
        "INSERT INTO bench_compound (k, area_id, code) SELECT ROW_NUMBER() OVER (ORDER BY code) "
        "- 1, id, code FROM places_area WHERE kind = 'compound'"
    )


def _size(h: str) -> str:
    """A household's size (one to five) from its id: 27%, 30%, 20%, 15%, 8%."""
    u = f"{_h(h, 22695477)} %% 100"
    return f"CASE WHEN {u} < 27 THEN 1 WHEN {u} < 57 THEN 2 WHEN {u} < 77 THEN 3 " + (
        f"WHEN {u} < 92 THEN 4 ELSE 5 END"
    )


def _residents(cur, n: int, now) -> None:
    cur.execute("SELECT COUNT(*) FROM bench_compound")
    (compounds,) = cur.fetchone()
    housed = round(n * (1 - NO_HOUSEHOLD))
    households = int(housed / 2.47 * 1.06) + ROOMS
    per_compound = -(-households // (compounds * ROOMS))  # buildings per compound
    cur.execute(
        "INSERT INTO places_building (compound_id, number) "
        f"SELECT c.area_id, 'B' || CAST(s.i + 1 AS TEXT) FROM bench_compound c "
        f"CROSS JOIN {_series(per_compound)}"
    )
    cur.execute(
        "INSERT INTO places_household (building_id, room) "
        "SELECT b.id, r.room FROM places_building b CROSS JOIN bench_room r"
    )
    cols = _resident_select("m.x")
    lone = f"m.size = 1 AND {_h('m.x', 31)} %% 100 < 45"
    profile = (
        f"CASE WHEN {lone} THEN {GENERAL_PROFILES} + {_h('m.x', 11)} %% {ELDERLY_PROFILES} "
        f"ELSE {_h('m.x', 11)} %% {GENERAL_PROFILES} END"
    )
    values = {
        **cols,
        "birth_date": "p.birth_date",
        "sex": "p.sex",
        "area_id": "m.area_id",
        "area_code": "m.code",
        "household_id": "m.hid",
        "status": "p.status",
        "created_at": "%s",
        "updated_at": "%s",
    }
    select = ", ".join(values[c] for c in RESIDENT_COLUMNS)
    members = (
        "SELECT h.id AS hid, h.id * 8 + k.n AS x, a.id AS area_id, a.code, h.size "
        f"FROM (SELECT id, building_id, {_size('id')} AS size FROM places_household) h "
        "INNER JOIN places_building b ON b.id = h.building_id "
        "INNER JOIN places_area a ON a.id = b.compound_id "
        # In a random order, so that the households left empty are spread over the district.
        f"INNER JOIN bench_n k ON k.n < h.size ORDER BY {_h('h.id', 99)}, k.n LIMIT {housed}"
    )
    cur.execute(
        f"INSERT INTO people_resident ({', '.join(RESIDENT_COLUMNS)}) SELECT {select} "
        f"FROM ({members}) m INNER JOIN bench_profile p ON p.k = {profile}",
        [now, now],
    )
    # Residents with no household on record (household_size 0).
    cols = _resident_select("1000000000 + s.i")
    values = {
        **cols,
        "birth_date": "p.birth_date",
        "sex": "p.sex",
        "area_id": "c.area_id",
        "area_code": "c.code",
        "household_id": "NULL",
        "status": "p.status",
        "created_at": "%s",
        "updated_at": "%s",
    }
    select = ", ".join(values[c] for c in RESIDENT_COLUMNS)
    cur.execute(
        f"INSERT INTO people_resident ({', '.join(RESIDENT_COLUMNS)}) SELECT {select} "
        f"FROM {_series(n - housed)} "
        f"INNER JOIN bench_compound c ON c.k = {_h('s.i', 7)} %% {compounds} "
        f"INNER JOIN bench_profile p ON p.k = {_h('s.i', 13)} %% {GENERAL_PROFILES}",
        [now, now],
    )


def _tags_and_certificates(cur, on: datetime.date) -> None:
    cut = {n: f"'{years_before(on, n).isoformat()}'" for n in (35, 60, 65)}
    cur.execute(
        "CREATE TEMPORARY TABLE bench_hh AS SELECT household_id, COUNT(*) AS size "
        "FROM people_resident WHERE status = 'active' AND household_id IS NOT NULL "
        "GROUP BY household_id"
    )
    cur.execute("CREATE INDEX bench_hh_id ON bench_hh (household_id)")
    u = _h("r.id", 950706376) + " %% 1000"
    tags = {
        "living-alone": f"(hh.size = 1 AND r.birth_date <= {cut[65]} AND {u} < 750) OR {u} < 2",
        "empty-nest": f"r.birth_date <= {cut[60]} AND COALESCE(hh.size, 0) <= 2 AND {u} >= 850",
        "disabled": f"{_h('r.id', 742938285)} %% 1000 < 30",
        "low-income": f"{_h('r.id', 1226874159)} %% 1000 < 25",
        "extreme-poverty": f"{_h('r.id', 62089911)} %% 1000 < 5",
        "veteran": f"r.sex = 'M' AND r.birth_date <= {cut[35]} AND "
        f"{_h('r.id', 1343714438)} %% 1000 < 45",
    }
    for code, condition in tags.items():
        cur.execute(
            "INSERT INTO people_residenttag (resident_id, tag_id) SELECT r.id, t.id "
            "FROM people_resident r INNER JOIN people_tag t ON t.code = %s "
            f"LEFT JOIN bench_hh hh ON hh.household_id = r.household_id WHERE {condition}",
            [code],
        )

    def tagged(code: str) -> str:
        return (
            "EXISTS (SELECT 1 FROM people_residenttag x INNER JOIN people_tag t ON "
            f"t.id = x.tag_id WHERE x.resident_id = r.id AND t.code = '{code}')"
        )

    v = _h("r.id", 1103515245)
    # (type code, number prefix, who, expires on (or NULL), days of validity)
    certificates = [
        ("disability", "CJ", f"({tagged('disabled')} AND {v} %% 100 < 90) OR {v} %% 1000 < 4",
         _plus_days(on, f"{v} %% 3650 - 180"), 3650),
        ("senior", "YD", f"r.birth_date <= {cut[60]} AND {v} %% 100 < 40", None, None),
        ("residence-permit", "JZ", f"{_h('r.id', 279470273)} %% 1000 < 40",
         _plus_days(on, f"{v} %% 400 - 35"), 365),
        ("veteran", "TY", f"{tagged('veteran')} AND {v} %% 100 < 80",
         _plus_days(on, f"{v} %% 2190 - 60"), 2190),
    ]  # fmt: skip
    for code, prefix, who, expires, days in certificates:
        if expires is None:
            issued = _plus_days(on, f"-1 - {v} %% 3000")
        elif connection.vendor == "postgresql":
            issued = f"({expires} - {days})"
        else:
            issued = f"date({expires}, '-{days} days')"
        cur.execute(
            "INSERT INTO people_certificate (resident_id, type_id, number, issued_on, expires_on) "
            f"SELECT r.id, t.id, '{prefix}' || CAST(r.id AS TEXT), {issued}, "
            f"{expires or 'NULL'} FROM people_resident r "
            f"INNER JOIN people_certificatetype t ON t.code = '{code}' WHERE {who}",
            [],  # with parameters, so that "%%" is the modulo on both databases
        )
    cur.execute("DROP TABLE bench_hh")


def _empty_registry() -> None:
    """No residents, households or buildings, nor anything that refers to them (cases, the
    outbox, entitlements …): ``registry_import.empty_registry`` on PostgreSQL (its TRUNCATE …
    CASCADE), every dependent table by hand on SQLite."""
    from doorstep.people.models import Resident
    from doorstep.places.models import Building, Household

    from .registry_import import empty_registry

    if not Resident.objects.exists():
        return
    if connection.vendor == "postgresql":
        empty_registry()
        return
    tables, models = [], [Resident, Household, Building]
    for model in models:  # grows while it is walked: whatever refers to a table listed
        tables.append(model._meta.db_table)
        for rel in model._meta.related_objects:
            found = rel.through if rel.many_to_many else rel.related_model
            if found not in models:
                models.append(found)
    with connection.cursor() as cur:
        # Without foreign-key checks SQLite drops a table's rows wholesale.
        cur.execute("PRAGMA foreign_keys = OFF")
        for table in dict.fromkeys(tables):
            cur.execute(f"DELETE FROM {table}")
        cur.execute("PRAGMA foreign_keys = ON")


def _programmes(ctx: Context) -> dict[str, int]:
    """Save the 20 programmes (validated by the rule parser) with their rule version 1."""
    from doorstep.catalogue.models import Department, Service
    from doorstep.people.models import CertificateType
    from doorstep.proactive.models import Programme, RuleVersion
    from doorstep.rules.rules import parse

    admin = ctx.user("admin")
    ids = {}
    for spec in PROGRAMMES:
        parse(spec.grant)
        if spec.stop:
            parse(spec.stop)
        programme = Programme.objects.create(
            code=spec.code,
            name=spec.name,
            department=Department.objects.get(code=spec.department),
            service=Service.objects.get(code=spec.service) if spec.service else None,
            kind=spec.kind,
            mode=spec.mode,
            period=spec.period,
            amount=Decimal(spec.amount) if spec.amount else None,
            certificate_type=CertificateType.objects.get(code=spec.certificate)
            if spec.certificate
            else None,
            handler=admin if spec.kind == "renewal" else None,
            grant_rule=spec.grant,
            stop_rule=spec.stop,
            # Running programmes: switched on, and approved by a second person.
            is_active=True,
            approved_by=admin if spec.amount else None,
            approved_at=timezone.now() if spec.amount else None,
        )
        RuleVersion.objects.create(
            programme=programme,
            number=1,
            grant_rule=spec.grant,
            stop_rule=spec.stop,
            created_by=admin,
        )
        ids[spec.code] = programme.pk
    return ids


def _history(ctx: Context, on: datetime.date, ids: dict, sql: Sql) -> None:
    """Last period's runs of RAN_LAST_PERIOD and the residents who declined an offer."""
    from django.utils import timezone

    from doorstep.proactive.choices import previous_period_key
    from doorstep.proactive.models import Programme, ProgrammeRun

    now = timezone.now()
    last = connection.ops.adapt_datetimefield_value(now - datetime.timedelta(days=30))
    for code in RAN_LAST_PERIOD:
        programme = Programme.objects.get(pk=ids["programme"][code])
        prev = previous_period_key(programme.period, on)
        run = ProgrammeRun.objects.create(
            programme=programme,
            rule_version=programme.versions.get(number=1),
            period=prev,
            scan_date=on - datetime.timedelta(days=30),
            status="done",
            phase="finished",
        )
        spec = next(s for s in PROGRAMMES if s.code == code)
        # Everyone eligible then: those eligible now, and some who have died or moved since
        # (or whose certificate has lapsed).
        then = spec.grant_sql(sql).replace("r.status = 'active'", "r.status <> 'zzz'")
        then = then.replace(sql.valid(), "1 = 1")
        with connection.cursor() as cur:
            cur.execute(
                "INSERT INTO proactive_entitlement (programme_id, resident_id, period, status, "
                "amount, run_id, token, granted_at, stop_reason) "
                f"SELECT %s, r.id, %s, 'granted', %s, %s, {token_sql()}, %s, '' "
                f"FROM people_resident r WHERE ({then}) AND "
                f"(r.status = 'active' OR {_h('r.id', 3)} %% 2 = 0)",
                [programme.pk, prev, programme.amount, run.pk, last],
            )
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO proactive_optout (programme_id, resident_id, reason, created_at) "
            "SELECT %s, r.id, 'declined', %s FROM people_resident r "
            f"WHERE {sql.age_ge(70)} AND {_h('r.id', 5)} %% 100 < 8",
            [ids["programme"][DECLINED], last],
        )


def build(ctx: Context, on: datetime.date, *, analyze: bool = True) -> dict:
    """The registry, the programmes and their history; returns the ids the floor needs.
    ``analyze``: gather the planner's statistics afterwards, as autovacuum would."""
    from django.utils import timezone

    from doorstep.catalogue.loader import load_catalogue
    from doorstep.catalogue.sample import SERVICES
    from doorstep.people.demo import CERTIFICATE_TYPES, seed_reference_data
    from doorstep.people.models import CertificateType, Tag

    wanted = {s.service for s in PROGRAMMES}
    load_catalogue(rows=[row for row in SERVICES if row[0] in wanted])  # the services used
    seed_reference_data()
    for code, _name, _issuer, _years, *window in CERTIFICATE_TYPES:
        if window:
            CertificateType.objects.filter(code=code).update(renewal_window_days=window[0])
    _empty_registry()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with transaction.atomic(), connection.cursor() as cur:
        _temp_tables(cur, on, ctx.seed)
        _residents(cur, ctx.residents, now)
        _tags_and_certificates(cur, on)
        for table in ("bench_n", "bench_room", "bench_profile", "bench_compound"):
            cur.execute(f"DROP TABLE {table}")
    tags = list(Tag.objects.values_list("pk", "code", "name"))
    ids = {
        "tag": {name: pk for pk, code, name in tags} | {code: pk for pk, code, name in tags},
        "certificate": dict(CertificateType.objects.values_list("code", "pk")),
    }
    with transaction.atomic():
        ids["programme"] = _programmes(ctx)
        _history(ctx, on, ids, Sql(on, ids, periods(on)))
    if analyze:
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return ids


def describe() -> dict:
    """Counts of the built registry (for the notes and a sanity check)."""
    with connection.cursor() as cur:
        out = {}
        for name, sql in {
            "residents": "SELECT COUNT(*) FROM people_resident",
            "active": "SELECT COUNT(*) FROM people_resident WHERE status = 'active'",
            "households": "SELECT COUNT(DISTINCT household_id) FROM people_resident",
            "tags": "SELECT COUNT(*) FROM people_residenttag",
            "tagged": "SELECT COUNT(DISTINCT resident_id) FROM people_residenttag",
            "certificates": "SELECT COUNT(*) FROM people_certificate",
            "entitlements": "SELECT COUNT(*) FROM proactive_entitlement",
            "opt_outs": "SELECT COUNT(*) FROM proactive_optout",
        }.items():
            cur.execute(sql)
            out[name] = cur.fetchone()[0]
    return out
