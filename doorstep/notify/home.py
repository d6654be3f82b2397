"""The inbox panel of everyone's home page (``notify/_home.html``)."""

from __future__ import annotations

from .inbox import items_for, unread_count

SHOWN = 5


def panel(user, profile, today) -> dict | None:
    """The newest unread items and the unread count (the header's own, cached per request):
    one query for the items."""
    if not getattr(user, "is_authenticated", False):
        return None
    unread = unread_count(user)
    items = list(items_for(user).filter(read_at__isnull=True)[:SHOWN]) if unread else []
    return {"unread": unread, "items": items}
