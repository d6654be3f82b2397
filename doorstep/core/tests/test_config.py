"""Configuration that a production server cannot get wrong silently: the encryption key is
checked at start, a leftover demo ``.env`` is not read, HTTPS settings and the staff idle timeout
come from the environment, and the README's production block passes ``check --deploy``."""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.core.checks import run_checks

from doorstep.core.checks import check_encryption_key

ROOT = Path(__file__).resolve().parents[3]
PYTHON = sys.executable
GOOD_KEY = "dGVzdC1rZXktZm9yLWRvb3JzdGVwLXRlc3RzLW9ubHk="


def _clean_environment(**extra) -> dict[str, str]:
    """The machine's environment without anything Doorstep or pytest reads."""
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT", "LD_PRELOAD", "FAKETIME"}
    environment = {k: v for k, v in os.environ.items() if k in keep}
    environment.update(extra)
    return environment


# ---- the encryption key ----------------------------------------------------------------------


@pytest.mark.parametrize("key", ["", "not base64 at all!", "c2hvcnQ="])
def test_a_missing_or_malformed_key_is_a_check_error(settings, key):
    settings.DOORSTEP_ENCRYPTION_KEY = key
    errors = check_encryption_key()
    assert [e.id for e in errors] == ["core.E001"]
    assert "DOORSTEP_ENCRYPTION_KEY" in errors[0].msg


def test_a_good_key_passes_and_the_check_is_registered(settings, db):
    settings.DOORSTEP_ENCRYPTION_KEY = GOOD_KEY
    assert check_encryption_key() == []
    settings.DOORSTEP_ENCRYPTION_KEY = ""
    assert "core.E001" in {e.id for e in run_checks()}


def test_the_server_refuses_to_start_without_the_key(tmp_path):
    environment = _clean_environment(
        DJANGO_SETTINGS_MODULE="doorstep.settings",
        SECRET_KEY="x" * 60,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    done = subprocess.run(
        [PYTHON, "manage.py", "check"], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert "core.E001" in done.stderr
    # Commands that need no key still run without it (``make messages``).
    done = subprocess.run(
        [PYTHON, "manage.py", "makemessages", "--help"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


# ---- the .env file ---------------------------------------------------------------------------


def _settings_with_env_file(tmp_path, **environment) -> str:
    """Load a copy of settings.py whose BASE_DIR is ``tmp_path``, beside a demo's leftover
    .env, in a process with ``environment``; returns DEBUG and DOORSTEP_DEMO as it saw them."""
    package = tmp_path / "project"
    package.mkdir(exist_ok=True)
    shutil.copy(ROOT / "doorstep" / "settings.py", package / "settings.py")
    (tmp_path / ".env").write_text(
        "DEBUG=1\nDOORSTEP_DEMO=1\nSECRET_KEY=from-the-env-file\n", encoding="utf-8"
    )
    code = (
        "import runpy, sys; s = runpy.run_path(sys.argv[1]); "
        "print(s['DEBUG'], s['DOORSTEP_DEMO'], s['SECRET_KEY'])"
    )
    done = subprocess.run(
        [PYTHON, "-c", code, str(package / "settings.py")],
        env=_clean_environment(**environment),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_leftover_env_file_does_not_put_production_in_debug(tmp_path):
    assert _settings_with_env_file(tmp_path, SECRET_KEY="production") == "False False production"


def test_the_env_file_is_read_when_asked_for_or_in_debug(tmp_path):
    named = _settings_with_env_file(tmp_path, DOORSTEP_ENV_FILE=str(tmp_path / ".env"))
    assert named == "True True from-the-env-file"
    assert _settings_with_env_file(tmp_path, DEBUG="1") == "True True from-the-env-file"


def test_the_makefile_names_the_env_file_for_the_demo():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^demo serve: export DOORSTEP_ENV_FILE = \.env$", makefile, re.M)


# ---- HTTPS settings and check --deploy with the README's block ---------------------------------


def _readme_production_block() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", readme, re.S)
    exports = [b for b in blocks if "SECURE_HSTS_SECONDS" in b]
    assert len(exports) == 1, "the README has one production settings block"
    return exports[0]


def test_check_deploy_is_clean_with_the_readme_production_settings(tmp_path):
    block = _readme_production_block()
    assert "DEBUG=1" not in block
    script = block + f"\nexec {PYTHON} manage.py check --deploy --fail-level WARNING\n"
    environment = _clean_environment(
        # What the operator supplies (the block refuses to run without them).
        SECRET_KEY="k" + "".join(chr(97 + (i * 7) % 26) for i in range(60)),
        DOORSTEP_ENCRYPTION_KEY=GOOD_KEY,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DOORSTEP_PUBLIC_URL="https://doorstep.example.gov.cn",
    )
    done = subprocess.run(
        ["bash", "-euc", script], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "no issues" in output, output
    assert "WARNING" not in output and "ERROR" not in output


def test_https_settings_come_from_the_environment(tmp_path):
    code = (
        "import runpy, sys; s = runpy.run_path(sys.argv[1]); print(s['SECURE_HSTS_SECONDS'], "
        "s['SECURE_HSTS_INCLUDE_SUBDOMAINS'], s['SECURE_HSTS_PRELOAD'], "
        "s['SECURE_SSL_REDIRECT'], s['SESSION_IDLE_MINUTES'])"
    )
    done = subprocess.run(
        [PYTHON, "-c", code, str(ROOT / "doorstep" / "settings.py")],
        env=_clean_environment(
            SECRET_KEY="s",
            SECURE_HSTS_SECONDS="600",
            SECURE_HSTS_INCLUDE_SUBDOMAINS="1",
            SECURE_HSTS_PRELOAD="1",
            SECURE_SSL_REDIRECT="1",
            SESSION_IDLE_MINUTES="12",
        ),
        capture_output=True,
        text=True,
    )
    assert done.stdout.split() == ["600", "True", "True", "True", "12"], done.stderr


# ---- the idle timeout ------------------------------------------------------------------------

START = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)


def test_staff_are_signed_out_after_idling_and_activity_slides_the_window(
    client, personas, settings
):
    settings.SESSION_IDLE_MINUTES = 30
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(personas.clerk_a)
        assert client.get("/cases/").status_code == 200
        # Active every 20 minutes for two hours: still signed in.
        for _ in range(6):
            clock.shift(datetime.timedelta(minutes=20))
            assert client.get("/cases/").status_code == 200
        clock.shift(datetime.timedelta(minutes=31))
        response = client.get("/cases/")
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
        assert "_auth_user_id" not in client.session


def test_the_idle_timeout_can_be_turned_off(client, personas, settings):
    settings.SESSION_IDLE_MINUTES = 0
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(personas.clerk_a)
        assert client.get("/cases/").status_code == 200
        clock.shift(datetime.timedelta(hours=5))
        assert client.get("/cases/").status_code == 200
