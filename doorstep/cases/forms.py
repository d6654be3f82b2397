"""Forms of the case screens. They check the shape of the input (numbers, dates, ids on the
case's list) and hand it to the actions, which hold every rule; they never write."""

from __future__ import annotations

import re
import uuid

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from doorstep.catalogue.choices import Necessity
from doorstep.catalogue.models import Department
from doorstep.people.forms import add_action_errors

from .actions import Completion
from .actions.applications import REASON_MAX
from .actions.oversight import MAX_EXTENSION_DAYS
from .choices import OUTSTANDING, AgentKind, Delivery, Outcome, Result
from .models import Case
from .tracking import normal_answer, normal_receipt

# A name as a resident types it: Chinese characters, and the middle dot of minority names.
HAN_NAME = r"[\u3400-\u9fff\U00020000-\U0003134f·•・.]{2,30}"

__all__ = [
    "AcceptForm",
    "AttachmentForm",
    "DecideExtensionForm",
    "DeclineApplicationForm",
    "ExtensionForm",
    "IntakeForm",
    "NoteForm",
    "NoticeForm",
    "ReceiveForm",
    "SupervisionForm",
    "TrackForm",
    "TransitionForm",
    "TripForm",
    "add_action_errors",
]

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CHECKS = forms.CheckboxSelectMultiple


def _ids_field(label) -> forms.TypedMultipleChoiceField:
    return forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=CHECKS, label=label, choices=()
    )


def _reason_field(label, *, required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RevisionForm(forms.Form):
    """Every write on the case page carries the revision the clerk saw: if the case changed in
    between, the action refuses and nothing happens."""

    revision = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={
            "required": _("The page is out of date. Reload it and try again."),
            "invalid": _("The page is out of date. Reload it and try again."),
            "min_value": _("The page is out of date. Reload it and try again."),
        },
    )

    def __init__(self, *args, case: Case, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("revision", case.revision)
        super().__init__(*args, **kwargs)
        self.case = case


# ---- intake ----------------------------------------------------------------------------------


class IntakeForm(forms.Form):
    """The desk's checklist. Materials on file are not fields at all: they cannot be asked for."""

    provided = _ids_field(_("Provided"))
    pending = _ids_field(_("To follow (容缺)"))
    pending_deadline = forms.DateField(
        label=_("Materials to follow by"), required=False, widget=DATE_INPUT
    )
    agent_kind = forms.ChoiceField(
        label=_("Who brought the matter"),
        choices=AgentKind.choices,
        initial=AgentKind.SELF,
        widget=forms.RadioSelect,
    )
    agent_name = forms.CharField(label=_("Agent's name"), max_length=40, required=False)
    agent_phone = forms.CharField(
        label=_("Agent's phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    agent_relation = forms.CharField(
        label=_("Relation to the resident"), max_length=20, required=False
    )
    consent = forms.BooleanField(
        label=_("The resident agrees that the agent handles this matter for them"),
        required=False,
    )
    reason = _reason_field(_("Reason (a refusal needs one; the resident will read it)"))
    outcome = forms.ChoiceField(choices=Outcome.choices, widget=forms.HiddenInput)
    idempotency_key = forms.CharField(max_length=64, widget=forms.HiddenInput)
    # The application from another system that this intake answers (the view checks that the
    # clerk may see it; the action, that it is still waiting and for this service).
    application = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        askable = [i for i in items if i.on_file is None]
        self.fields["provided"].choices = [(i.material.pk, i.material.name) for i in askable]
        self.fields["pending"].choices = [
            (i.material.pk, i.material.name) for i in askable if i.may_follow
        ]
        if not self.is_bound:
            # Made once, when the form is shown: a second tap or a resent form carries the
            # same key, and intake answers with the case the first one made.
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)

    def rows(self) -> list[dict]:
        """One row per material, with its ticks as submitted (kept when the form comes back
        with errors)."""
        provided = {str(v) for v in (self["provided"].value() or ())}
        pending = {str(v) for v in (self["pending"].value() or ())}
        return [
            {
                "item": item,
                "pk": item.material.pk,
                "provided": str(item.material.pk) in provided,
                "pending": str(item.material.pk) in pending,
            }
            for item in self.items
        ]


# ---- the case page ---------------------------------------------------------------------------


class TransitionForm(RevisionForm):
    reason = _reason_field(_("Reason"))
    department = forms.ModelChoiceField(
        Department.objects.all(), label=_("Forward to"), required=False
    )
    materials = _ids_field(_("Materials to ask for"))
    # Completion (办结): its result. Checked by the action, which says what is missing.
    result = forms.ChoiceField(
        label=_("Result"), choices=Result.choices, required=False, widget=forms.RadioSelect
    )
    result_reason = _reason_field(_("Reason it is not granted (required if not granted)"))
    certificate_no = forms.CharField(
        label=_("Certificate number issued"), max_length=60, required=False
    )
    delivery = forms.ChoiceField(
        label=_("How the resident gets the result"),
        choices=Delivery.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    tracking_no = forms.CharField(
        label=_("Mail tracking number (required if mailed)"), max_length=40, required=False
    )

    def __init__(self, *args, transition, **kwargs):
        super().__init__(*args, **kwargs)
        self.transition = transition
        case = self.case
        self.fields["reason"].required = False  # the action says why, in the clerk's words
        if transition.needs_reason:
            self.fields["reason"].label = _("Reason (required; the resident will read it)")
        if transition.verb == "return":
            self.fields["reason"].label = _("What to correct (required)")
        self.fields["department"].initial = case.department_id
        self.fields["department"].empty_label = None
        self.fields["materials"].choices = [
            (row.material_id, row.material.name) for row in getattr(case, "material_rows", ())
        ]

    def completion(self):
        """The completion's result as the action takes it (``actions.Completion``)."""
        data = self.cleaned_data
        return Completion(
            result=data.get("result") or "",
            reason=data.get("result_reason") or "",
            certificate_no=data.get("certificate_no") or "",
            delivery=data.get("delivery") or "",
            tracking_no=data.get("tracking_no") or "",
        )


DAYS_MESSAGE = lazy(
    lambda: gettext("Give a number of working days from 1 to %(n)d.") % {"n": MAX_EXTENSION_DAYS},
    str,
)()


class ExtensionForm(RevisionForm):
    """Ask for more working days (延期); a lead or the department's reviewer decides."""

    days = forms.IntegerField(
        label=_("Working days to add"),
        min_value=1,
        max_value=MAX_EXTENSION_DAYS,
        error_messages={
            "required": DAYS_MESSAGE,
            "invalid": DAYS_MESSAGE,
            "min_value": DAYS_MESSAGE,
            "max_value": DAYS_MESSAGE,
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "size": 4}),
    )
    reason = _reason_field(_("Why the case needs more time (required)"))


class DecideExtensionForm(RevisionForm):
    approve = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1", required=True
    )
    note = _reason_field(_("Note (required when not approved)"))


class SupervisionForm(RevisionForm):
    on = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1", required=True
    )
    reason = _reason_field(_("What the lead asks for (required to supervise)"))


class ReceiveForm(RevisionForm):
    """The resident came back with (some of) what was missing or due to follow."""

    provided = _ids_field(_("Brought now"))
    pending = _ids_field(_("Still to follow (容缺)"))
    pending_deadline = forms.DateField(
        label=_("Materials to follow by"), required=False, widget=DATE_INPUT
    )
    in_person = forms.BooleanField(
        label=_("The resident came in person (counts as a trip)"), required=False, initial=True
    )
    then = forms.ChoiceField(
        choices=[("", ""), ("accept", "accept"), ("supply", "supply")], required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        outstanding = [r for r in self.case.material_rows if r.state in OUTSTANDING]
        self.fields["provided"].choices = [(r.material_id, r.material.name) for r in outstanding]
        self.fields["pending"].choices = [
            (r.material_id, r.material.name)
            for r in outstanding
            if r.material.necessity == Necessity.LATER
        ]


class AcceptForm(RevisionForm):
    pending = _ids_field(_("To follow (容缺)"))
    pending_deadline = forms.DateField(
        label=_("Materials to follow by"), required=False, widget=DATE_INPUT
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pending"].choices = [
            (r.material_id, r.material.name)
            for r in self.case.material_rows
            if r.state in OUTSTANDING and r.material.necessity == Necessity.LATER
        ]


class NoticeForm(RevisionForm):
    """A later notice may only add materials not asked for yet, with the reason why."""

    materials = _ids_field(_("Materials to add"))
    reason = _reason_field(_("Why it was not asked for in the first notice (required)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["materials"].choices = [
            (r.material_id, r.material.name)
            for r in self.case.material_rows
            if r.state not in OUTSTANDING
        ]


class TripForm(RevisionForm):
    note = forms.CharField(label=_("What the resident came for"), max_length=300, required=False)


class NoteForm(forms.Form):
    text = _reason_field(_("Note"))


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("Scanned file (PDF, JPEG or PNG)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )
    material = forms.TypedChoiceField(
        label=_("Material it shows"), coerce=int, required=False, empty_value=None, choices=()
    )

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["material"].choices = [("", _("— none in particular —"))] + [
            (r.pk, r.material.name) for r in getattr(case, "material_rows", ())
        ]


# ---- lists -----------------------------------------------------------------------------------


class DeclineApplicationForm(forms.Form):
    """Declining an application from another system: the applicant reads the reason."""

    reason = forms.CharField(
        label=_("Why it is declined (the applicant will read it)"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TrackForm(forms.Form):
    """Receipt number (any case, with or without its dash) and one thing only the applicant
    knows: the last 4 digits of their mobile, the last 4 characters of their ID number, or their
    full name (``tracking.answers``)."""

    receipt = forms.CharField(
        label=_("Receipt number"),
        max_length=30,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    digits = forms.CharField(
        label=_("Last 4 digits of your mobile phone"),
        help_text=_(
            "No mobile phone? Enter the last 4 characters of your ID number, or your full name."
        ),
        max_length=40,
        error_messages={
            "required": _(
                "Enter the last 4 digits of your mobile phone, the last 4 characters of your "
                "ID number, or your full name."
            )
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "size": 12}),
    )

    def clean_receipt(self) -> str:
        return normal_receipt(self.cleaned_data["receipt"])

    def clean_digits(self) -> str:
        answer = normal_answer(self.cleaned_data["digits"])
        if re.fullmatch(r"[0-9]{3}[0-9X]", answer) or re.fullmatch(HAN_NAME, answer):
            return answer
        raise forms.ValidationError(self.fields["digits"].error_messages["required"])
