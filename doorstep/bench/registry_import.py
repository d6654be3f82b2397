"""Registry import: residents from a CSV file, against a raw executemany of the same rows.

The figure is ``doorstep.people.actions.do_import_residents`` on a CSV of synthetic residents
(``people.synthetic``), run in a child process so that its peak resident memory (the kernel's
high-water mark, C allocations included) can be read. The floor, measured first on the same
empty table with the same indexes, is a plain ``INSERT`` of exactly the rows the importer
writes, already validated (validation untimed), with one ``executemany`` per batch of the
importer's size and one transaction, on the driver's own cursor (sqlite3; psycopg binding
server-side, which pipelines): the database's share of an import. The import may spend
at most 5× its floor, and less than 2 GB.
"""

from __future__ import annotations

import hashlib
import inspect
import time
from pathlib import Path

from django.db import connection, transaction

from .context import Context, run_child
from .results import Results

MAX_RATIO = 5.0
MAX_PEAK_MB = 2048


def csv_path(ctx: Context) -> Path:
    """The synthetic registry file for this scale, made once and kept in ``bench-data/``
    (named by size, seed and the generator's source, so a changed generator makes a new one)."""
    from doorstep.core import idnumber
    from doorstep.people import synthetic

    source = inspect.getsource(synthetic) + inspect.getsource(idnumber)
    version = hashlib.sha1(source.encode()).hexdigest()[:8]
    path = ctx.data_dir / f"residents-{ctx.residents}-{ctx.seed}-{version}.csv"
    if not path.exists():
        t = time.perf_counter()
        print(f"   writing {ctx.residents:,} synthetic residents to {path.name} …", flush=True)
        tmp = path.with_suffix(".tmp")
        synthetic.write_csv(tmp, ctx.residents, ctx.compounds(), seed=ctx.seed)
        tmp.rename(path)
        print(f"   ({time.perf_counter() - t:.0f} s, not measured)", flush=True)
    return path


def _insert_sql() -> str:
    from doorstep.people.importer import COLUMNS
    from doorstep.people.models import Resident

    marks = ", ".join(["%s"] * len(COLUMNS))
    return f"INSERT INTO {Resident._meta.db_table} ({', '.join(COLUMNS)}) VALUES ({marks})"


def floor_insert(path: Path, actor) -> tuple[float, int]:
    """Seconds to insert the importer's rows with a raw executemany (validation not timed)."""
    from doorstep.people import importer

    sql = _insert_sql()
    header, rows, _size = importer.read_table(path)
    seconds, count = 0.0, 0
    with transaction.atomic():
        connection.ensure_connection()
        if connection.vendor == "postgresql":
            # The driver's own cursor, binding server-side: psycopg pipelines executemany.
            import psycopg

            cursor = psycopg.Cursor(connection.connection)
        else:
            cursor = connection.connection.cursor()
            sql = sql.replace("%s", "?")
        for batch in importer.validated_batches(header, rows, actor=actor):
            t = time.perf_counter()
            cursor.executemany(sql, batch)
            seconds += time.perf_counter() - t
            count += len(batch)
        cursor.close()
        t = time.perf_counter()  # the commit counts
    seconds += time.perf_counter() - t
    return seconds, count


def empty_registry() -> None:
    """Remove residents, households and buildings (and on PostgreSQL what refers to them),
    keeping the tables and their indexes."""
    tables = [
        "people_residenttag",
        "people_accesslog",
        "people_certificate",
        "people_importbatch",
        "people_resident",
        "places_grid_buildings",
        "places_household",
        "places_building",
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # CASCADE: tables that refer to residents (cases, the outbox) are emptied too.
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        else:
            # Without foreign-key checks SQLite drops a table's rows wholesale.
            cursor.execute("PRAGMA foreign_keys = OFF")
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")
            cursor.execute("PRAGMA foreign_keys = ON")


def child_import(path: str) -> dict:
    """Runs in the child process: the measured import."""
    from django.contrib.auth import get_user_model

    from doorstep.people.actions import do_import_residents

    admin = get_user_model().objects.get(username="admin")
    t = time.perf_counter()
    _batch, result = do_import_residents(Path(path), actor=admin, filename=Path(path).name)
    seconds = time.perf_counter() - t
    return {
        "seconds": seconds,
        "total": result.total,
        "created": result.created,
        "rejected": result.rejected,
        "written": result.written,
        "errors": [str(e) for e in result.errors[:5]],
    }


def run(ctx: Context, results: Results) -> None:
    admin = ctx.user("admin")
    path = csv_path(ctx)
    n = ctx.residents

    print(f"   floor: raw executemany of {n:,} validated rows …", flush=True)
    empty_registry()
    floor, inserted = floor_insert(path, admin)
    if inserted != n:
        raise RuntimeError(f"the floor inserted {inserted:,} rows of {n:,}")
    empty_registry()

    print(f"   import: do_import_residents of {n:,} rows in a child process …", flush=True)
    out = run_child("doorstep.bench.registry_import:child_import", path=str(path))
    if not out["written"] or out["created"] != n or out["rejected"]:
        raise RuntimeError(f"the import did not write {n:,} new residents: {out}")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # what autovacuum does after a bulk load
    ctx.state["residents"] = n

    seconds = out["seconds"]
    results.ratio("resident import: time", seconds, floor, "s", max_ratio=MAX_RATIO)
    rate, floor_rate = n / seconds, n / floor
    results.limit("resident import: rows per second", rate, "rows/s", floor=floor_rate)
    results.limit("resident import: peak memory", out["peak_rss_mb"], "MB", below=MAX_PEAK_MB)
