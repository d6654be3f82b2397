"""Residents, their tags and certificates, and the access log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.core import crypto, idnumber, phone
from doorstep.places.models import Area, Household
from doorstep.staff.scoping import ScopedQuerySet

from .choices import AccessAction, ImportPhase, ImportStatus, Preference, ResidentStatus, Sex


class Tag(models.Model):
    """A label on a resident (elderly living alone, low income, veteran …): data, not code."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=40, unique=True)
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class ResidentQuerySet(ScopedQuerySet):
    area_field = "area_code"
    capability = "view_residents"

    def by_id_number(self, number: str) -> ResidentQuerySet:
        return self.filter(id_hash=crypto.keyed_hash(idnumber.normalize(number)))


class Resident(models.Model):
    """A person in the registry.

    The ID number is stored only encrypted (``id_cipher``) with a keyed hash for exact lookup
    and a keyed hash of its last four characters for search by tail; what the screens show and
    search (masked number, birth date, sex, pinyin) is derived from it once, when it is written.
    Nothing stored in plain text narrows the number to fewer than the ~500 that share its area,
    birth date and sex.
    """

    name = models.CharField(_("full name"), max_length=50, db_index=True)
    name_pinyin = models.CharField(_("name in pinyin"), max_length=200, db_index=True)
    name_initials = models.CharField(_("pinyin initials"), max_length=50, db_index=True)
    id_cipher = models.TextField(_("ID number (encrypted)"))
    id_hash = models.CharField(_("ID number lookup hash"), max_length=40, unique=True)
    # The area code and stars only: with the plain birth date, any tail would rebuild it.
    id_masked = models.CharField(_("ID number"), max_length=18)
    # Keyed hash of the last four characters (``crypto.tail_hash``): search by tail, and no part
    # of the tail in plain text (area, birth date and sex are plain; the tail would complete it).
    id_tail_hash = models.CharField(_("ID number tail (hashed)"), max_length=40, db_index=True)
    birth_date = models.DateField(_("birth date"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    phone = models.CharField(_("mobile"), max_length=11, blank=True)
    phone_tail = models.CharField(
        _("last 4 of the mobile"), max_length=4, blank=True, db_index=True
    )
    notify_channel = models.CharField(
        _("notifications by"),
        max_length=8,
        choices=Preference.choices,
        default=Preference.SMS,
        db_default=Preference.SMS,
    )
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="residents", verbose_name=_("area")
    )
    area_code = models.CharField(_("area code"), max_length=15, db_index=True)
    household = models.ForeignKey(
        Household,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("household"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ResidentStatus.choices, default=ResidentStatus.ACTIVE
    )
    tags = models.ManyToManyField(Tag, through="ResidentTag", blank=True, verbose_name=_("tags"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed at"), auto_now=True)

    objects = ResidentQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        permissions = [("reveal_id_number", _("Can reveal full ID and phone numbers"))]
        verbose_name = _("resident")
        verbose_name_plural = _("residents")

    def __str__(self) -> str:
        return f"{self.name} ({self.id_masked})"

    @property
    def phone_masked(self) -> str:
        return phone.mask(self.phone)

    def id_number(self) -> str:
        """The full ID number. Callers must check permission and log (``do_reveal``)."""
        return crypto.decrypt(self.id_cipher)


class ResidentTag(models.Model):
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, verbose_name=_("resident"))
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, verbose_name=_("tag"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resident", "tag"], name="residenttag_unique")
        ]

    def __str__(self) -> str:
        return f"{self.resident_id}:{self.tag_id}"


class CertificateType(models.Model):
    """A kind of card residents hold (残疾人证, 老年人优待证, 居住证 …)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60, unique=True)
    issuer = models.CharField(_("issued by"), max_length=60, blank=True)
    validity_years = models.PositiveSmallIntegerField(_("validity (years)"), null=True, blank=True)
    renewal_window_days = models.PositiveSmallIntegerField(
        _("renewal window (days before expiry)"),
        null=True,
        blank=True,
        help_text=_("How many days before expiry a renewal may start; empty: not renewed ahead."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("certificate type")
        verbose_name_plural = _("certificate types")

    def __str__(self) -> str:
        return self.name


class Certificate(models.Model):
    """A certificate a resident holds, with its dates."""

    resident = models.ForeignKey(
        Resident,
        on_delete=models.CASCADE,
        related_name="certificates",
        verbose_name=_("resident"),
    )
    type = models.ForeignKey(CertificateType, on_delete=models.PROTECT, verbose_name=_("type"))
    number = models.CharField(_("number"), max_length=40)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["expires_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["type", "number"], name="certificate_unique_number"),
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True)
                | models.Q(expires_on__gt=models.F("issued_on")),
                name="certificate_expires_after_issue",
            ),
        ]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self) -> str:
        return f"{self.type} {self.number}"


class AccessLog(models.Model):
    """Who looked at or changed whose record, when. Append-only."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("staff"),
    )
    resident = models.ForeignKey(
        Resident,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="access_logs",
        verbose_name=_("resident"),
    )
    action = models.CharField(_("action"), max_length=16, choices=AccessAction.choices)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["resident", "at"], name="accesslog_resident_at")]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.get_action_display()}"


class ImportBatch(models.Model):
    """One registry import: who, which file, the outcome counts and the rejected rows."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("staff"),
    )
    filename = models.CharField(_("file"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices)
    total = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("new residents"), default=0)
    updated = models.PositiveIntegerField(_("residents updated"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    seconds = models.FloatField(_("seconds"), default=0)
    # A web upload is imported by a background task (``tasks.import_registry``): its stored,
    # encrypted file (``uploads``) while it waits or while "import the valid rows" is on offer,
    # and its progress.
    file_token = models.CharField(_("stored file"), max_length=40, blank=True)
    valid_only = models.BooleanField(_("valid rows only"), default=False)
    phase = models.CharField(_("phase"), max_length=10, blank=True, choices=ImportPhase.choices)
    done = models.PositiveIntegerField(_("rows done"), default=0)
    to_do = models.PositiveIntegerField(_("rows to write"), default=0)
    file_error = models.TextField(_("file refused because"), blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING)

    @property
    def offers_valid_rows(self) -> bool:
        """Some rows were refused, so nothing was written; the others may be imported."""
        return (
            self.status == ImportStatus.FAILED
            and not self.valid_only
            and not self.file_error
            and 0 < self.rejected < self.total
            and bool(self.file_token)
        )
