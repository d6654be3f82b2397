"""Needs (急难愁盼): a problem raised by a resident (or found by a visit) tracked to resolution.

A need has exactly one owner at any time (首接负责): a member of staff, a department or an
outside body (``ExternalBody``). Handing it on is a ``NeedHandoff`` that the receiver accepts
or refuses; until then the giver still owns it. Every owner a need ever had is a
``NeedOwnership`` row, so "its current and past owners" (who may see a sensitive need) is one
indexed lookup.

The feedback deadline is a column (``feedback_due_at``, indexed with the status) so that lists,
colours and the escalation sweep are indexed comparisons; ``revision`` guards every write.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doorstep.staff.roles import REVIEW_NEEDS, VIEW_NEEDS, reviewer_grants
from doorstep.staff.scoping import area_prefixes, prefix_q

from .choices import (
    FOUND_FIRST,
    OPEN,
    RUNNING,
    BodyKind,
    Decision,
    EventKind,
    GovernanceStatus,
    HandoffStatus,
    Kind,
    Level,
    LimitUnit,
    NeedStatus,
    OwnerKind,
    Source,
    Urgency,
)


class NeedCategory(models.Model):
    """What a need is about, and how soon the resident must hear back (data, not code)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60, unique=True)
    limit = models.PositiveSmallIntegerField(_("feedback within"))
    unit = models.CharField(_("unit"), max_length=12, choices=LimitUnit.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("in use"), default=True)
    public = models.BooleanField(
        _("public space"),
        default=False,
        help_text=_(
            "Problems in shared spaces (lights, lifts, rubbish, roads, noise) that other "
            "systems may file through Open311 and that are listed publicly, without names."
        ),
    )
    # Who answers for a need of this category at the top of the ladder: the escalation sweep
    # tells this department's reviewers over the need's area (none: the district leads).
    department = models.ForeignKey(
        "catalogue.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="need_categories",
        verbose_name=_("department"),
        help_text=_(
            "The department whose reviewers are told when a need of this category reaches "
            "the department level. Empty: the district leads are told."
        ),
    )

    class Meta:
        ordering = ["position", "code"]
        constraints = [models.CheckConstraint(condition=Q(limit__gte=1), name="needcat_limit")]
        verbose_name = _("need category")
        verbose_name_plural = _("need categories")

    def __str__(self) -> str:
        return self.name


class ExternalBody(models.Model):
    """An outside body a need can be handed to (物业, the water company …), for one area and
    everything under it. It is reached by a message with a signed link, never a login."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=BodyKind.choices)
    area = models.ForeignKey(
        "places.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    area_code = models.CharField(_("area code"), max_length=15, db_index=True, editable=False)
    phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    email = models.EmailField(_("contact email"), blank=True)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["area_code", "name"]
        verbose_name = _("outside body")
        verbose_name_plural = _("outside bodies")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.area_code = self.area.code
        super().save(*args, **kwargs)


class NeedQuerySet(models.QuerySet):
    def visible_to(self, user) -> NeedQuerySet:
        """Needs in the user's areas (sensitive ones only to REVIEW_NEEDS holders there), plus
        every need the user (or a department they review for) owns, owned, or is asked to
        take on, and the needs at the department level whose category that department answers
        for. Nothing for anyone else."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        view = area_prefixes(user, VIEW_NEEDS)
        review = area_prefixes(user, REVIEW_NEEDS)
        q = (prefix_q("area_code", view) & Q(sensitive=False)) if view else Q(pk__in=[])
        if review:
            q |= prefix_q("area_code", review)
        owned = NeedOwnership.objects.filter(user_id=user.pk).values("need_id")
        asked = NeedHandoff.objects.filter(to_user_id=user.pk, status=HandoffStatus.PENDING).values(
            "need_id"
        )
        q |= Q(pk__in=owned) | Q(pk__in=asked)
        for department_id, code in reviewer_grants(user):
            mine = NeedOwnership.objects.filter(department_id=department_id).values("need_id")
            pending = NeedHandoff.objects.filter(
                to_department_id=department_id, status=HandoffStatus.PENDING
            ).values("need_id")
            # At the top of the ladder the category's department answers for the need (the
            # escalation sweep tells its reviewers, with a link to the need).
            top = Q(level=Level.DEPARTMENT, category__department_id=department_id)
            q |= Q(Q(pk__in=mine) | Q(pk__in=pending) | top, area_code__prefix=code)
        return self.filter(q)

    def open(self) -> NeedQuerySet:
        return self.filter(status__in=sorted(OPEN))

    def running(self) -> NeedQuerySet:
        return self.filter(status__in=sorted(RUNNING))

    def overdue(self, now: datetime.datetime | None = None) -> NeedQuerySet:
        """Running needs past their feedback deadline (a stopped clock is never overdue)."""
        return self.running().filter(feedback_due_at__lt=now or timezone.now())

    def escalatable(self, now: datetime.datetime) -> NeedQuerySet:
        """Overdue needs with a rung of the ladder still above them."""
        return self.overdue(now).filter(level__lt=Level.DEPARTMENT)

    def owned_by(self, user) -> NeedQuerySet:
        return self.filter(owner_kind=OwnerKind.USER, owner_user_id=user.pk)

    def owned_by_departments(self, user) -> NeedQuerySet:
        grants = reviewer_grants(user)
        if not grants:
            return self.none()
        q = Q()
        for department_id, code in grants:
            q |= Q(owner_department_id=department_id, area_code__prefix=code)
        return self.filter(q, owner_kind=OwnerKind.DEPARTMENT)

    def awaiting(self, user) -> NeedQuerySet:
        """Needs handed to ``user`` (or a department they review for) awaiting acceptance."""
        q = Q(to_user_id=user.pk)
        for department_id, _code in reviewer_grants(user):
            q |= Q(to_department_id=department_id)
        asked = NeedHandoff.objects.filter(q, status=HandoffStatus.PENDING).values("need_id")
        return self.filter(pk__in=asked)

    def public(self) -> NeedQuerySet:
        """What may be shown to anyone (Open311's public list): needs of a public-space category
        that are not sensitive. The caller still chooses which fields leave the building."""
        return self.filter(category__public=True, sensitive=False)

    def untaken(self) -> NeedQuerySet:
        """Needs filed by another system that no person has taken yet (``Need.untaken``)."""
        return self.filter(
            source=Source.API, owner_kind=OwnerKind.USER, owner_user_id=F("created_by_id")
        )

    def found_first(self) -> NeedQuerySet:
        """未诉先办: found by a visit or a programme before the resident raised it."""
        return self.filter(source__in=sorted(FOUND_FIRST))


class Need(models.Model):
    """One resident's problem. Written only through ``needs.actions``."""

    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    source_ref = models.CharField(_("source reference"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    category = models.ForeignKey(
        NeedCategory, on_delete=models.PROTECT, related_name="+", verbose_name=_("category")
    )
    description = models.TextField(_("description"), max_length=2000)
    urgency = models.CharField(
        _("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.YELLOW
    )

    # The place: a compound (scoping reads its code, never a join), optionally a building and a
    # point on the compound.
    area_code = models.CharField(_("area code"), max_length=15, db_index=True)
    compound = models.ForeignKey(
        "places.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("compound")
    )
    building = models.ForeignKey(
        "places.Building",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("building"),
    )
    # Another system's answers to the category's questions (Open311 attributes), worded as
    # asked: {question: answer}. Staff read them; the public never does (a building, a time).
    details = models.JSONField(
        _("answers to the category's questions"), default=dict, db_default={}, blank=True
    )
    # A photo another system holds (Open311's media_url): linked, never fetched.
    media_url = models.URLField(
        _("photo address"), max_length=500, blank=True, default="", db_default=""
    )
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)

    # Who raised it: a resident on the registry, or a name and phone (shown masked).
    resident = models.ForeignKey(
        "people.Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="needs",
        verbose_name=_("resident"),
    )
    raiser_name = models.CharField(_("raised by"), max_length=40, blank=True)
    raiser_phone = models.CharField(_("raiser's phone"), max_length=20, blank=True)

    status = models.CharField(
        _("status"), max_length=12, choices=NeedStatus.choices, default=NeedStatus.NEW
    )
    revision = models.PositiveIntegerField(_("revision"), default=1)
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registered by"),
    )

    # The one owner (首接负责): exactly one of the three, as ``owner_kind`` says.
    owner_kind = models.CharField(_("owner kind"), max_length=12, choices=OwnerKind.choices)
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_needs",
        verbose_name=_("owner"),
    )
    owner_department = models.ForeignKey(
        "catalogue.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owning department"),
    )
    owner_external = models.ForeignKey(
        ExternalBody,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="needs",
        verbose_name=_("owning outside body"),
    )

    # The clock: hours or working days as the category says; stopped while waiting.
    feedback_due_at = models.DateTimeField(_("feedback due"))
    paused_at = models.DateTimeField(_("clock stopped since"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("seconds stopped"), default=0)
    extension_asked_at = models.DateTimeField(_("extension asked at"), null=True, blank=True)
    extension_hours = models.PositiveSmallIntegerField(_("extension asked (hours)"), default=0)
    extension_reason = models.CharField(_("why more time"), max_length=500, blank=True)
    extended = models.BooleanField(_("extended"), default=False)

    # The escalation ladder.
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, default=1)
    level_since = models.DateTimeField(_("at this level since"), default=timezone.now)

    # The answer and the callback.
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices, blank=True)
    answer = models.TextField(_("answer to the resident"), blank=True)
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("case"),
    )
    # The door-to-door visit that found it (source "visit"): visit → need → case → callback.
    visit = models.ForeignKey(
        "visits.Visit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="needs",
        verbose_name=_("found on the visit"),
    )
    # The mediation file it became (a dispute in the need's community).
    dispute = models.ForeignKey(
        "disputes.Dispute",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="needs",
        verbose_name=_("dispute"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    sensitive = models.BooleanField(_("sensitive"), default=False)
    # Set only by a reviewer's recorded decision (``FlagDecision``), never automatically.
    unreasonable = models.BooleanField(_("repeated unreasonable demand"), default=False)
    # The rollup batch (``insight.Tally``) that counted this closed need (0: its closing action
    # did); None while the figures read it from this row (a reopened need leaves them first).
    tally = models.PositiveIntegerField(_("tallied in"), null=True, blank=True, editable=False)

    objects = NeedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        owner_kind=OwnerKind.USER,
                        owner_user__isnull=False,
                        owner_department__isnull=True,
                        owner_external__isnull=True,
                    )
                    | Q(
                        owner_kind=OwnerKind.DEPARTMENT,
                        owner_user__isnull=True,
                        owner_department__isnull=False,
                        owner_external__isnull=True,
                    )
                    | Q(
                        owner_kind=OwnerKind.EXTERNAL,
                        owner_user__isnull=True,
                        owner_department__isnull=True,
                        owner_external__isnull=False,
                    )
                ),
                name="need_one_owner",
            ),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=5), name="need_level_range"
            ),
        ]
        indexes = [
            # The escalation sweep: running needs by deadline.
            models.Index(
                fields=["feedback_due_at"],
                condition=Q(status__in=sorted(RUNNING), level__lt=5),
                name="need_sweep",
            ),
            models.Index(fields=["status", "feedback_due_at"], name="need_status_due"),
            models.Index(fields=["category", "area_code", "created_at"], name="need_same"),
            models.Index(fields=["owner_user", "status"], name="need_owner_user"),
            # The sweep finds the needs it moved by its own stamp.
            models.Index(fields=["level_since"], name="need_level_since"),
            # Figures read the needs not yet rolled up from the rows themselves.
            models.Index(
                fields=["area_code"], condition=Q(tally__isnull=True), name="need_untallied"
            ),
            # A rollup batch's rows; status too, so that the rows not rolled up of a status are
            # found through it (rather than through every row of that status).
            models.Index(fields=["tally", "status"], name="need_tally"),
        ]
        verbose_name = _("need")
        verbose_name_plural = _("needs")

    def __str__(self) -> str:
        return f"#{self.pk} · {self.category}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def status_choice(self) -> NeedStatus:
        return NeedStatus(self.status)

    @property
    def urgency_choice(self) -> Urgency:
        return Urgency(self.urgency)

    @property
    def untaken(self) -> bool:
        """Filed by another system (source ``api``) and still owned by the system's account
        that filed it: no person has taken it yet. Staff handling needs over its area may act
        on it, and the first of them to move it becomes its owner (首接负责)."""
        return (
            self.source == Source.API
            and self.owner_kind == OwnerKind.USER
            and self.owner_user_id is not None
            and self.owner_user_id == self.created_by_id
        )

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    def is_overdue(self, now: datetime.datetime | None = None) -> bool:
        return self.status in RUNNING and self.feedback_due_at < (now or timezone.now())

    @property
    def owner(self):
        return {
            OwnerKind.USER: self.owner_user,
            OwnerKind.DEPARTMENT: self.owner_department,
            OwnerKind.EXTERNAL: self.owner_external,
        }.get(self.owner_kind)

    @property
    def raiser(self) -> str:
        return self.resident.name if self.resident_id else self.raiser_name


class NeedOwnership(models.Model):
    """One spell of ownership: who owned the need from ``since`` until ``until`` (null while
    they still do). Sensitive needs stay visible to every owner a need ever had."""

    need = models.ForeignKey(
        Need, on_delete=models.CASCADE, related_name="ownerships", verbose_name=_("need")
    )
    kind = models.CharField(_("owner kind"), max_length=12, choices=OwnerKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("member of staff"),
    )
    department = models.ForeignKey(
        "catalogue.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    external = models.ForeignKey(
        ExternalBody,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("outside body"),
    )
    since = models.DateTimeField(_("since"), default=timezone.now)
    until = models.DateTimeField(_("until"), null=True, blank=True)

    class Meta:
        ordering = ["need", "since", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["need"], condition=Q(until__isnull=True), name="needowner_one_current"
            )
        ]
        indexes = [
            models.Index(fields=["user"], name="needowner_user"),
            models.Index(fields=["department"], name="needowner_department"),
        ]
        verbose_name = _("ownership")
        verbose_name_plural = _("ownerships")

    def __str__(self) -> str:
        return f"{self.need_id} · {self.user or self.department or self.external}"


class NeedHandoff(models.Model):
    """Handing a need on: who, to whom, why; the receiver accepts or refuses with a reason."""

    need = models.ForeignKey(
        Need, on_delete=models.CASCADE, related_name="handoffs", verbose_name=_("need")
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handed on by"),
    )
    by_name = models.CharField(_("handed on by"), max_length=100, blank=True)
    to_kind = models.CharField(_("to"), max_length=12, choices=OwnerKind.choices)
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("to member of staff"),
    )
    to_department = models.ForeignKey(
        "catalogue.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("to department"),
    )
    to_external = models.ForeignKey(
        ExternalBody,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("to outside body"),
    )
    reason = models.CharField(_("why"), max_length=500)
    status = models.CharField(
        _("status"), max_length=10, choices=HandoffStatus.choices, default=HandoffStatus.PENDING
    )
    created_at = models.DateTimeField(_("handed on at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    refusal = models.CharField(_("why refused"), max_length=500, blank=True)
    # A random part of the outside body's link: a new hand-on makes the old link useless.
    nonce = models.CharField(_("link key"), max_length=32, blank=True)

    class Meta:
        ordering = ["need", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["need"],
                condition=Q(status=HandoffStatus.PENDING),
                name="needhandoff_one_pending",
            )
        ]
        indexes = [
            models.Index(fields=["to_user", "status"], name="needhandoff_to_user"),
            models.Index(fields=["to_department", "status"], name="needhandoff_to_dept"),
        ]
        verbose_name = _("hand-on")
        verbose_name_plural = _("hand-ons")

    def __str__(self) -> str:
        return f"{self.need_id} → {self.receiver}"

    @property
    def receiver(self):
        return self.to_user or self.to_department or self.to_external


class NeedEvent(models.Model):
    """Append-only log: every transition, hand-on, escalation, callback and note of a need."""

    need = models.ForeignKey(
        Need, on_delete=models.CASCADE, related_name="events", verbose_name=_("need")
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
    actor_name = models.CharField(_("by (outside)"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=EventKind.choices)
    verb = models.CharField(_("action"), max_length=20, blank=True)
    from_status = models.CharField(_("from"), max_length=12, choices=NeedStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=NeedStatus.choices, blank=True)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, null=True)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["need", "at", "id"]
        indexes = [models.Index(fields=["need", "at"], name="needevent_need_at")]
        verbose_name = _("need event")
        verbose_name_plural = _("need events")

    def __str__(self) -> str:
        return f"{self.need_id} · {self.get_kind_display()} · {self.at:%Y-%m-%d %H:%M}"


class NeedSupporter(models.Model):
    """Another resident with the same problem, added to the open need instead of a duplicate."""

    need = models.ForeignKey(
        Need, on_delete=models.CASCADE, related_name="supporters", verbose_name=_("need")
    )
    resident = models.ForeignKey(
        "people.Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resident"),
    )
    name = models.CharField(_("name"), max_length=40, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    added_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        ordering = ["need", "added_at", "id"]
        verbose_name = _("supporter")
        verbose_name_plural = _("supporters")

    def __str__(self) -> str:
        return self.resident.name if self.resident_id else self.name


def photo_path(instance: NeedPhoto, filename: str) -> str:
    import secrets

    ext = {"image/jpeg": "jpg", "image/png": "png"}.get(instance.content_type, "bin")
    return f"needs/{timezone.now():%Y/%m}/{secrets.token_hex(16)}.{ext}"


class NeedPhoto(models.Model):
    """A photo of the problem (JPEG or PNG, checked by content), served only through an
    access-checked view."""

    need = models.ForeignKey(
        Need, on_delete=models.CASCADE, related_name="photos", verbose_name=_("need")
    )
    file = models.FileField(_("file"), upload_to=photo_path)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        ordering = ["need", "uploaded_at", "id"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return self.original_name


class FlagDecision(models.Model):
    """A reviewer's recorded decision on the "repeated unreasonable demand" flag, with
    reasons. The only way the flag is set or cleared."""

    need = models.ForeignKey(
        Need, on_delete=models.CASCADE, related_name="flag_decisions", verbose_name=_("need")
    )
    flagged = models.BooleanField(_("flagged"))
    reasons = models.TextField(_("reasons"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)

    class Meta:
        ordering = ["need", "decided_at", "id"]
        verbose_name = _("flag decision")
        verbose_name_plural = _("flag decisions")

    def __str__(self) -> str:
        return f"{self.need_id} · {self.flagged}"


class GovernanceQuerySet(models.QuerySet):
    def visible_to(self, user) -> GovernanceQuerySet:
        prefixes = area_prefixes(user, VIEW_NEEDS)
        return self.filter(prefix_q("area_code", prefixes))


class GovernanceItem(models.Model):
    """主动治理: three or more needs of one category in one compound within 30 days, proposed
    for the community to own as one piece of work. One open item per category and compound."""

    category = models.ForeignKey(
        NeedCategory, on_delete=models.PROTECT, related_name="+", verbose_name=_("category")
    )
    area_code = models.CharField(_("area code"), max_length=15, db_index=True)
    compound = models.ForeignKey(
        "places.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("compound")
    )
    needs_count = models.PositiveSmallIntegerField(_("needs in the window"))
    window_start = models.DateTimeField(_("window from"))
    created_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=GovernanceStatus.choices,
        default=GovernanceStatus.OPEN,
    )

    objects = GovernanceQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "area_code"],
                condition=Q(status=GovernanceStatus.OPEN),
                name="governance_one_open",
            )
        ]
        verbose_name = _("proactive governance item")
        verbose_name_plural = _("proactive governance items")

    def __str__(self) -> str:
        return f"{self.compound} · {self.category}"
