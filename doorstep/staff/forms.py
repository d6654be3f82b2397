from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext_lazy as _

from doorstep.places.models import Area

from .access import grantable_areas_q
from .choices import Role
from .models import RoleGrant

# The catalogue sits above staff: its Department is reached through the grant's own field.
Department = RoleGrant._meta.get_field("department").related_model


class GrantForm(forms.Form):
    """A role over an area. The area list offers the actor's own areas; any other area that
    arrives is refused by the action with a message naming it (not "invalid choice")."""

    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.all())
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.all(),
        required=False,
        help_text=_("Department reviewers only: the department whose forwarded cases they see."),
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        areas = Area.objects.filter(grantable_areas_q(actor)).order_by("code")
        self.fields["area"].widget.choices = [("", "---------")] + [
            (a.pk, f"{a.name}（{a.get_kind_display()}）") for a in areas
        ]


class CreateStaffForm(GrantForm):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("Letters, digits and @ . + - _ only; used to log in."),
    )
    name = forms.CharField(label=_("Name"), max_length=150)
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(render_value=False),
        strip=False,
        help_text=_("At least 8 characters, and not a commonly used password."),
    )
    field_order = ["username", "name", "password", "role", "area", "department"]

    def clean(self) -> dict:
        """The password's weaknesses beside the field, with any other error (the action checks
        again, for the API)."""
        data = super().clean()
        password = data.get("password")
        if password:
            user = get_user_model()(
                username=data.get("username", ""), first_name=data.get("name", "")
            )
            try:
                password_validation.validate_password(password, user)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data

    def clean_username(self) -> str:
        value = self.cleaned_data["username"].strip()
        UnicodeUsernameValidator()(value)
        if get_user_model().objects.filter(username__iexact=value).exists():
            raise forms.ValidationError(
                _("The username %(username)s is already taken."),
                code="duplicate",
                params={"username": value},
            )
        return value


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search staff"), required=False, max_length=100)


class OwnPasswordForm(PasswordChangeForm):
    """Django's change form, with the validators' rules as one plain sentence (its own help
    text is an HTML list, which our field template shows inside a paragraph)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        rules = password_validation.password_validators_help_texts()
        self.fields["new_password1"].help_text = " ".join(rules)
