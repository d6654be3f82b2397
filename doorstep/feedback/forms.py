"""Forms of satisfaction pages. They only parse; ``actions`` decides what is allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from doorstep.people.forms import add_action_errors

from .actions import Called, Given, indicator_names
from .choices import (
    OFFLINE_INDICATORS,
    ONLINE_QUESTIONS,
    AppealGround,
    Channel,
    Invalid,
    Level,
    Outcome,
    Solved,
)

__all__ = ["add_action_errors"]

LEVELS = [(str(value), label) for value, label in Level.choices]
OPTIONAL_LEVELS = [("", _("Not answered")), *LEVELS]


class RateForm(forms.Form):
    """The resident's form: the overall level, the channel's questions, a comment."""

    level = forms.TypedChoiceField(
        label=_("Overall, how satisfied are you?"), choices=LEVELS, coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how satisfied you are.")},
    )  # fmt: skip
    comment = forms.CharField(
        label=_("Anything you want to tell us"), required=False, max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip

    def __init__(self, *args, channel: str, **kwargs):
        super().__init__(*args, **kwargs)
        pairs = ONLINE_QUESTIONS if channel == Channel.ONLINE else OFFLINE_INDICATORS
        self.channel = channel
        for name, label in pairs:
            self.fields[name] = forms.TypedChoiceField(
                label=label, choices=OPTIONAL_LEVELS, coerce=int, empty_value=None,
                required=False, widget=forms.RadioSelect,
            )  # fmt: skip
        self.order_fields(["level", *[n for n, _l in pairs], "comment"])

    def given(self) -> Given:
        data = self.cleaned_data
        names = indicator_names(self.channel)
        return Given(
            level=data["level"],
            indicators={n: data.get(n) for n in names},
            comment=data.get("comment", ""),
        )


class CallbackForm(forms.Form):
    invalid = forms.ChoiceField(
        label=_("Not counted because"), required=False,
        choices=[("", _("The callback counts")), *Invalid.choices],
    )  # fmt: skip
    reached = forms.BooleanField(label=_("The resident was reached"), required=False)
    solved = forms.ChoiceField(
        label=_("Was the problem solved?"), required=False, choices=[("", "—"), *Solved.choices]
    )
    satisfaction = forms.TypedChoiceField(
        label=_("How satisfied is the resident?"), required=False, choices=OPTIONAL_LEVELS,
        coerce=int, empty_value=None,
    )  # fmt: skip
    note = forms.CharField(
        label=_("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def called(self) -> Called:
        data = self.cleaned_data
        return Called(
            invalid=data.get("invalid", ""), reached=data.get("reached", False),
            solved=data.get("solved", ""), satisfaction=data.get("satisfaction"),
            note=data.get("note", ""),
        )  # fmt: skip


class SettleForm(CallbackForm):
    """The rectification's outcome and its callback, in one form."""

    outcome = forms.ChoiceField(label=_("What was done"), choices=Outcome.choices)
    account = forms.CharField(
        label=_("What was done or explained"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
    put_right_by = forms.DateField(
        label=_("To be put right by"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip
    new_level = forms.TypedChoiceField(
        label=_("The resident's new rating, if they give one"), required=False,
        choices=OPTIONAL_LEVELS, coerce=int, empty_value=None,
    )  # fmt: skip
    field_order = ["outcome", "account", "put_right_by", "reached", "solved", "satisfaction",
                   "new_level", "note"]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A rectification needs a valid callback: the "not counted" choice is not offered.
        del self.fields["invalid"]


class AppealForm(forms.Form):
    ground = forms.ChoiceField(label=_("Ground"), choices=AppealGround.choices)
    grounds = forms.CharField(
        label=_("Why the rating is mistaken or malicious"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip


class DecideForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label=_("Decision"), coerce=lambda v: v == "1", widget=forms.RadioSelect,
        choices=[("1", _("Uphold: remove the rating from the figures")),
                 ("0", _("Reject: the rating stands"))],
    )  # fmt: skip
    decision = forms.CharField(
        label=_("Reasons"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class OwnerForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None)

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = users
        self.fields["owner"].label_from_instance = lambda u: u.get_full_name() or u.username
