"""API keys: how another system calls the API. A key belongs to a (system) user account with role
grants like any person's, so the same ``visible_to`` and ``access_*`` rules answer for it."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doorstep.core import tokens

PREFIX_LENGTH = 8


# The one way to make and keep a secret handed to another system (re-exported for the API).
digest = tokens.digest


class ApiKeyQuerySet(models.QuerySet):
    def usable(self) -> ApiKeyQuerySet:
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiKey(models.Model):
    """A secret for one named system. Shown once when made; only its digest is kept."""

    name = models.CharField(_("name"), max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_keys",
        verbose_name=_("acts as"),
    )
    prefix = models.CharField(_("prefix"), max_length=PREFIX_LENGTH, editable=False)
    hashed = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def new_secret() -> str:
        return tokens.new_secret()

    def set_secret(self, secret: str) -> None:
        self.prefix = secret[:PREFIX_LENGTH]
        self.hashed = digest(secret)


class Datatype(models.TextChoices):
    """The datatypes of an Open311 service definition's attributes (GeoReport v2)."""

    STRING = "string", _("Short text")
    NUMBER = "number", _("Number")
    DATETIME = "datetime", _("Date and time")
    TEXT = "text", _("Long text")
    SINGLE = "singlevaluelist", _("One of a list")
    MULTI = "multivaluelist", _("Several of a list")


LISTS = frozenset({Datatype.SINGLE, Datatype.MULTI})


class Open311Attribute(models.Model):
    """One question an Open311 client asks when a resident files a need category (a realtime
    service) or a matter (a batch service): the service definition's ``attributes``."""

    need_category = models.ForeignKey(
        "needs.NeedCategory",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("need category"),
    )
    service = models.ForeignKey(
        "catalogue.Service",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("matter"),
    )
    code = models.SlugField(_("code"), max_length=40)
    datatype = models.CharField(_("datatype"), max_length=16, choices=Datatype.choices)
    required = models.BooleanField(_("required"), default=False)
    description = models.CharField(
        _("question"), max_length=200, help_text=_("The question as the resident reads it.")
    )
    datatype_description = models.CharField(
        _("how to answer"),
        max_length=200,
        blank=True,
        help_text=_("For example: a whole number of lamps, or a date and time."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    values = models.JSONField(
        _("choices"),
        default=list,
        blank=True,
        help_text=_('For the list datatypes: [["key", "name"], …].'),
    )

    class Meta:
        ordering = ["order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(need_category__isnull=False, service__isnull=True)
                    | models.Q(need_category__isnull=True, service__isnull=False)
                ),
                name="open311attr_one_service",
            ),
            models.UniqueConstraint(
                fields=["need_category", "code"], name="open311attr_category_code"
            ),
            models.UniqueConstraint(fields=["service", "code"], name="open311attr_service_code"),
        ]
        verbose_name = _("Open311 question")
        verbose_name_plural = _("Open311 questions")

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        if (self.need_category_id is None) == (self.service_id is None):
            raise ValidationError(_("Choose a need category or a matter, not both."))
        if self.code.startswith("material-"):
            raise ValidationError({"code": _("Codes beginning with material- are reserved.")})
        pairs = self.values if isinstance(self.values, list) else None
        well_formed = pairs is not None and all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(s, str) and s for s in p)
            for p in pairs
        )
        if not well_formed:
            raise ValidationError({"values": _('Write the choices as [["key", "name"], …].')})
        if (self.datatype in LISTS) != bool(pairs):
            raise ValidationError(
                {"values": _("List datatypes need choices; the others take none.")}
            )
        if len({k for k, _name in pairs}) != len(pairs):
            raise ValidationError({"values": _("Each choice needs its own key.")})

    def choice_keys(self) -> set[str]:
        return {key for key, _name in self.values}


class ServiceListState(models.Model):
    """When the Open311 service list last changed (discovery's and the list's ``changeset``):
    one row, moved on when the list's fingerprint differs from the one kept."""

    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("Open311 service list state")
        verbose_name_plural = _("Open311 service list states")

    def __str__(self) -> str:
        return self.changed_at.isoformat()
