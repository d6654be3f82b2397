"""Disputes (纠纷) and their mediation (人民调解): parties, the notice of rights and duties,
sessions, the outcome, the callback, the file's documents and an append-only event log.

Deadlines are columns (``due_on``: the one-month target; ``confirmation_due``: the last day to
apply for court confirmation of a written agreement) so that lists, the home page and the sweep
are indexed date comparisons. Written only through ``disputes.actions``.
"""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doorstep.core import crypto, phone
from doorstep.staff.choices import Role
from doorstep.staff.roles import CAPABILITIES, VIEW_DISPUTES, user_grants
from doorstep.staff.scoping import minimal_prefixes, prefix_q

from .choices import (
    OPEN,
    DisputeStatus,
    DisputeType,
    DocumentKind,
    EventKind,
    Outcome,
    PartyKind,
    Performance,
    Recipient,
    RequestStatus,
    Risk,
    Source,
)

# Roles that see every dispute in their area; a mediator sees only the disputes assigned to them.
AREA_WIDE = frozenset(
    role for role, caps in CAPABILITIES.items() if VIEW_DISPUTES in caps and role != Role.MEDIATOR
)


def area_wide_prefixes(user) -> list[str] | None:
    """Area prefixes in which ``user`` sees every dispute (leads); ``None``: everywhere."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.is_superuser:
        return None
    return minimal_prefixes([code for role, code, _d in user_grants(user) if role in AREA_WIDE])


def mediator_prefixes(user) -> list[str]:
    """Area prefixes in which ``user`` mediates (and sees the disputes assigned to them)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    return minimal_prefixes([code for role, code, _d in user_grants(user) if role == Role.MEDIATOR])


class DisputeQuerySet(models.QuerySet):
    def visible_to(self, user) -> DisputeQuerySet:
        """Leads (community, street, district) see every dispute in their areas; a mediator
        only those assigned to them, inside their areas. Nobody else sees any."""
        wide = area_wide_prefixes(user)
        if wide is None:
            return self
        q = prefix_q("area_code", wide) if wide else Q(pk__in=[])
        own = mediator_prefixes(user)
        if own:
            q |= Q(prefix_q("area_code", own), mediator_id=user.pk)
        return self.filter(q)

    def open(self) -> DisputeQuerySet:
        return self.filter(status__in=sorted(OPEN))

    def overdue(self, today: datetime.date | None = None) -> DisputeQuerySet:
        return self.open().filter(due_on__lt=today or timezone.localdate())

    def callback_due(self) -> DisputeQuerySet:
        return self.filter(status=DisputeStatus.AGREEMENT, callback_at__isnull=True)

    def confirmation_running(self, today: datetime.date | None = None) -> DisputeQuerySet:
        return self.filter(
            outcome=Outcome.WRITTEN,
            confirmation_due__gte=today or timezone.localdate(),
        ).exclude(status=DisputeStatus.CLOSED)


def dispute_number() -> str:
    """A readable file number: TJ (调解) + the date + six random digits."""
    return f"TJ{timezone.localdate():%Y%m%d}{secrets.randbelow(10**6):06d}"


class Dispute(models.Model):
    """One dispute and its mediation file."""

    number = models.CharField(_("file number"), max_length=20, unique=True)
    status = models.CharField(
        _("status"), max_length=20, choices=DisputeStatus.choices, default=DisputeStatus.REGISTERED
    )
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    referred_by = models.CharField(_("referring body"), max_length=100, blank=True)
    type = models.CharField(_("type"), max_length=20, choices=DisputeType.choices)
    summary = models.TextField(_("facts and what is in dispute"))
    area = models.ForeignKey(
        "places.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("place")
    )
    # The area's code, copied: scoping never needs a join.
    area_code = models.CharField(_("area code"), max_length=15, db_index=True)
    building = models.ForeignKey(
        "places.Building",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("building"),
    )
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="mediated_disputes",
        verbose_name=_("mediator"),
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registered by"),
    )
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    # The one-month target (a calendar month from registration), moved only by an extension
    # every party consented to.
    due_on = models.DateField(_("to be mediated by"), db_index=True)
    extensions = models.PositiveSmallIntegerField(_("extensions"), default=0)

    risk = models.CharField(_("risk"), max_length=8, choices=Risk.choices, default=Risk.NONE)

    # The outcome.
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    responsibility = models.TextField(_("facts and responsibilities"), blank=True)
    terms = models.TextField(_("terms agreed"), blank=True)
    performance_how = models.CharField(_("how to perform"), max_length=300, blank=True)
    performance_where = models.CharField(_("where to perform"), max_length=200, blank=True)
    performance_by = models.DateField(_("perform by"), null=True, blank=True)
    # A written agreement takes effect on signature and seal (art. 29); court confirmation must be
    # applied for within 30 days of that (art. 33).
    effective_on = models.DateField(_("agreement in force from"), null=True, blank=True)
    confirmation_due = models.DateField(
        _("apply for court confirmation by"), null=True, blank=True, db_index=True
    )
    next_steps = models.TextField(_("where the parties may go next"), blank=True)
    referred_to = models.CharField(_("referred to"), max_length=100, blank=True)
    outcome_at = models.DateTimeField(_("outcome recorded at"), null=True, blank=True)

    # The callback (回访) on whether the agreement is kept.
    callback_at = models.DateTimeField(_("called back at"), null=True, blank=True)
    callback_on = models.DateField(_("callback date"), null=True, blank=True)
    callback_reached = models.BooleanField(_("parties reached"), null=True, blank=True)
    callback_performance = models.CharField(
        _("agreement kept"), max_length=10, choices=Performance.choices, blank=True
    )
    callback_notes = models.TextField(_("callback notes"), blank=True)

    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Set once by the sweep, so that each mediator is told once.
    overdue_at = models.DateTimeField(_("marked overdue at"), null=True, blank=True)
    confirmation_warned_at = models.DateTimeField(
        _("warned of the confirmation deadline at"), null=True, blank=True
    )

    objects = DisputeQuerySet.as_manager()

    class Meta:
        ordering = ["-registered_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(source__in=["police", "court", "government"]) | ~Q(referred_by=""),
                name="dispute_referral_names_body",
            ),
            models.CheckConstraint(
                condition=~Q(status="agreement") | ~Q(outcome=""),
                name="dispute_agreement_has_outcome",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_on"],
                condition=Q(overdue_at__isnull=True, status__in=sorted(OPEN)),
                name="dispute_sweep",
            ),
            models.Index(fields=["mediator", "status", "due_on"], name="dispute_worklist"),
        ]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")

    def __str__(self) -> str:
        return f"{self.number} · {self.get_type_display()}"

    @property
    def status_choice(self) -> DisputeStatus:
        return DisputeStatus(self.status)

    @property
    def risk_choice(self) -> Risk:
        return Risk(self.risk)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return self.is_open and self.due_on < (today or timezone.localdate())


class DisputeParty(models.Model):
    """A party: a resident from the registry, or someone not in it (name and phone). An
    outsider's phone is stored encrypted, with its masked form for display."""

    dispute = models.ForeignKey(
        Dispute, on_delete=models.CASCADE, related_name="parties", verbose_name=_("dispute")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=PartyKind.choices)
    resident = models.ForeignKey(
        "people.Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resident"),
    )
    name = models.CharField(_("name"), max_length=50)
    phone_cipher = models.TextField(_("phone (encrypted)"), blank=True)
    phone_masked = models.CharField(_("phone"), max_length=11, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    # The notice of rights and duties (告知书), acknowledged by the party before the first session.
    notice_at = models.DateTimeField(_("notice acknowledged at"), null=True, blank=True)
    notice_signed_by = models.CharField(_("signed by"), max_length=50, blank=True)
    notice_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        ordering = ["dispute", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="outsider", resident__isnull=True)
                | Q(kind="resident", resident__isnull=False),
                name="disputeparty_kind_matches",
            ),
            models.UniqueConstraint(
                fields=["dispute", "resident"],
                condition=Q(resident__isnull=False),
                name="disputeparty_resident_once",
            ),
        ]
        verbose_name = _("party")
        verbose_name_plural = _("parties")

    def __str__(self) -> str:
        return self.name

    def set_phone(self, number: str) -> None:
        self.phone_cipher = crypto.encrypt(number) if number else ""
        self.phone_masked = phone.mask(number) if number else ""

    @property
    def acknowledged(self) -> bool:
        return self.notice_at is not None


class MediatorRequest(models.Model):
    """A party's request for another mediator (art. 20: parties may choose their mediator),
    and the committee's decision on it."""

    dispute = models.ForeignKey(
        Dispute, on_delete=models.CASCADE, related_name="mediator_requests",
        verbose_name=_("dispute"),
    )  # fmt: skip
    party = models.ForeignKey(
        DisputeParty, on_delete=models.CASCADE, related_name="+", verbose_name=_("party")
    )
    reason = models.TextField(_("reason"))
    asked_at = models.DateTimeField(_("asked at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("recorded by"),
    )  # fmt: skip
    status = models.CharField(
        _("decision"), max_length=8, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("decided by"),
    )  # fmt: skip
    decision_note = models.TextField(_("decision note"), blank=True)
    new_mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("new mediator"),
    )  # fmt: skip

    class Meta:
        ordering = ["dispute", "asked_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dispute"], condition=Q(status="pending"), name="mediatorrequest_one_open"
            )
        ]
        verbose_name = _("request for another mediator")
        verbose_name_plural = _("requests for another mediator")

    def __str__(self) -> str:
        return f"{self.dispute_id} · {self.get_status_display()}"


class MediationSession(models.Model):
    """One mediation session and its record (a session record is required by law)."""

    dispute = models.ForeignKey(
        Dispute, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("dispute")
    )
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200)
    attendees = models.TextField(_("attendees"))
    record = models.TextField(_("record"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("recorded by"),
    )  # fmt: skip
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["dispute", "held_on", "id"]
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")

    def __str__(self) -> str:
        return f"{self.dispute_id} · {self.held_on}"


class DisputeEvent(models.Model):
    """Append-only log: every transition, party, notice, session, risk flag and callback."""

    dispute = models.ForeignKey(
        Dispute, on_delete=models.CASCADE, related_name="events", verbose_name=_("dispute")
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=EventKind.choices)
    verb = models.CharField(_("action"), max_length=20, blank=True)
    from_status = models.CharField(
        _("from"), max_length=20, choices=DisputeStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=DisputeStatus.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["dispute", "at", "id"]
        indexes = [models.Index(fields=["dispute", "at"], name="disputeevent_dispute_at")]
        verbose_name = _("dispute event")
        verbose_name_plural = _("dispute events")

    def __str__(self) -> str:
        return f"{self.dispute_id} · {self.get_kind_display()}"


def attachment_path(instance: DisputeAttachment, filename: str) -> str:
    ext = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(
        instance.content_type, "bin"
    )
    return f"disputes/{timezone.now():%Y/%m}/{secrets.token_hex(16)}.{ext}"


class DisputeAttachment(models.Model):
    """A scanned document of the mediation file (PDF, JPEG or PNG, checked by content), served
    only through an access-checked view."""

    dispute = models.ForeignKey(
        Dispute, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("dispute")
    )
    kind = models.CharField(_("document"), max_length=12, choices=DocumentKind.choices)
    file = models.FileField(_("file"), upload_to=attachment_path)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("uploaded by"),
    )  # fmt: skip
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        ordering = ["dispute", "uploaded_at", "id"]
        verbose_name = _("dispute attachment")
        verbose_name_plural = _("dispute attachments")

    def __str__(self) -> str:
        return self.original_name


__all__ = [
    "Dispute",
    "DisputeAttachment",
    "DisputeEvent",
    "DisputeParty",
    "EventKind",
    "MediationSession",
    "MediatorRequest",
    "Recipient",
]
