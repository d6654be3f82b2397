"""Where a matter is offered, as a guide lists it: the desks that offer it, each with its
address, hours, phone and a way to book; and the street and community service centres, each
with its address, hours and phone, when the matter is done there.

The desks app sits above the catalogue, so the catalogue never imports it: an app that offers
matters registers a function ``fn(service) -> list[Offer]`` in ``PROVIDERS`` from its
``AppConfig.ready`` (see ``doorstep.desks.guide``)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q

from doorstep.places.choices import AreaKind
from doorstep.places.models import Area

from .choices import Place
from .models import Service, ServiceVersion

# The service centre of a street or a community is that area itself (its address, hours, phone).
CENTRE_PLACES = {Place.COMMUNITY: AreaKind.COMMUNITY, Place.STREET: AreaKind.STREET}


@dataclass(frozen=True)
class Offer:
    """One place a resident can go for a matter."""

    place: str  # a ``Place`` value: which of the guide's places this is
    name: str
    area_name: str = ""  # the compound (and community) it is in
    address: str = ""
    hours: list[str] = field(default_factory=list)  # "Tuesday 09:00–11:30", one per weekly opening
    next_date: datetime.date | None = None
    phone: str = ""
    book_url: str = ""


PROVIDERS: list[Callable[[Service], list[Offer]]] = []


def offers_for(service: Service) -> list[Offer]:
    return [offer for provider in PROVIDERS for offer in provider(service)]


def place_labels(version: ServiceVersion, offers: list[Offer]) -> list[str]:
    """The guide's places, less a compound desk when no desk offers the matter: "desk in your
    compound" is a promise only a desk that offers it keeps."""
    offered = {offer.place for offer in offers}
    return [
        str(Place(p).label)
        for p in Place.values
        if p in (version.places or []) and (p != Place.COMPOUND_DESK or p in offered)
    ]


@dataclass(frozen=True)
class CentreGroup:
    """The service centres of one of the guide's places ("Community service centre")."""

    place: str
    label: str
    centres: list[Offer]


def centre_groups(version: ServiceVersion) -> list[CentreGroup]:
    """The street and community service centres where the matter is done, with the contact
    details an administrator entered; a centre with none is left out (its name alone sends a
    resident nowhere). One query, whatever the number of centres."""
    wanted = [p for p in CENTRE_PLACES if p in (version.places or [])]
    if not wanted:
        return []
    has_contact = ~Q(address="") | ~Q(hours="") | ~Q(phone="")
    areas = Area.objects.filter(has_contact, kind__in=[CENTRE_PLACES[p] for p in wanted])
    centres: dict[str, list[Offer]] = {p: [] for p in wanted}
    for area in areas.select_related("parent").order_by("code"):
        place = next(p for p in wanted if CENTRE_PLACES[p] == area.kind)
        centres[place].append(_centre(place, area))
    return [CentreGroup(p, str(Place(p).label), centres[p]) for p in wanted if centres[p]]


def _centre(place: str, area: Area) -> Offer:
    in_street = area.kind == AreaKind.COMMUNITY and area.parent
    return Offer(
        place=place,
        name=area.name,
        area_name=area.parent.name if in_street else "",
        address=area.address,
        hours=[area.hours] if area.hours else [],
        phone=area.phone,
    )
