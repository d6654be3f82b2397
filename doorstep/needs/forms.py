"""The forms of the need pages. They read and check the input; the actions decide."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from doorstep.feedback import forms as feedback_forms
from doorstep.places.choices import AreaKind
from doorstep.places.models import Area, Building
from doorstep.staff.roles import HANDLE_NEEDS
from doorstep.staff.scoping import area_prefixes, prefix_q

from .choices import Decision, Kind, OwnerKind, Source, Urgency
from .models import NeedCategory

REASON_MAX = 2000


def add_action_errors(form: forms.Form, exc: ValidationError) -> None:
    """An action's ``ValidationError`` beside the field it names (or at the top)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class MultipleFiles(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    widget = MultipleFiles

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(PhotosField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class RegisterForm(forms.Form):
    compound = forms.ModelChoiceField(label=_("Compound"), queryset=Area.objects.none())
    building = forms.ModelChoiceField(
        label=_("Building"), queryset=Building.objects.none(), required=False
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=NeedCategory.objects.filter(active=True)
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.HELP)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.YELLOW)
    # Another system (API) files through the API: a person at the page names where they heard it.
    source = forms.ChoiceField(
        label=_("Source"),
        choices=[c for c in Source.choices if c[0] != Source.API],
        initial=Source.VISIT,
    )
    source_ref = forms.CharField(label=_("Source reference"), max_length=100, required=False)
    description = forms.CharField(
        label=_("What is the problem?"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    raiser_name = forms.CharField(label=_("Raised by (name)"), max_length=40, required=False)
    raiser_phone = forms.CharField(
        label=_("Raiser's mobile"), max_length=20, required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )  # fmt: skip
    lat = forms.DecimalField(
        label=_("Latitude"), required=False, max_digits=9, decimal_places=6,
        min_value=-90, max_value=90,
    )  # fmt: skip
    lng = forms.DecimalField(
        label=_("Longitude"), required=False, max_digits=9, decimal_places=6,
        min_value=-180, max_value=180,
    )  # fmt: skip
    sensitive = forms.BooleanField(
        label=_("Sensitive: only its owners and reviewers may see it"), required=False
    )
    photos = PhotosField(label=_("Photos (JPEG or PNG)"), required=False)
    join = forms.IntegerField(required=False, widget=forms.HiddenInput)
    new_anyway = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        compounds = Area.objects.filter(
            prefix_q("code", area_prefixes(user, HANDLE_NEEDS)), kind=AreaKind.COMPOUND
        )
        self.fields["compound"].queryset = compounds
        self.fields["building"].queryset = Building.objects.filter(
            compound__in=compounds
        ).select_related("compound")
        self.fields["photos"].widget.attrs["accept"] = "image/jpeg,image/png"


class RevisionForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ReasonForm(RevisionForm):
    reason = forms.CharField(
        label=_("Reason"), max_length=REASON_MAX, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip


def receiver_choices(receivers: dict) -> list[tuple[str, list[tuple[str, str]]]]:
    labels = {
        OwnerKind.USER: _("Staff"),
        OwnerKind.DEPARTMENT: _("Departments"),
        OwnerKind.EXTERNAL: _("Outside bodies"),
    }
    groups = []
    for kind, items in receivers.items():
        options = [
            (f"{kind}:{item.pk}", (item.get_full_name() or item.get_username())
             if kind == OwnerKind.USER else str(item))
            for item in items
        ]  # fmt: skip
        if options:
            groups.append((str(labels[kind]), options))
    return groups


def split_receiver(value: str) -> tuple[str, str]:
    kind, _sep, pk = (value or "").partition(":")
    return kind, pk


class HandOnForm(RevisionForm):
    to = forms.ChoiceField(label=_("Hand on to"))
    reason = forms.CharField(
        label=_("Why"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, receivers: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [("", "—"), *receiver_choices(receivers)]


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why not"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )
    not_ours = forms.ChoiceField(
        label=_("Not ours: whose is it? (it is handed to them)"), required=False
    )

    def __init__(self, *args, receivers: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["not_ours"].choices = [("", "—"), *receiver_choices(receivers)]


class ExtensionForm(RevisionForm):
    hours = forms.IntegerField(label=_("More time (hours)"), min_value=1, max_value=720)
    reason = forms.CharField(
        label=_("Why"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )


class ExtensionDecisionForm(RevisionForm):
    grant = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("Grant")), ("0", _("Refuse"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )


class AnswerForm(RevisionForm):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices)
    answer = forms.CharField(
        label=_("Explanation given to the resident"), max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
    case = forms.CharField(label=_("Case receipt number"), max_length=20, required=False)
    dispute = forms.CharField(label=_("Dispute file number"), max_length=20, required=False)


class CallbackForm(RevisionForm, feedback_forms.CallbackForm):
    """Feedback's callback form (counted or not, reached, solved, satisfaction, note) with the
    need's revision."""

    note = forms.CharField(
        label=_("Note (required when the resident is dissatisfied)"), max_length=1000,
        required=False, widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip


class FlagForm(forms.Form):
    flagged = forms.TypedChoiceField(
        label=_("Repeated unreasonable demand?"),
        choices=[("1", _("Yes, set the flag")), ("0", _("No, clear the flag"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    reasons = forms.CharField(
        label=_("Reasons"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )


class PhotoForm(forms.Form):
    file = forms.FileField(label=_("Photo (JPEG or PNG)"))


class ProgressForm(forms.Form):
    text = forms.CharField(
        label=_("Progress"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )


class ExternalForm(forms.Form):
    """The outside body's page: accept or refuse the need, report progress, answer."""

    action = forms.ChoiceField(
        choices=[("accept", "accept"), ("refuse", "refuse"), ("progress", "progress"),
                 ("answer", "answer")],
        widget=forms.HiddenInput,
    )  # fmt: skip
    decision = forms.ChoiceField(
        label=_("Result"),
        required=False,
        choices=[(d.value, d.label) for d in (Decision.RESOLVED, Decision.PARTLY,
                                              Decision.NOT_SUPPORTED)],
    )  # fmt: skip
    text = forms.CharField(
        label=_("Explanation"), max_length=REASON_MAX, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
