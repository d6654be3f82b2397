"""Resident search: p50/p95 latency per kind of query, against hand-written indexed SQL.

Runs on the residents the import benchmark wrote. For each kind of query a desk clerk types
(name prefix, full pinyin prefix, pinyin initials, ID-number tail, phone tail), 1,000 queries
drawn from the registry (random residents within the searcher's areas) go through
``doorstep.people.search.search_residents`` fully evaluated, as a community clerk and as the
district lead (whose areas cover everyone). The floor is the same lookup written by hand: the
same indexed prefix condition and area condition, ``ORDER BY name, id LIMIT 20``, the same
columns, executed on a raw cursor and fetched. Target: p95 within 5× of the floor's p95, and
no full scan of the residents table in the search's query plan.
"""

from __future__ import annotations

import gc
import json
import random
import statistics
import time

from django.db import connection

from .context import Context
from .results import Results

QUERIES = 1000
WARMUP = 100
MAX_RATIO = 5.0
LIMIT = 20
# (username, label): a clerk serving one community, and the district lead who sees everyone.
SEARCHERS = [("clerk_a", "clerk"), ("district_lead", "district lead")]
KINDS = ["name", "pinyin", "initials", "id tail", "phone tail"]
_TOP = "\U0010ffff"


def _prefix(column: str, value: str, *, by_index: bool = True) -> tuple[str, list[str]]:
    if connection.vendor == "sqlite":
        # "+column" keeps a broad condition (the area scope) out of SQLite's index choice.
        col = column if by_index else f"+{column}"
        return f"({col} >= %s AND {col} < %s)", [value, value + _TOP]
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{column} LIKE %s", [escaped + "%"]


def _condition(kind: str, q: str) -> tuple[str, list[str]]:
    """The search's condition for query ``q`` of ``kind``, written by hand."""
    if kind == "name":
        return _prefix("r.name", q)
    if kind in ("pinyin", "initials"):
        a, pa = _prefix("r.name_initials", q)
        b, pb = _prefix("r.name_pinyin", q)
        return f"({a} OR {b})", pa + pb
    from doorstep.core import crypto

    # ID tails are the last four characters, found by their keyed hash (nothing stored plain).
    sql, params = "r.id_tail_hash = %s", [crypto.tail_hash(q)]
    if q.isdigit():
        return f"({sql} OR r.phone_tail = %s)", [*params, q]
    return sql, params


def floor_sql(kind: str, q: str, scope: list[str] | None) -> tuple[str, list[str]]:
    from doorstep.people.models import Resident
    from doorstep.places.models import Area

    where, params = _condition(kind, q)
    if scope is not None:
        parts = [_prefix("r.area_code", p, by_index=False) for p in scope]
        where += " AND (" + " OR ".join(s for s, _ in parts) + ")"
        params += [v for _, ps in parts for v in ps]
    # The columns the search selects: what a result line shows (search.RESULT_FIELDS).
    cols = ["r.id", "r.name", "r.id_masked", "r.phone", "r.area_id", "a.id", "a.name"]
    source = f"{Resident._meta.db_table} r"
    if connection.vendor == "postgresql":
        # Find the matches by the search condition's own index first (OFFSET 0 keeps
        # PostgreSQL from flattening the subquery), then sort them. Otherwise, for a broad
        # scope, it walks the name index in name order filtering until 20 match, which can be
        # most of the table (under a C.UTF-8 or linguistic collation LIKE 'x%' cannot narrow
        # the plain name index, only the *_like pattern index, which gives no name order).
        source = f"(SELECT * FROM {Resident._meta.db_table} r WHERE {where} OFFSET 0) r"
        where = "TRUE"
    sql = (
        f"SELECT {', '.join(cols)} FROM {source} "
        f"INNER JOIN {Area._meta.db_table} a ON a.id = r.area_id "
        f"WHERE {where} ORDER BY r.name, r.id LIMIT {LIMIT}"
    )
    return sql, params


def _queries(rng: random.Random, scope: list[str] | None) -> dict[str, list[str]]:
    """``QUERIES`` search-box inputs of each kind, taken from random residents in scope."""
    from doorstep.core import crypto
    from doorstep.people import pinyin
    from doorstep.people.models import Resident
    from doorstep.staff.scoping import prefix_q

    pks = list(Resident.objects.filter(prefix_q("area_code", scope)).values_list("pk", flat=True))
    picked = rng.sample(pks, min(len(pks), 4 * QUERIES))
    people = list(
        Resident.objects.filter(pk__in=picked).values_list(
            "name", "name_initials", "id_cipher", "phone_tail"
        )
    )
    rng.shuffle(people)

    def draw(make, keep=lambda p: True) -> list[str]:
        pool = [make(p) for p in people if keep(p)]
        return [pool[i % len(pool)] for i in range(QUERIES)]

    return {
        "name": draw(lambda p: p[0][:2]),
        "pinyin": draw(lambda p: pinyin.keys(p[0][:2])[0]),
        "initials": draw(lambda p: p[1][:3], lambda p: len(p[1]) >= 3),
        "id tail": draw(lambda p: crypto.decrypt(p[2])[-4:]),
        "phone tail": draw(lambda p: p[3], lambda p: p[3]),
    }


def _full_scans(qs) -> list[str]:
    """Steps of the query plan that read the whole residents table (or a whole index)."""
    table = "people_resident"
    if connection.vendor == "postgresql":
        plan = json.loads(qs.explain(format="json"))[0]["Plan"]
        bad, stack = [], [plan]
        while stack:
            node = stack.pop()
            stack.extend(node.get("Plans", []))
            if node.get("Relation Name") != table:
                continue
            kind = node["Node Type"]
            if kind == "Seq Scan" or (
                kind in ("Index Scan", "Index Only Scan") and "Index Cond" not in node
            ):
                bad.append(f"{kind} {node.get('Index Name', '')}".strip())
        return bad
    lines = qs.explain().splitlines()
    return [ln.strip() for ln in lines if f"SCAN {table}" in ln]


def _percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[94]


def run(ctx: Context, results: Results) -> None:
    from doorstep.people.search import search_queryset, search_residents
    from doorstep.staff.scoping import area_prefixes

    if not ctx.state.get("residents"):
        raise RuntimeError("resident_search needs the residents registry_import writes")
    rng = random.Random(ctx.seed)
    # What earlier benchmarks left in this process (the import floor loads pypinyin's
    # dictionaries) would make every full garbage collection a pause of several ms inside
    # the timings; a web process does the same with gc.freeze() after start-up.
    gc.collect()
    gc.freeze()
    for username, label in SEARCHERS:
        user = ctx.user(username)
        scope = area_prefixes(user, "view_residents")
        queries = _queries(rng, scope)
        with connection.cursor() as cursor:
            for kind in KINDS:
                qs_list = queries[kind]
                scans = _full_scans(search_queryset(user, qs_list[0]))
                for q in qs_list[:WARMUP]:  # warm caches, untimed
                    list(search_residents(user, q))
                    cursor.execute(*floor_sql(kind, q, scope))
                    cursor.fetchall()
                real, floor, hits = [], [], 0
                for q in qs_list:
                    sql, params = floor_sql(kind, q, scope)
                    t0 = time.perf_counter()
                    found = list(search_residents(user, q))
                    t1 = time.perf_counter()
                    cursor.execute(sql, params)
                    rows = cursor.fetchall()
                    t2 = time.perf_counter()
                    real.append((t1 - t0) * 1000)
                    floor.append((t2 - t1) * 1000)
                    if len(found) != len(rows):
                        raise RuntimeError(f"search and floor disagree on {kind} {q!r}")
                    hits += bool(found)
                (r50, r95), (f50, f95) = _percentiles(real), _percentiles(floor)
                plan = "full scan: " + "; ".join(scans) if scans else "indexed"
                note = f"{QUERIES} queries, {hits} with hits; plan {plan}"
                name = f"resident search {label}, {kind}"
                results.limit(f"{name}: p50", r50, "ms", floor=f50, note=note)
                fig = results.ratio(f"{name}: p95", r95, f95, "ms", max_ratio=MAX_RATIO, note=note)
                if scans:
                    fig.met = False
                    print(f"    ! the search reads the whole table: {plan}", flush=True)
