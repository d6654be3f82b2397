"""Forms of the registry screens. They validate input and hand it to the actions; they never
write themselves."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from doorstep.core import idnumber, phone
from doorstep.places.choices import AreaKind
from doorstep.places.models import Area
from doorstep.staff.roles import EDIT_RESIDENTS, VIEW_RESIDENTS
from doorstep.staff.scoping import area_prefixes, prefix_q

from . import actions
from .choices import ResidentStatus
from .models import Certificate, CertificateType, Resident, Tag

_INDENT = {AreaKind.DISTRICT: 0, AreaKind.STREET: 1, AreaKind.COMMUNITY: 2, AreaKind.COMPOUND: 3}


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Area) -> str:
        return "\u3000" * _INDENT.get(obj.kind, 0) + obj.name


def areas_for(user, capability: str, kinds: list[str] | None = None):
    """The areas inside the user's grants for ``capability``, for a choice list."""
    qs = Area.objects.filter(prefix_q("code", area_prefixes(user, capability)))
    return qs.filter(kind__in=kinds) if kinds else qs


def add_action_errors(form: forms.Form, error: ValidationError) -> None:
    """Put an action's ValidationError on the form: on its field when the form has it."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else NON_FIELD_ERRORS, errors)


class ResidentFilterForm(forms.Form):
    tag = forms.ModelChoiceField(
        Tag.objects.all(), to_field_name="code", required=False, label=_("Tag")
    )
    area = AreaChoiceField(Area.objects.none(), to_field_name="code", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas_for(user, VIEW_RESIDENTS)
        self.fields["area"].label = _("Area")
        self.fields["tag"].empty_label = _("All tags")
        self.fields["area"].empty_label = _("All my areas")

    def apply(self, residents):
        if self.cleaned_data.get("tag"):
            residents = residents.filter(tags=self.cleaned_data["tag"])
        if self.cleaned_data.get("area"):
            residents = residents.within(self.cleaned_data["area"].code)
        return residents


class ResidentForm(forms.Form):
    """Create (with ID number) or edit (with status) a resident."""

    name = forms.CharField(label=_("Name"), max_length=50)
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=30,
        help_text=_("18 characters: 17 digits and a last digit or X."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    mobile = forms.CharField(
        label=_("Mobile"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    remove_phone = forms.BooleanField(label=_("Remove the mobile number"), required=False)
    area = AreaChoiceField(Area.objects.none(), label=_("Compound or community"))
    building = forms.CharField(label=_("Building"), max_length=20, required=False)
    room = forms.CharField(label=_("Room"), max_length=20, required=False)
    tags = forms.ModelMultipleChoiceField(
        Tag.objects.all(),
        label=_("Tags"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=ResidentStatus.choices)

    def __init__(self, *args, user, resident: Resident | None = None, **kwargs):
        self.user, self.resident = user, resident
        if resident is not None and "initial" not in kwargs:
            kwargs["initial"] = _initial(resident)
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas_for(
            user, EDIT_RESIDENTS, [AreaKind.COMMUNITY, AreaKind.COMPOUND]
        )
        if resident is None:
            del self.fields["status"], self.fields["remove_phone"]
        else:
            del self.fields["id_number"]
            # The stored number is never put in the page (that would show it in full outside
            # the logged reveal): the field starts blank, and blank keeps it.
            if resident.phone:
                self.fields["mobile"].help_text = _(
                    "On file: %(masked)s. Leave blank to keep it, or type a new number."
                ) % {"masked": resident.phone_masked}
            else:
                del self.fields["remove_phone"]

    def clean_id_number(self) -> str:
        return idnumber.check(self.cleaned_data["id_number"]).number

    def clean_mobile(self) -> str:
        value = self.cleaned_data["mobile"].strip()
        return phone.check(value) if value else ""

    def clean(self) -> dict:
        data = super().clean()
        if data.get("remove_phone") and data.get("mobile"):
            self.add_error(
                "mobile", _("Type a new number or tick “Remove the mobile number”, not both.")
            )
        return data

    @transaction.atomic
    def save(self, *, actor) -> Resident:
        """Write through the actions, household and resident in one transaction."""
        data = self.cleaned_data
        mobile = data["mobile"]
        if self.resident is not None and not mobile and not data.get("remove_phone"):
            mobile = self.resident.phone
        household = actions.do_ensure_household(
            actor=actor, compound=data["area"], building=data["building"], room=data["room"]
        )
        common = {
            "actor": actor,
            "name": data["name"],
            "area": data["area"],
            "mobile": mobile,
            "household": household,
            "note": data["note"],
            "tags": list(data["tags"]),
        }
        if self.resident is None:
            return actions.do_create_resident(id_number=data["id_number"], **common)
        return actions.do_update_resident(self.resident, status=data["status"], **common)


def _initial(resident: Resident) -> dict:
    household = resident.household
    return {
        "name": resident.name,
        "area": resident.area_id,
        "building": household.building.number if household else "",
        "room": household.room if household else "",
        "tags": list(resident.tags.all()),
        "note": resident.note,
        "status": resident.status,
    }


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class CertificateForm(forms.Form):
    type = forms.ModelChoiceField(CertificateType.objects.all(), label=_("Certificate"))
    number = forms.CharField(label=_("Number"), max_length=40)
    issued_on = forms.DateField(label=_("Issued on"), widget=DateInput())
    expires_on = forms.DateField(label=_("Expires on"), required=False, widget=DateInput())

    def __init__(self, *args, certificate: Certificate | None = None, **kwargs):
        self.certificate = certificate
        if certificate is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "type": certificate.type_id,
                "number": certificate.number,
                "issued_on": certificate.issued_on,
                "expires_on": certificate.expires_on,
            }
        super().__init__(*args, **kwargs)

    def clean(self) -> dict:
        data = super().clean()
        issued, expires = data.get("issued_on"), data.get("expires_on")
        if issued and expires and expires <= issued:
            self.add_error("expires_on", _("The expiry date must be after the issue date."))
        return data

    def save(self, resident: Resident, *, actor) -> Certificate:
        return actions.do_save_certificate(
            resident, actor=actor, certificate=self.certificate, **self.cleaned_data
        )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Registry file (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.xls"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["data-max-bytes"] = settings.DOORSTEP_IMPORT_MAX_UPLOAD

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.DOORSTEP_IMPORT_MAX_UPLOAD:
            raise ValidationError(too_large_message(), code="too_large")
        return upload


def too_large_message() -> str:
    return _(
        "This file is larger than %(max)s, the most the web page accepts. Ask your system "
        "administrator to import it on the server with the command "
        "“doorstep import-residents FILE”."
    ) % {"max": filesizeformat(settings.DOORSTEP_IMPORT_MAX_UPLOAD)}
