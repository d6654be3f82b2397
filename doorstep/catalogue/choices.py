"""Choices of the catalogue, with their labels (and colours where a screen shows them)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")

    @property
    def colour(self) -> str:
        return {"draft": "#8a5a00", "published": "#136b2e", "retired": "#3d4450"}[self.value]


class CaseType(models.TextChoices):
    ON_THE_SPOT = "on_the_spot", _("Done on the spot")  # 即办件
    PROMISED = "promised", _("Done within a promised time")  # 承诺件


class Place(models.TextChoices):
    """Where a matter can be done; a version lists several."""

    COMPOUND_DESK = "compound_desk", _("Desk in your compound")
    COMMUNITY = "community", _("Community service centre")
    STREET = "street", _("Street service centre")
    ONLINE = "online", _("Online")
    PROXY = "proxy", _("Done for you by the community (代办)")


class MaterialType(models.TextChoices):
    CERTIFICATE = "certificate", _("Certificate")
    FORM = "form", _("Form")
    OTHER = "other", _("Other")


class MaterialForm(models.TextChoices):
    PAPER = "paper", _("Paper")
    ELECTRONIC = "electronic", _("Electronic")
    BOTH = "both", _("Paper or electronic")


class Necessity(models.TextChoices):
    REQUIRED = "required", _("Required")
    OPTIONAL = "optional", _("Optional")
    LATER = "later", _("May be supplied later")  # 容缺


class MaterialSource(models.TextChoices):
    APPLICANT = "applicant", _("Brought by the applicant")
    GOVERNMENT = "government", _("Issued by a government office")


class ChangeAction(models.TextChoices):
    DRAFT_CREATED = "draft_created", _("Draft created")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")
