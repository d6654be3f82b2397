"""The client's address and the throttles on guessing: one of each (STYLE.md §11), used by
public tracking, desk booking, its one-time codes and cancelling, and (the address) by the
login lockout of django-axes.

Counts live in the ``throttle`` cache, which every app server shares: Redis when ``REDIS_URL``
is set, the database otherwise (its table is made by a migration). A restart does not reset
them. A count runs for ``window`` seconds after the last hit (Redis keeps the TTL on INCR; the
database cache is touched), so a guesser who keeps trying keeps waiting.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest

CACHE = "throttle"


def _valid(address: str) -> str:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return ""


def client_address(request: HttpRequest) -> str:
    """The real client behind ``DOORSTEP_TRUSTED_PROXIES`` proxies: the N-th address from the
    right of X-Forwarded-For (each trusted proxy appends the address it saw). With 0 the header
    is never read: anyone can write it. A header shorter than N did not come through all the
    proxies, so REMOTE_ADDR (the last hop) is used."""
    # "" when there is none (a request made in code): axes stores it as NULL.
    remote = _valid(request.META.get("REMOTE_ADDR", ""))
    trusted = settings.DOORSTEP_TRUSTED_PROXIES
    if trusted <= 0:
        return remote
    hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    if len(hops) < trusted:
        return remote
    return _valid(hops[-trusted]) or remote


@dataclass(frozen=True)
class Throttle:
    """At most ``limit`` hits per ``window`` seconds for each key (a client address, a phone,
    a booking code…). ``hit`` counts one; ``blocked`` says whether the count is spent."""

    name: str
    limit: int
    window: int  # seconds

    def key(self, part: str) -> str:
        # Hashed: keys carry phone numbers and addresses, and must fit any cache's key rules.
        digest = hashlib.sha256(f"{self.name}:{part}".encode()).hexdigest()[:32]
        return f"throttle:{self.name}:{digest}"

    def count(self, part: str) -> int:
        return caches[CACHE].get(self.key(part)) or 0

    def blocked(self, part: str) -> bool:
        return self.count(part) >= self.limit

    def hit(self, part: str) -> int:
        cache, key = caches[CACHE], self.key(part)
        if cache.add(key, 1, self.window):
            return 1
        try:
            value = cache.incr(key)
        except ValueError:  # expired in between
            cache.add(key, 1, self.window)
            return 1
        cache.touch(key, self.window)
        return value

    def reset(self, part: str) -> None:
        caches[CACHE].delete(self.key(part))


def any_blocked(*checks: tuple[Throttle, str]) -> bool:
    return any(throttle.blocked(part) for throttle, part in checks)


def hit_all(*checks: tuple[Throttle, str]) -> None:
    for throttle, part in checks:
        throttle.hit(part)


def login_failure_limit(request: HttpRequest, credentials: dict | None) -> int:
    """django-axes' limit for this login (``AXES_FAILURE_LIMIT``). Axes locks when the larger
    count of its lockout parameter sets (username+address, address alone) reaches one limit; the
    address alone must get a higher one (an office behind one address mistypes more), so: the
    username's limit once that username's own count from this address has reached it, else the
    address's limit."""
    from axes.helpers import get_client_username
    from axes.models import AccessAttempt
    from django.db.models import Sum

    per_user = settings.DOORSTEP_LOGIN_FAILURE_LIMIT
    own = AccessAttempt.objects.filter(
        username=get_client_username(request, credentials),
        ip_address=getattr(request, "axes_ip_address", None) or client_address(request),
    ).aggregate(n=Sum("failures_since_start"))["n"]
    return per_user if (own or 0) >= per_user else settings.DOORSTEP_LOGIN_IP_FAILURE_LIMIT
