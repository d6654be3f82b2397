"""Throttles and the client's address: one helper each. The address is the real client's
behind DOORSTEP_TRUSTED_PROXIES proxies (the header is never read with 0); counts live in a
cache every app server shares and a restart keeps — tested with two gunicorn processes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.test import RequestFactory

from conftest import TEST_KEY
from doorstep.core.throttle import Throttle, client_address

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def frozen_now():
    import datetime

    import time_machine

    at = datetime.datetime(2026, 12, 1, 8, 0, tzinfo=datetime.UTC)
    with time_machine.travel(at, tick=False) as traveller:
        yield traveller


def request_from(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    "trusted,remote,forwarded,expected",
    [
        (0, "10.0.0.1", "203.0.113.5", "10.0.0.1"),  # 0: the header is anyone's to write
        (1, "10.0.0.1", "203.0.113.5", "203.0.113.5"),  # nginx appended the client
        (1, "10.0.0.1", "6.6.6.6, 203.0.113.5", "203.0.113.5"),  # a forged first hop
        (2, "10.0.0.2", "6.6.6.6, 203.0.113.5, 10.0.0.1", "203.0.113.5"),
        (2, "10.0.0.2", "203.0.113.5", "10.0.0.2"),  # fewer hops than proxies
        (1, "10.0.0.1", None, "10.0.0.1"),
        (1, "10.0.0.1", "not-an-address", "10.0.0.1"),
        (1, "10.0.0.1", " 2001:db8::1 ", "2001:db8::1"),
        (0, "", None, ""),  # a request made in code, e.g. the test client's force_login
    ],
)
def test_client_address_behind_trusted_proxies(settings, trusted, remote, forwarded, expected):
    settings.DOORSTEP_TRUSTED_PROXIES = trusted
    assert client_address(request_from(remote, forwarded)) == expected


def test_a_throttle_counts_per_key_and_wears_off(db, frozen_now):
    import datetime

    guesses = Throttle("test-guesses", 3, 600)
    for _ in range(3):
        assert not guesses.blocked("a")
        guesses.hit("a")
    assert guesses.blocked("a") and not guesses.blocked("b")
    frozen_now.shift(datetime.timedelta(seconds=601))
    assert not guesses.blocked("a")


def test_the_throttle_cache_is_shared_never_process_memory(settings):
    from django.core.cache import caches

    backend = type(caches["throttle"]).__module__
    assert backend in ("django.core.cache.backends.db", "django.core.cache.backends.redis")


def test_tracking_keys_on_the_client_behind_the_proxy(client, db, settings):
    """Behind the README's nginx every request comes from the proxy: one person's guesses must
    not block everyone."""
    from django.urls import reverse

    settings.DOORSTEP_TRUSTED_PROXIES = 1
    url = reverse("cases-track")
    for n in range(10):
        data = {"receipt": "20261201-AAAAAA", "digits": f"{n:04d}"}
        client.post(url, data, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    data = {"receipt": "20261201-AAAAAA", "digits": "1234"}
    guesser = client.post(url, data, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    other = client.post(url, data, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.6")
    assert guesser.status_code == 429 and other.status_code == 404


# ---- two app servers ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, env: dict) -> None:
        self.env, self.port = env, free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> Server:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "doorstep.wsgi", "-w", "1",
             "-b", f"127.0.0.1:{self.port}"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the app server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def cancel(self, code: str, client: str) -> int:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/api/v1/desks/appointments/{code}/cancel/",
            data=json.dumps({"phone_last4": "0000"}).encode(),
            headers={"Content-Type": "application/json", "X-Forwarded-For": client},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as e:
            return e.code


@pytest.fixture
def two_servers(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shared.sqlite3'}",
        "SECRET_KEY": "two-servers-test",
        "DOORSTEP_ENCRYPTION_KEY": TEST_KEY,
        "DOORSTEP_TRUSTED_PROXIES": "1",
        "DEBUG": "0",
    }
    env.pop("REDIS_URL", None)  # the database cache: the default a district starts with
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    servers = [Server(env).start(), Server(env).start()]
    yield servers
    for server in servers:
        server.stop()


def test_guesses_split_across_two_app_servers_count_together_and_survive_a_restart(
    two_servers,
):
    from doorstep.desks.actions import CANCEL_GUESSES

    a, b = two_servers
    for n in range(CANCEL_GUESSES.limit):
        assert (a, b)[n % 2].cancel("AAAAAA", "203.0.113.5") == 404
    assert a.cancel("AAAAAA", "203.0.113.5") == 429
    assert b.cancel("AAAAAA", "203.0.113.5") == 429
    assert b.cancel("CCCCCC", "203.0.113.5") == 429  # the client is held, whatever code
    assert b.cancel("DDDDDD", "203.0.113.6") == 404  # another client behind the same proxy
    a.stop()
    a.start()
    assert a.cancel("AAAAAA", "203.0.113.5") == 429


# ---- logins (django-axes) -------------------------------------------------------------------


def log_in(client, username: str, password: str, client_ip: str):
    from django.urls import reverse

    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR=client_ip,
    )


def test_password_spraying_from_one_address_is_locked_out(client, personas, settings):
    settings.DOORSTEP_TRUSTED_PROXIES = 1
    limit = settings.DOORSTEP_LOGIN_IP_FAILURE_LIMIT
    assert limit > settings.DOORSTEP_LOGIN_FAILURE_LIMIT
    for n in range(limit - 1):  # many usernames, each tried fewer times than its own limit
        assert log_in(client, f"user{n}", "Winter2026!", "203.0.113.5").status_code == 200
    ok = log_in(client, "clerk_a", "pw", "203.0.113.5")  # under the address's limit still
    assert ok.status_code == 302
    client.logout()
    log_in(client, "someone", "Winter2026!", "203.0.113.5")  # the address's last failure
    locked = log_in(client, "clerk_a", "pw", "203.0.113.5")
    assert locked.status_code == 429
    # Another client behind the same proxy is not held up.
    assert log_in(client, "clerk_a", "pw", "203.0.113.6").status_code == 302


def test_one_username_is_still_locked_at_its_own_lower_limit(client, personas, settings):
    settings.DOORSTEP_TRUSTED_PROXIES = 1
    for _ in range(settings.DOORSTEP_LOGIN_FAILURE_LIMIT):
        log_in(client, "clerk_a", "nope", "203.0.113.5")
    assert log_in(client, "clerk_a", "pw", "203.0.113.5").status_code == 429
    assert log_in(client, "clerk_b", "pw", "203.0.113.5").status_code == 302
