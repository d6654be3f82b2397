"""The forms of the dispute pages. They read and check the input; the actions decide (and
raise ``ValidationError`` keyed by field, shown beside the field or on the page)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doorstep.feedback.choices import Level
from doorstep.places.choices import AreaKind
from doorstep.places.models import Area, Building
from doorstep.staff.scoping import prefix_q

from .access import mediating_grants
from .actions import PartySpec
from .choices import DisputeType, DocumentKind, Outcome, Performance, Recipient, Risk, Source

DateInput = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
Long = forms.Textarea(attrs={"rows": 4})


def _text(label, *, required: bool = True, max_length: int = 200, widget=None, **kw):
    return forms.CharField(
        label=label, required=required, max_length=max_length, widget=widget, **kw
    )


class PartyForm(forms.Form):
    """A party: a registry resident by ID number, or a name (and mobile) for anyone else."""

    name = _text(_("Name"), required=False, max_length=50)
    id_number = _text(
        _("ID number (to find a resident in the registry)"), required=False, max_length=18
    )
    phone = _text(_("Mobile"), required=False, max_length=20)
    address = _text(_("Address"), required=False)

    def clean(self):
        data = super().clean()
        if not (data.get("name") or data.get("id_number")):
            raise forms.ValidationError(_("Give the party's name, or a resident's ID number."))
        return data

    def spec(self) -> PartySpec:
        d = self.cleaned_data
        return PartySpec(
            name=d["name"], phone=d["phone"], address=d["address"], id_number=d["id_number"]
        )


class RegisterForm(forms.Form):
    source = forms.ChoiceField(label=_("Where it came from"), choices=Source.choices)
    referred_by = _text(_("Referring body (for a referral)"), required=False, max_length=100)
    type = forms.ChoiceField(label=_("Kind of dispute"), choices=DisputeType.choices)
    summary = _text(_("Facts and what is in dispute"), max_length=4000, widget=Long)
    area = forms.ModelChoiceField(label=_("Place"), queryset=Area.objects.none())
    building = forms.ModelChoiceField(
        label=_("Building"), queryset=Building.objects.none(), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        codes = None if user.is_superuser else mediating_grants(user, leads_only=False)
        areas = Area.objects.filter(kind__in=[AreaKind.COMMUNITY, AreaKind.COMPOUND])
        buildings = Building.objects.select_related("compound")
        if codes is not None:
            areas = areas.filter(prefix_q("code", codes))
            buildings = buildings.filter(prefix_q("compound__code", codes))
        self.fields["area"].queryset = areas.order_by("code")
        self.fields["building"].queryset = buildings.order_by("compound__code", "number")
        self.fields["building"].label_from_instance = str


class NoticeForm(forms.Form):
    signed_by = _text(_("Signed by (if not the party)"), required=False, max_length=50)


class SessionForm(forms.Form):
    held_on = forms.DateField(label=_("Date"), widget=DateInput)
    place = _text(_("Place"))
    attendees = _text(_("Attendees"), max_length=4000)
    record = _text(_("Record"), max_length=4000, widget=Long)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"held_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class RiskForm(forms.Form):
    level = forms.ChoiceField(label=_("Risk"), choices=Risk.choices)
    reason = _text(_("Why"), max_length=4000, widget=Long)
    recipients = forms.MultipleChoiceField(
        label=_("Tell"),
        choices=Recipient.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    department = _text(_("Department"), required=False, max_length=100)


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    responsibility = _text(
        _("Facts and responsibilities"), required=False, max_length=4000, widget=Long
    )
    terms = _text(
        _("Terms agreed (or the oral agreement)"), required=False, max_length=4000, widget=Long
    )
    performance_how = _text(_("How to perform"), required=False, max_length=300)
    performance_where = _text(_("Where to perform"), required=False)
    performance_by = forms.DateField(label=_("Perform by"), required=False, widget=DateInput)
    effective_on = forms.DateField(
        label=_("Signed and sealed on"), required=False, widget=DateInput
    )
    next_steps = _text(
        _("Where the parties may go next"), required=False, max_length=4000, widget=Long
    )
    referred_to = _text(_("Referred to"), required=False, max_length=100)


class ExtendForm(forms.Form):
    due_on = forms.DateField(label=_("New target date"), widget=DateInput)
    consents = forms.TypedMultipleChoiceField(
        label=_("Parties who consented"),
        coerce=int,
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    how = _text(_("How they consented"), max_length=4000)

    def __init__(self, *args, parties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consents"].choices = [(p.pk, p.name) for p in parties]


class CallbackForm(forms.Form):
    on = forms.DateField(label=_("Date"), widget=DateInput)
    reached = forms.BooleanField(label=_("The parties were reached"), required=False)
    performance = forms.ChoiceField(
        label=_("Is the agreement kept?"),
        choices=[("", "—"), *Performance.choices],
        required=False,
    )
    satisfaction = forms.TypedChoiceField(
        label=_("How satisfied are the parties?"), required=False, coerce=int,
        empty_value=None, choices=[("", "—"), *Level.choices],
    )  # fmt: skip
    notes = _text(_("Notes"), required=False, max_length=4000, widget=Long)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"on": timezone.localdate(), "reached": True})
        super().__init__(*args, **kwargs)


class CloseForm(forms.Form):
    reason = _text(_("Reason"), required=False, max_length=4000)


class MediatorRequestForm(forms.Form):
    party = forms.TypedChoiceField(label=_("Party asking"), coerce=int, choices=())
    reason = _text(_("Reason"), max_length=4000)

    def __init__(self, *args, parties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].choices = [(p.pk, p.name) for p in parties]


class MediatorDecisionForm(forms.Form):
    grant = forms.TypedChoiceField(
        label=_("Decision"),
        coerce=lambda v: v == "1",
        choices=[("1", _("Grant: assign another mediator")), ("0", _("Refuse"))],
    )
    mediator = forms.ModelChoiceField(label=_("New mediator"), queryset=None, required=False)
    note = _text(_("Note (the reason, when refusing)"), required=False, max_length=4000)

    def __init__(self, *args, mediators=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mediator"].queryset = mediators
        self.fields["mediator"].label_from_instance = lambda u: u.get_full_name() or u.username


class AttachForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document"), choices=DocumentKind.choices)
    file = forms.FileField(label=_("File (PDF, JPEG or PNG)"))
