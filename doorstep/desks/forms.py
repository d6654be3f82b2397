"""Forms of the desk pages. They validate input and hand it to the actions; they never write."""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _


def add_action_errors(form: forms.Form, error: ValidationError) -> None:
    """Put an action's ValidationError on the form: on its field when the form has it."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else NON_FIELD_ERRORS, errors)


class BookingForm(forms.Form):
    service = forms.ChoiceField(label=_("What do you need done?"))
    name = forms.CharField(label=_("Your name"), max_length=50)
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    id_last4 = forms.CharField(
        label=_("Last 4 characters of your ID number"),
        max_length=4,
        min_length=4,
        widget=forms.TextInput(attrs={"autocomplete": "off", "size": 6}),
    )

    def __init__(self, *args, services, **kwargs):
        super().__init__(*args, **kwargs)
        self.services = {s.code: s for s in services or ()}
        if services is None:  # a leaders' reception: the matter is raised on the day
            del self.fields["service"]
            return
        self.fields["service"].choices = [("", _("Choose a service"))] + [
            (s.code, s.name) for s in services
        ]


class ConfirmForm(forms.Form):
    otp = forms.CharField(
        label=_("Confirmation code from the SMS"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "size": 8}
        ),
    )


class CancelForm(forms.Form):
    code = forms.CharField(
        label=_("Booking code"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    phone_last4 = forms.CharField(
        label=_("Last 4 digits of your mobile phone"),
        max_length=4,
        min_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class WalkInForm(forms.Form):
    name = forms.CharField(label=_("Visitor's name"), max_length=50)
