"""Catalogue search: p50/p95 latency over 1,000 public searches, against hand-written SQL.

Relevance first, on the 82 SAMPLE services (``catalogue.loader``) alone: 50 colloquial queries,
each with the guide a person means; the share found in the first three is reported.

Then the speed. Builds its own catalogue: the 82 SAMPLE services, then synthetic
published services up to ``SERVICES`` in all (the same size whatever ``BENCH_SCALE``: a
district's catalogue is hundreds to a few thousand matters, not a function of its population).
1,000 search-box inputs are drawn from random services: a third Chinese text (two characters
from the name, a contains match), a third full pinyin (the first two syllables), a third
pinyin initials (three letters). Each goes through ``catalogue.search.search_services`` fully
evaluated; the floor reads the synonym table, cuts the query into words with the same
``search.plan`` and runs the same ranking written by hand on a raw cursor: same conditions,
weights, columns, order and limit, and for several words the same "only the rows matching
the most of them" (a window over the matches; the rows must be equal). Target: p95 within 5× of the
floor's p95.
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
# What residents type, and the SAMPLE guide they mean (the top-3 hit rate is reported).
# fmt: off
COLLOQUIAL = [
    ("补办身份证", "ga-006"), ("身份证补办", "ga-006"), ("低保申请", "mz-001"),
    ("办低保", "mz-001"),
    ("养老金", "rs-002"), ("医保报销", "yb-009"), ("出生证明", "wj-001"), ("gljt", "mz-004"),
    ("戶口", "ga-001"), ("户口", "ga-001"), ("身份证丢了", "ga-007"), ("社保卡丢了", "rs-009"),
    ("补办社保卡", "rs-010"), ("领养老金", "rs-002"), ("高龄补贴", "mz-004"),
    ("老年证怎么办", "wj-003"), ("办残疾证", "cl-001"), ("残疾证到期", "cl-002"),
    ("新生儿上户口", "ga-001"), ("迁户口", "ga-005"), ("失业金", "rs-016"),
    ("领失业金", "rs-016"), ("住院报销", "yb-010"), ("门诊报销", "yb-009"),
    ("异地就医备案", "yb-006"), ("结婚领证", "mz-011"), ("补办结婚证", "mz-013"),
    ("离婚预约", "mz-012"), ("居住证", "ga-008"), ("暂住证", "ga-008"), ("疫苗本", "wj-002"),
    ("家庭医生签约", "wj-006"), ("退伍报到", "ty-001"), ("法律援助", "sf-001"),
    ("找律师", "sf-001"), ("轮椅", "cl-007"), ("社保卡密码忘了", "rs-011"),
    ("激活社保卡", "rs-008"), ("生育津贴", "yb-012"), ("慢性病", "yb-011"),
    ("丧葬费", "rs-018"), ("临时救助", "mz-003"), ("养老保险参保", "rs-001"),
    ("医保参保", "yb-001"), ("医保码", "yb-003"), ("社保缴费记录", "rs-013"),
    ("刷脸认证", "rs-005"), ("五保户", "mz-002"), ("zuidishenghuo", "mz-001"),
    ("醫保報銷", "yb-009"),
]
# fmt: on


def _build(rng: random.Random) -> int:
    from doorstep.catalogue import sample
    from doorstep.catalogue.choices import VersionStatus
    from doorstep.catalogue.models import Department, Service, ServiceVersion
    from doorstep.people import pinyin

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
    from doorstep.catalogue.search import plan
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
        if plan(q) is not None:  # "8" from 80周岁… is not a search anyone types
            out.append(q)
    return out


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like(column: str, pattern: str) -> tuple[str, list[str]]:
    escape = " ESCAPE '\\'" if connection.vendor == "sqlite" else ""
    return f"{column} LIKE %s{escape}", [pattern]


def _prefix(column: str, value: str) -> tuple[str, list[str]]:
    if connection.vendor == "sqlite":
        return f"({column} >= %s AND {column} < %s)", [value, value + _TOP]
    return f"{column} LIKE %s", [_escape(value) + "%"]


def _or(parts: list[tuple[str, list[str]]]) -> tuple[str, list[str]]:
    if not parts:
        return "1 = 0", []
    return "(" + " OR ".join(p for p, _ in parts) + ")", [v for _, ps in parts for v in ps]


def _case(condition: tuple[str, list[str]], weight: int) -> tuple[str, list[str]]:
    return f"CASE WHEN {condition[0]} THEN {weight} ELSE 0 END", condition[1]


def _pinyin(token: str, *, start: bool) -> list[tuple[str, list[str]]]:
    if start or len(token) <= 2:
        return [_prefix("s.name_pinyin", token), _prefix("s.name_initials", token)]
    pattern = f"%{_escape(token)}%"
    return [_like("s.name_pinyin", pattern), _like("s.name_initials", pattern)]


def _word_sql(word) -> dict[str, tuple[str, list[str]]]:
    """The conditions of one word, as ``catalogue.search._conditions`` means them."""
    terms = word.terms
    contains = [(t, f"%{_escape(t)}%") for t in terms]
    name = [_like("s.name", p) for _t, p in contains]
    start = [_like("s.name", f"{_escape(t)}%") for t in terms]
    keywords = [_like("s.keywords", p) for _t, p in contains]
    direct = [_like("s.name", f"%{_escape(word.text)}%")]
    if word.kind == "pinyin":
        direct = _pinyin(word.text, start=False)
        name += direct
        start += _pinyin(word.text, start=True)
        keywords.append(_like("s.keywords_pinyin", f"% {_escape(word.text)}%"))
    materials, params = _or([_like("m.name", p) for _t, p in contains])
    return {
        "name": _or(name),
        "direct": _or(direct),
        "start": _or(start),
        "kw_exact": _or([_like("(' ' || s.keywords || ' ')", f"% {_escape(t)} %") for t in terms]),
        "keywords": _or(keywords),
        "department": _or([_like("d.name", p) for _t, p in contains]),
        "materials": (
            "EXISTS (SELECT 1 FROM catalogue_material m INNER JOIN catalogue_serviceversion mv"
            " ON mv.id = m.version_id WHERE mv.service_id = s.id AND mv.status = 'published'"
            f" AND {materials})",
            params,
        ),
    }


def floor_sql(query: str, rows: tuple[str, ...]) -> tuple[str, list[str]]:
    """The search's ranking written by hand: same words (``search.plan`` over the synonym rows
    read by the floor's own SELECT), same conditions, weights, order and limit."""
    from doorstep.catalogue import search

    p = search.plan(query, search._vocabulary(rows))
    head = (
        "SELECT s.code, s.name, d.name FROM catalogue_service s "
        "INNER JOIN catalogue_serviceversion v ON v.service_id = s.id "
        "INNER JOIN catalogue_department d ON d.id = s.department_id "
        "WHERE s.is_active AND v.status = 'published' AND "
    )
    if p.code:
        where = _prefix("s.code", p.code)
        return f"{head}{where[0]} ORDER BY s.code LIMIT {LIMIT}", where[1]
    weights = [
        ("name", search.W_NAME),
        ("direct", search.W_DIRECT),
        ("start", search.W_START),
        ("kw_exact", search.W_KW_EXACT),
        ("keywords", search.W_KW),
        ("department", search.W_DEPT),
        ("materials", search.W_MATERIAL),
    ]
    required = set(p.required())
    score, coverage, weighed, found = [], [], [], []
    for word in p.words:
        c = _word_sql(word)
        score += [_case(c[key], weight * word.weight) for key, weight in weights]
        if word in required:
            strong = _or([c["name"], c["keywords"]])
            coverage.append(_case(strong, 1))
            weighed.append(_case(strong, word.weight))
            found.append(_or([c["name"], c["keywords"], c["department"], c["materials"]]))
    where = _or(found)
    exact = ("CASE WHEN s.name = %s THEN 1 ELSE 0 END", [p.whole])
    cov, sc, mt = (_join(parts) for parts in (coverage, score, weighed))
    # Several words: only the rows that match the most of them (``search.ranked``).
    several = len(weighed) > 1
    best = f", {mt[0]} AS matched" if several else ""
    keep = "WHERE matched = best " if several else ""
    inner = (
        f"SELECT s.code AS code, s.name AS name, d.name AS dept, "
        f"{exact[0]} AS exact, {cov[0]} AS coverage, {sc[0]} AS score{best} "
        f"FROM catalogue_service s "
        "INNER JOIN catalogue_serviceversion v ON v.service_id = s.id "
        "INNER JOIN catalogue_department d ON d.id = s.department_id "
        f"WHERE s.is_active AND v.status = 'published' AND {where[0]}"
    )
    if several:
        inner = f"SELECT *, MAX(matched) OVER () AS best FROM ({inner}) found"
    sql = (
        f"SELECT code, name, dept FROM ({inner}) ranked {keep}"
        f"ORDER BY exact DESC, coverage DESC, score DESC, LENGTH(name), code LIMIT {LIMIT}"
    )
    params = [*exact[1], *cov[1], *sc[1], *(mt[1] if several else []), *where[1]]
    return sql, params


def _join(parts: list[tuple[str, list[str]]]) -> tuple[str, list[str]]:
    return " + ".join(x for x, _ in parts), [v for _, ps in parts for v in ps]


def floor_search(cursor, query: str) -> list[tuple]:
    cursor.execute("SELECT words FROM catalogue_synonym ORDER BY id")
    rows = tuple(r[0] for r in cursor.fetchall())
    cursor.execute(*floor_sql(query, rows))
    return cursor.fetchall()


def _percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[94]


def relevance() -> tuple[int, list[str]]:
    """How many of the colloquial queries find the guide meant in the first three, and the
    queries that do not (on the catalogue as it is: run it on the SAMPLE catalogue)."""
    from doorstep.catalogue.search import search_services

    misses = []
    for query, code in COLLOQUIAL:
        top = [c for c, _n, _d in search_services(query, limit=3)]
        if code not in top:
            misses.append(query)
    return len(COLLOQUIAL) - len(misses), misses


def run(ctx: Context, results: Results) -> None:
    from doorstep.catalogue.loader import load_catalogue
    from doorstep.catalogue.search import search_services

    rng = random.Random(ctx.seed)
    load_catalogue()
    # Relevance on the SAMPLE catalogue alone: the synthetic names below are variants of the
    # same matters ("临时最低生活保障申请"), so "the guide meant" is only well defined before them.
    top3, misses = relevance()
    results.limit(
        "catalogue search: top-3 hit rate",
        100 * top3 / len(COLLOQUIAL),
        "%",
        note=f"{top3}/{len(COLLOQUIAL)} colloquial queries on the SAMPLE catalogue"
        + (f"; missed: {' '.join(misses)}" if misses else ""),
    )
    total = _build(rng)
    queries = _queries(rng)
    gc.collect()
    gc.freeze()
    real, floor, hits = [], [], 0
    with connection.cursor() as cursor:
        for q in queries[:WARMUP]:  # warm caches, untimed
            search_services(q, limit=LIMIT)
            floor_search(cursor, q)
        for q in queries:
            t0 = time.perf_counter()
            found = search_services(q, limit=LIMIT)
            t1 = time.perf_counter()
            rows = floor_search(cursor, q)
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
