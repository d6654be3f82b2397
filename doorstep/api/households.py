"""A household's timeline in JSON (``doorstep.household``): the same entries as the page, for
staff who may view the household's residents; anyone else gets 404, as for a missing one.
Reading it logs a view of each member's record."""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema

from doorstep.core.rest.errors import errors
from doorstep.core.rest.types import QueryId
from doorstep.household import access_household, open_timeline

router = Router(tags=["households"])


class MemberOut(Schema):
    id: int
    name: str
    url: str


class EntryOut(Schema):
    when: datetime.datetime
    kind: str = Field(description="The source: case, programme (and later visit, need …).")
    label: str
    title: str
    url: str = Field(description="The record the entry is about.")
    origin: str = Field(description="Whose record it is: the resident's name.")
    origin_url: str = Field(description="The resident's page.")


class TimelineOut(Schema):
    id: int
    name: str
    compound: str
    residents: list[MemberOut]
    entries: list[EntryOut]
    truncated: bool = Field(description="True when older entries were left out.")


@router.get("/households/{int:pk}/timeline/", response={200: TimelineOut, **errors(401, 404)},
            url_name="household-timeline")  # fmt: skip
def timeline(request: HttpRequest, pk: QueryId):
    """Everything about one household's residents, newest first."""
    household = access_household(request.user, pk)
    found = open_timeline(household, actor=request.user)
    return {
        "id": household.pk,
        "name": str(household),
        "compound": household.building.compound.name,
        "residents": [
            {"id": r.pk, "name": r.name, "url": reverse("people-detail", args=[r.pk])}
            for r in found.residents
        ],
        "entries": [
            {
                "when": e.when,
                "kind": e.kind,
                "label": e.label,
                "title": e.title,
                "url": e.link,
                "origin": e.origin,
                "origin_url": e.origin_link,
            }
            for e in found.entries
        ],
        "truncated": found.truncated,
    }
