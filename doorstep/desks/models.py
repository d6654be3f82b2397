"""Desks (办公桌 / 流动办公桌), their weekly schedules, the sessions generated from them, bookable
slots, appointments (预约) and queue tickets (取号).

Two invariants live in the database rather than in Python: a slot's ``booked`` never exceeds its
``capacity`` (a CHECK constraint, with a guarded UPDATE in ``actions.do_book``), and queue numbers
are unique per session.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doorstep.places.choices import AreaKind
from doorstep.places.models import Area, clean_phone
from doorstep.staff.roles import SERVE_DESK
from doorstep.staff.scoping import ScopedQuerySet

from .choices import AppointmentStatus, BookingChannel, DeskKind, ExceptionKind, SessionStatus


class DeskQuerySet(ScopedQuerySet):
    capability = SERVE_DESK


class Desk(models.Model):
    """A desk in a compound, or a mobile desk whose route visits several compounds."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=DeskKind.choices)
    # The compound of a fixed desk; the community a mobile desk belongs to.
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="desks", verbose_name=_("home area")
    )
    area_code = models.CharField(_("area code"), max_length=15, editable=False, db_index=True)
    route = models.ManyToManyField(
        Area, blank=True, related_name="desk_stops", verbose_name=_("compounds visited")
    )
    services = models.ManyToManyField(
        "catalogue.Service", blank=True, related_name="desks", verbose_name=_("services offered")
    )
    is_active = models.BooleanField(_("active"), default=True)
    # The desk's own line, shown on the guides of the matters it offers and on its compound page.
    phone = models.CharField(
        _("phone"),
        max_length=30,
        blank=True,
        help_text=_("A mobile number or a landline with its area code, such as 027-84561234."),
    )

    objects = DeskQuerySet.as_manager()

    class Meta:
        ordering = ["area_code", "name"]
        verbose_name = _("desk")
        verbose_name_plural = _("desks")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.area_code = self.area.code
        if kwargs.get("update_fields") is not None and "area" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "area_code"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.phone = clean_phone(self.phone)
        if not self.area_id:
            return
        wanted, message = {
            DeskKind.FIXED: ({AreaKind.COMPOUND}, _("A fixed desk belongs to a compound.")),
            DeskKind.MOBILE: ({AreaKind.COMMUNITY}, _("A mobile desk belongs to a community.")),
            DeskKind.RECEPTION: (
                {AreaKind.COMMUNITY, AreaKind.STREET},
                _("Leaders' reception belongs to a community or a street."),
            ),
        }[self.kind]
        if self.area.kind not in wanted:
            raise ValidationError({"area": message})

    @property
    def asks_for_service(self) -> bool:
        """Booking a desk names the service wanted; a leaders' reception asks for none."""
        return self.kind != DeskKind.RECEPTION


class DeskSchedule(models.Model):
    """A weekly rule: on this weekday, from start to end, at this compound."""

    desk = models.ForeignKey(
        Desk, on_delete=models.CASCADE, related_name="schedules", verbose_name=_("desk")
    )
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), help_text=_("0 is Monday, 6 is Sunday.")
    )
    start = models.TimeField(_("starts"))
    end = models.TimeField(_("ends"))
    # Where a mobile desk stops; a fixed desk's rules leave it empty (its own compound).
    compound = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("compound"),
    )
    slot_minutes = models.PositiveSmallIntegerField(_("slot length (minutes)"), default=30)
    capacity = models.PositiveSmallIntegerField(_("places per slot"), default=3)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        ordering = ["desk", "weekday", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="deskschedule_weekday"),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="deskschedule_hours"),
            models.CheckConstraint(condition=Q(slot_minutes__gt=0), name="deskschedule_slot"),
        ]
        verbose_name = _("weekly schedule")
        verbose_name_plural = _("weekly schedules")

    def __str__(self) -> str:
        return f"{self.desk} {self.weekday} {self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self) -> None:
        check_stop(self)
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The end of validity is before its start.")})


class DeskException(models.Model):
    """A date on which the weekly rules do not apply: closed (a holiday), or open at other
    hours or another compound (an extra day, a route change). A date's exceptions replace all
    of that date's weekly rules."""

    desk = models.ForeignKey(
        Desk, on_delete=models.CASCADE, related_name="exceptions", verbose_name=_("desk")
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=ExceptionKind.choices)
    start = models.TimeField(_("starts"), null=True, blank=True)
    end = models.TimeField(_("ends"), null=True, blank=True)
    compound = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("compound"),
    )
    slot_minutes = models.PositiveSmallIntegerField(_("slot length (minutes)"), default=30)
    capacity = models.PositiveSmallIntegerField(_("places per slot"), default=3)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["desk", "date", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=ExceptionKind.CLOSED)
                | Q(start__isnull=False, end__isnull=False, end__gt=F("start")),
                name="deskexception_open_has_hours",
            ),
        ]
        verbose_name = _("schedule exception")
        verbose_name_plural = _("schedule exceptions")

    def __str__(self) -> str:
        return f"{self.desk} {self.date} {self.get_kind_display()}"

    def clean(self) -> None:
        if self.kind == ExceptionKind.OPEN:
            if not (self.start and self.end and self.end > self.start):
                raise ValidationError(_("Give the hours the desk opens on this date."))
            check_stop(self)


def check_stop(rule: DeskSchedule | DeskException) -> None:
    """A mobile desk's opening names a compound of its community; a fixed desk's names none
    (or its own compound)."""
    desk = rule.desk if rule.desk_id else None
    if desk is None:
        return
    if desk.kind == DeskKind.MOBILE:
        if rule.compound is None or rule.compound.kind != AreaKind.COMPOUND:
            raise ValidationError({"compound": _("Say which compound the mobile desk visits.")})
        if not rule.compound.code.startswith(desk.area.code):
            raise ValidationError({"compound": _("The compound is outside the desk's community.")})
    elif rule.compound and rule.compound != desk.area:
        raise ValidationError({"compound": _("A fixed desk opens in its own compound only.")})


class DeskSessionQuerySet(ScopedQuerySet):
    capability = SERVE_DESK

    def with_counts(self) -> DeskSessionQuerySet:
        """Each session with its ``places``, ``booked`` and ``queued`` (numbers issued), as
        subqueries, not joins: joining slots and tickets together would multiply the sums."""
        tickets = (
            QueueTicket.objects.filter(session=OuterRef("pk"))
            .values("session")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(
            places=_slot_sum("capacity"),
            booked=_slot_sum("booked"),
            queued=Coalesce(Subquery(tickets), 0),
        )

    def upcoming(self, days: int = 14) -> DeskSessionQuerySet:
        today = timezone.localdate()
        return self.filter(
            date__gte=today,
            date__lt=today + datetime.timedelta(days=days),
            status=SessionStatus.OPEN,
            desk__is_active=True,
        )


class DeskSession(models.Model):
    """One opening of a desk (坐班时段): a date, hours, a compound, staff on duty."""

    desk = models.ForeignKey(
        Desk, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("desk")
    )
    date = models.DateField(_("date"))
    start = models.TimeField(_("starts"))
    end = models.TimeField(_("ends"))
    compound = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="desk_sessions", verbose_name=_("compound")
    )
    area_code = models.CharField(_("area code"), max_length=15, db_index=True)
    slot_minutes = models.PositiveSmallIntegerField(_("slot length (minutes)"))
    capacity = models.PositiveSmallIntegerField(_("places per slot"))
    status = models.CharField(
        _("status"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.OPEN
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="desk_sessions", verbose_name=_("staff")
    )
    # The last queue number issued; bumped with an UPDATE … SET n = n + 1 (see do_issue_ticket).
    last_ticket = models.PositiveIntegerField(_("last queue number"), default=0)
    # A day called off by a clerk (do_cancel_session): why, told to every booker, and by whom.
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cancelled by"),
    )

    objects = DeskSessionQuerySet.as_manager()

    class Meta:
        ordering = ["date", "start", "desk"]
        constraints = [
            models.UniqueConstraint(fields=["desk", "date", "start"], name="desksession_unique"),
        ]
        indexes = [models.Index(fields=["area_code", "date"], name="desksession_area_date")]
        verbose_name = _("desk session")
        verbose_name_plural = _("desk sessions")

    def __str__(self) -> str:
        return f"{self.desk} {self.date} {self.start:%H:%M}"


class Slot(models.Model):
    """A bookable stretch of a session with its places; ``booked <= capacity`` always."""

    session = models.ForeignKey(
        DeskSession, on_delete=models.CASCADE, related_name="slots", verbose_name=_("session")
    )
    start = models.TimeField(_("starts"))
    end = models.TimeField(_("ends"))
    capacity = models.PositiveSmallIntegerField(_("places"))
    booked = models.PositiveSmallIntegerField(_("booked"), default=0)

    class Meta:
        ordering = ["session", "start"]
        constraints = [
            models.UniqueConstraint(fields=["session", "start"], name="slot_unique_start"),
            models.CheckConstraint(
                condition=Q(booked__gte=0) & Q(booked__lte=F("capacity")),
                name="slot_booked_within_capacity",
            ),
        ]
        verbose_name = _("slot")
        verbose_name_plural = _("slots")

    def __str__(self) -> str:
        return f"{self.session.date} {self.start:%H:%M}"

    @property
    def free(self) -> int:
        return self.capacity - self.booked

    def starts_at(self) -> datetime.datetime:
        naive = datetime.datetime.combine(self.session.date, self.start)
        return timezone.make_aware(naive, timezone.get_default_timezone())


class AppointmentQuerySet(models.QuerySet):
    def visible_to(self, user) -> AppointmentQuerySet:
        sessions = DeskSession.objects.visible_to(user)
        return self.filter(slot__session__in=sessions)


class Appointment(models.Model):
    """A booked slot (预约), found by its booking code; the booker proves it with the phone."""

    slot = models.ForeignKey(
        Slot, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("slot")
    )
    # The slot's session, kept beside it so the database can hold "one live booking per phone
    # per session" (a constraint cannot reach through the slot).
    session = models.ForeignKey(
        DeskSession,
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("session"),
        editable=False,
    )
    # None for a leaders' reception, where the matter is raised on the day.
    service = models.ForeignKey(
        "catalogue.Service",
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("service"),
        null=True,
        blank=True,
    )
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("mobile phone"), max_length=11)
    # Keyed hash of the last four characters the booker gave (``crypto.tail_hash``), never the
    # characters: with a linked resident's plain birth date and area they would rebuild the ID.
    # It lets the desk see whether the booker matches someone in the registry.
    id_tail_hash = models.CharField(_("ID number tail (hashed)"), max_length=40, blank=True)
    code = models.CharField(_("booking code"), max_length=8, unique=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AppointmentStatus.choices,
        default=AppointmentStatus.BOOKED,
    )
    created_at = models.DateTimeField(_("booked at"), default=timezone.now)
    changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    # While ``held``: until when the place is kept, the keyed hash of the one-time code sent to
    # the phone (never the code), and how many wrong codes were entered.
    hold_until = models.DateTimeField(_("held until"), null=True, blank=True)
    otp_hash = models.CharField(_("confirmation code hash"), max_length=64, blank=True)
    otp_tries = models.PositiveSmallIntegerField(_("wrong confirmation codes"), default=0)
    resident = models.ForeignKey(
        "people.Resident",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="appointments",
        verbose_name=_("resident"),
    )
    channel = models.CharField(
        _("booked through"),
        max_length=10,
        choices=BookingChannel.choices,
        default=BookingChannel.ONLINE,
    )
    # The clerk who booked on a resident's behalf (at the desk or on the phone); empty online.
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("booked by"),
    )

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["status", "reminded_at"], name="appointment_reminder"),
            models.Index(fields=["status", "hold_until"], name="appointment_hold"),
        ]
        constraints = [
            # One live booking (held or booked) per phone per session: a double tap, a retried
            # request or a second slot the same morning must not take a second place.
            models.UniqueConstraint(
                fields=["session", "phone"],
                condition=models.Q(status__in=["held", "booked"]),
                name="appointment_one_per_phone_and_session",
            )
        ]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")

    def __str__(self) -> str:
        return self.code

    def save(self, *args, **kwargs) -> None:
        if self.slot_id and not self.session_id:
            self.session_id = Slot.objects.values_list("session_id", flat=True).get(pk=self.slot_id)
        super().save(*args, **kwargs)

    @property
    def status_colour(self) -> str:
        return AppointmentStatus(self.status).colour


class QueueTicket(models.Model):
    """A number taken on the day (取号), for a booking or a walk-in."""

    session = models.ForeignKey(
        DeskSession, on_delete=models.CASCADE, related_name="tickets", verbose_name=_("session")
    )
    number = models.PositiveIntegerField(_("number"))
    appointment = models.OneToOneField(
        Appointment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ticket",
        verbose_name=_("appointment"),
    )
    name = models.CharField(_("name"), max_length=50, blank=True)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    called_at = models.DateTimeField(_("called at"), null=True, blank=True)
    served_at = models.DateTimeField(_("served at"), null=True, blank=True)

    class Meta:
        ordering = ["session", "number"]
        constraints = [
            models.UniqueConstraint(fields=["session", "number"], name="queueticket_unique_number")
        ]
        verbose_name = _("queue ticket")
        verbose_name_plural = _("queue tickets")

    def __str__(self) -> str:
        return f"{self.number:03d}"


def _slot_sum(field: str) -> Coalesce:
    per_session = (
        Slot.objects.filter(session=OuterRef("pk"))
        .values("session")
        .annotate(total=Sum(field))
        .values("total")
    )
    return Coalesce(Subquery(per_session), 0)
