"""Ledger export: a year of a district's service ledger (cases), as the product writes it.

Builds 1,000,000 × ``BENCH_SCALE`` cases of one district, all taken in during 2025 (a fixed
year: nothing here reads today's date), set-based: a thousand case shapes drawn at random (80%
closed, the rest running, stopped or not yet accepted; taken in on any day of the year),
multiplied in one ``INSERT … SELECT`` over the residents on file (``case_sweep``'s loader).

Measured in two child processes, one for each side (peak resident memory read as ``VmHWM``,
which does not carry the parent's size across ``exec``): the district lead's export of the
service ledger with no filter, one sheet per month, through ``insight.actions.do_export_ledger``
(the same call the download view makes, the log row included), and the floor: the same cells
read by one hand-written SQL join on a raw cursor and written with the same write-only openpyxl
workbook. The two must write the same number of rows. Targets: peak memory under 500 MB; the
time is reported beside the floor's.
"""

from __future__ import annotations

import datetime
import random
import sys
import time

from django.db import connection

from .case_sweep import SHAPE_COLUMNS, SHAPES, _at, _high_water_mb, load_cases
from .context import Context, run_child
from .results import Results

FULL_CASES = 1_000_000
YEAR = 2025
MAX_PEAK_MB = 500
CLOSED = ("completed", "refused", "withdrawn")
RUNNING = ("accepted", "forwarded", "in_progress")


def _shape(rng: random.Random, k: int, services, handlers) -> dict:
    service_id, version_id, department_id = rng.choice(services)
    days = datetime.timedelta
    taken = datetime.date(YEAR, 1, 1) + days(rng.randrange(365))
    row = dict.fromkeys(SHAPE_COLUMNS)
    row.update(
        k=k, service_id=service_id, version_id=version_id, department_id=department_id,
        handler_id=rng.choice(handlers), max_trips=1, created_at=_at(taken, 9),
    )  # fmt: skip
    draw = rng.random()
    if draw < 0.03:  # not accepted (yet): no clock
        row["status"] = rng.choice(("draft", "awaiting_materials"))
        return row
    row.update(
        accepted_at=_at(taken, 10), accepted_on=taken, limit_days=10, due_on=taken + days(14),
        warn_on=taken + days(11),
    )  # fmt: skip
    if draw < 0.83:
        closed = taken + days(rng.randrange(1, 20))
        row.update(status=rng.choices(CLOSED, weights=(12, 1, 1))[0], closed_at=_at(closed, 15))
        if closed > row["due_on"]:
            row["overdue_at"] = _at(row["due_on"] + days(1), 1)
    elif draw < 0.97:
        row["status"] = rng.choice(RUNNING)
    else:
        row.update(status="returned", paused_since=taken + days(2))
    if row["status"] in ("forwarded", "returned"):
        row.update(forwarded_to_id=department_id, forwarded_at=_at(taken + days(1), 11))
    return row


def build(ctx: Context, n: int) -> int:
    """Write ``n`` bench cases taken in during ``YEAR``; returns how many were written."""
    load_cases(ctx, n, _shape, seed=41, prefix="LEDGER-")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE cases_case")
        cursor.execute("SELECT COUNT(*) FROM cases_case")
        return cursor.fetchone()[0]


# ---- in the child process --------------------------------------------------------------------


def floor_export(path: str) -> int:
    """The same cells, read by hand-written SQL and written the same way."""
    from django.utils import timezone
    from openpyxl import Workbook

    from doorstep.cases.models import Case
    from doorstep.insight.ledgers import LEDGERS, yes_no

    status = {v: str(label) for v, label in Case._meta.get_field("status").choices}
    agent = {v: str(label) for v, label in Case._meta.get_field("agent_kind").choices}
    yes, no = yes_no(True), yes_no(False)
    headers = [str(c.header) for c in LEDGERS["cases"].columns()]
    book, sheet, month, count = Workbook(write_only=True), None, None, 0
    zone = timezone.get_current_timezone()

    def local(value):
        if value is None:
            return None
        if isinstance(value, str):  # SQLite hands back text
            value = datetime.datetime.fromisoformat(value)
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.UTC)
        return value.astimezone(zone).replace(tzinfo=None)

    def day(value):
        return datetime.date.fromisoformat(value) if isinstance(value, str) else value

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.receipt, c.created_at, c.area_code, r.name, s.name, d.name, c.status, "
            "c.accepted_on, c.due_on, c.closed_at, c.overdue_at, c.trips, c.max_trips, f.name, "
            "c.agent_kind FROM cases_case c "
            "INNER JOIN people_resident r ON r.id = c.resident_id "
            "INNER JOIN catalogue_service s ON s.id = c.service_id "
            "INNER JOIN catalogue_department d ON d.id = c.department_id "
            "LEFT JOIN catalogue_department f ON f.id = c.forwarded_to_id "
            "ORDER BY c.created_at, c.id"
        )
        while batch := cursor.fetchmany(2000):
            for row in batch:
                created = local(row[1])
                if f"{created:%Y-%m}" != month:
                    month = f"{created:%Y-%m}"
                    sheet = book.create_sheet(month)
                    sheet.append(headers)
                sheet.append([
                    row[0], created, row[2], row[3], row[4], row[5], status[row[6]],
                    day(row[7]), day(row[8]), local(row[9]), yes if row[10] else no, row[11],
                    row[12], row[13] or "", agent[row[14]],
                ])  # fmt: skip
                count += 1
    book.save(path)
    return count


def child_export(username: str) -> dict:
    """The product's export, as the download view makes it (its own process: its memory)."""
    from django.contrib.auth import get_user_model
    from django.http import QueryDict

    from doorstep.insight.actions import do_export_ledger
    from doorstep.insight.ledgers import LEDGERS

    user = get_user_model().objects.get(username=username)
    t = time.perf_counter()
    made = do_export_ledger(LEDGERS["cases"], QueryDict("split=month"), actor=user)
    seconds = time.perf_counter() - t
    made.file.close()
    return {"seconds": seconds, "rows": made.rows, "bytes": made.size, "peak_mb": _high_water_mb()}


def child_floor() -> dict:
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        t = time.perf_counter()
        rows = floor_export(os.path.join(folder, "floor.xlsx"))
        return {"seconds": time.perf_counter() - t, "rows": rows, "peak_mb": _high_water_mb()}


def run(ctx: Context, results: Results) -> None:
    n = max(SHAPES, round(FULL_CASES * ctx.scale))
    t = time.perf_counter()
    print(f"   building {n:,} cases of {YEAR} set-based (not measured) …", flush=True)
    total = build(ctx, n)
    print(f"   ({time.perf_counter() - t:.0f} s; {total:,} cases on file)", flush=True)
    out = run_child("doorstep.bench.ledger_export:child_export", username="district_lead")
    floor = run_child("doorstep.bench.ledger_export:child_floor")
    if floor["rows"] != out["rows"] or out["rows"] != total:
        sys.exit(f"ledger export wrote {out['rows']:,} rows, the floor {floor['rows']:,}, "
                 f"{total:,} on file")  # fmt: skip
    note = f"{out['rows']:,} rows, {out['bytes'] / 2**20:.0f} MB file, one sheet per month"
    results.limit(
        "ledger export: a year of a district", out["seconds"], "s", floor=floor["seconds"],
        note=note,
    )  # fmt: skip
    results.limit(
        "ledger export: rows per second", out["rows"] / out["seconds"], "rows/s",
        floor=out["rows"] / floor["seconds"],
    )  # fmt: skip
    results.limit(
        "ledger export: peak memory", out["peak_mb"], "MB", below=MAX_PEAK_MB,
        note=f"the exporting process, VmHWM (the floor's: {floor['peak_mb']:.0f} MB)",
    )  # fmt: skip
