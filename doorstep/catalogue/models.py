"""The service catalogue (事项): departments, services, their versions and materials.

A ``Service`` is the stable identity (code, name, department) that desks and cases point at;
what a resident reads lives in a ``ServiceVersion``. At most one version of a service is
published and at most one is a draft; a published or retired version never changes (the cases
accepted under it keep it), so editing means a new draft, and publishing it retires the old one
(``actions.do_publish``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from doorstep.people import pinyin

from .choices import (
    CaseType,
    ChangeAction,
    MaterialForm,
    MaterialSource,
    MaterialType,
    Necessity,
    Place,
    VersionStatus,
)
from .files import validate_document


class ImmutableVersion(ValidationError):
    """Raised on any attempt to change a published or retired version."""


class Department(models.Model):
    """A government department that owns services (民政, 人社, 医保 …)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60, unique=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class ServiceType(models.Model):
    """A kind of matter (公共服务, 行政给付 …). Codes differ by province, so they are data."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=60)

    class Meta:
        ordering = ["code"]
        verbose_name = _("service type")
        verbose_name_plural = _("service types")

    def __str__(self) -> str:
        return self.name


class LifeEvent(models.Model):
    """A moment in a life that brings several matters at once (出生, 结婚, 退休 …)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=40, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("life event")
        verbose_name_plural = _("life events")

    def __str__(self) -> str:
        return self.name


class ServiceQuerySet(models.QuerySet):
    def public(self) -> ServiceQuerySet:
        """Active services with a published version (at most one each: no duplicates)."""
        return self.filter(is_active=True, versions__status=VersionStatus.PUBLISHED)


class Service(models.Model):
    """One matter in the catalogue; its content lives in versions."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="services", verbose_name=_("department")
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Search keys, written on save: full pinyin and initials (people.pinyin), and other words
    # residents use for the matter (低保 for 最低生活保障).
    name_pinyin = models.CharField(
        _("name in pinyin"), max_length=200, db_index=True, editable=False
    )
    name_initials = models.CharField(
        _("pinyin initials"), max_length=50, db_index=True, editable=False
    )
    keywords = models.CharField(
        _("other words for it"),
        max_length=200,
        blank=True,
        help_text=_("Words residents use for this matter, separated by spaces."),
    )

    # " dibao db zhuanjia zj": each keyword's pinyin and initials, each after a space.
    keywords_pinyin = models.CharField(
        _("keywords in pinyin"), max_length=600, blank=True, editable=False
    )

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name = self.name.strip()
        self.name_pinyin, self.name_initials = pinyin.keys(self.name)
        words = [k for word in self.keywords.split() for k in pinyin.keys(word) if k]
        self.keywords_pinyin = "".join(f" {w}" for w in words)[:600]
        fields = kwargs.get("update_fields")
        if fields is not None and {"name", "keywords"} & set(fields):
            kwargs["update_fields"] = {*fields, "name_pinyin", "name_initials", "keywords_pinyin"}
        super().save(*args, **kwargs)

    def published_version(self) -> ServiceVersion | None:
        return self.versions.filter(status=VersionStatus.PUBLISHED).first()


class ServiceVersion(models.Model):
    """What a service says at one time: conditions, limits, fee, places and materials."""

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="versions", verbose_name=_("service")
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    type = models.ForeignKey(
        ServiceType, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("type")
    )
    case_type = models.CharField(
        _("case type"), max_length=12, choices=CaseType.choices, default=CaseType.PROMISED
    )
    legal_limit_days = models.PositiveSmallIntegerField(
        _("legal time limit (working days)"), null=True, blank=True
    )
    promised_limit_days = models.PositiveSmallIntegerField(
        _("promised time limit (working days)"),
        default=0,
        help_text=_("0 for a matter done on the spot."),
    )
    fee_free = models.BooleanField(_("free of charge"), default=True)
    fee_amount = models.DecimalField(
        _("fee (yuan)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    fee_basis = models.CharField(_("basis of the fee"), max_length=200, blank=True)
    purpose = models.TextField(_("what it is for"), blank=True)
    eligibility = models.TextField(_("who qualifies"), blank=True)
    conditions = models.TextField(_("acceptance conditions"), blank=True)
    steps = models.TextField(_("steps"), blank=True, help_text=_("One step per line."))
    places = models.JSONField(_("where it can be done"), default=list, blank=True)
    max_trips = models.PositiveSmallIntegerField(
        _("most in-person trips"),
        default=1,
        help_text=_("1 = at most one trip (最多跑一次); 0 = no need to come in."),
    )
    enquiry_phone = models.CharField(_("enquiry phone"), max_length=40, blank=True)
    life_events = models.ManyToManyField(
        LifeEvent, blank=True, related_name="versions", verbose_name=_("life events")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )

    class Meta:
        ordering = ["service", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["service", "number"], name="serviceversion_number"),
            models.UniqueConstraint(
                fields=["service"],
                condition=Q(status="published"),
                name="serviceversion_one_published",
            ),
            models.UniqueConstraint(
                fields=["service"], condition=Q(status="draft"), name="serviceversion_one_draft"
            ),
            models.CheckConstraint(
                condition=Q(fee_free=True) | Q(fee_amount__isnull=False),
                name="serviceversion_fee_amount",
            ),
        ]
        verbose_name = _("service version")
        verbose_name_plural = _("service versions")

    def __str__(self) -> str:
        return f"{self.service} v{self.number} ({self.get_status_display()})"

    def save(self, *args, **kwargs):
        # Status changes go through the actions' guarded updates, never through save().
        if self.pk and not _is_draft(self.pk):
            raise ImmutableVersion(_("A published or retired version cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.pk and not _is_draft(self.pk):
            raise ImmutableVersion(_("A published or retired version cannot be deleted."))
        return super().delete(*args, **kwargs)

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT

    def clean(self) -> None:
        unknown = set(self.places or []) - set(Place.values)
        if unknown:
            raise ValidationError({"places": _("Unknown place: %s") % ", ".join(sorted(unknown))})
        if not self.fee_free and self.fee_amount is None:
            raise ValidationError({"fee_amount": _("Give the fee, or mark it free of charge.")})

    def place_labels(self) -> list[str]:
        return [str(Place(p).label) for p in Place.values if p in (self.places or [])]

    def time_limit_text(self) -> str:
        if self.case_type == CaseType.ON_THE_SPOT or not self.promised_limit_days:
            return str(_("Done on the spot"))
        return str(_("%(n)d working days")) % {"n": self.promised_limit_days}

    def fee_text(self) -> str:
        if self.fee_free:
            return str(_("Free"))
        return str(_("%(amount)s yuan")) % {"amount": self.fee_amount}

    def trips_text(self) -> str:
        if self.max_trips == 0:
            return str(_("No need to come in"))
        if self.max_trips == 1:
            return str(_("At most one trip"))
        return str(_("At most %(n)d trips")) % {"n": self.max_trips}

    def step_list(self) -> list[str]:
        return [s.strip() for s in self.steps.splitlines() if s.strip()]


def _is_draft(version_pk: int) -> bool:
    status = ServiceVersion.objects.filter(pk=version_pk).values_list("status", flat=True).first()
    return status in (None, VersionStatus.DRAFT)


@receiver(m2m_changed, sender=ServiceVersion.life_events.through)
def _guard_life_events(sender, instance, action, **kwargs):
    if action.startswith("pre_") and isinstance(instance, ServiceVersion):
        if instance.pk and not _is_draft(instance.pk):
            raise ImmutableVersion(_("A published or retired version cannot be changed."))


class DraftOnly(models.Model):
    """Rows that belong to a version and change only while it is a draft."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not _is_draft(self.version_id):
            raise ImmutableVersion(_("A published or retired version cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if not _is_draft(self.version_id):
            raise ImmutableVersion(_("A published or retired version cannot be changed."))
        return super().delete(*args, **kwargs)


class Material(DraftOnly):
    """One document a version asks for."""

    version = models.ForeignKey(
        ServiceVersion,
        on_delete=models.CASCADE,
        related_name="materials",
        verbose_name=_("version"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=100)
    type = models.CharField(
        _("type"), max_length=12, choices=MaterialType.choices, default=MaterialType.OTHER
    )
    form = models.CharField(
        _("form"), max_length=12, choices=MaterialForm.choices, default=MaterialForm.PAPER
    )
    originals = models.PositiveSmallIntegerField(_("originals"), default=1)
    copies = models.PositiveSmallIntegerField(_("copies"), default=0)
    necessity = models.CharField(
        _("necessity"), max_length=10, choices=Necessity.choices, default=Necessity.REQUIRED
    )
    source = models.CharField(
        _("source"), max_length=12, choices=MaterialSource.choices, default=MaterialSource.APPLICANT
    )
    # A certificate the registry may already hold: when the resident has a valid one on record,
    # intake ticks this material and never asks for it.
    certificate_type = models.ForeignKey(
        "people.CertificateType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("certificate on record"),
        help_text=_("Issued by government: the certificate type that satisfies it when on file."),
    )
    blank_form = models.FileField(
        _("blank form"),
        upload_to="catalogue/forms/%Y/",
        blank=True,
        validators=[validate_document],
    )
    sample = models.FileField(
        _("filled sample"),
        upload_to="catalogue/samples/%Y/",
        blank=True,
        validators=[validate_document],
    )
    how_to_fill = models.TextField(_("how to fill it in"), blank=True)

    class Meta:
        ordering = ["version", "position", "id"]
        verbose_name = _("material")
        verbose_name_plural = _("materials")

    def __str__(self) -> str:
        return self.name


class FAQ(DraftOnly):
    """A question residents often ask about a version, with its answer."""

    version = models.ForeignKey(
        ServiceVersion, on_delete=models.CASCADE, related_name="faqs", verbose_name=_("version")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    question = models.CharField(_("question"), max_length=200)
    answer = models.TextField(_("answer"))

    class Meta:
        ordering = ["version", "position", "id"]
        verbose_name = _("question and answer")
        verbose_name_plural = _("questions and answers")

    def __str__(self) -> str:
        return self.question


class ServiceChange(models.Model):
    """Who made a draft, published or retired which version, when. Append-only."""

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="changes", verbose_name=_("service")
    )
    version = models.ForeignKey(
        ServiceVersion, on_delete=models.CASCADE, related_name="+", verbose_name=_("version")
    )
    action = models.CharField(_("action"), max_length=16, choices=ChangeAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("catalogue change")
        verbose_name_plural = _("catalogue changes")

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.version}"


class Synonym(models.Model):
    """Words residents use for the same thing (补办 补领 遗失补领): a search for any of them
    looks for all of them. Data, so administrators can add the words their residents use."""

    words = models.CharField(
        _("words"),
        max_length=200,
        unique=True,
        help_text=_(
            "Two or more words that mean the same to a resident, separated by spaces "
            "(for example 低保 最低生活保障)."
        ),
    )

    class Meta:
        ordering = ["words"]
        verbose_name = _("synonyms")
        verbose_name_plural = _("synonyms")

    def __str__(self) -> str:
        return self.words

    def save(self, *args, **kwargs):
        from .search import split_synonyms

        self.words = " ".join(split_synonyms(self.words))
        super().save(*args, **kwargs)

    def clean(self) -> None:
        from .search import split_synonyms

        words = split_synonyms(self.words)
        if len(words) < 2:
            raise ValidationError({"words": _("Give at least two words.")})
        bad = [w for w in words if len(w) > 20 or not w.isalnum()]
        if bad:
            raise ValidationError(
                {"words": _("Use only characters, letters and digits: %s") % " ".join(bad)}
            )
        self.words = " ".join(words)
