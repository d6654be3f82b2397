"""The satisfaction panel of the home page: the rectifications of bad ratings that are open
(the user's own first, the overdue marked) and the appeals awaiting the user's decision."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Q, Value, When

from doorstep.staff.roles import DECIDE_APPEALS

from .access import appeals_for, rectifications_for
from .choices import AppealStatus, RectificationStatus

LISTED = 5


@dataclass
class Panel:
    rectifications: list
    open_count: int
    overdue_count: int
    appeals: list
    today: datetime.date


def panel(user, profile, today: datetime.date) -> Panel | None:
    if not profile.can_view_ratings:
        return None
    open_rows = rectifications_for(user).filter(status=RectificationStatus.OPEN)
    mine_first = Case(When(owner_id=user.pk, then=Value(0)), default=Value(1),
                      output_field=IntegerField())  # fmt: skip
    listed = list(
        open_rows.select_related("rating__subject", "owner")
        .annotate(mine=mine_first)
        .order_by("mine", "due_on", "id")[:LISTED]
    )
    appeals = []
    if DECIDE_APPEALS in profile.capabilities:
        appeals = list(
            appeals_for(user)
            .filter(status=AppealStatus.PENDING)
            .exclude(filed_by_id=user.pk)
            .select_related("rating__subject")
            .order_by("filed_at", "id")[:LISTED]
        )
    if not listed and not appeals:
        return Panel([], 0, 0, [], today)
    counts = open_rows.aggregate(n=Count("id"), late=Count("id", filter=Q(due_on__lt=today)))
    return Panel(listed, counts["n"], counts["late"], appeals, today)
