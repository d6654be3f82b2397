"""Import while browsing, on SQLite: a registry import in another process (the command, as a
cron job or a worker runs it) on a file database, while this process writes as a web request
does. ``--check`` takes no write lock at all; a real import writes in short batches, so a write
waits at most one batch, never the whole import. (The suite's in-memory SQLite database is one
connection in this process: the test builds its own database file.)"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from conftest import TEST_KEY
from doorstep.people import synthetic

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's database-wide write lock"
)

ROOT = Path(__file__).resolve().parents[3]
ROWS = 60_000
WAIT = 2.0  # a web write that waits longer than this has failed for the clerk

SETUP = """
import django
django.setup()
from django.contrib.auth import get_user_model
from django.core.management import call_command
from doorstep.people.demo import seed_reference_data
from doorstep.places.demo import build_places

call_command("migrate", verbosity=0)
build_places()
seed_reference_data()
get_user_model().objects.create_superuser("admin", "", "x")
"""


def _env(db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        DATABASE_URL=f"sqlite:///{db}",
        DJANGO_SETTINGS_MODULE="doorstep.settings",
        SECRET_KEY="import-while-browsing",
        DOORSTEP_ENCRYPTION_KEY=TEST_KEY,
        PYTHONPATH=str(ROOT),
    )
    return env


def _browse_during(command: subprocess.Popen, db: Path) -> tuple[float, int, set[int]]:
    """Write as a web request does (a new session row, in an immediate transaction) until the
    command ends; return the longest wait for the write lock, the writes made and the residents
    each one saw. (Only the lock's wait is timed: the write after it is this process's own work,
    slow only when the machine is busy. A wait past ``WAIT`` fails the write outright.)"""
    web = sqlite3.connect(db, timeout=WAIT, isolation_level=None)
    longest, writes, seen = 0.0, 0, set()
    try:
        while command.poll() is None:
            started = time.perf_counter()
            web.execute("BEGIN IMMEDIATE")
            longest = max(longest, time.perf_counter() - started)
            web.execute(
                "INSERT INTO django_session VALUES (?, ?, '2099-01-01 00:00:00')",
                (f"browse-{time.perf_counter_ns()}", "{}"),
            )
            seen.add(web.execute("SELECT count(*) FROM people_resident").fetchone()[0])
            web.execute("COMMIT")
            writes += 1
            time.sleep(0.05)
    finally:
        web.close()
    return longest, writes, seen


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("browsing")
    db = folder / "doorstep.sqlite3"
    subprocess.run([sys.executable, "-c", SETUP], env=_env(db), cwd=ROOT, check=True)
    compounds = [
        code
        for (code,) in sqlite3.connect(db).execute(
            "SELECT code FROM places_area WHERE kind = 'compound' ORDER BY code LIMIT 20"
        )
    ]
    return db, synthetic.write_csv(folder / "register.csv", ROWS, compounds)


def _import(db: Path, register: Path, *flags: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "import_residents", str(register), *flags],
        env=_env(db),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_the_web_keeps_writing_during_a_check_and_an_import(database):
    db, register = database
    command = _import(db, register, "--check")
    longest, writes, seen = _browse_during(command, db)
    _out, err = command.communicate()
    assert command.returncode == 0, err
    assert seen == {0}
    assert writes >= 5 and longest < 1.0, (writes, longest)

    command = _import(db, register)
    longest, writes, seen = _browse_during(command, db)
    _out, err = command.communicate()
    assert command.returncode == 0, err
    with sqlite3.connect(db) as check:
        assert check.execute("SELECT count(*) FROM people_resident").fetchone() == (ROWS,)
    # Some writes came in between the import's batches, none waited long.
    assert any(0 < n < ROWS for n in seen), seen
    assert longest < WAIT, longest
