"""Desks in JSON. For residents' apps, public and cookie-less (no session for a forged request
to ride on): the sessions of a compound, booking and cancelling. For staff, through the API's
own authentication and only in the caller's areas (404 alike for missing and not yours): booking
for a resident, calling a session day off, calling the next number, the call-next board. A full
slot, a duplicate booking or one that can no longer be cancelled is 409; too many tries from one
address, for one phone or one booking is 429."""

from __future__ import annotations

import datetime

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from doorstep.catalogue.models import Service
from doorstep.core.errors import field_error
from doorstep.core.rest.errors import errors
from doorstep.core.rest.types import Id, Input, QueryText, text
from doorstep.core.throttle import client_address
from doorstep.people.models import Resident
from doorstep.places.choices import AreaKind
from doorstep.places.models import Area

from . import actions
from .access import access_session
from .choices import AppointmentStatus, BookingChannel
from .display import queue_board
from .models import Appointment, Slot
from .views import upcoming_sessions

WRITE_ERRORS = errors(401, 403, 404, 409)

router = Router(tags=["desks"])


class Named(Schema):
    code: str
    name: str


class SlotOut(Schema):
    id: int
    start: str
    end: str
    free: int


class SessionOut(Schema):
    id: int
    desk: str
    desk_phone: str  # the desk's own line, "" when it has none
    date: str
    start: str
    end: str
    services: list[Named]
    slots: list[SlotOut]


class CompoundSessions(Schema):
    compound: Named
    sessions: list[SessionOut]


class BookingIn(Input):
    slot: Id
    service: text(40) | None = None
    name: text(40) = ""
    phone: text(20) = ""
    id_last4: text(8) = ""


class ConfirmIn(Input):
    otp: text(12) = ""


class CancelIn(Input):
    phone_last4: text(8) = ""


class AppointmentOut(Schema):
    code: str
    status: str
    service: str | None = Field(description="Null for a leaders' reception day.")
    desk: str
    compound: str
    date: str
    start: str
    end: str
    hold_until: datetime.datetime | None = None


def _appointment_json(appointment: Appointment) -> dict:
    slot, session = appointment.slot, appointment.slot.session
    return {
        "code": appointment.code,
        "status": appointment.status,
        "service": appointment.service.code if appointment.service else None,
        "desk": session.desk.name,
        "compound": session.compound.code,
        "date": session.date.isoformat(),
        "start": slot.start.strftime("%H:%M"),
        "end": slot.end.strftime("%H:%M"),
        "hold_until": appointment.hold_until
        if appointment.status == AppointmentStatus.HELD
        else None,
    }


@router.get(
    "/compounds/{code}/sessions/",
    response={200: CompoundSessions, **errors(404)},
    auth=None,
    url_name="desks-sessions",
)
def compound_sessions(request: HttpRequest, code: QueryText):
    """The coming sessions of a compound's desks, with their services and free places."""
    compound = Area.objects.filter(code=code[:40], kind=AreaKind.COMPOUND).first()
    if compound is None:
        raise Http404
    sessions = [
        {
            "id": s.pk,
            "desk": s.desk.name,
            "desk_phone": s.desk.phone,
            "date": s.date.isoformat(),
            "start": s.start.strftime("%H:%M"),
            "end": s.end.strftime("%H:%M"),
            "services": [{"code": v.code, "name": v.name} for v in s.offered],
            "slots": [
                {
                    "id": slot.pk,
                    "start": slot.start.strftime("%H:%M"),
                    "end": slot.end.strftime("%H:%M"),
                    "free": slot.free if slot.bookable else 0,
                }
                for slot in s.slots.all()
            ],
        }
        for s in upcoming_sessions(compound)
    ]
    return {"compound": {"code": compound.code, "name": compound.name}, "sessions": sessions}


@router.post(
    "/appointments/",
    response={201: AppointmentOut, **errors(404, 409, 429)},
    auth=None,
    url_name="desks-book",
)
def book(request: HttpRequest, payload: BookingIn):
    """Hold a place in a slot for a few minutes (status "held", until ``hold_until``) and send a
    confirmation code to the phone; ``confirm`` with that code books it. The booking code comes
    back (the phone never does)."""
    slot = Slot.objects.filter(pk=payload.slot).first()
    if slot is None:
        raise field_error("slot", _("No such slot."), "not_found")
    service = Service.objects.filter(code=payload.service or "").first()
    appointment = actions.do_book(
        slot,
        service=service,
        name=payload.name,
        phone=payload.phone,
        id_last4=payload.id_last4,
        client=client_address(request),
    )
    return Status(201, _appointment_json(appointment))


@router.post(
    "/appointments/{code}/confirm/",
    response={200: AppointmentOut, **errors(404, 409, 429)},
    auth=None,
    url_name="desks-confirm",
)
def confirm(request: HttpRequest, code: QueryText, payload: ConfirmIn):
    """Confirm a held booking with the code the phone received by SMS."""
    appointment = actions.do_confirm_booking(
        code[:40], otp=payload.otp, client=client_address(request)
    )
    return _appointment_json(appointment)


@router.post(
    "/appointments/{code}/cancel/",
    response={200: AppointmentOut, **errors(404, 409, 429)},
    auth=None,
    url_name="desks-cancel",
)
def cancel(request: HttpRequest, code: QueryText, payload: CancelIn):
    """Cancel a booking by its code and the last four digits of the booker's phone."""
    appointment = actions.do_cancel(
        code[:40], phone_last4=payload.phone_last4, client=client_address(request)
    )
    return _appointment_json(appointment)


# ---- staff ---------------------------------------------------------------------------------


class ClerkBookingIn(Input):
    slot: Id
    channel: text(10) = Field(description="desk or phone")
    service: text(40) | None = None
    resident: Id | None = Field(None, description="A resident of the registry in your areas.")
    name: text(50) = Field("", description="Without ``resident``: the name given.")
    phone: text(20) = Field("", description="Without ``resident`` (or to override it).")


class CancelSessionIn(Input):
    reason: text(200) = ""


class SessionCancelled(Schema):
    id: int
    status: str
    reason: str
    bookings_cancelled: int


class BoardLineOut(Schema):
    number: str
    name: str = Field(description="Masked: the family name and a star.")
    wait_minutes: int


class BoardOut(Schema):
    calling: BoardLineOut | None
    next: list[BoardLineOut]
    waiting: int
    minutes_each: int


def _board_json(session) -> dict:
    board = queue_board(session)

    def line(entry):
        return entry and {
            "number": entry.number,
            "name": entry.name,
            "wait_minutes": entry.wait_minutes,
        }

    return {
        "calling": line(board.calling),
        "next": [line(e) for e in board.next],
        "waiting": board.waiting,
        "minutes_each": board.minutes_each,
    }


@router.post(
    "/sessions/{int:pk}/appointments/",
    response={201: AppointmentOut, **WRITE_ERRORS},
    url_name="desks-book-for",
)
def book_for(request: HttpRequest, pk: int, payload: ClerkBookingIn):
    """A clerk books a place in this session for a resident at the desk or on the phone:
    booked at once (no SMS code), recording the clerk and the channel."""
    session = access_session(request.user, pk)
    slot = Slot.objects.filter(pk=payload.slot, session=session).first()
    if slot is None:
        raise field_error("slot", _("No such slot in this session."), "not_found")
    resident = None
    if payload.resident is not None:
        resident = Resident.objects.visible_to(request.user).filter(pk=payload.resident).first()
        if resident is None:
            raise field_error(
                "resident", _("This resident is not in the areas you serve."), "not_found"
            )
    if payload.channel not in (BookingChannel.DESK, BookingChannel.PHONE):
        raise field_error(
            "channel", _("Say whether the booking is made at the desk or on the phone."), "invalid"
        )
    appointment = actions.do_book_for_resident(
        slot,
        actor=request.user,
        channel=payload.channel,
        service=Service.objects.filter(code=payload.service or "").first(),
        resident=resident,
        name=payload.name,
        phone=payload.phone,
    )
    return Status(201, _appointment_json(appointment))


@router.post(
    "/sessions/{int:pk}/cancel/",
    response={200: SessionCancelled, **WRITE_ERRORS},
    url_name="desks-cancel-session",
)
def cancel_session(request: HttpRequest, pk: int, payload: CancelSessionIn):
    """Call a session day off with a reason; every booking in it is cancelled and each booker
    told the reason."""
    session = access_session(request.user, pk)
    n = actions.do_cancel_session(session, actor=request.user, reason=payload.reason)
    return {"id": session.pk, "status": session.status, "reason": session.cancel_reason,
            "bookings_cancelled": n}  # fmt: skip


@router.post(
    "/sessions/{int:pk}/call-next/",
    response={200: BoardOut, **WRITE_ERRORS},
    url_name="desks-call-next",
)
def call_next(request: HttpRequest, pk: int):
    """Call the next number of today's session; the board after the call comes back."""
    session = access_session(request.user, pk)
    actions.do_call_next(session, actor=request.user)
    return _board_json(session)


@router.get(
    "/sessions/{int:pk}/board/",
    response={200: BoardOut, **errors(401, 404)},
    url_name="desks-board",
)
def board(request: HttpRequest, pk: int):
    """What the call-next screen shows: the number called, the next three with an estimated
    wait, how many wait. Names are masked."""
    return _board_json(access_session(request.user, pk))
