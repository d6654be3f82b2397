"""Staff sessions end after ``SESSION_IDLE_MINUTES`` without a request (sliding: every request
restarts the count). The last activity is stamped in the session, at most once a minute so that
a busy page does not write the session on every request."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import Http404
from django.utils.translation import gettext as _

LAST_SEEN = "doorstep_last_seen"
STAMP_EVERY = 60  # seconds


def stamp_login(sender, request, user, **kwargs) -> None:
    """A sign-in is activity (connected to ``user_logged_in``): signing in again on a session
    that idled does not end at once."""
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN] = int(time.time())


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        minutes = settings.SESSION_IDLE_MINUTES
        # Signed in is read from the session alone: the user row is left to the views that
        # need it (one session read per request, no user read on the way).
        session = getattr(request, "session", None)
        if minutes > 0 and session is not None and session.get(SESSION_KEY) is not None:
            now = int(time.time())
            last = request.session.get(LAST_SEEN)
            if last is not None and now - int(last) > minutes * 60:
                logout(request)
                messages.info(
                    request,
                    _("You were signed out after %(minutes)d minutes without activity.")
                    % {"minutes": minutes},
                )
            elif last is None or now - int(last) >= STAMP_EVERY:
                request.session[LAST_SEEN] = now
        return self.get_response(request)


class NulPathMiddleware:
    """A page address with a NUL character names nothing: 404 before any view reads it (a
    database refuses NUL in a query, PostgreSQL loudly). The JSON API answers it in its own
    error shape, so its paths go on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path and not request.path.startswith("/api/"):
            raise Http404
        return self.get_response(request)
