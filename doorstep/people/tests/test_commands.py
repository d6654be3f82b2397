"""The import_residents and demo management commands."""

from __future__ import annotations

import csv
import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import translation

from doorstep.core import idnumber
from doorstep.people.models import (
    Certificate,
    ImportBatch,
    Resident,
    ResidentTag,
    Tag,
)
from doorstep.places.models import Area, Building, Household
from doorstep.staff.models import RoleGrant

HEADER = ["姓名", "公民身份号码", "手机号码", "小区", "楼栋", "房号", "标签"]
ERYIN = "420105006001001"


def pid(seq: int) -> str:
    return idnumber.make("420105", datetime.date(1950, 3, 7), seq)


def write(tmp_path: Path, rows, name="名册.csv") -> Path:
    path = tmp_path / name
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([HEADER, *rows])
    return path


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


GOOD = [
    ["张景林", pid(1), "13812345678", ERYIN, "1栋", "101", "独居老人"],
    ["李秀英", pid(2), "", ERYIN, "", "", ""],
]
BAD = [*GOOD, ["王建国", "42010519500307", "", ERYIN, "", "", ""]]


def counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Resident, Building, Household, ResidentTag))


def run(*args) -> str:
    out = StringIO()
    call_command("import_residents", *map(str, args), stdout=out, stderr=StringIO())
    return out.getvalue()


def test_import(tmp_path, personas):
    out = run(write(tmp_path, GOOD), "--as", "clerk_a")
    assert "2 rows" in out and "2 created, 0 updated, 0 rejected; written" in out
    assert counts() == (2, 1, 1, 1)
    batch = ImportBatch.objects.get()
    assert (batch.actor, batch.filename, batch.created) == (personas.clerk_a, "名册.csv", 2)
    out = run(write(tmp_path, GOOD), "--as", "clerk_a")
    assert "0 created, 2 updated" in out
    assert counts() == (2, 1, 1, 1)


def test_import_as_admin_by_default(tmp_path, personas):
    run(write(tmp_path, GOOD))
    assert ImportBatch.objects.get().actor == personas.admin


def test_rejected_rows_mean_nothing_is_written(tmp_path, personas):
    with pytest.raises(CommandError, match="--valid-rows"):
        run(write(tmp_path, BAD), "--as", "clerk_a")
    assert counts() == (0, 0, 0, 0)


def test_the_rejected_rows_are_listed(tmp_path, personas):
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("import_residents", str(write(tmp_path, BAD)), stdout=out, stderr=StringIO())
    assert "row        4  公民身份号码" in out.getvalue()
    assert "nothing written" in out.getvalue()


def test_valid_rows(tmp_path, personas):
    out = run(write(tmp_path, BAD), "--as", "clerk_a", "--valid-rows")
    assert "2 created, 0 updated, 1 rejected; written" in out
    assert counts() == (2, 1, 1, 1)


def test_check(tmp_path, personas):
    out = run(write(tmp_path, GOOD), "--as", "clerk_a", "--check")
    assert "2 would be created, 0 updated, 0 rejected; nothing written" in out
    assert counts() == (0, 0, 0, 0)


def test_check_with_errors_fails(tmp_path, personas):
    with pytest.raises(CommandError):
        run(write(tmp_path, BAD), "--check")
    assert counts() == (0, 0, 0, 0)


def test_unreadable_file(tmp_path, personas):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(CommandError, match="not a CSV or Excel file"):
        run(path)
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.csv"], "No such file"),
        (["{good}", "--as", "nobody"], "No active staff account “nobody”"),
        (["{good}", "--as", "reviewer"], "You may not import residents"),
        (["{good}", "--as", "outsider"], "You may not import residents"),
    ],
)
def test_refusals(tmp_path, personas, args, message):
    good = write(tmp_path, GOOD)
    args = [a.format(good=good) if a != "missing.csv" else tmp_path / a for a in args]
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert counts() == (0, 0, 0, 0)


def test_demo_twice_reuses_what_is_there(db):
    def state():
        User = get_user_model()
        return (
            Resident.objects.count(),
            Area.objects.count(),
            User.objects.count(),
            RoleGrant.objects.count(),
            Tag.objects.count(),
            Certificate.objects.count(),
            Household.objects.count(),
        )

    out = StringIO()
    call_command("demo", residents=300, stdout=out, stderr=StringIO())
    assert "Loaded 300 synthetic residents" in out.getvalue()
    first = state()
    # admin, ten personas and the demo's Open311 system account (its key printed)
    assert first[:3] == (300, 1 + 11 + 31 + 124, 12)
    assert "demo-open311-key-synthetic" in out.getvalue()
    assert first[5] > 0  # some certificates

    out = StringIO()
    call_command("demo", residents=300, stdout=out, stderr=StringIO())
    assert "already present; reused it" in out.getvalue()
    assert state() == first
    assert "clerk_a" in out.getvalue()


def test_doorstep_cli_takes_dashed_command_names(monkeypatch, capsys):
    import sys

    from doorstep import cli

    monkeypatch.setattr(sys, "argv", ["doorstep", "import-residents", "--help"])
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    assert exit_.value.code == 0
    assert "--valid-rows" in capsys.readouterr().out
    monkeypatch.setattr(sys, "argv", ["doorstep", "--version"])
    cli.main()  # an option, not a command name: passed through untouched
    assert capsys.readouterr().out.startswith("5.2")
