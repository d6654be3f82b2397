"""Django's database sessions, with the read that every staff request makes compiled once
(``core.prepared``). Same table, same semantics: an expired session counts as none."""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.utils import timezone

from .prepared import Prepared, str_marker


def _by_key(variant, session_key):
    from django.contrib.sessions.models import Session

    return Session.objects.filter(session_key=session_key)


_SESSION = Prepared(_by_key, (str_marker(),))


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        found = _SESSION.run(self.session_key or "")
        if found and found[0].expire_date > timezone.now():
            return found[0]
        self._session_key = None
        return None
