"""Forms of the desk pages. They validate input and hand it to the actions; they never write."""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

from .choices import BookingChannel


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


class CancelSessionForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the session cancelled? Every booker is told."),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class ClerkBookingForm(forms.Form):
    """A clerk books for a resident: one found in the registry (``resident``) or a name and a
    mobile number typed in."""

    slot = forms.TypedChoiceField(label=_("Time"), coerce=int)
    service = forms.ChoiceField(label=_("Service"))
    channel = forms.ChoiceField(
        label=_("How was it booked?"), choices=BookingChannel.choices[1:], widget=forms.RadioSelect
    )
    resident = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Resident's name"), max_length=50, required=False)
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )

    def __init__(self, *args, slots, services, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = [("", _("Choose a time"))] + [
            (s.pk, f"{s.start:%H:%M}–{s.end:%H:%M}") for s in slots
        ]
        self.services = {s.code: s for s in services or ()}
        if services is None:  # a leaders' reception asks for no service
            del self.fields["service"]
        else:
            self.fields["service"].choices = [("", _("Choose a service"))] + [
                (s.code, s.name) for s in services
            ]

    def clean(self):
        data = super().clean()
        if not data.get("resident") and not (data.get("name") and data.get("phone")):
            raise ValidationError(
                _("Choose a resident from the search, or type a name and a mobile number."),
                code="who",
            )
        return data
