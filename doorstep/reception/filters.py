"""The reception matters list's filters, defined once: the page renders this FilterSet's form
and the API reads its query parameters through the same FilterSet."""

from __future__ import annotations

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doorstep.cases.filters import Tick
from doorstep.catalogue.models import Department

from .choices import Route
from .models import Matter


class MatterFilterSet(django_filters.FilterSet):
    route = django_filters.ChoiceFilter(
        label=_("What became of it"), choices=Route.choices, empty_label=_("Any")
    )
    department = django_filters.ModelChoiceFilter(
        label=_("Department"), queryset=Department.objects.all(), empty_label=_("Any department")
    )
    late = django_filters.BooleanFilter(
        label=_("Late at the department"), widget=Tick, method="filter_late"
    )
    petition = django_filters.BooleanFilter(
        label=_("Petitions only"), widget=Tick, method="filter_petition"
    )
    day = django_filters.NumberFilter(
        field_name="day_id", label=_("Reception day"), min_value=1, max_value=2**31 - 1
    )

    class Meta:
        model = Matter
        fields: list[str] = []

    def filter_late(self, matters, name: str, value: bool | None):
        return matters.late(timezone.localdate()) if value else matters

    def filter_petition(self, matters, name: str, value: bool | None):
        return matters.filter(petition=True) if value else matters
