"""Reception days and the matters raised at them. Written only through ``reception.actions``.

A day belongs to a community or a street (``area_code``: who sees it) and is held at a compound
(``venue``). A day that takes bookings has a desk session (the desks' slots, holds, codes and
queue numbers, unchanged). A matter carries the day's area unless it is about a compound, and
its deadlines are columns, so that the chase sweep and the lists are indexed comparisons.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doorstep.places.models import Area
from doorstep.staff.roles import VIEW_RECEPTION, reviewer_grants
from doorstep.staff.scoping import ScopedQuerySet, area_prefixes, prefix_q

from .choices import DayStatus, Mode, Route, Stage


class ReceptionDayQuerySet(ScopedQuerySet):
    capability = VIEW_RECEPTION

    def announced(self, today: datetime.date) -> ReceptionDayQuerySet:
        """Days the public may see: announced by ``today``, not cancelled, not yet past."""
        return self.filter(announce_on__lte=today, date__gte=today, status=DayStatus.PLANNED)


class ReceptionDay(models.Model):
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="reception_days", verbose_name=_("area")
    )
    area_code = models.CharField(_("area code"), max_length=15, db_index=True, editable=False)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="reception_days",
        verbose_name=_("receiving leader"),
    )
    leader_title = models.CharField(_("leader's post"), max_length=60)
    date = models.DateField(_("date"))
    start = models.TimeField(_("starts"))
    end = models.TimeField(_("ends"))
    venue = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        related_name="reception_days_held",
        verbose_name=_("held in compound"),
    )
    venue_note = models.CharField(_("where exactly"), max_length=200, blank=True)
    mode = models.CharField(_("reception"), max_length=12, choices=Mode.choices)
    announce_on = models.DateField(_("announced from"))
    session = models.OneToOneField(
        "desks.DeskSession",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reception_day",
        verbose_name=_("booking session"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=DayStatus.choices, default=DayStatus.PLANNED
    )
    brief_sent_at = models.DateTimeField(_("brief sent at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("planned by"),
    )
    created_at = models.DateTimeField(_("planned at"), default=timezone.now)

    objects = ReceptionDayQuerySet.as_manager()

    class Meta:
        ordering = ["date", "start", "id"]
        constraints = [
            # Once at a time (overlaps are refused by the action); a day called off frees it.
            models.UniqueConstraint(
                fields=["leader", "date", "start"],
                condition=~Q(status=DayStatus.CANCELLED),
                name="receptionday_leader_date_start",
            ),
            models.CheckConstraint(
                condition=Q(start__lt=models.F("end")), name="receptionday_hours"
            ),
        ]
        indexes = [models.Index(fields=["area_code", "date"], name="receptionday_area_date")]
        verbose_name = _("reception day")
        verbose_name_plural = _("reception days")

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.area.name} · {self.leader_title}"

    @property
    def bookable(self) -> bool:
        return Mode(self.mode).bookable


class MatterQuerySet(ScopedQuerySet):
    capability = VIEW_RECEPTION

    def visible_to(self, user, capability: str | None = None, *, by_index: bool = True):
        """Matters in the user's areas, plus those assigned to a department the user reviews
        for, inside that grant's area (the department sees what it was given, nothing else)."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        prefixes = area_prefixes(user, capability or self.capability)
        q = prefix_q("area_code", prefixes) if prefixes is None or prefixes else Q(pk__in=[])
        for department_id, code in reviewer_grants(user):
            q |= Q(department_id=department_id, area_code__prefix=code)
        return self.filter(q)

    def late(self, today: datetime.date) -> MatterQuerySet:
        """Assigned, not reported, past the department's deadline: what the chase sweep chases."""
        return self.filter(
            route=Route.ACCEPTED,
            department__isnull=False,
            reported_at__isnull=True,
            due_on__lt=today,
        )

    def notice_overdue(self, today: datetime.date) -> MatterQuerySet:
        """Petitions whose written decision on acceptance is late (15 days)."""
        return self.filter(petition=True, notice_sent_on__isnull=True, notice_due__lt=today)


class Matter(models.Model):
    """One matter a resident raised at a reception day (接待事项)."""

    day = models.ForeignKey(
        ReceptionDay, on_delete=models.PROTECT, related_name="matters", verbose_name=_("day")
    )
    area_code = models.CharField(_("area code"), max_length=15, db_index=True)
    compound = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("compound")
    )
    category = models.ForeignKey(
        "needs.NeedCategory", on_delete=models.PROTECT, related_name="+", verbose_name=_("category")
    )
    public_summary = models.CharField(
        _("summary for the public board"),
        max_length=120,
        help_text=_("Shown to the public: no names, addresses, phone or ID numbers."),
    )
    route = models.CharField(_("what became of it"), max_length=16, choices=Route.choices)
    told = models.TextField(_("what the resident was told"), blank=True)
    # A matter not accepted has no need: what was raised, and by whom, are kept here.
    description = models.TextField(_("what was raised"), blank=True)
    raiser_name = models.CharField(_("raised by"), max_length=40, blank=True)
    need = models.OneToOneField(
        "needs.Need",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reception_matter",
        verbose_name=_("need"),
    )
    petition = models.BooleanField(_("a petition (信访)"), default=False)
    received_on = models.DateField(_("received on"))
    notice_due = models.DateField(_("written decision due"), null=True, blank=True)
    notice_sent_on = models.DateField(_("written decision sent on"), null=True, blank=True)
    conclude_by = models.DateField(_("to conclude by"), null=True, blank=True)
    extended_days = models.PositiveSmallIntegerField(_("extended by (days)"), default=0)
    extension_reason = models.CharField(_("why extended"), max_length=500, blank=True)
    department = models.ForeignKey(
        "catalogue.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reception_matters",
        verbose_name=_("assigned to"),
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    due_on = models.DateField(_("department's deadline"), null=True, blank=True, db_index=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    report = models.TextField(_("department's report"), blank=True)
    chased_at = models.DateTimeField(_("last chased at"), null=True, blank=True)
    chases = models.PositiveSmallIntegerField(_("times chased"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registered by"),
    )
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)

    objects = MatterQuerySet.as_manager()

    class Meta:
        ordering = ["day", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(route=Route.ACCEPTED, need__isnull=False)
                | (~Q(route=Route.ACCEPTED) & Q(need__isnull=True)),
                name="matter_accepted_has_need",
            ),
        ]
        verbose_name = _("reception matter")
        verbose_name_plural = _("reception matters")

    def __str__(self) -> str:
        return f"#{self.pk} {self.public_summary}"

    def stage(self, today: datetime.date) -> Stage:
        """Where the matter stands (the need's state wins once it is answered)."""
        if self.route != Route.ACCEPTED:
            return Stage.REFERRED
        status = self.need.status if self.need_id else ""
        if status == "closed":
            return Stage.CLOSED
        if status == "answered":
            return Stage.ANSWERED
        if self.reported_at:
            return Stage.REPORTED
        if self.department_id:
            return Stage.LATE if self.due_on and self.due_on < today else Stage.ASSIGNED
        return Stage.ACCEPTED
