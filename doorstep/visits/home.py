"""The grid worker's panel on the home page: how many households are due, the most overdue
few, and the red list's count."""

from __future__ import annotations

from django.utils import timezone

from doorstep.staff.choices import Role

from .present import attach_page_details, due_row
from .queries import due_households, silent_residents

TOP = 5


def worklist_panel(user) -> dict:
    today = timezone.localdate()
    due = due_households(user, today=today)
    top = list(due[:TOP])
    attach_page_details(top)
    return {
        "due_count": len(top) if len(top) < TOP else due.count(),
        "top": [due_row(h, today) for h in top],
        "silent_count": silent_residents(user).count(),
    }


def panel(user, profile, today=None) -> dict | None:
    """The home page's visits panel (``doorstep.views.PANELS``): for grid workers."""
    return worklist_panel(user) if Role.GRID_WORKER in profile.roles else None
