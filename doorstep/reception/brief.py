"""The leader's brief of a place before a reception day: open and overdue needs, disputes at
risk, hotspots (one problem again and again in one compound), what earlier reception days left
open, and how residents rated the place's work (bad ratings, rectifications still open). Counts
and categories only: no resident's name or description is in it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from doorstep.disputes.choices import Risk
from doorstep.disputes.models import Dispute
from doorstep.feedback.choices import BAD, RectificationStatus
from doorstep.feedback.models import Rating, Rectification
from doorstep.needs.models import Need

from .choices import Route
from .models import Matter, ReceptionDay

HOTSPOT_DAYS = 90
HOTSPOT_MIN = 2
LISTED = 15


@dataclass
class Satisfaction:
    """Ratings of the place's matters closed in the last HOTSPOT_DAYS (those removed by an
    upheld appeal left out), and its rectifications still open."""

    rated: int
    bad: int
    open_rectifications: int
    overdue_rectifications: int


@dataclass
class Brief:
    open_needs: int
    overdue_needs: list
    overdue_count: int
    disputes_at_risk: list
    hotspots: list
    open_matters: list
    satisfaction: Satisfaction


def _satisfaction(day: ReceptionDay, now: datetime.datetime, since) -> Satisfaction:
    ratings = Rating.objects.filter(
        subject__area_code__prefix=day.area_code,
        subject__closed_at__gte=since,
        current=True,
        excluded=False,
    ).aggregate(rated=Count("id"), bad=Count("id", filter=Q(level__in=sorted(BAD))))
    today = timezone.localtime(now).date()
    rects = Rectification.objects.filter(
        area_code__prefix=day.area_code, status=RectificationStatus.OPEN
    ).aggregate(n=Count("id"), late=Count("id", filter=Q(due_on__lt=today)))
    return Satisfaction(ratings["rated"], ratings["bad"], rects["n"], rects["late"])


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
        satisfaction=_satisfaction(day, now, since),
    )
