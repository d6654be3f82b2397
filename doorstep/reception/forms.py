"""The forms of the reception pages. They read and check the input; the actions decide."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from doorstep.catalogue.models import Department
from doorstep.needs.choices import Kind, Urgency
from doorstep.needs.forms import add_action_errors
from doorstep.needs.models import NeedCategory
from doorstep.places.choices import AreaKind
from doorstep.places.models import Area
from doorstep.staff.choices import Role
from doorstep.staff.roles import RUN_RECEPTION
from doorstep.staff.scoping import area_prefixes, prefix_q

from .actions import ANNOUNCE_MAX_DAYS, REPEAT_MAX_MONTHS, Plan, Raised
from .choices import PETITION_EXTENSION_MAX, Mode, Route

__all__ = ["add_action_errors"]
TEXT_MAX = 2000
DATE = forms.DateInput(attrs={"type": "date"})
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class PlanForm(forms.Form):
    area = forms.ModelChoiceField(label=_("Community or street"), queryset=Area.objects.none())
    leader = forms.ModelChoiceField(
        label=_("Receiving leader"), queryset=get_user_model().objects.none()
    )
    leader_title = forms.CharField(label=_("Leader's post (shown to the public)"), max_length=60)
    date = forms.DateField(label=_("Date"), widget=DATE)
    start = forms.TimeField(label=_("Starts"), widget=TIME)
    end = forms.TimeField(label=_("Ends"), widget=TIME)
    venue = forms.ModelChoiceField(label=_("Held in compound"), queryset=Area.objects.none())
    venue_note = forms.CharField(label=_("Where exactly"), max_length=200, required=False)
    mode = forms.ChoiceField(label=_("Reception"), choices=Mode.choices, initial=Mode.BOTH)
    announce_days = forms.IntegerField(
        label=_("Announce how many days ahead"),
        min_value=0,
        max_value=ANNOUNCE_MAX_DAYS,
        initial=14,
    )
    repeat_months = forms.IntegerField(
        label=_("Repeat on the same weekday for how many more months"),
        min_value=0, max_value=REPEAT_MAX_MONTHS, initial=0,
    )  # fmt: skip
    capacity = forms.IntegerField(label=_("Places per slot"), min_value=1, max_value=20, initial=2)
    slot_minutes = forms.IntegerField(
        label=_("Slot length (minutes)"), min_value=10, max_value=120, initial=30
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        prefixes = area_prefixes(user, RUN_RECEPTION)
        areas = Area.objects.filter(prefix_q("code", prefixes))
        self.fields["area"].queryset = areas.filter(
            kind__in=[AreaKind.COMMUNITY, AreaKind.STREET]
        ).order_by("code")
        self.fields["venue"].queryset = areas.filter(kind=AreaKind.COMPOUND).order_by("code")
        # Community and street leads of the user's areas; the action checks that the one chosen
        # may own needs (HANDLE_NEEDS) in the day's area.
        self.fields["leader"].queryset = (
            get_user_model()
            .objects.filter(
                is_active=True,
                role_grants__role__in=[Role.COMMUNITY_LEAD, Role.STREET_LEAD],
            )
            .filter(prefix_q("role_grants__area__code", prefixes))
            .distinct()
            .order_by("username")
        )
        self.fields["leader"].label_from_instance = lambda u: u.get_full_name() or u.username

    def plan(self) -> Plan:
        return Plan(**self.cleaned_data)


class MatterForm(forms.Form):
    compound = forms.ModelChoiceField(label=_("Compound it concerns"), queryset=Area.objects.none())
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=NeedCategory.objects.filter(active=True)
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.HELP)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.YELLOW)
    description = forms.CharField(
        label=_("What the resident raised"), max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )  # fmt: skip
    public_summary = forms.CharField(
        label=_("Summary for the public board (no names, numbers or addresses)"), max_length=120
    )
    raiser_name = forms.CharField(label=_("Resident's name"), max_length=40)
    raiser_phone = forms.CharField(
        label=_("Resident's mobile"), max_length=20, required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )  # fmt: skip
    route = forms.ChoiceField(label=_("What becomes of it"), choices=Route.choices)
    told = forms.CharField(
        label=_("What the resident was told"), max_length=TEXT_MAX, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For a matter not accepted, where to go (a default text is given)."),
    )  # fmt: skip
    petition = forms.BooleanField(
        label=_("A petition (信访): the time limits apply"), required=False
    )
    sensitive = forms.BooleanField(
        label=_("Sensitive: only its owners and reviewers may see it"), required=False
    )

    def __init__(self, *args, day, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["compound"].queryset = Area.objects.filter(
            code__startswith=day.area_code, kind=AreaKind.COMPOUND
        ).order_by("code")

    def raised(self) -> Raised:
        return Raised(**self.cleaned_data)


class AssignForm(forms.Form):
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.all())
    due_on = forms.DateField(label=_("Deadline"), widget=DATE)
    note = forms.CharField(label=_("Instructions"), max_length=TEXT_MAX, required=False)


class ReportForm(forms.Form):
    report = forms.CharField(
        label=_("What the department did"), max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip


class NoticeForm(forms.Form):
    sent_on = forms.DateField(label=_("Written decision sent on"), widget=DATE)


class ExtendForm(forms.Form):
    days = forms.IntegerField(label=_("Extra days"), min_value=1, max_value=PETITION_EXTENSION_MAX)
    reason = forms.CharField(label=_("Why"), max_length=500)
