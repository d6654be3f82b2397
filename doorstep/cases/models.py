"""Cases (办件): one resident's matter from intake at the desk to its end.

The case holds its clock as columns (``due_on``, ``warn_on``, ``paused_since``) so that lists,
colours and the overdue sweep are indexed date comparisons, and ``revision`` so that two staff
acting at once cannot both win (every write is guarded by the revision it read).
"""

from __future__ import annotations

import datetime
import json
import secrets
from functools import cached_property

from django.conf import settings
from django.db import models
from django.db.models import F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doorstep.core import crypto
from doorstep.core.names import masked_name
from doorstep.notify.channels import masked_address
from doorstep.staff.roles import HANDLE_CASES, VIEW_CASES, reviewer_grants
from doorstep.staff.scoping import ALL, area_prefixes, minimal_prefixes, prefix_q

from .choices import (
    CLOSED,
    PAUSED,
    RUNNING,
    AgentKind,
    ApplicationStatus,
    CaseStatus,
    Clock,
    Delivery,
    DocumentKind,
    EventKind,
    ExtensionStatus,
    MaterialState,
    Result,
)


def local_today() -> datetime.date:
    return timezone.localdate()


# The one definition of a stopped clock, for filters and for aggregates alike.
PAUSED_Q = Q(status__in=sorted(PAUSED), paused_since__isnull=False)

# 跑动次数: ``trips`` counts the times the resident had to come back after the visit at which
# the case was taken. A promise of at most N in-person trips (最多跑一次 = 1) counts that visit
# as the first, so it allows N - 1 returns; a matter that needs no visit (0) allows none, and
# is not broken by the resident having come to the desk anyway.
TOO_MANY_TRIPS_Q = Q(max_trips__lte=1, trips__gt=0) | Q(max_trips__gt=1, trips__gte=F("max_trips"))


def returns_allowed(max_trips: int | None) -> int | None:
    """How many times the resident may have to come back under a promise of ``max_trips``."""
    return None if max_trips is None else max(max_trips - 1, 0)


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user) -> CaseQuerySet:
        """Cases in the user's areas (desk side and leads), plus those forwarded to a department
        the user reviews for, inside that reviewer grant's area. Nothing for anyone else."""
        prefixes = area_prefixes(user, VIEW_CASES)
        if prefixes is None:
            return self
        q = prefix_q("area_code", prefixes)
        for department_id, code in reviewer_grants(user):
            q |= Q(forwarded_to_id=department_id, area_code__prefix=code)
        return self.filter(q)

    def open(self) -> CaseQuerySet:
        return self.exclude(status__in=CLOSED)

    def running(self) -> CaseQuerySet:
        return self.filter(status__in=RUNNING)

    def overdue(self, today: datetime.date | None = None) -> CaseQuerySet:
        """Running cases past their due date (a stopped clock is never overdue)."""
        return self.running().filter(due_on__lt=today or local_today())

    def due_soon(self, today: datetime.date | None = None) -> CaseQuerySet:
        today = today or local_today()
        return self.running().filter(warn_on__lte=today, due_on__gte=today)

    def awaiting_materials(self) -> CaseQuerySet:
        """Open cases accepted with a material still to follow (容缺) and its deadline."""
        pending = CaseMaterial.objects.filter(case=OuterRef("pk"), state=MaterialState.PENDING)
        return self.open().filter(models.Exists(pending), pending_deadline__isnull=False)

    def newly_overdue(self, today: datetime.date | None = None) -> CaseQuerySet:
        return self.overdue(today).filter(overdue_at__isnull=True)

    def too_many_trips(self) -> CaseQuerySet:
        return self.filter(TOO_MANY_TRIPS_Q)

    def paused(self) -> CaseQuerySet:
        """Accepted cases whose clock is stopped while the resident corrects or supplies
        materials (the dashboard's "paused" figure counts ``PAUSED_Q`` too)."""
        return self.filter(PAUSED_Q)

    def review_queue(self, user) -> CaseQuerySet:
        """Cases waiting for a decision of a department ``user`` reviews for (all forwarded
        cases for a superuser). Scope by area with ``visible_to`` as well."""
        forwarded = self.filter(status=CaseStatus.FORWARDED)
        if getattr(user, "is_superuser", False):
            return forwarded
        return forwarded.filter(forwarded_to_id__in={d for d, _code in reviewer_grants(user)})


class Case(models.Model):
    """One resident's matter. Written only through ``cases.actions``."""

    receipt = models.CharField(_("receipt number"), max_length=20, unique=True)
    resident = models.ForeignKey(
        "people.Resident",
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("resident"),
    )
    # The resident's area when the case was taken in: scoping never needs a join.
    area_code = models.CharField(_("area code"), max_length=15, db_index=True)
    service = models.ForeignKey(
        "catalogue.Service", on_delete=models.PROTECT, related_name="+", verbose_name=_("service")
    )
    version = models.ForeignKey(
        "catalogue.ServiceVersion",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("service version"),
    )
    department = models.ForeignKey(
        "catalogue.Department",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("department"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.DRAFT
    )
    revision = models.PositiveIntegerField(_("revision"), default=1)

    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="handled_cases",
        verbose_name=_("handled by"),
    )
    created_at = models.DateTimeField(_("taken in at"), default=timezone.now)
    idempotency_key = models.CharField(_("idempotency key"), max_length=64, blank=True)

    # 代办: who brought the matter, and the resident's consent when it was not the resident.
    agent_kind = models.CharField(
        _("brought by"), max_length=8, choices=AgentKind.choices, default=AgentKind.SELF
    )
    agent_name = models.CharField(_("agent's name"), max_length=40, blank=True)
    agent_phone = models.CharField(_("agent's phone"), max_length=20, blank=True)
    agent_relation = models.CharField(_("relation to the resident"), max_length=20, blank=True)
    consent = models.BooleanField(_("resident's consent recorded"), default=False)
    consent_note = models.CharField(_("how consent was given"), max_length=200, blank=True)

    # The clock (working days; see ``cases.clock``).
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    limit_days = models.PositiveSmallIntegerField(_("time limit (working days)"), null=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    # Counted across a year whose official holiday schedule is not entered yet (statutory
    # holidays only): the date may still move, and says so wherever it shows.
    due_provisional = models.BooleanField(
        _("due date provisional"), default=False, db_default=False
    )
    warn_on = models.DateField(_("due soon from"), null=True, blank=True)
    paused_since = models.DateField(_("clock stopped since"), null=True, blank=True)
    paused_days = models.PositiveSmallIntegerField(_("working days stopped"), default=0)
    pending_deadline = models.DateField(_("materials to follow by"), null=True, blank=True)
    # Set by the follow-up reminders (``do_remind_followups``) once the deadline passed with a
    # material still to follow; cleared when the last of them is received.
    followups_late = models.BooleanField(
        _("materials to follow are late"), default=False, db_default=False
    )
    overdue_at = models.DateTimeField(_("marked overdue at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # 延期: working days added to ``limit_days`` by approved extensions (``Extension``).
    extended_days = models.PositiveSmallIntegerField(
        _("working days added by extensions"), default=0, db_default=0
    )
    # 督办: a lead watches this case; set and cleared by ``do_set_supervision``.
    supervised = models.BooleanField(_("under supervision (督办)"), default=False, db_default=False)

    # The result, recorded on completion (办结).
    # Database defaults too: set-based writers (``proactive.runs``) insert cases column by column.
    result = models.CharField(
        _("result"), max_length=8, choices=Result.choices, blank=True, db_default=""
    )
    result_reason = models.TextField(_("reason for the result"), blank=True, db_default="")
    certificate_no = models.CharField(
        _("certificate number issued"), max_length=60, blank=True, db_default=""
    )
    delivery = models.CharField(
        _("how the result is delivered"),
        max_length=8,
        choices=Delivery.choices,
        blank=True,
        db_default="",
    )
    tracking_no = models.CharField(
        _("mail tracking number"), max_length=40, blank=True, db_default=""
    )

    # 跑动次数: times the resident had to come back (``TOO_MANY_TRIPS_Q``), against the most
    # in-person trips the service promises.
    trips = models.PositiveSmallIntegerField(_("trips back"), default=0)
    max_trips = models.PositiveSmallIntegerField(_("most trips allowed"), null=True, blank=True)

    forwarded_to = models.ForeignKey(
        "catalogue.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("forwarded to"),
    )
    forwarded_at = models.DateTimeField(_("forwarded at"), null=True, blank=True)
    # The rollup batch (``insight.Tally``) that counted this closed case (0: its closing action
    # did); None while the figures read it from this row (open cases, and closed ones not yet
    # rolled up).
    tally = models.PositiveIntegerField(_("tallied in"), null=True, blank=True, editable=False)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["handler", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="case_idempotency_key",
            ),
            models.CheckConstraint(
                condition=Q(agent_kind=AgentKind.SELF) | Q(consent=True),
                name="case_agent_needs_consent",
            ),
            models.CheckConstraint(
                condition=Q(due_on__isnull=True) | Q(accepted_on__isnull=False),
                name="case_due_after_acceptance",
            ),
            models.CheckConstraint(
                condition=~Q(delivery=Delivery.MAIL) | ~Q(tracking_no=""),
                name="case_mailed_has_tracking_number",
            ),
        ]
        indexes = [
            # The overdue sweep: running cases not yet marked, by due date.
            models.Index(
                fields=["due_on"],
                condition=Q(overdue_at__isnull=True, status__in=sorted(RUNNING)),
                name="case_sweep",
            ),
            models.Index(fields=["forwarded_to", "status"], name="case_department_queue"),
            models.Index(fields=["status", "due_on"], name="case_status_due"),
            # Figures read the cases not yet rolled up from the rows themselves.
            models.Index(
                fields=["area_code"], condition=Q(tally__isnull=True), name="case_untallied"
            ),
            # A rollup batch's rows; status too, so that the rows not rolled up of a status are
            # found through it (rather than through every row of that status).
            models.Index(fields=["tally", "status"], name="case_tally"),
        ]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return f"{self.receipt} · {self.service}"

    @property
    def status_choice(self) -> CaseStatus:
        return CaseStatus(self.status)

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED

    @property
    def is_paused(self) -> bool:
        return self.status in PAUSED and self.accepted_on is not None

    @property
    def too_many_trips(self) -> bool:
        allowed = returns_allowed(self.max_trips)
        return allowed is not None and self.trips > allowed

    @property
    def returns_allowed(self) -> int | None:
        return returns_allowed(self.max_trips)

    def clock(self, today: datetime.date | None = None) -> Clock:
        from .clock import colour

        return colour(self, today or local_today())


class CaseMaterial(models.Model):
    """One material of the case's service version, and where it stands for this case."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="materials", verbose_name=_("case")
    )
    material = models.ForeignKey(
        "catalogue.Material", on_delete=models.PROTECT, related_name="+", verbose_name=_("material")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    state = models.CharField(_("state"), max_length=12, choices=MaterialState.choices)
    # The certificate on record that made it unnecessary to ask for it.
    certificate = models.ForeignKey(
        "people.Certificate",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("certificate on record"),
    )
    # The notice that first asked for it, and why, when it was not in the first notice.
    notice = models.ForeignKey(
        "CaseDocument",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("asked for in"),
    )
    added_reason = models.CharField(_("why it was asked for later"), max_length=300, blank=True)
    provided_at = models.DateTimeField(_("provided at"), null=True, blank=True)

    class Meta:
        ordering = ["case", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "material"], name="casematerial_unique")
        ]
        verbose_name = _("case material")
        verbose_name_plural = _("case materials")

    def __str__(self) -> str:
        return f"{self.material.name}: {self.get_state_display()}"


class CaseDocument(models.Model):
    """A printed notice or receipt, as it was issued (the PDF is rendered from this snapshot)."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="documents", verbose_name=_("case")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=DocumentKind.choices)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    reason = models.TextField(_("reason"), blank=True)
    # [{"name", "necessity", "originals", "copies", "state", "reason"}], as listed on the paper.
    items = models.JSONField(_("materials listed"), default=list, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    due_provisional = models.BooleanField(
        _("due date provisional"), default=False, db_default=False
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)

    class Meta:
        ordering = ["case", "issued_at", "id"]
        verbose_name = _("case document")
        verbose_name_plural = _("case documents")

    def __str__(self) -> str:
        return f"{self.case.receipt} · {self.get_kind_display()}"


class CaseEvent(models.Model):
    """Append-only log: every transition, notice, trip, file and note of a case."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("case")
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
    from_status = models.CharField(_("from"), max_length=20, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=CaseStatus.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["case", "at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="caseevent_case_at")]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")

    def __str__(self) -> str:
        return f"{self.case_id} · {self.get_kind_display()} · {self.at:%Y-%m-%d %H:%M}"


class Extension(models.Model):
    """A request to extend a case's time limit (延期), with its reason, and a lead's or the
    department reviewer's decision. Only one waits at a time; the requester never decides."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="extensions", verbose_name=_("case")
    )
    days = models.PositiveSmallIntegerField(_("working days asked for"))
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ExtensionStatus.choices,
        default=ExtensionStatus.PENDING,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.TextField(_("decision note"), blank=True)
    due_was = models.DateField(_("due date before"), null=True, blank=True)
    due_after = models.DateField(_("due date after"), null=True, blank=True)

    class Meta:
        ordering = ["case", "requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status=ExtensionStatus.PENDING),
                name="extension_one_pending",
            ),
            models.CheckConstraint(condition=Q(days__gte=1), name="extension_days_positive"),
        ]
        verbose_name = _("extension")
        verbose_name_plural = _("extension requests")

    def __str__(self) -> str:
        return f"{self.case_id} · +{self.days} · {self.get_status_display()}"

    @property
    def status_choice(self) -> ExtensionStatus:
        return ExtensionStatus(self.status)


def attachment_path(instance: Attachment, filename: str) -> str:
    import secrets

    ext = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(
        instance.content_type, "bin"
    )
    return f"cases/{timezone.now():%Y/%m}/{secrets.token_hex(16)}.{ext}"


class Attachment(models.Model):
    """A scanned material (PDF, JPEG or PNG, checked by content), kept in Django storage and
    served only through an access-checked view."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("case")
    )
    material = models.ForeignKey(
        CaseMaterial,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("material"),
    )
    file = models.FileField(_("file"), upload_to=attachment_path)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        ordering = ["case", "uploaded_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


# ---- matters filed by another system -----------------------------------------------------------

# What another system may tell us about the applicant; all of it is kept encrypted, together.
CONTACT_FIELDS = ("first_name", "last_name", "phone", "email", "account_id", "device_id")
DESCRIPTION_MAX = 4000


def new_application_token() -> str:
    """22 URL-safe characters (128 random bits): the other system's handle on its application."""
    return secrets.token_urlsafe(16)


def applicant_name(first: str, last: str) -> str:
    """A name as Chinese writes it (surname first, no space: 张 + 景林), or "John Smith" when
    both parts are Latin letters."""
    first, last = (first or "").strip(), (last or "").strip()
    if (first + last).isascii():
        return " ".join(p for p in (first, last) if p)
    return f"{last}{first}"


class RemoteApplicationQuerySet(models.QuerySet):
    def visible_to(self, user) -> RemoteApplicationQuerySet:
        """Applications for compounds in the areas where ``user`` views or handles cases."""
        viewing = area_prefixes(user, VIEW_CASES)
        handling = area_prefixes(user, HANDLE_CASES)
        if viewing is ALL or handling is ALL:
            return self
        return self.filter(prefix_q("area_code", minimal_prefixes([*viewing, *handling])))

    def pending(self) -> RemoteApplicationQuerySet:
        return self.filter(status=ApplicationStatus.PENDING)


class RemoteApplication(models.Model):
    """A catalogue matter that another system (a city platform, a civic app; Open311's "batch"
    services) filed for a resident: it waits here until a clerk of the community takes it in at
    intake (``do_intake(application=…)``, which links the case) or declines it with a reason.

    Written only through ``cases.actions.applications``. The applicant's contact details, as
    the other system sent them, are stored encrypted in one column (``contact``); pages show
    the name and phone masked."""

    token = models.CharField(
        _("token"), max_length=32, unique=True, default=new_application_token, editable=False
    )
    service = models.ForeignKey(
        "catalogue.Service", on_delete=models.PROTECT, related_name="+", verbose_name=_("service")
    )
    compound = models.ForeignKey(
        "places.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("compound")
    )
    # The compound's code, read by scoping as ``Case.area_code`` is: no join.
    area_code = models.CharField(_("area code"), max_length=15)
    description = models.TextField(_("description"), max_length=DESCRIPTION_MAX, blank=True)
    # What the other system answered: {code: value or [values]}; and each question's wording as
    # it was asked then (definitions change; the answers must stay readable).
    attributes = models.JSONField(_("answers"), default=dict, blank=True)
    attribute_labels = models.JSONField(_("questions asked"), default=dict, blank=True)
    # AES-GCM (``core.crypto``) of a JSON object with the keys of ``CONTACT_FIELDS``.
    contact_cipher = models.TextField(_("applicant's contact (encrypted)"), blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("filed by"),
    )
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.PENDING,
    )
    case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("case"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("taken in or declined by"),
    )
    decided_at = models.DateTimeField(_("taken in or declined at"), null=True, blank=True)
    decline_reason = models.TextField(_("why it was declined"), blank=True)

    objects = RemoteApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["filed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case"], name="remoteapplication_one_per_case"),
            models.CheckConstraint(
                condition=Q(status=ApplicationStatus.TAKEN_IN, case__isnull=False)
                | (~Q(status=ApplicationStatus.TAKEN_IN) & Q(case__isnull=True)),
                name="remoteapplication_taken_in_has_case",
            ),
            models.CheckConstraint(
                condition=~Q(status=ApplicationStatus.DECLINED) | ~Q(decline_reason=""),
                name="remoteapplication_declined_has_reason",
            ),
        ]
        indexes = [
            # The clerk's queue: pending in my areas, oldest first.
            models.Index(
                fields=["area_code", "status", "filed_at"], name="remoteapplication_queue"
            ),
        ]
        verbose_name = _("application from another system")
        verbose_name_plural = _("applications from other systems")

    def __str__(self) -> str:
        return f"{self.token} · {self.service}"

    @property
    def status_choice(self) -> ApplicationStatus:
        return ApplicationStatus(self.status)

    @property
    def is_pending(self) -> bool:
        return self.status == ApplicationStatus.PENDING

    # The contact, decrypted once per instance.

    @cached_property
    def contact(self) -> dict[str, str]:
        if not self.contact_cipher:
            return dict.fromkeys(CONTACT_FIELDS, "")
        stored = json.loads(crypto.decrypt(self.contact_cipher))
        return {key: str(stored.get(key) or "") for key in CONTACT_FIELDS}

    def set_contact(self, contact: dict[str, str]) -> None:
        """Encrypt ``contact`` (keys of ``CONTACT_FIELDS``, already checked) into the row."""
        kept = {key: contact.get(key, "") for key in CONTACT_FIELDS}
        self.contact_cipher = crypto.encrypt(json.dumps(kept, ensure_ascii=False))
        self.__dict__["contact"] = kept

    @property
    def applicant(self) -> str:
        return applicant_name(self.contact["first_name"], self.contact["last_name"])

    @property
    def applicant_masked(self) -> str:
        return masked_name(self.applicant)

    @property
    def phone(self) -> str:
        return self.contact["phone"]

    @property
    def phone_masked(self) -> str:
        return masked_address(self.phone) if self.phone else ""

    @property
    def email_masked(self) -> str:
        email = self.contact["email"]
        return masked_address(email) if email else ""

    def answers(self) -> list[tuple[str, list[str]]]:
        """(question, values) in the order the other system sent them."""
        labels = self.attribute_labels or {}
        return [
            (labels.get(code) or code, value if isinstance(value, list) else [value])
            for code, value in (self.attributes or {}).items()
        ]


__all__ = [
    "Attachment",
    "Case",
    "CaseDocument",
    "CaseEvent",
    "CaseMaterial",
    "DocumentKind",
    "EventKind",
    "Extension",
    "MaterialState",
    "RemoteApplication",
]
