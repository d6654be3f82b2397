"""The reception panel of the home page: a leader's next reception days and the matters late at
their departments; a department reviewer's late matters."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from doorstep.staff.choices import Role

from .access import days_for, matters_for
from .choices import DayStatus

LISTED = 5


@dataclass
class Panel:
    days: list
    late: list
    today: datetime.date


def panel(user, profile, today: datetime.date) -> Panel | None:
    if not (profile.can_view_reception or Role.REVIEWER in profile.roles):
        return None
    days = list(
        days_for(user)
        .filter(date__gte=today, status=DayStatus.PLANNED)
        .select_related("area", "venue")
        .order_by("date", "start")[:3]
    )
    late = list(
        matters_for(user)
        .late(today)
        .select_related("department", "category")
        .order_by("due_on", "id")[:LISTED]
    )
    return Panel(days=days, late=late, today=today)
