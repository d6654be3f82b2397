from __future__ import annotations

from django.utils.functional import cached_property

from .inbox import unread_count


class _Inbox:
    """``inbox.unread`` in templates: counted only when a page's header renders it (a JSON
    response or a redirect costs no query), once per request (``unread_count`` caches it)."""

    def __init__(self, user) -> None:
        self._user = user

    @cached_property
    def unread(self) -> int:
        return unread_count(self._user)


def inbox(request) -> dict:
    return {"inbox": _Inbox(getattr(request, "user", None))}
