"""Statuses and kinds of the desks app, with their labels and colours (NetBox ``choices.py``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DeskKind(models.TextChoices):
    FIXED = "fixed", _("Fixed desk in a compound")
    MOBILE = "mobile", _("Mobile desk visiting compounds")
    # A leaders' reception day (领导接待日) booked like a desk: its sessions are made by the
    # reception app, one per day, and booking one asks for no service.
    RECEPTION = "reception", _("Leaders' reception")


class ExceptionKind(models.TextChoices):
    CLOSED = "closed", _("Closed")
    OPEN = "open", _("Open at other hours or place")


class SessionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CANCELLED = "cancelled", _("Cancelled")


class BookingChannel(models.TextChoices):
    """How a booking was made: by the resident online, or by a clerk for them."""

    ONLINE = "online", _("Online by the resident")
    DESK = "desk", _("At the desk")
    PHONE = "phone", _("On the phone")


class AppointmentStatus(models.TextChoices):
    # A public booking holds its place for a few minutes until the code sent to the phone is
    # entered; unconfirmed, it expires and frees the place.
    HELD = "held", _("Awaiting confirmation")
    EXPIRED = "expired", _("Not confirmed")
    BOOKED = "booked", _("Booked")
    CANCELLED = "cancelled", _("Cancelled")
    SERVED = "served", _("Served")
    NO_SHOW = "no_show", _("Did not come")

    @property
    def colour(self) -> str:
        return APPOINTMENT_COLOURS[self]


APPOINTMENT_COLOURS = {
    AppointmentStatus.HELD: "grey",
    AppointmentStatus.EXPIRED: "grey",
    AppointmentStatus.BOOKED: "blue",
    AppointmentStatus.CANCELLED: "grey",
    AppointmentStatus.SERVED: "green",
    AppointmentStatus.NO_SHOW: "orange",
}

# The appointment state machine: which status may follow which.
ALLOWED: dict[str, frozenset[str]] = {
    AppointmentStatus.HELD: frozenset({AppointmentStatus.BOOKED, AppointmentStatus.EXPIRED}),
    AppointmentStatus.EXPIRED: frozenset(),
    AppointmentStatus.BOOKED: frozenset(
        {AppointmentStatus.CANCELLED, AppointmentStatus.SERVED, AppointmentStatus.NO_SHOW}
    ),
    AppointmentStatus.NO_SHOW: frozenset({AppointmentStatus.SERVED}),  # came late after all
    AppointmentStatus.CANCELLED: frozenset(),
    AppointmentStatus.SERVED: frozenset(),
}
# The statuses that take a place in a slot.
LIVE = (AppointmentStatus.HELD, AppointmentStatus.BOOKED)
