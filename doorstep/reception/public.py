"""What the public sees of reception days: the coming days of a compound's community and
street (a section of the compound's desk page) and the board of raised matters, anonymised."""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from doorstep.places.models import Area
from doorstep.staff.scoping import prefix_q

from .models import Matter, ReceptionDay


def areas_above(code: str) -> list[str]:
    """The codes of the street and community a compound (or community) lies in."""
    return [code[:n] for n in (9, 12) if len(code) >= n]


def coming_days(code: str, today: datetime.date) -> list[ReceptionDay]:
    """Announced days of the street and community ``code`` lies in, soonest first."""
    return list(
        ReceptionDay.objects.announced(today)
        .filter(area_code__in=areas_above(code))
        .select_related("area", "venue", "session")
        .prefetch_related("session__slots")
        .order_by("date", "start")[:6]
    )


def compound_section(request: HttpRequest, compound: Area) -> str:
    today = timezone.localdate()
    days = coming_days(compound.code, today)
    now = timezone.now()
    for day in days:
        day.slots = []
        if day.session_id and day.bookable:
            day.slots = [s for s in day.session.slots.all()]
            for slot in day.slots:
                slot.bookable = slot.free > 0 and slot.starts_at() > now
    context = {"days": days, "compound": compound}
    return render_to_string("reception/_compound.html", context, request=request)


def board_matters(codes: list[str], since: datetime.date):
    """Matters raised in ``codes``' areas since ``since``, for the public board: only what the
    board shows is read (no description, no raiser)."""
    return (
        Matter.objects.filter(prefix_q("area_code", codes), day__date__gte=since)
        .select_related("day", "category", "department", "compound", "need")
        .only(
            "id",
            "route",
            "public_summary",
            "petition",
            "due_on",
            "reported_at",
            "department_id",
            "day__date",
            "day__area_code",
            "category__name",
            "department__name",
            "compound__name",
            "need__status",
            "received_on",
        )
        .order_by("-day__date", "-id")
    )
