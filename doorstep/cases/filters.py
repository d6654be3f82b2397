"""The case list's filters, defined once: the list page renders this FilterSet's form and the API
reads its query parameters through the same FilterSet."""

from __future__ import annotations

import re

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from doorstep.catalogue.models import Department
from doorstep.core.filtersets import area_filter, day_filter
from doorstep.people.models import Resident
from doorstep.people.search import is_full_number, search_q
from doorstep.places.models import Area
from doorstep.staff.roles import VIEW_CASES, reviewer_grants
from doorstep.staff.scoping import area_prefixes, prefix_q

from .choices import CaseStatus, ExtensionStatus
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


def no_full_number(value: str) -> None:
    """Whole ID and mobile numbers stay out of web addresses (``people.search.read_query``):
    the list's filters travel in its URL, so they search by name, pinyin or tail only."""
    if is_full_number(value or ""):
        raise ValidationError(
            _(
                "Search the case list by name, pinyin initials or the last 4 digits: a whole ID "
                "or mobile number would stay in the web address and browser history."
            ),
            code="full_number",
        )


def _communities(user) -> list[tuple[str, str]]:
    """The communities ``user`` sees cases of (desk side, or a reviewer's grants), as
    (code, name): the choices of the community filter."""
    prefixes = area_prefixes(user, VIEW_CASES) if user is not None else []
    if prefixes is not None and user is not None:
        prefixes = [*prefixes, *(code for _dept, code in reviewer_grants(user))]
    areas = Area.objects.filter(prefix_q("code", prefixes), kind="community")
    return list(areas.order_by("code").values_list("code", "name"))


class CaseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Resident"),
        max_length=40,
        method="filter_resident",
        validators=[no_full_number],
        help_text=_("Name, pinyin initials, or the last 4 digits of the ID or mobile number"),
    )
    receipt = django_filters.CharFilter(
        label=_("Receipt number"), max_length=20, method="filter_receipt"
    )
    community = django_filters.ChoiceFilter(
        label=_("Community"), choices=(), empty_label=_("Any community"), method="filter_area"
    )
    department = django_filters.ModelChoiceFilter(
        label=_("Department"),
        queryset=Department.objects.order_by("name"),
        to_field_name="code",
        empty_label=_("Any department"),
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
    supervised = django_filters.BooleanFilter(
        label=_("Under supervision (督办)"), widget=Tick, method="filter_supervised"
    )
    extension = django_filters.BooleanFilter(
        label=_("Extension waiting for approval"), widget=Tick, method="filter_extension"
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        # Read only when the select is drawn or a value is checked (not for every API list).
        self.filters["community"].extra["choices"] = lambda: _communities(user)

    def filter_resident(self, cases, name: str, value: str):
        """The resident search box's own matching (``people.search``), over the case's
        resident: name prefix, pinyin, ID or mobile tail (hashed tails, never plain)."""
        q = search_q(value or "")
        if not (value or "").strip():
            return cases
        if q is None:
            return cases.none()
        return cases.filter(resident__in=Resident.objects.filter(q).values("pk"))

    def filter_area(self, cases, name: str, value: str):
        return cases.filter(area_code__prefix=value) if value else cases

    def filter_supervised(self, cases, name: str, value: bool | None):
        return cases.filter(supervised=True) if value else cases

    def filter_extension(self, cases, name: str, value: bool | None):
        return cases.filter(extensions__status=ExtensionStatus.PENDING) if value else cases

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
