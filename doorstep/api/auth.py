"""Who is calling: the browser's session (unsafe methods must pass Django's CSRF check), or
another system with an API key (``Authorization: Bearer <key>`` or ``X-API-Key: <key>``)."""

from __future__ import annotations

from django.conf import settings
from ninja.errors import HttpError
from ninja.security import APIKeyHeader
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf

from .actions import user_for_secret


class Session(APIKeyCookie):
    """Django's session. Unlike ninja's ``SessionAuth`` the CSRF check runs only for a logged-in
    caller, so a caller without a session is told 401 rather than "CSRF failed"."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request):
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request, key):
        if not request.user.is_authenticated:
            return None
        if check_csrf(request) is not None:
            raise HttpError(403, "CSRF check failed")
        return request.user


def header_secret(request) -> str | None:
    """The key a caller sent in ``Authorization: Bearer`` or ``X-API-Key`` (Open311 reads it
    here too, beside its own ``api_key`` field)."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return request.headers.get("X-API-Key")


class ApiKeyAuth(APIKeyHeader):
    """An API key; its user's role grants decide what it may see and do."""

    param_name = "X-API-Key"

    def _get_key(self, request):
        return header_secret(request)

    def authenticate(self, request, key):
        user = user_for_secret(key or "")
        if user is not None:
            request.user = user  # the access helpers and actions read request.user
        return user


STAFF = [ApiKeyAuth(), Session()]
