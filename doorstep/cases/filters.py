"""The case list's filters, defined once: the list page renders this FilterSet's form and the API
reads its query parameters through the same FilterSet."""

from __future__ import annotations

import re

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from doorstep.core.filtersets import area_filter, day_filter

from .choices import CaseStatus
from .models import Case

CLOCKS = [
    ("overdue", _("Overdue")),
    ("due_soon", _("Due soon")),
    ("paused", _("Clock stopped")),
]


class Tick(forms.CheckboxInput):
    """A checkbox on the page ("on"), ``true``/``1`` from an API client; ``0`` is not ticked."""

    def value_from_datadict(self, data, files, name) -> bool:
        value = data.get(name)
        return str(value).strip().lower() not in ("", "0", "false", "off", "none")


class StatusIn(django_filters.BaseInFilter, django_filters.ChoiceFilter):
    """One status from the page's select, or several, comma-separated, from an API client."""


class CaseFilterSet(django_filters.FilterSet):
    receipt = django_filters.CharFilter(
        label=_("Receipt number"), max_length=20, method="filter_receipt"
    )
    status = StatusIn(
        label=_("Status"), choices=CaseStatus.choices, empty_label=_("Any status"), help_text=""
    )
    clock = django_filters.ChoiceFilter(
        label=_("Time limit"),
        choices=CLOCKS,
        empty_label=_("Any time limit"),
        method="filter_clock",
    )
    trips = django_filters.BooleanFilter(
        label=_("Too many trips"), widget=Tick, method="filter_trips"
    )
    queue = django_filters.BooleanFilter(
        label=_("Waiting for my department's decision"),
        widget=Tick,
        method="filter_queue",
    )

    # The dashboard's "cases behind a figure" (insight.dashboard): an area and everything
    # under it, whether the clock ran, and a period of local days by taking in, due date or
    # closing (both ends included, as the figures count them).
    area = area_filter()
    accepted = django_filters.BooleanFilter(
        label=_("Accepted (its clock ran)"), widget=Tick, method="filter_accepted"
    )
    taken_from = day_filter(_("Taken in from"), "created_at", "date__gte")
    taken_to = day_filter(_("Taken in until"), "created_at", "date__lte")
    due_from = day_filter(_("Due from"), "due_on", "gte")
    due_to = day_filter(_("Due until"), "due_on", "lte")
    closed_from = day_filter(_("Closed from"), "closed_at", "date__gte")
    closed_to = day_filter(_("Closed until"), "closed_at", "date__lte")

    class Meta:
        model = Case
        fields: list[str] = []

    def filter_accepted(self, cases, name: str, value: bool | None):
        return cases.filter(accepted_on__isnull=False) if value else cases

    def filter_receipt(self, cases, name: str, value: str):
        # Part of a receipt number finds it: a clerk types what they can read off the paper.
        receipt = re.sub(r"\s+", "", value or "").upper()
        return cases.filter(receipt__contains=receipt) if receipt else cases

    def filter_clock(self, cases, name: str, value: str):
        if value == "overdue":
            return cases.overdue()
        if value == "due_soon":
            return cases.due_soon()
        if value == "paused":
            return cases.paused()
        return cases

    def filter_trips(self, cases, name: str, value: bool | None):
        return cases.too_many_trips() if value else cases

    def filter_queue(self, cases, name: str, value: bool | None):
        return cases.review_queue(self.request.user) if value and self.request else cases
