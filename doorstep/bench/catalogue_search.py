"""Catalogue search: p50/p95 latency over 1,000 public searches, against hand-written SQL.

Builds its own catalogue: the 82 SAMPLE services (``catalogue.loader``), then synthetic
published services up to ``SERVICES`` in all (the same size whatever ``BENCH_SCALE``: a
district's catalogue is hundreds to a few thousand matters, not a function of its population).
1,000 search-box inputs are drawn from random services: a third Chinese text (two characters
from the name, a contains match), a third full pinyin (the first two syllables), a third
pinyin initials (three letters). Each goes through ``catalogue.search.search_services`` fully
evaluated; the floor is the same condition written by hand on a raw cursor, same columns, same
order and limit. Target: p95 within 5× of the floor's p95.
"""

from __future__ import annotations

import gc
import random
import statistics
import time

from django.db import connection

from .context import Context
from .results import Results

SERVICES = 5000
QUERIES = 1000
WARMUP = 100
MAX_RATIO = 5.0
LIMIT = 50
_TOP = "\U0010ffff"
PREFIXES = ["", "临时", "跨省", "异地", "线上", "特殊群体", "街道", "社区", "重新", "延期"]
SUFFIXES = ["", "申请", "变更", "补办", "查询", "备案", "认定", "注销", "登记", "续期"]


def _build(rng: random.Random) -> int:
    from doorstep.catalogue import sample
    from doorstep.catalogue.choices import VersionStatus
    from doorstep.catalogue.loader import load_catalogue
    from doorstep.catalogue.models import Department, Service, ServiceVersion
    from doorstep.people import pinyin

    load_catalogue()
    departments = {d.code: d for d in Department.objects.all()}
    have = Service.objects.count()
    services = []
    for i in range(SERVICES - have):
        row = rng.choice(sample.SERVICES)
        name = f"{rng.choice(PREFIXES)}{row[2]}{rng.choice(SUFFIXES)}"[:100]
        full, initials = pinyin.keys(name)
        services.append(
            Service(
                code=f"syn-{i:05d}",
                name=name,
                department=departments[row[1]],
                name_pinyin=full,
                name_initials=initials,
                keywords=row[12],
            )
        )
    Service.objects.bulk_create(services, batch_size=1000)
    created = Service.objects.filter(code__startswith="syn-").values_list("pk", flat=True)
    ServiceVersion.objects.bulk_create(
        (ServiceVersion(service_id=pk, number=1, status=VersionStatus.PUBLISHED) for pk in created),
        batch_size=1000,
    )
    return Service.objects.count()


def _queries(rng: random.Random) -> list[str]:
    from doorstep.catalogue.models import Service
    from doorstep.catalogue.search import parse
    from doorstep.people import pinyin

    names = list(Service.objects.values_list("name", flat=True))
    out: list[str] = []
    while len(out) < QUERIES:
        name, i = rng.choice(names), len(out)
        if i % 3 == 0:
            start = rng.randrange(max(1, len(name) - 1))
            q = name[start : start + 2]
        elif i % 3 == 1:
            q = pinyin.keys(name[:2])[0]
        else:
            q = pinyin.keys(name)[1][:3]
        if parse(q) is not None:  # "80" from 80周岁… is not a search anyone types
            out.append(q)
    return out


def _prefix(column: str, value: str) -> tuple[str, list[str]]:
    if connection.vendor == "sqlite":
        return f"({column} >= %s AND {column} < %s)", [value, value + _TOP]
    return f"{column} LIKE %s", [_escape(value) + "%"]


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains(column: str, value: str) -> tuple[str, list[str]]:
    if connection.vendor == "sqlite":
        return f"{column} LIKE %s ESCAPE '\\'", [f"%{_escape(value)}%"]
    return f"{column} LIKE %s", [f"%{_escape(value)}%"]


def floor_sql(query: str) -> tuple[str, list[str]]:
    from doorstep.catalogue.search import parse

    kind, value = parse(query)
    if kind == "pinyin":
        parts = [
            _prefix("s.name_initials", value),
            _prefix("s.name_pinyin", value),
            _contains("s.keywords_pinyin", f" {value}"),
        ]
    else:
        parts = [_contains("s.name", value), _contains("s.keywords", value)]
    where = " OR ".join(p for p, _ in parts)
    params = [v for _, ps in parts for v in ps]
    sql = (
        "SELECT s.code, s.name, d.name FROM catalogue_service s "
        "INNER JOIN catalogue_serviceversion v ON v.service_id = s.id "
        "INNER JOIN catalogue_department d ON d.id = s.department_id "
        f"WHERE s.is_active AND v.status = 'published' AND ({where}) "
        f"ORDER BY s.code LIMIT {LIMIT}"
    )
    return sql, params


def _percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[94]


def run(ctx: Context, results: Results) -> None:
    from doorstep.catalogue.search import search_services

    rng = random.Random(ctx.seed)
    total = _build(rng)
    queries = _queries(rng)
    gc.collect()
    gc.freeze()
    real, floor, hits = [], [], 0
    with connection.cursor() as cursor:
        for q in queries[:WARMUP]:  # warm caches, untimed
            search_services(q, limit=LIMIT)
            cursor.execute(*floor_sql(q))
            cursor.fetchall()
        for q in queries:
            sql, params = floor_sql(q)
            t0 = time.perf_counter()
            found = search_services(q, limit=LIMIT)
            t1 = time.perf_counter()
            cursor.execute(sql, params)
            rows = cursor.fetchall()
            t2 = time.perf_counter()
            real.append((t1 - t0) * 1000)
            floor.append((t2 - t1) * 1000)
            if [tuple(r) for r in found] != [tuple(r) for r in rows]:
                raise RuntimeError(f"search and floor disagree on {q!r}")
            hits += bool(found)
    (r50, r95), (f50, f95) = _percentiles(real), _percentiles(floor)
    note = f"{total} services, {QUERIES} queries (Chinese, pinyin, initials), {hits} with hits"
    results.limit("catalogue search: p50", r50, "ms", floor=f50, note=note)
    results.ratio("catalogue search: p95", r95, f95, "ms", max_ratio=MAX_RATIO, note=note)
