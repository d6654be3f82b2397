"""The leader's brief of a place before a reception day: open and overdue needs, disputes at
risk, hotspots (one problem again and again in one compound) and what earlier reception days
left open. Counts and categories only: no resident's name or description is in it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from doorstep.disputes.choices import Risk
from doorstep.disputes.models import Dispute
from doorstep.needs.models import Need

from .choices import Route
from .models import Matter, ReceptionDay

HOTSPOT_DAYS = 90
HOTSPOT_MIN = 2
LISTED = 15


@dataclass
class Brief:
    open_needs: int
    overdue_needs: list
    overdue_count: int
    disputes_at_risk: list
    hotspots: list
    open_matters: list


def build(day: ReceptionDay, *, now: datetime.datetime | None = None) -> Brief:
    now = now or timezone.now()
    needs = Need.objects.filter(area_code__prefix=day.area_code)
    overdue = needs.overdue(now).select_related("category", "compound").order_by("feedback_due_at")
    since = now - datetime.timedelta(days=HOTSPOT_DAYS)
    hotspots = list(
        needs.filter(created_at__gte=since)
        .values("compound__name", "category__name")
        .annotate(n=Count("id"))
        .filter(n__gte=HOTSPOT_MIN)
        .order_by("-n", "compound__name", "category__name")[:LISTED]
    )
    disputes = list(
        Dispute.objects.open()
        .filter(area_code__prefix=day.area_code)
        .exclude(risk=Risk.NONE)
        .select_related("area")
        .order_by("-risk", "due_on")[:LISTED]
    )
    open_matters = list(
        Matter.objects.filter(
            area_code__prefix=day.area_code, route=Route.ACCEPTED, day__date__lt=day.date
        )
        .exclude(need__status="closed")
        .select_related("day", "category", "department", "need")
        .order_by("day__date", "id")[:LISTED]
    )
    return Brief(
        open_needs=needs.open().count(),
        # Counted all, listed without the sensitive ones (their owners and reviewers only).
        overdue_needs=list(overdue.filter(sensitive=False)[:LISTED]),
        overdue_count=overdue.count(),
        disputes_at_risk=disputes,
        hotspots=hotspots,
        open_matters=open_matters,
    )
