"""Where a matter is offered, as a guide lists it: the desks that offer it, each with its
address, hours, phone and a way to book.

The desks app sits above the catalogue, so the catalogue never imports it: an app that offers
matters registers a function ``fn(service) -> list[Offer]`` in ``PROVIDERS`` from its
``AppConfig.ready`` (see ``doorstep.desks.guide``)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from .choices import Place
from .models import Service, ServiceVersion


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
