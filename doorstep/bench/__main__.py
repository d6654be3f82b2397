"""Run the benchmarks: ``python -m doorstep.bench`` (``make bench``). See ``__init__.py``."""

from __future__ import annotations

import importlib
import os
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
BENCH_DB_NAME = os.environ.get("BENCH_DB_NAME", "doorstep_bench")  # on PostgreSQL
# Fixed secrets for the benchmark process only: its data is synthetic and thrown away.
BENCH_KEY = "ZG9vcnN0ZXAtYmVuY2gta2V5LTMyLWJ5dGVzLWxvbmc="  # 32 bytes, base64


def _prepare_database(data_dir: Path) -> str:
    """Point DATABASE_URL at an empty benchmark database; return the vendor name."""
    import environ

    url = os.environ.get("DATABASE_URL", "")
    if not url or url.startswith("sqlite"):
        path = data_dir / "bench.sqlite3"
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        return "sqlite"
    config = environ.Env.db_url_config(url)
    if "postgresql" not in config["ENGINE"]:
        sys.exit(f"make bench runs on SQLite or PostgreSQL, not {config['ENGINE']}.")
    import psycopg

    params = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB_NAME}"')
    scheme, rest = url.split("://", 1)
    server = rest.split("/", 1)[0]
    query = ("?" + url.split("?", 1)[1]) if "?" in url else ""
    os.environ["DATABASE_URL"] = f"{scheme}://{server}/{BENCH_DB_NAME}{query}"
    return "postgresql"


def main() -> None:
    scale = float(os.environ.get("BENCH_SCALE", "1"))
    only = [m.strip() for m in os.environ.get("BENCH_ONLY", "").split(",") if m.strip()]
    data_dir = BASE_DIR / "bench-data"
    data_dir.mkdir(exist_ok=True)
    out = Path(os.environ.get("BENCH_RESULTS", BASE_DIR / "bench-results.json"))

    os.environ["DJANGO_SETTINGS_MODULE"] = "doorstep.settings"
    os.environ["DEBUG"] = "0"  # DEBUG would keep every query in memory
    os.environ["SECRET_KEY"] = "doorstep-bench-not-secret"
    os.environ["DOORSTEP_ENCRYPTION_KEY"] = BENCH_KEY
    vendor = _prepare_database(data_dir)

    import django

    django.setup()
    from django.core.management import call_command

    from doorstep.demo import create_personas
    from doorstep.people.demo import seed_reference_data
    from doorstep.places.demo import build_places

    from . import MODULES
    from .context import Context
    from .results import Results

    started = time.perf_counter()
    print(f"Preparing the {vendor} benchmark database (scale {scale:g}) …", flush=True)
    call_command("migrate", verbosity=0, interactive=False)
    build_places()
    seed_reference_data()
    create_personas()

    ctx = Context(scale=scale, data_dir=data_dir, database=vendor)
    results = Results(scale=scale, database=vendor)
    for name in MODULES:
        if only and name not in only:
            continue
        module = importlib.import_module(f"doorstep.bench.{name}")
        print(f"\n== {name}: {(module.__doc__ or '').strip().splitlines()[0]}", flush=True)
        t = time.perf_counter()
        module.run(ctx, results)
        print(f"   ({time.perf_counter() - t:.0f} s)", flush=True)

    results.write(out)
    print()
    print(results.table())
    print(f"\nWrote {out} ({time.perf_counter() - started:.0f} s in all).")
    if not results.all_met:
        sys.exit("Some targets are not met.")


if __name__ == "__main__":
    main()
