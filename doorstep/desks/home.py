"""The desk panel of a clerk's home page (``desks/_home.html``): my desk sessions today."""

from __future__ import annotations

import datetime

from .models import DeskSession


def panel(user, profile, today: datetime.date) -> dict | None:
    """The sessions ``user`` staffs today, with booked places and numbers issued: one query.
    None (no panel) for anyone who does not serve at a desk."""
    if not profile.can_serve_desk:
        return None
    sessions = list(
        DeskSession.objects.visible_to(user)
        .filter(date=today, staff=user)
        .select_related("desk", "compound")
        .with_counts()
        .order_by("start", "desk__name")
    )
    return {"sessions": sessions}
