"""The filters of the visit lists, defined once: each page renders its FilterSet's form and the
API reads its query parameters through the same FilterSet."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from doorstep.people.models import Resident
from doorstep.places.models import Grid, Household
from doorstep.staff.roles import VIEW_VISITS
from doorstep.staff.scoping import prefix_q as _prefix_q

from .choices import FindingKind, Outcome, Purpose
from .models import Visit
from .scoping import split_grants


def visible_grids(user):
    """The grids whose lists ``user`` may filter by: in their areas, or their own."""
    area, grid = split_grants(user, VIEW_VISITS)
    if area is None:
        return Grid.objects.all()
    q = _prefix_q("community__code", area) if area else Q(pk__in=[])
    if grid:
        q |= _prefix_q("community__code", grid) & Q(workers=user)
    return Grid.objects.filter(q).distinct()


def _grids(request):
    return visible_grids(request.user) if request is not None else Grid.objects.none()


class PlaceFilters(django_filters.FilterSet):
    """Grid and area, for lists of households, residents and visits. ``BUILDING`` and ``AREA``
    say how each list reaches them."""

    BUILDING = "building"
    AREA = "building__compound__code"

    grid = django_filters.ModelChoiceFilter(
        label=_("Grid"), queryset=_grids, empty_label=_("All my grids"), method="filter_grid"
    )
    area = django_filters.CharFilter(
        label=_("Area code"), max_length=15, method="filter_area", help_text=""
    )

    def filter_grid(self, rows, name: str, grid: Grid | None):
        if grid is None:
            return rows
        return rows.filter(**{f"{self.BUILDING}__in": grid.buildings.values("pk")})

    def filter_area(self, rows, name: str, value: str):
        value = (value or "").strip()
        return rows.filter(**{f"{self.AREA}__prefix": value}) if value else rows


class DueFilterSet(PlaceFilters):
    within = django_filters.NumberFilter(
        label=_("Also due within (days)"), min_value=0, max_value=60, method="keep"
    )

    class Meta:
        model = Household
        fields: list[str] = []

    def keep(self, rows, name, value):
        return rows  # read by the query itself (``due_households(within=…)``)


class SilentFilterSet(PlaceFilters):
    BUILDING = "household__building"
    AREA = "area_code"

    class Meta:
        model = Resident
        fields: list[str] = []


class VisitFilterSet(PlaceFilters):
    BUILDING = "household__building"
    AREA = "area_code"

    outcome = django_filters.ChoiceFilter(
        label=_("Outcome"), choices=Outcome.choices, empty_label=_("Any outcome")
    )
    purpose = django_filters.ChoiceFilter(
        label=_("Purpose"), choices=Purpose.choices, empty_label=_("Any purpose")
    )
    finding = django_filters.ChoiceFilter(
        label=_("Found"),
        choices=FindingKind.choices,
        empty_label=_("Anything or nothing"),
        method="filter_finding",
    )
    household = django_filters.NumberFilter(
        label=_("Household"), field_name="household_id", min_value=1, max_value=2**63 - 1
    )
    since = django_filters.DateFilter(label=_("From"), field_name="visited_on", lookup_expr="gte")
    until = django_filters.DateFilter(label=_("To"), field_name="visited_on", lookup_expr="lte")

    class Meta:
        model = Visit
        fields: list[str] = []

    def filter_finding(self, visits, name: str, value: str):
        if not value:
            return visits
        return visits.filter(pk__in=Visit.objects.filter(findings__kind=value).values("pk"))
