"""The one filter definition of each satisfaction list (page, API and ledger alike)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doorstep.core.filtersets import area_filter

from .choices import BAD, RectificationStatus, SubjectKind
from .models import Callback, Rating


def _days(field: str, period: slice) -> Q:
    """Rows whose datetime ``field`` falls on a local day of ``period`` (either end open)."""
    q = Q()
    if period.start is not None:
        q &= Q(**{f"{field}__date__gte": period.start})
    if period.stop is not None:
        q &= Q(**{f"{field}__date__lte": period.stop})
    return q


class SubjectFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=SubjectKind.choices)
    rating = django_filters.ChoiceFilter(
        label=_("Rating"), method="filter_rating",
        choices=[("bad", _("Bad ratings")), ("rated", _("Rated")), ("unrated", _("Not rated"))],
    )  # fmt: skip
    callback = django_filters.ChoiceFilter(
        label=_("Callback"), method="filter_callback",
        choices=[("due", _("No valid callback yet")), ("done", _("Called back"))],
    )  # fmt: skip
    closed_from = django_filters.DateFilter(
        label=_("Closed from"), field_name="closed_at", lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip
    closed_to = django_filters.DateFilter(
        label=_("Closed until"), field_name="closed_at", lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip
    # The dashboard's "matters behind a figure" (insight.dashboard): an area and everything
    # under it; matters with a valid callback made in a period of local days
    # (``called_after``/``called_before``, both ends included); matters with a bad rating, not
    # removed by appeal, given in a period (``bad_after``/``bad_before``).
    area = area_filter()
    called = django_filters.DateFromToRangeFilter(label=_("Called back"), method="filter_called")
    bad = django_filters.DateFromToRangeFilter(label=_("Rated badly"), method="filter_bad")

    def filter_called(self, queryset, name, value):
        valid = Callback.objects.filter(subject=OuterRef("pk"), invalid="")
        return queryset.filter(Exists(valid.filter(_days("at", value))))

    def filter_bad(self, queryset, name, value):
        bad = Rating.objects.filter(subject=OuterRef("pk"), level__in=sorted(BAD), excluded=False)
        return queryset.filter(Exists(bad.filter(_days("at", value))))

    def filter_rating(self, queryset, name, value):
        current = Rating.objects.filter(subject=OuterRef("pk"), current=True)
        if value == "bad":
            return queryset.filter(Exists(current.filter(level__in=sorted(BAD))))
        if value == "rated":
            return queryset.filter(Exists(current))
        return queryset.exclude(Exists(current))

    def filter_callback(self, queryset, name, value):
        valid = Exists(Callback.objects.filter(subject=OuterRef("pk"), invalid=""))
        return queryset.exclude(valid) if value == "due" else queryset.filter(valid)


class RectificationFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=RectificationStatus.choices)
    late = django_filters.BooleanFilter(
        label=_("Overdue only"), method="filter_late", widget=forms.CheckboxInput
    )
    mine = django_filters.BooleanFilter(
        label=_("Mine only"), method="filter_mine", widget=forms.CheckboxInput
    )

    def filter_late(self, queryset, name, value):
        if not value:
            return queryset
        today = timezone.localdate()
        return queryset.filter(Q(status=RectificationStatus.OPEN, due_on__lt=today))

    def filter_mine(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        return queryset.filter(owner_id=user.pk) if value and user else queryset
