"""Idempotency: a run repeated, two runs at once, a run crashed or killed mid-way and run again —
nobody is granted twice and every resident is notified exactly once."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

from doorstep.notify.models import Message
from doorstep.proactive import actions, runs
from doorstep.proactive.choices import RunPhase, RunStatus
from doorstep.proactive.models import Entitlement, ProgrammeRun
from doorstep.proactive.tests.test_runs import World, build_world


@pytest.fixture
def world(personas, make_resident, make_programme, frozen) -> World:
    return build_world(personas, make_resident, make_programme)


def notified_once(world: World) -> None:
    """One message per entitlement granted, and one more per entitlement stopped (after its
    grant was notified): the message of each entitlement's status is there, and no other."""
    keys = set(Message.objects.values_list("idempotency_key", flat=True))
    current = {
        f"entitlement:{pk}:{status}"
        for pk, status in Entitlement.objects.values_list("pk", "status")
    }
    assert current <= keys
    stopped = Entitlement.objects.filter(status="stopped").count()
    assert len(keys) == Entitlement.objects.count() + stopped
    per_resident = Counter(Message.objects.values_list("resident_id", "template"))
    assert set(per_resident.values()) <= {1, 2}  # 2: a grant in each of two months


def test_run_twice_changes_nothing_the_second_time(world):
    actions.do_run_programme(world.programme)
    before = list(Entitlement.objects.values_list("pk", "token", "status"))
    messages = Message.objects.count()
    again = actions.do_run_programme(world.programme)
    assert (again.granted, again.stopped, again.cases_opened, again.notified) == (0, 0, 0, 0)
    assert again.unchanged == 2
    assert list(Entitlement.objects.values_list("pk", "token", "status")) == before
    assert Message.objects.count() == messages
    notified_once(world)


def _crash(monkeypatch, step: str, exc: BaseException) -> None:
    def crash(*args, **kwargs):
        raise exc

    monkeypatch.setattr(runs, step, crash)


def test_a_crash_after_granting_fails_the_run_and_a_rerun_notifies_once(world, monkeypatch):
    _crash(monkeypatch, "_notify", RuntimeError("the worker died"))
    failed = actions.do_run_programme(world.programme)
    assert failed.status == RunStatus.FAILED and failed.phase == RunPhase.NOTIFYING
    assert "the worker died" in failed.error and failed.finished_at is not None
    assert failed.granted == 2 and failed.notified == 0
    assert Entitlement.objects.count() == 2 and not Message.objects.exists()
    stored = ProgrammeRun.objects.get(pk=failed.pk)
    assert (stored.status, stored.phase, stored.granted) == ("failed", "notifying", 2)

    monkeypatch.undo()
    rerun = actions.do_run_programme(world.programme)
    assert rerun.status == RunStatus.DONE
    assert (rerun.granted, rerun.unchanged, rerun.notified) == (0, 2, 2)
    notified_once(world)
    third = actions.do_run_programme(world.programme)
    assert third.notified == 0
    notified_once(world)


def test_a_killed_run_stays_running_and_a_rerun_converges(world, monkeypatch):
    """A process killed mid-step: nothing catches it, the run is left "running"."""
    _crash(monkeypatch, "_notify", KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        actions.do_run_programme(world.programme)
    killed = ProgrammeRun.objects.get()
    assert (killed.status, killed.phase) == ("running", "notifying")
    monkeypatch.undo()
    rerun = actions.do_run_programme(world.programme)
    assert (rerun.status, rerun.granted, rerun.notified) == ("done", 0, 2)
    notified_once(world)


def test_a_crash_inside_granting_writes_nothing_of_that_step(world, monkeypatch):
    real = runs.insert_from

    def insert_then_fail(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError("disk full")

    monkeypatch.setattr(runs, "insert_from", insert_then_fail)
    failed = actions.do_run_programme(world.programme)
    assert (failed.status, failed.phase, failed.granted) == ("failed", "granting", 0)
    assert not Entitlement.objects.exists()  # the step's transaction rolled back
    monkeypatch.undo()
    rerun = actions.do_run_programme(world.programme)
    assert (rerun.granted, rerun.notified) == (2, 2)
    notified_once(world)


def test_a_crash_while_stopping_then_rerun(world, monkeypatch, frozen):
    import datetime

    from doorstep.people.models import Resident

    actions.do_run_programme(world.programme)
    Resident.objects.filter(pk=world.old_b.pk).update(status="deceased")
    frozen.move_to(datetime.datetime(2027, 1, 3, 10, 0))
    _crash(monkeypatch, "_grant", RuntimeError("lost the connection"))
    failed = actions.do_run_programme(world.programme)
    assert (failed.status, failed.stopped, failed.phase) == ("failed", 1, "granting")
    monkeypatch.undo()
    rerun = actions.do_run_programme(world.programme)
    # The stop was done by the failed run; the rerun grants January and notifies both.
    assert (rerun.stopped, rerun.granted, rerun.notified) == (0, 1, 2)
    assert Message.objects.filter(template="programme_stopped").count() == 1
    notified_once(world)


def test_a_queued_run_taken_twice_runs_once(world):
    run = actions.do_queue_run(world.programme, actor=world.personas.admin, trigger="ui")
    first = actions.do_run_programme(world.programme, run=run)
    stale = ProgrammeRun.objects.get(pk=run.pk)
    stale.status = RunStatus.QUEUED  # a worker that read the run before the first took it
    second = actions.do_run_programme(world.programme, run=stale)
    assert first.status == second.status == RunStatus.DONE
    assert ProgrammeRun.objects.count() == 1 and Entitlement.objects.count() == 2
    notified_once(world)


def _at_once(n: int, work) -> list:
    """Run ``work`` in ``n`` threads released together; returns their results."""
    from django.db import connections

    barrier = threading.Barrier(n)
    results: list = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(work())
        except BaseException as e:  # reported below, in the test's thread
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="the in-memory SQLite test database is one connection; raced on PostgreSQL",
)
def test_two_runs_at_once_grant_and_notify_each_resident_once(world):
    from doorstep.people.models import Resident
    from doorstep.proactive.models import Programme

    # Enough residents that the two runs really overlap.
    more = [
        Resident(
            name=f"老人{n}",
            name_pinyin="laoren",
            name_initials="lr",
            id_cipher="x",
            id_hash=f"hash-{n}",
            id_masked="x",
            id_tail_hash="x",
            birth_date=world.old_a.birth_date,
            sex="M",
            phone=f"139{n:08d}",
            area=world.old_a.area,
            area_code=world.old_a.area_code,
        )
        for n in range(300)
    ]
    Resident.objects.bulk_create(more)
    done = _at_once(
        2, lambda: actions.do_run_programme(Programme.objects.get(pk=world.programme.pk))
    )
    assert [r.status for r in done] == ["done", "done"], [r.error for r in done]
    assert sorted(r.granted for r in done) == [0, 302]
    assert sum(r.notified for r in done) == 302
    per_resident = Counter(Entitlement.objects.values_list("resident_id", flat=True))
    assert len(per_resident) == 302 and set(per_resident.values()) == {1}
    notified_once(world)
