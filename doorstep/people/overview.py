"""Figures for the home page of leads: residents per child area, within the lead's grants."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, CharField, Count, When
from django.db.models.functions import Substr

from doorstep.places.choices import CODE_LENGTH, AreaKind
from doorstep.places.models import Area
from doorstep.staff.roles import VIEW_RESIDENTS
from doorstep.staff.scoping import ALL, area_prefixes

from .choices import ResidentStatus
from .models import Resident

_STEP = 3  # digits each level adds to its parent's code (see places.choices.CODE_LENGTH)


@dataclass(frozen=True)
class AreaCount:
    area: Area
    residents: int


def child_code(prefixes: list[str]) -> Case:
    """An expression that cuts ``area_code`` down to the child of whichever prefix it is in."""
    return Case(
        *(
            When(area_code__startswith=p, then=Substr("area_code", 1, len(p) + _STEP))
            for p in prefixes
        ),
        output_field=CharField(),
    )


def parent_prefixes(user, capability: str) -> list[str]:
    """The codes of the user's granted areas that have areas below them (the top areas for a
    superuser): the parents whose children a lead's figures are counted by."""
    prefixes = area_prefixes(user, capability)
    if prefixes is ALL:
        prefixes = list(Area.objects.filter(parent=None).values_list("code", flat=True))
    return [p for p in prefixes if len(p) < CODE_LENGTH[AreaKind.COMPOUND]]


def residents_by_child_area(user) -> list[AreaCount]:
    """Residents living in each area one level below each of the user's granted areas, from
    one aggregate query; areas without residents are listed with 0."""
    prefixes = parent_prefixes(user, VIEW_RESIDENTS)
    if not prefixes:
        return []
    counts = dict(
        Resident.objects.visible_to(user)
        .filter(status=ResidentStatus.ACTIVE)
        .annotate(child=child_code(prefixes))
        .values_list("child")
        .annotate(n=Count("id"))
        .values_list("child", "n")
        .order_by()
    )
    children = Area.objects.filter(parent__code__in=prefixes).order_by("code")
    return [AreaCount(area, counts.get(area.code, 0)) for area in children]
