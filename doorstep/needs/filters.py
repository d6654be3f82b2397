"""The need list's filters, defined once: the area list page renders this FilterSet's form and
the API reads its query parameters through the same FilterSet."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doorstep.core.filtersets import area_filter, day_filter

from .choices import Kind, Level, NeedStatus, Urgency
from .models import Need, NeedCategory


class Tick(forms.CheckboxInput):
    """A checkbox on the page ("on"), ``true``/``1`` from an API client; ``0`` is not ticked."""

    def value_from_datadict(self, data, files, name) -> bool:
        value = data.get(name)
        return str(value).strip().lower() not in ("", "0", "false", "off", "none")


class StatusIn(django_filters.BaseInFilter, django_filters.ChoiceFilter):
    """One status from the page's select, or several, comma-separated, from an API client."""


class NeedFilterSet(django_filters.FilterSet):
    status = StatusIn(
        label=_("Status"), choices=NeedStatus.choices, empty_label=_("Any status"), help_text=""
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=Kind.choices, empty_label=_("Any kind")
    )
    category = django_filters.ModelChoiceFilter(
        label=_("Category"),
        queryset=NeedCategory.objects.all(),
        to_field_name="code",
        empty_label=_("Any category"),
    )
    urgency = django_filters.ChoiceFilter(
        label=_("Urgency"), choices=Urgency.choices, empty_label=_("Any urgency")
    )
    level = django_filters.ChoiceFilter(
        label=_("Level"), choices=Level.choices, empty_label=_("Any level")
    )
    overdue = django_filters.BooleanFilter(
        label=_("Overdue only"), widget=Tick, method="filter_overdue"
    )
    # The dashboard's "needs behind a figure" (insight.dashboard): an area and everything under
    # it, and a period of local days by registration or closing (both ends included).
    area = area_filter()
    registered_from = day_filter(_("Registered from"), "created_at", "date__gte")
    registered_to = day_filter(_("Registered until"), "created_at", "date__lte")
    closed_from = day_filter(_("Closed from"), "closed_at", "date__gte")
    closed_to = day_filter(_("Closed until"), "closed_at", "date__lte")

    class Meta:
        model = Need
        fields: list[str] = []

    def filter_overdue(self, needs, name: str, value: bool | None):
        return needs.overdue(timezone.now()) if value else needs
