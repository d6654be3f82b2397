"""A run killed for real: a child process runs ``doorstep run-programmes`` against the test
database and is sent SIGKILL in the middle of a step, with that step's writes made and not
committed. The database rolls the step back; a later run converges, grants nobody twice and
notifies everyone once. (PostgreSQL: the child needs the test database over the network; the
in-memory SQLite test database exists only inside this process.)

The child runs on the suite's frozen clock, not the machine's: it is handed an instant two hours
before the frozen ``NOW`` (a run killed that long ago is abandoned), whatever today's date is."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.db import connection

from doorstep.notify.models import Message
from doorstep.proactive import actions
from doorstep.proactive.models import Entitlement, ProgrammeRun
from doorstep.proactive.tests.conftest import NOW, TODAY
from doorstep.proactive.tests.test_idempotency import notified_once
from doorstep.proactive.tests.test_runs import World, build_world

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the child process needs a database it can reach: PostgreSQL",
)

ROOT = Path(__file__).resolve().parents[3]
# The killed runs started this long before the frozen NOW: past ABANDONED_AFTER, so the rerun
# at NOW closes them as interrupted.
KILLED_AT = NOW - actions.ABANDONED_AFTER - datetime.timedelta(hours=1)

# Runs one step for real, then kills its own process before the step's transaction commits.
CHILD = textwrap.dedent(
    """
    import datetime, os, signal, sys
    import django
    import time_machine

    # The suite's frozen time, handed down: the child must not read the machine's clock.
    time_machine.travel(datetime.datetime.fromisoformat(sys.argv[3]), tick=True).start()
    django.setup()
    from django.core.management import call_command
    from doorstep.proactive import runs

    step, day = sys.argv[1], sys.argv[2]
    real = getattr(runs, step)

    def work_then_die(*args, **kwargs):
        real(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)

    setattr(runs, step, work_then_die)
    call_command("run_programmes", "--date", day)
    """
)


@pytest.fixture
def world(personas, make_resident, make_programme, frozen) -> World:
    return build_world(personas, make_resident, make_programme)


def _killed_in(step: str) -> subprocess.CompletedProcess:
    settings = connection.settings_dict
    url = "postgres://{USER}:{PASSWORD}@{HOST}:{PORT}/{NAME}".format(
        **{k: settings[k] or "" for k in ("USER", "PASSWORD", "HOST", "PORT")},
        NAME=settings["NAME"],
    )
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "doorstep.settings",
        "DOORSTEP_TASKS": "immediate",
        "DOORSTEP_ENCRYPTION_KEY": os.environ.get("DOORSTEP_ENCRYPTION_KEY")
        or "dGVzdC1rZXktZm9yLWRvb3JzdGVwLXRlc3RzLW9ubHk=",
    }
    done = subprocess.run(
        [sys.executable, "-c", CHILD, step, TODAY.isoformat(), KILLED_AT.isoformat()],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == -9, (done.returncode, done.stdout, done.stderr)
    return done


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_killed_while_granting_then_while_notifying_then_a_rerun_converges(world):
    _killed_in("_grant")
    # The grants were inserted and never committed: the database rolled them back.
    assert not Entitlement.objects.exists()
    killed = ProgrammeRun.objects.get()
    assert (killed.status, killed.phase) == ("running", "granting")

    _killed_in("_notify")
    # This time granting committed; the messages died with the process.
    assert Entitlement.objects.count() == 2
    assert not Message.objects.exists()

    rerun = actions.do_run_programme(world.programme, on=TODAY)
    assert (rerun.status, rerun.granted, rerun.unchanged, rerun.notified) == ("done", 0, 2, 2)
    notified_once(world)
    # The killed runs (started two hours before this frozen clock) are closed as interrupted.
    started = ProgrammeRun.objects.exclude(pk=rerun.pk).values_list("started_at", flat=True)
    assert all(KILLED_AT <= s < KILLED_AT + datetime.timedelta(minutes=5) for s in started), (
        "the child did not run on the frozen clock"
    )
    statuses = sorted(ProgrammeRun.objects.exclude(pk=rerun.pk).values_list("status", "error"))
    assert [s for s, _e in statuses] == ["failed", "failed"]
    assert all("Interrupted" in e for _s, e in statuses)


def test_a_recent_running_run_is_left_alone(world, frozen):
    """Only runs older than ABANDONED_AFTER are closed: a run that is merely slow stays."""
    slow = ProgrammeRun.objects.create(
        programme=world.programme,
        rule_version=world.programme.versions.get(),
        period="2026-12",
        scan_date=TODAY,
        status="running",
        started_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5),
    )
    actions.do_run_programme(world.programme, on=TODAY)
    slow.refresh_from_db()
    assert slow.status == "running"
