"""Filters several lists share, defined once: an area (a code and everything under it) and a
day of a datetime or date column. The dashboard's "items behind a figure" links set them
(``insight.dashboard``); each list's FilterSet declares the ones it needs."""

from __future__ import annotations

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _


def area_filter(field: str = "area_code") -> django_filters.CharFilter:
    """``?area=<code>``: rows whose ``field`` starts with the code."""
    return django_filters.CharFilter(
        label=_("Area code"), max_length=15, field_name=field, lookup_expr="prefix",
        validators=[RegexValidator(r"^[0-9]+$", _("An area code is digits only."))],
    )  # fmt: skip


def day_filter(label, field: str, lookup: str) -> django_filters.DateFilter:
    """A first or last day: ``lookup`` is ``date__gte``/``date__lte`` on a datetime (the local
    day), ``gte``/``lte`` on a date."""
    return django_filters.DateFilter(
        label=label, field_name=field, lookup_expr=lookup,
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip


def narrowing(query, names: tuple[str, ...]) -> list[tuple[str, str]]:
    """The (name, value) pairs of ``names`` set in ``query``, for a list's hidden inputs."""
    return [(name, value) for name in names if (value := query.get(name))]
