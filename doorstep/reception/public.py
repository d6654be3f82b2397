"""What the public sees of reception days: the coming days of a compound's community and
street (a section of the compound's desk page) and the board of raised matters, anonymised."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.http import Http404, HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from doorstep.places.choices import CODE_LENGTH, AreaKind
from doorstep.places.models import Area
from doorstep.staff.scoping import prefix_q

from .models import Matter, ReceptionDay


def areas_above(code: str) -> list[str]:
    """The codes of the street and community a compound (or community) lies in."""
    lengths = (CODE_LENGTH[AreaKind.STREET], CODE_LENGTH[AreaKind.COMMUNITY])
    return [code[:n] for n in lengths if len(code) >= n]


BOARD_MONTHS = 12  # how far back the public board goes


def board_since(today: datetime.date) -> datetime.date:
    return today - datetime.timedelta(days=BOARD_MONTHS * 31)


def board_place(code: str) -> tuple[Area, list[str]]:
    """The street, community or compound of a public board, and the areas whose matters it
    shows (a compound: those of its community and street). 404 for anything else, a NUL
    included (PostgreSQL refuses one in a query)."""
    area = None
    if "\x00" not in code:
        area = Area.objects.filter(code=code[:40]).exclude(kind=AreaKind.DISTRICT).first()
    if area is None:
        raise Http404
    return area, areas_above(area.code) if area.kind == AreaKind.COMPOUND else [area.code]


def coming_days(code: str, today: datetime.date) -> list[ReceptionDay]:
    """Announced days of the street and community ``code`` lies in, and of the communities
    inside it (a street's board shows its communities' days too), soonest first."""
    return list(
        ReceptionDay.objects.announced(today)
        .filter(Q(area_code__in=areas_above(code)) | Q(area_code__prefix=code))
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
