"""The dispute list's filters, defined once: the mediator's list page renders this FilterSet's
form and the API reads its query parameters through the same FilterSet."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from doorstep.cases.filters import StatusIn, Tick
from doorstep.core.filtersets import area_filter, day_filter

from .choices import DisputeStatus, DisputeType, Risk
from .models import Dispute


class DisputeFilterSet(django_filters.FilterSet):
    status = StatusIn(
        label=_("Status"), choices=DisputeStatus.choices, empty_label=_("Any status"), help_text=""
    )
    type = django_filters.ChoiceFilter(
        label=_("Kind of dispute"), choices=DisputeType.choices, empty_label=_("Any kind")
    )
    risk = django_filters.ChoiceFilter(
        label=_("Risk"), choices=Risk.choices, empty_label=_("Any risk")
    )
    overdue = django_filters.BooleanFilter(
        label=_("Past the one-month target"), widget=Tick, method="filter_overdue"
    )
    # The dashboard's "disputes behind a figure" (insight.dashboard): an area and everything
    # under it, and a period of local days when the mediation's outcome was recorded.
    area = area_filter()
    outcome_from = day_filter(_("Outcome from"), "outcome_at", "date__gte")
    outcome_to = day_filter(_("Outcome until"), "outcome_at", "date__lte")

    class Meta:
        model = Dispute
        fields: list[str] = []

    def filter_overdue(self, disputes, name: str, value: bool | None):
        return disputes.overdue() if value else disputes
