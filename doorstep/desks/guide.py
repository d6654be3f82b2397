"""The desks that offer a matter, for its public guide (``catalogue.offers``): each compound a
desk opens in, with the address, the weekly hours, the next open day, the desk's own phone and
the booking page.
Kept apart from the desk views: the guide asks, the desks answer."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS

from doorstep.catalogue.choices import Place
from doorstep.catalogue.models import Service
from doorstep.catalogue.offers import Offer
from doorstep.places.models import Area

from .choices import DeskKind
from .models import Desk, DeskSchedule, DeskSession


def desk_offers(service: Service) -> list[Offer]:
    """Active desks offering ``service``: one offer per compound the desk opens in (a fixed
    desk's own compound; each stop of a mobile desk's weekly route or coming sessions)."""
    desks = {
        desk.pk: desk
        for desk in Desk.objects.filter(services=service, is_active=True).exclude(
            kind=DeskKind.RECEPTION
        )
    }
    if not desks:
        return []
    today = timezone.localdate()
    rules = (
        DeskSchedule.objects.filter(desk__in=desks)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .order_by("weekday", "start")
    )
    hours: dict[tuple[int, int], list[str]] = defaultdict(list)
    for rule in rules:
        compound_id = rule.compound_id or desks[rule.desk_id].area_id
        hours[rule.desk_id, compound_id].append(
            f"{WEEKDAYS[rule.weekday]} {rule.start:%H:%M}–{rule.end:%H:%M}"
        )
    next_dates = {
        (row["desk"], row["compound"]): row["first"]
        for row in DeskSession.objects.upcoming()
        .filter(desk__in=desks)
        .values("desk", "compound")
        .annotate(first=Min("date"))
    }
    keys = {(d.pk, d.area_id) for d in desks.values() if d.kind == DeskKind.FIXED}
    keys |= set(hours) | set(next_dates)
    areas = Area.objects.select_related("parent").in_bulk({c for _d, c in keys})
    offers = [_offer(desks[d], areas[c], hours[d, c], next_dates.get((d, c))) for d, c in keys]
    return sorted(offers, key=lambda o: (o.next_date or datetime.date.max, o.name, o.area_name))


def _offer(desk: Desk, compound: Area, hours: list[str], next_date) -> Offer:
    where = f"{compound.name} · {compound.parent.name}" if compound.parent else compound.name
    return Offer(
        place=Place.COMPOUND_DESK,
        name=desk.name,
        area_name=where,
        address=compound.address,
        hours=hours,
        next_date=next_date,
        phone=desk.phone,
        book_url=reverse("desks-compound", args=[compound.code]),
    )
