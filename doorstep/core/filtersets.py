"""Filters several lists share, defined once: an area (a code and everything under it) and a
day of a datetime or date column. The dashboard's "items behind a figure" links set them
(``insight.dashboard``); each list's FilterSet declares the ones it needs."""

from __future__ import annotations

from typing import NamedTuple

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


class Narrowed(NamedTuple):
    name: str
    label: str
    value: str


def narrowing(form, names: tuple[str, ...]) -> list[Narrowed]:
    """The filters among ``names`` that the list's bound ``form`` was given a value for: the
    page shows them ("includes/narrowing.html") and keeps them in hidden inputs when its own
    form is sent again."""
    data = form.data if form.is_bound else {}
    given = [(name, value) for name in names if (value := data.get(name))]
    return [Narrowed(name, _label(form, name), value) for name, value in given]


def _label(form, name: str) -> str:
    if name in form.fields:
        return str(form.fields[name].label)
    # one end of a from–to range filter: ``called_after`` of the field ``called``
    field, end = name.rsplit("_", 1)
    label = form.fields[field].label
    if end == "after":
        return _("%(filter)s, from") % {"filter": label}
    return _("%(filter)s, until") % {"filter": label}
