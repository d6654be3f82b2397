"""``doorstep run-programmes``: a line per programme, --programme, --date, --dry-run, and a
non-zero exit when a run failed."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from doorstep.notify.models import Message
from doorstep.proactive.models import Entitlement, ProgrammeRun
from doorstep.proactive.tests.test_runs import GRANT, World, build_world


@pytest.fixture
def world(personas, make_resident, make_programme, frozen) -> World:
    return build_world(personas, make_resident, make_programme)


def run(*args: str) -> list[str]:
    out = StringIO()
    call_command("run_programmes", *args, stdout=out)
    return out.getvalue().strip().splitlines()


def test_runs_every_active_programme_with_a_line_each(world, make_programme):
    make_programme("meals", GRANT, mode="offer", name="助餐")
    make_programme("idle", GRANT, is_active=False)
    lines = run()
    assert len(lines) == 2
    assert lines[0].startswith("elderly-80 2026-12: granted 2, stopped 0, unchanged 0, ")
    assert "notified 2 (" in lines[0] and lines[0].endswith(" s)")
    assert lines[1].startswith("meals once: granted 2")
    assert run()[0].startswith("elderly-80 2026-12: granted 0, stopped 0, unchanged 2, ")


def test_only_the_programmes_named(world, make_programme):
    make_programme("meals", GRANT, mode="offer", name="助餐")
    lines = run("--programme", "meals")
    assert len(lines) == 1 and lines[0].startswith("meals ")
    assert set(ProgrammeRun.objects.values_list("programme__code", flat=True)) == {"meals"}


def test_an_unknown_programme_is_an_error_and_runs_nothing(world):
    with pytest.raises(CommandError, match="nope"):
        run("--programme", "elderly-80", "--programme", "nope")
    assert not ProgrammeRun.objects.exists()


def test_as_of_another_date(world):
    (line,) = run("--date", "2026-11-30")
    assert line.startswith("elderly-80 2026-11: granted 1,")  # 李建国 is 80 from 12-01
    assert ProgrammeRun.objects.get().scan_date.isoformat() == "2026-11-30"


@pytest.mark.parametrize("value", ["30.11.2026", "2026-13-01", "soon"])
def test_a_bad_date_is_refused(world, value):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("--date", value)
    assert not ProgrammeRun.objects.exists()


def test_dry_run_counts_and_writes_nothing(world):
    (line,) = run("--dry-run")
    assert line == (
        "elderly-80 2026-12 (dry run): would grant 2, stop 0, leave 0 unchanged; 0 opted out"
    )
    assert not ProgrammeRun.objects.exists() and not Entitlement.objects.exists()
    assert not Message.objects.exists()


def test_a_failed_run_is_said_and_exits_non_zero(world, make_programme):
    make_programme("broken", '"no-such-tag" in tags')
    out = StringIO()
    with pytest.raises(CommandError, match="1 of the programmes failed"):
        call_command("run_programmes", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert lines[0].startswith("broken once: FAILED after ")
    assert lines[1].startswith("elderly-80 2026-12: granted 2")  # the others still run
    with pytest.raises(CommandError):
        run("--dry-run")


def test_the_exit_status_of_the_doorstep_command(world, make_programme):
    """What cron sees: Django turns the CommandError into exit status 1."""
    from django.core.management import ManagementUtility

    make_programme("broken", '"no-such-tag" in tags')
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["doorstep", "run_programmes"]).execute()
    assert exited.value.code == 1
