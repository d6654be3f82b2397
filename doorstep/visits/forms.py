"""Forms of the visit screens. They check the shape of the input and hand it to the actions,
which hold every rule; they never write."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doorstep.people.choices import ResidentStatus
from doorstep.people.forms import add_action_errors
from doorstep.people.models import Tag

from .actions import FindingIn
from .actions.log import retry_days
from .actions.photos import MAX_PHOTOS
from .choices import FindingKind, Outcome, Purpose

__all__ = ["PhotoForm", "RuleForm", "VisitForm", "add_action_errors"]

FINDING_ROWS = 3  # on the phone: three rows; the API takes up to twenty


class MultipleFiles(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos from one input (the phone's camera or gallery)."""

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(PhotosField, self).clean(f, initial) for f in files]


class VisitForm(forms.Form):
    client_key = forms.UUIDField(widget=forms.HiddenInput)
    visited_at = forms.DateTimeField(
        label=_("Visited at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        help_text=_("Logging later? Give the time of the visit."),
    )
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=Outcome.choices, widget=forms.RadioSelect
    )
    met = forms.TypedMultipleChoiceField(
        label=_("Residents met"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=(),
    )
    retry_on = forms.DateField(
        label=_("Try again on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    followups = forms.CharField(
        label=_("Follow-ups"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    photos = PhotosField(
        label=_("Photos"),
        required=False,
        widget=MultipleFiles(attrs={"accept": "image/jpeg,image/png", "capture": "environment"}),
        help_text=_("JPEG or PNG, at most %(n)d.") % {"n": MAX_PHOTOS},
    )

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        residents = household.members.filter(status=ResidentStatus.ACTIVE).order_by("name", "pk")
        self.fields["met"].choices = [(r.pk, r.name) for r in residents]
        self.fields["retry_on"].help_text = _(
            "Nobody home: when to come back (empty: in %(n)d days)."
        ) % {"n": retry_days()}
        if not self.is_bound:
            self.initial.setdefault("visited_at", timezone.localtime().replace(second=0))
        kinds = [("", _("— nothing —")), *FindingKind.choices]
        for n in range(FINDING_ROWS):
            self.fields[f"finding_kind_{n}"] = forms.ChoiceField(
                label=_("Found"), choices=kinds, required=False
            )
            self.fields[f"finding_count_{n}"] = forms.IntegerField(
                label=_("How many"), min_value=1, max_value=999, required=False
            )
            self.fields[f"finding_text_{n}"] = forms.CharField(
                label=_("Details"), max_length=500, required=False
            )

    def finding_rows(self) -> list[tuple]:
        return [
            (self[f"finding_kind_{n}"], self[f"finding_count_{n}"], self[f"finding_text_{n}"])
            for n in range(FINDING_ROWS)
        ]

    def clean(self):
        data = super().clean()
        findings = []
        for n in range(FINDING_ROWS):
            kind = data.get(f"finding_kind_{n}")
            text = (data.get(f"finding_text_{n}") or "").strip()
            if not kind and not text:
                continue
            if not kind:
                self.add_error(f"finding_kind_{n}", _("Choose what was found."))
                continue
            findings.append(FindingIn(kind, text, data.get(f"finding_count_{n}") or 1))
        data["findings"] = findings
        return data

    def action_kwargs(self) -> dict:
        data = self.cleaned_data
        keys = ("client_key", "visited_at", "purpose", "outcome", "met", "retry_on", "notes",
                "followups", "findings", "photos")  # fmt: skip
        return {k: data.get(k) for k in keys} | {"photos": data.get("photos") or []}


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label=_("Add a photo"), widget=forms.ClearableFileInput(attrs={"accept": "image/*"})
    )


class RuleForm(forms.Form):
    tag = forms.ModelChoiceField(
        Tag.objects.all(), label=_("Residents tagged"), to_field_name="code"
    )
    interval_days = forms.IntegerField(label=_("Visit every (days)"), min_value=1, max_value=366)
    silence_days = forms.IntegerField(
        label=_("Red list after (days)"),
        min_value=1,
        max_value=366,
        required=False,
        help_text=_("Empty: the default period."),
    )
