"""The ledger page's own fields: how to cut the file into sheets, and a feed's name (the
filters are each list's own FilterSet)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Split


class SheetsForm(forms.Form):
    split = forms.ChoiceField(
        label=_("Sheets"), choices=Split.choices, required=False, initial=Split.MONTH
    )


class FeedForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the feed"),
        max_length=100,
        help_text=_("Which system fetches it, and why: shown in your list of feeds."),
    )
