"""Proactive programmes: 20 programmes run over 1,000,000 residents, against hand-written SQL.

Builds its own registry set-based (the residents earlier modules left are removed first):
1,000,000 × ``BENCH_SCALE`` residents in households of one to five (some without a recorded
household), an age pyramid with a few per cent over 80 and lone elderly people, a few per cent
moved out or deceased, tags on about one in ten (低保, 独居老人, 残疾人, 退役军人 …) and
certificates (残疾人证 on about 3% with expiries spread over ten years, 老年人优待证, 居住证,
退役军人优待证). All of it with ``INSERT … SELECT`` over number series and pseudo-random
arithmetic on row numbers: no rows through Python. Two monthly programmes already ran last
month (their entitlements are there, some of them held by people who have since died, moved
or let their certificate lapse), and some residents declined an offer.

Twenty programmes (``PROGRAMMES``) with realistic rules in the rule language — ages, tags,
household facts, certificates with days to expiry and renewal windows, areas, one programme
holding another, stop rules — of every kind (grant, remind, renewal), mode and period.

Measured in one child process (its peak resident memory is the figure), on the same data, reset
between (what the runs wrote deleted, last month's grants put back; on PostgreSQL vacuumed and
checkpointed): first the floor — the same writes as hand-written SQL on a raw cursor, the rules
written by hand as SQL conditions: per programme a guarded stop UPDATE, an ``INSERT … SELECT …
ON CONFLICT DO NOTHING`` of entitlements with a random token drawn in SQL, for renewals the
cases, their events and the links, and one outbox message per entitlement — a first run, then
a second run with nothing changed; then the same two runs as the product does them
(``proactive.actions.run_programmes``, one ``do_run_programme`` per programme, in dependency
order). One round each: a round over 1,000,000 residents takes about a minute. The two must
write the same rows (entitlements, messages, cases, events and the runs' counts), or the
figures are marked not met. Targets: each run within 1.5× of its floor; peak memory under
1 GB. Reported too: the rules decided per resident in Python (``facts.load_facts`` and
``Rule.evaluate`` of the 20 grant and stop rules) for a 100,000-resident sample spread over the
registry, against the floor's first run scaled to as many residents.
"""

from __future__ import annotations

import datetime
import sys
import time

from django.db import connection, transaction

from .context import Context, run_child
from .programmes_data import RAN_LAST_PERIOD, build, describe
from .programmes_floor import PROGRAMMES, Floor
from .results import Results

MAX_RATIO = 1.5
MAX_PEAK_MB = 1024
SAMPLE = 100_000


def _seed_runs() -> list[int]:
    from doorstep.proactive.models import ProgrammeRun

    return list(
        ProgrammeRun.objects.filter(programme__code__in=RAN_LAST_PERIOD).values_list(
            "pk", flat=True
        )
    )


def _reset(seed_runs: list[int], *, settle: bool = True) -> None:
    """Back to the data as built: what the runs wrote deleted, last month's grants restored."""
    keep = ", ".join(str(pk) for pk in seed_runs) or "0"
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM notify_message WHERE template LIKE 'programme%%'")
        cur.execute(f"DELETE FROM proactive_entitlement WHERE run_id NOT IN ({keep})")
        cur.execute(
            "UPDATE proactive_entitlement SET status = 'granted', stopped_at = NULL, "
            "stop_run_id = NULL, stop_reason = '' WHERE status = 'stopped'"
        )
        cur.execute(
            "DELETE FROM cases_caseevent WHERE case_id IN (SELECT id FROM cases_case "
            "WHERE idempotency_key LIKE 'proactive:%%')"
        )
        cur.execute("DELETE FROM cases_case WHERE idempotency_key LIKE 'proactive:%%'")
        cur.execute(f"DELETE FROM proactive_programmerun WHERE id NOT IN ({keep})")
    if settle:
        _settle()


def _settle() -> None:
    """No run should pay for writing out the last one's pages or for stale statistics."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            for table in ("proactive_entitlement", "proactive_programmerun", "notify_message",
                          "cases_case", "cases_caseevent"):  # fmt: skip
                cur.execute(f"VACUUM ANALYZE {table}")
            cur.execute("CHECKPOINT")
        else:
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _written() -> dict:
    """What the runs wrote, to check that the product and the floor did the same."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT p.code, e.period LIKE 'cert-%%', e.status, e.stop_reason, COUNT(*), "
            "SUM(e.resident_id), SUM(COALESCE(e.certificate_id, 0)), COUNT(e.case_id), "
            "SUM(LENGTH(e.token)) FROM proactive_entitlement e INNER JOIN proactive_programme p "
            "ON p.id = e.programme_id GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
        )
        entitlements = [[str(v) for v in row] for row in cur.fetchall()]
        cur.execute(
            "SELECT template, status, channel, COUNT(*), SUM(LENGTH(body)), "
            "SUM(LENGTH(subject)), SUM(resident_id) FROM notify_message "
            "WHERE template LIKE 'programme%%' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
        )
        messages = [[str(v) for v in row] for row in cur.fetchall()]
        cur.execute(
            "SELECT COUNT(*), SUM(resident_id), COUNT(DISTINCT receipt) FROM cases_case "
            "WHERE idempotency_key LIKE 'proactive:%%'"
        )
        cases = [str(v) for v in cur.fetchone()]
        cur.execute(
            "SELECT COUNT(*) FROM cases_caseevent v INNER JOIN cases_case c ON c.id = v.case_id "
            "WHERE c.idempotency_key LIKE 'proactive:%%'"
        )
        events = cur.fetchone()[0]
        cur.execute(
            "SELECT p.code, r.granted, r.stopped, r.unchanged, r.cases_opened, r.notified "
            "FROM proactive_programmerun r INNER JOIN proactive_programme p "
            "ON p.id = r.programme_id WHERE r.status = 'done' AND r.phase = 'finished' "
            "ORDER BY r.id"
        )
        runs = [list(row) for row in cur.fetchall()]
    return {"entitlements": entitlements, "messages": messages, "cases": cases,
            "events": events, "runs": runs}  # fmt: skip


def _order() -> list[str]:
    from doorstep.proactive.actions import _in_dependency_order
    from doorstep.proactive.models import Programme

    return [p.code for p in _in_dependency_order(list(Programme.objects.filter(is_active=True)))]


def _product(on: datetime.date) -> dict[str, dict]:
    from doorstep.proactive.actions import run_programmes

    out = {}
    for run in run_programmes(on=on):
        if run.status != "done":
            raise RuntimeError(f"the run of {run.programme.code} failed: {run.error}")
        out[run.programme.code] = {
            "seconds": run.seconds,
            **{k: getattr(run, k) for k in ("granted", "stopped", "unchanged", "cases_opened",
                                            "notified")},
        }  # fmt: skip
    return out


def _warm() -> None:
    """Read the tables the runs read once, untimed, so neither side pays for a cold cache."""
    with connection.cursor() as cur:
        for table in ("people_resident", "people_residenttag", "people_certificate",
                      "proactive_entitlement", "proactive_optout"):  # fmt: skip
            cur.execute(f"SELECT COUNT(*), MAX(id) FROM {table}")
            cur.fetchall()


def _python_rules(on: datetime.date, n: int) -> dict:
    """load_facts for a sample of ``SAMPLE`` residents spread over the registry, then every
    programme's rules evaluated in Python for each of them."""
    from doorstep.people.models import Resident
    from doorstep.rules.facts import load_facts
    from doorstep.rules.rules import parse

    step = max(1, n // SAMPLE)
    ids = list(Resident.objects.order_by("pk").values_list("pk", flat=True)[::step][:SAMPLE])
    rules = [(parse(s.grant), parse(s.stop) if s.stop else None) for s in PROGRAMMES]
    t = time.perf_counter()
    facts = load_facts(ids, on)
    loaded = time.perf_counter() - t
    eligible = 0
    for f in facts.values():
        for grant, stop in rules:
            if grant.evaluate(f) and not (stop is not None and stop.evaluate(f)):
                eligible += 1
    seconds = time.perf_counter() - t
    return {"residents": len(facts), "load_seconds": loaded, "seconds": seconds,
            "eligible": eligible}  # fmt: skip


def child_measure(on: str, ids: dict, residents: int, settle: bool = True) -> dict:
    """Runs in the child process: the floor's two runs, reset, the product's two runs, then
    the rules in Python on a sample."""
    from .case_sweep import _high_water_mb

    day = datetime.date.fromisoformat(on)
    order = _order()
    seed = _seed_runs()
    floor = Floor(day, ids)
    if settle:  # (the smoke test skips vacuuming: it is slow on a small busy database)
        _settle()
    _warm()
    out: dict = {"order": order}
    for name, work in (("floor", lambda: floor.run_all(order)), ("product", lambda: _product(day))):
        for n in (1, 2):
            t = time.perf_counter()
            per = work()
            out[f"{name}{n}"] = time.perf_counter() - t
            out[f"{name}{n}_per"] = per
            print(f"   {name} run {n}: {out[f'{name}{n}']:.2f} s", file=sys.stderr, flush=True)
            if n == 1 and settle:
                # Before the second run the planner's statistics are what autovacuum leaves
                # (the first run grew the entitlements and the outbox from nothing; with the
                # statistics of the empty tables PostgreSQL plans the anti-joins of the second
                # run as nested loops and takes hours).
                _settle()
        out[f"{name}_written"] = _written()
        if name == "floor":
            _reset(seed, settle=settle)
            _warm()
    if out["floor_written"] != out["product_written"]:
        diff = {k: (out["floor_written"][k], out["product_written"][k])
                for k in out["floor_written"]
                if out["floor_written"][k] != out["product_written"][k]}  # fmt: skip
        out["mismatch"] = diff
    out["python"] = _python_rules(day, residents)
    out["peak_mb"] = _high_water_mb()
    return out


def run(ctx: Context, results: Results) -> None:
    from django.utils import timezone

    on = timezone.localdate()
    n = ctx.residents
    t = time.perf_counter()
    print(f"   building {n:,} residents set-based (not measured) …", flush=True)
    ids = build(ctx, on)
    built = describe()
    print(f"   ({time.perf_counter() - t:.0f} s) {built}", flush=True)
    out = run_child("doorstep.bench.programmes:child_measure", on=on.isoformat(), ids=ids,
                    residents=n)  # fmt: skip
    for name in ("floor", "product"):
        for k in (1, 2):
            slow = sorted(out[f"{name}{k}_per"].items(), key=lambda i: -i[1]["seconds"])[:4]
            slowest = ", ".join(f"{c} {v['seconds']:.2f} s" for c, v in slow)
            print(f"   {name} run {k}, slowest: {slowest}", flush=True)
    first = out["floor1_per"]
    granted = sum(v["granted"] for v in first.values())
    note = (
        f"{built['residents']:,} residents, 20 programmes; {granted:,} entitlements, "
        f"{sum(v['stopped'] for v in first.values()):,} stopped, "
        f"{sum(v['cases_opened'] for v in first.values()):,} renewal cases"
    )
    if out.get("mismatch"):
        note += "; PRODUCT AND FLOOR WROTE DIFFERENT ROWS"
        print(f"   ! product and floor wrote different rows: {out['mismatch']}", flush=True)
    first_fig = results.ratio("programmes: first run", out["product1"], out["floor1"], "s",
                              max_ratio=MAX_RATIO, note=note)  # fmt: skip
    second_fig = results.ratio("programmes: second run, nothing changed", out["product2"],
                               out["floor2"], "s", max_ratio=MAX_RATIO)  # fmt: skip
    if out.get("mismatch"):
        first_fig.met = second_fig.met = False
    py = out["python"]
    scaled = out["floor1"] * py["residents"] / built["residents"]
    results.limit(
        "programmes: rules per resident in Python",
        py["seconds"],
        "s",
        floor=scaled,
        note=f"load_facts + 20 rules for {py['residents']:,} residents "
        f"({py['residents'] / py['seconds']:,.0f} residents/s; facts {py['load_seconds']:.1f} s);"
        f" floor: the SQL first run scaled to as many residents",
    )
    results.limit(
        "programmes: rules in Python, residents per second",
        py["residents"] / py["seconds"],
        "residents/s",
        floor=built["residents"] / out["floor1"],
        note="floor: residents per second of the SQL first run",
    )
    results.limit("programmes: peak memory", out["peak_mb"], "MB", below=MAX_PEAK_MB)
