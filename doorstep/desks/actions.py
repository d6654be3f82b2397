"""Writes of the desks app. Views, the JSON API, commands and tests all call these.

Concurrency: a slot's places are taken with one guarded UPDATE (``booked < capacity``), so two
bookings racing for the last place cannot both win, and the CHECK constraint on ``Slot`` backs it
up. Queue numbers come from a counter column on the session bumped by an UPDATE, which holds the
session row's lock until the transaction ends, so numbers are sequential and never repeat.
"""

from __future__ import annotations

import datetime
import re
import secrets
import unicodedata
from collections.abc import Iterator
from hmac import compare_digest

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from doorstep.core import crypto
from doorstep.core import phone as phones
from doorstep.core.errors import field_error
from doorstep.core.throttle import Throttle, any_blocked, hit_all
from doorstep.feedback.actions import do_open_subject
from doorstep.feedback.choices import SubjectKind
from doorstep.staff.roles import SERVE_DESK
from doorstep.staff.scoping import covers
from doorstep.workdays.calendar import is_public_holiday

from .choices import (
    ALLOWED,
    LIVE,
    AppointmentStatus,
    BookingChannel,
    ExceptionKind,
    SessionStatus,
)
from .models import (
    Appointment,
    Desk,
    DeskException,
    DeskSchedule,
    DeskSession,
    QueueTicket,
    Slot,
)

# Booking codes avoid look-alikes (0/O, 1/I/L, 2/Z, 5/S, 8/B) so they can be read out on the phone.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6
_ID_LAST4 = re.compile(r"^[0-9]{3}[0-9X]$")

# A public booking holds its place this long until the code sent to the phone is entered.
HOLD_MINUTES = 5
OTP_LENGTH = 6
OTP_TRIES = 5  # wrong codes before a hold is void
PHONE_DAY_LIMIT = 2  # live bookings (held or booked) per phone per day
HELD_SHARE = 0.5  # at most this share of a session's places may wait for a code at once
HOLDS_PER_CLIENT = Throttle("desks-hold-client", 10, 3600)
CODES_PER_PHONE = Throttle("desks-hold-phone", 4, 3600)  # SMS codes to one phone an hour
CONFIRM_GUESSES = Throttle("desks-confirm", 10, 600)
CANCEL_GUESSES = Throttle("desks-cancel", 10, 600)


_error = field_error


def _queue(**kwargs) -> None:
    """Hand a message to the notify outbox, inside the caller's transaction."""
    from doorstep.notify.outbox import queue_message

    queue_message(**kwargs)


def _message_context(appointment: Appointment) -> dict:
    slot = appointment.slot
    session = slot.session
    # No ``name``: the booker typed it, and text from the public never goes into a message.
    return {
        "service": appointment.service.name if appointment.service else session.desk.name,
        "desk": f"{session.desk.name} · {session.compound.name}",
        "date": session.date.isoformat(),
        "time": f"{slot.start:%H:%M}–{slot.end:%H:%M}",
        "code": appointment.code,
    }


# ---- sessions from schedules ----------------------------------------------------------------


def _days(start: datetime.date, end: datetime.date) -> Iterator[datetime.date]:
    day = start
    while day <= end:
        yield day
        day += datetime.timedelta(days=1)


def _planned(desk: Desk, start: datetime.date, end: datetime.date) -> list[DeskSession]:
    """The sessions the rules and exceptions give for [start, end], not yet saved. Weekly
    rules do not run on official holidays (the working-day calendar); an explicit exception
    still opens a desk on one."""
    rules = list(
        DeskSchedule.objects.filter(desk=desk, valid_from__lte=end)
        .exclude(valid_to__lt=start)
        .select_related("compound")
    )
    exceptions: dict[datetime.date, list[DeskException]] = {}
    for exc in DeskException.objects.filter(desk=desk, date__range=(start, end)).select_related(
        "compound"
    ):
        exceptions.setdefault(exc.date, []).append(exc)
    planned = []
    for day in _days(start, end):
        if day in exceptions:
            openings = [e for e in exceptions[day] if e.kind == ExceptionKind.OPEN]
        elif is_public_holiday(day):
            openings = []  # desks close for official holidays unless an exception opens them
        else:
            openings = [
                r
                for r in rules
                if r.weekday == day.weekday()
                and r.valid_from <= day
                and (r.valid_to is None or day <= r.valid_to)
            ]
        for o in openings:
            compound = o.compound or desk.area
            planned.append(
                DeskSession(
                    desk=desk,
                    date=day,
                    start=o.start,
                    end=o.end,
                    compound=compound,
                    area_code=compound.code,
                    slot_minutes=o.slot_minutes,
                    capacity=o.capacity,
                )
            )
    return planned


def _slots_for(session: DeskSession) -> list[Slot]:
    slots = []
    step = datetime.timedelta(minutes=session.slot_minutes)
    at = datetime.datetime.combine(session.date, session.start)
    close = datetime.datetime.combine(session.date, session.end)
    while at + step <= close:
        slots.append(
            Slot(
                session=session,
                start=at.time(),
                end=(at + step).time(),
                capacity=session.capacity,
            )
        )
        at += step
    return slots


@transaction.atomic
def do_open_session(desk: Desk, *, date, start, end, compound, slot_minutes: int, capacity: int):
    """One session of ``desk`` outside its weekly rules (a leaders' reception day), with its
    slots; a session already there at that date and start is returned as it is (reopened if
    it was cancelled)."""
    session, created = DeskSession.objects.get_or_create(
        desk=desk,
        date=date,
        start=start,
        defaults={
            "end": end,
            "compound": compound,
            "area_code": compound.code,
            "slot_minutes": slot_minutes,
            "capacity": capacity,
        },
    )
    if created:
        Slot.objects.bulk_create(_slots_for(session))
    elif session.status == SessionStatus.CANCELLED:  # a day called off, planned again
        session.status = SessionStatus.OPEN
        session.save(update_fields=["status"])
    return session


@transaction.atomic
def do_generate_sessions(desk: Desk, start: datetime.date, end: datetime.date) -> int:
    """Create the sessions and slots the schedule gives for [start, end]; existing ones are
    kept (unique desk, date, start). Open sessions on a date now closed by an exception are
    cancelled if nobody has booked them. Returns how many sessions were created."""
    planned = _planned(desk, start, end)
    before = DeskSession.objects.filter(desk=desk, date__range=(start, end)).count()
    DeskSession.objects.bulk_create(planned, ignore_conflicts=True)
    in_range = DeskSession.objects.filter(desk=desk, date__range=(start, end))
    empty = in_range.exclude(Exists(Slot.objects.filter(session=OuterRef("pk"))))
    Slot.objects.bulk_create(
        [slot for session in empty for slot in _slots_for(session)], ignore_conflicts=True
    )
    wanted = {(s.date, s.start) for s in planned}
    booked = Slot.objects.filter(session=OuterRef("pk"), booked__gt=0)
    stale = [
        s.pk
        for s in in_range.filter(status=SessionStatus.OPEN).exclude(Exists(booked))
        if (s.date, s.start) not in wanted
    ]
    DeskSession.objects.filter(pk__in=stale, status=SessionStatus.OPEN).update(
        status=SessionStatus.CANCELLED
    )
    return in_range.count() - before


# ---- booking --------------------------------------------------------------------------------


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _nfkc(value: str) -> str:
    """Fold the full-width letters and digits Chinese input methods type."""
    return unicodedata.normalize("NFKC", value or "").strip()


def normalize_code(value: str) -> str:
    return re.sub(r"[\s-]", "", _nfkc(value)).upper()[: CODE_LENGTH + 2]


def check_booking_input(*, name: str, phone: str, id_last4: str) -> tuple[str, str, str]:
    """Clean the booker's details; one ValidationError naming every bad field."""
    errors: dict[str, list[ValidationError]] = {}
    name = (name or "").strip()
    if not name or len(name) > 50:
        errors["name"] = [ValidationError(_("Give your name (up to 50 characters)."), "name")]
    try:
        phone = phones.check(phone or "")
    except ValidationError as exc:
        errors["phone"] = [exc]
    id_last4 = _nfkc(id_last4).upper()
    if not _ID_LAST4.match(id_last4):
        errors["id_last4"] = [
            ValidationError(
                _("Give the last 4 characters of your ID number: digits, the last may be X."),
                "id_last4",
            )
        ]
    if errors:
        raise ValidationError(errors)
    return name, phone, id_last4


def _check_slot(slot: Slot, service) -> None:
    session = slot.session
    if session.status != SessionStatus.OPEN or not session.desk.is_active:
        raise _error("slot", _("This desk session has been cancelled."), "cancelled")
    if slot.starts_at() <= timezone.now():
        raise _error("slot", _("This time has already passed. Choose a later one."), "past")
    if not session.desk.asks_for_service:
        if service is not None:
            raise _error("service", _("This desk does not offer that service."), "service")
        return
    if (
        service is None
        or not service.is_active
        or not session.desk.services.filter(pk=service.pk).exists()
    ):
        raise _error("service", _("This desk does not offer that service."), "service")


def _throttled() -> ValidationError:
    return _error(
        "__all__", _("Too many tries from here or for this phone. Try again later."), "throttled"
    )


def error_codes(exc: ValidationError) -> set[str]:
    if hasattr(exc, "error_dict"):
        return {e.code for errors in exc.error_dict.values() for e in errors}
    return {e.code for e in exc.error_list}


def _guarded(checks: list[tuple[Throttle, str]], counted: set[str], run):
    """Run ``run()`` unless a throttle in ``checks`` is spent; count one against each when it
    fails with a code in ``counted`` (a wrong guess). Called outside any transaction of ours:
    with the database cache, a count written inside one would roll back with the failure."""
    if any_blocked(*checks):
        raise _throttled()
    try:
        return run()
    except ValidationError as exc:
        if error_codes(exc) & counted:
            hit_all(*checks)
        raise


def _otp_hash(slot_id: int, phone: str, otp: str) -> str:
    return salted_hmac(
        "doorstep.desks.otp", f"{slot_id}:{phone}:{otp}", algorithm="sha256"
    ).hexdigest()


def release_expired_holds() -> int:
    """Free the places of holds that ran out or met too many wrong codes. Set-based and run on
    read (before booking, when the sessions are listed), so no sweep is needed for a place to
    come back; a status-guarded UPDATE per slot frees each place once even when two requests
    release at the same moment. Returns how many were released."""
    now = timezone.now()
    stale = Appointment.objects.filter(status=AppointmentStatus.HELD).filter(
        Q(hold_until__lte=now) | Q(otp_tries__gte=OTP_TRIES)
    )
    released = 0
    for slot_id in set(stale.values_list("slot_id", flat=True)):
        with transaction.atomic():
            n = stale.filter(slot_id=slot_id).update(
                status=AppointmentStatus.EXPIRED, changed_at=now
            )
            Slot.objects.filter(pk=slot_id, booked__gte=n).update(booked=F("booked") - n)
            released += n
    return released


def do_book(
    slot: Slot, *, service, name: str, phone: str, id_last4: str, client: str
) -> Appointment:
    """Hold one place in ``slot`` for ``service`` for ``HOLD_MINUTES`` and send a one-time code
    to ``phone``; ``do_confirm_booking`` with that code makes it a booking. Refused (a
    ValidationError, nothing changed) when the slot is full ("full"), the phone has
    ``PHONE_DAY_LIMIT`` bookings that day ("too_many"), too many places of the session wait
    for a code ("throttled"), or ``client`` (the address) or the phone asked too often."""
    name, phone, id_last4 = check_booking_input(name=name, phone=phone, id_last4=id_last4)
    checks = [(HOLDS_PER_CLIENT, client), (CODES_PER_PHONE, phone)]
    if any_blocked(*checks):
        raise _throttled()
    release_expired_holds()
    appointment = _hold(slot, service=service, name=name, phone=phone, id_last4=id_last4)
    hit_all(*checks)
    return appointment


@transaction.atomic
def _hold(slot: Slot, *, service, name: str, phone: str, id_last4: str) -> Appointment:
    # The session row's lock serialises holds in one session, so its cap below holds.
    session = DeskSession.objects.select_for_update().get(pk=slot.session_id)
    slot = Slot.objects.select_related("session__desk", "session__compound").get(pk=slot.pk)
    _check_slot(slot, service)
    if _already_booked(slot, phone):
        raise _duplicate()
    live = Appointment.objects.filter(status__in=LIVE)
    if live.filter(phone=phone, slot__session__date=session.date).count() >= PHONE_DAY_LIMIT:
        raise _error(
            "phone",
            _("This phone number already has %(n)d bookings that day.") % {"n": PHONE_DAY_LIMIT},
            "too_many",
        )
    places = Slot.objects.filter(session=session).aggregate(n=Sum("capacity"))["n"] or 0
    held = live.filter(slot__session=session, status=AppointmentStatus.HELD).count()
    if held >= max(1, int(places * HELD_SHARE)):
        raise _error(
            "slot",
            _(
                "Many bookings for this session are waiting for their code. Try again in a few "
                "minutes."
            ),
            "throttled",
        )
    taken = Slot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).update(booked=F("booked") + 1)
    if not taken:
        raise _error("slot", _("This time is fully booked. Choose another one."), "full")
    otp = f"{secrets.randbelow(10**OTP_LENGTH):0{OTP_LENGTH}d}"
    appointment = _create_appointment(
        slot=slot,
        service=service,
        name=name,
        phone=phone,
        id_tail_hash=crypto.tail_hash(id_last4),
        status=AppointmentStatus.HELD,
        hold_until=timezone.now() + datetime.timedelta(minutes=HOLD_MINUTES),
        otp_hash=_otp_hash(slot.pk, phone, otp),
    )
    _queue(
        key=f"desks:appointment:{appointment.pk}:otp",
        template="appointment_otp",
        context={**_message_context(appointment), "otp": otp, "minutes": HOLD_MINUTES},
        phone=phone,
    )
    return appointment


def do_confirm_booking(code: str, *, otp: str, client: str) -> Appointment:
    """Turn a hold into a booking with the one-time code sent to its phone. A wrong code counts
    against the hold (``OTP_TRIES``, then it is void and its place freed) and against
    ``client``; an expired hold cannot be confirmed."""
    return _guarded(
        [(CONFIRM_GUESSES, client), (CONFIRM_GUESSES, f"code:{normalize_code(code)}")],
        {"not_found", "wrong_code"},
        lambda: _confirm(code, otp),
    )


def _confirm(code: str, otp: str) -> Appointment:
    appointment = (
        Appointment.objects.select_related("slot__session__desk", "slot__session__compound")
        .select_related("service")
        .filter(code=normalize_code(code))
        .first()
    )
    if appointment is None or appointment.status not in (
        AppointmentStatus.HELD,
        AppointmentStatus.EXPIRED,
    ):
        raise _error("code", _("No booking waiting for confirmation has this code."), "not_found")
    if (
        appointment.status == AppointmentStatus.EXPIRED
        or appointment.hold_until <= timezone.now()
        or appointment.otp_tries >= OTP_TRIES
    ):
        release_expired_holds()
        raise _error(
            "otp",
            _("The time to confirm has run out and the place was freed. Please book again."),
            "expired",
        )
    given = re.sub(r"\s", "", _nfkc(otp))
    expected = _otp_hash(appointment.slot_id, appointment.phone, given)
    if not compare_digest(expected.encode(), appointment.otp_hash.encode()):
        Appointment.objects.filter(pk=appointment.pk, status=AppointmentStatus.HELD).update(
            otp_tries=F("otp_tries") + 1
        )
        release_expired_holds()  # the last wrong try voids the hold at once
        raise _error("otp", _("This confirmation code is wrong."), "wrong_code")
    return _book_held(appointment)


@transaction.atomic
def _book_held(appointment: Appointment) -> Appointment:
    now = timezone.now()
    confirmed = Appointment.objects.filter(
        pk=appointment.pk,
        status=AppointmentStatus.HELD,
        hold_until__gt=now,
        otp_tries__lt=OTP_TRIES,
    ).update(status=AppointmentStatus.BOOKED, changed_at=now, otp_hash="")
    if not confirmed:
        raise _error(
            "otp",
            _("The time to confirm has run out and the place was freed. Please book again."),
            "expired",
        )
    appointment.status, appointment.changed_at, appointment.otp_hash = (
        AppointmentStatus.BOOKED,
        now,
        "",
    )
    _queue(
        key=f"desks:appointment:{appointment.pk}:booked",
        template="appointment_booked",
        context=_message_context(appointment),
        phone=appointment.phone,
    )
    return appointment


def _already_booked(slot: Slot, phone: str) -> bool:
    """Whether ``phone`` holds a live booking anywhere in ``slot``'s session."""
    return Appointment.objects.filter(
        session_id=slot.session_id, phone=phone, status__in=LIVE
    ).exists()


def _duplicate() -> ValidationError:
    return _error(
        "phone",
        _(
            "This phone number already has a booking in this desk session. One booking per "
            "phone per session: cancel the other one first to change the time."
        ),
        "duplicate",
    )


def _create_appointment(**fields) -> Appointment:
    for _attempt in range(5):
        try:
            with transaction.atomic():  # savepoint: a code collision must not spoil the booking
                return Appointment.objects.create(
                    code=_new_code(), session_id=fields["slot"].session_id, **fields
                )
        except IntegrityError:
            # Either the code collided (draw again) or the same phone booked this slot at the
            # same moment (the partial unique constraint): the latter is the booker's error.
            if _already_booked(fields["slot"], fields["phone"]):
                raise _duplicate() from None
            continue
    raise RuntimeError("could not draw a free booking code")


def _find_for_booker(code: str, phone_last4: str) -> Appointment:
    """The appointment with this code, if the phone's last 4 match; the same error otherwise, so
    the page does not tell strangers which codes exist."""
    appointment = (
        Appointment.objects.select_related("slot__session__desk", "slot__session__compound")
        .select_related("service")
        .filter(code=normalize_code(code))
        .first()
    )
    tail = _nfkc(phone_last4)[-4:].encode()  # bytes: compare_digest refuses non-ASCII str
    if appointment is None or not compare_digest(appointment.phone[-4:].encode(), tail):
        raise _error("code", _("No booking matches this code and phone number."), "not_found")
    return appointment


def do_cancel(code: str, *, phone_last4: str, client: str) -> Appointment:
    """The booker cancels with the booking code and the last 4 digits of the phone. Wrong
    guesses are throttled per client address and per booking code."""
    return _guarded(
        [(CANCEL_GUESSES, client), (CANCEL_GUESSES, f"code:{normalize_code(code)}")],
        {"not_found"},
        lambda: _cancel(code, phone_last4),
    )


@transaction.atomic
def _cancel(code: str, phone_last4: str) -> Appointment:
    appointment = _find_for_booker(code, phone_last4)
    if appointment.status != AppointmentStatus.BOOKED:
        raise _error("code", _("This booking can no longer be cancelled."), "not_cancellable")
    if appointment.slot.starts_at() <= timezone.now():
        raise _error("code", _("This booking's time has passed."), "not_cancellable")
    _transition(appointment, AppointmentStatus.CANCELLED)
    Slot.objects.filter(pk=appointment.slot_id, booked__gt=0).update(booked=F("booked") - 1)
    _queue(
        key=f"desks:appointment:{appointment.pk}:cancelled",
        template="appointment_cancelled",
        context=_message_context(appointment),
        phone=appointment.phone,
    )
    return appointment


@transaction.atomic
def do_cancel_session(session: DeskSession, *, actor=None, reason: str = "") -> int:
    """Cancel a session and every place held or booked in it, telling each booker, with
    ``reason`` when given (a clerk calling a day off gives one; a leaders' reception called off
    by its app may not). With ``actor``, the actor must serve the session's area, the session
    must still be open and not be over. Returns how many bookings were cancelled."""
    reason = " ".join((reason or "").split())
    if actor is not None:
        _check_staff(actor, session)
        if not reason:
            raise _error("reason", _("Say why the session is cancelled."), "reason")
        if len(reason) > 200:
            raise _error("reason", _("Keep the reason under 200 characters."), "reason")
        if session.date < timezone.localdate():
            raise _error("__all__", _("This session is over; it cannot be cancelled."), "past")
    now = timezone.now()
    called_off = DeskSession.objects.filter(pk=session.pk, status=SessionStatus.OPEN).update(
        status=SessionStatus.CANCELLED, cancel_reason=reason, cancelled_at=now, cancelled_by=actor
    )
    if not called_off and actor is not None:
        raise _error("__all__", _("This desk session has already been cancelled."), "cancelled")
    session.status, session.cancel_reason = SessionStatus.CANCELLED, reason
    live = list(
        Appointment.objects.filter(slot__session=session, status__in=LIVE).select_related(
            "slot__session__desk", "slot__session__compound", "service"
        )
    )
    for appointment in live:
        if appointment.status == AppointmentStatus.BOOKED:
            _queue(
                key=f"desks:appointment:{appointment.pk}:cancelled",
                template="session_cancelled" if reason else "appointment_cancelled",
                context={**_message_context(appointment), **({"reason": reason} if reason else {})},
                phone=appointment.phone,
            )
    Appointment.objects.filter(pk__in=[a.pk for a in live]).update(
        status=AppointmentStatus.CANCELLED, changed_at=now
    )
    Slot.objects.filter(session=session).update(booked=0)
    return len(live)


# ---- at the desk ----------------------------------------------------------------------------


def do_book_for_resident(
    slot: Slot,
    *,
    actor,
    channel: str,
    service=None,
    resident=None,
    name: str = "",
    phone: str = "",
) -> Appointment:
    """A clerk books a place for a resident at the desk or on the phone: a resident of the
    registry the clerk may see (their name and phone on record, unless ``phone`` is given), or
    a name and a mobile number typed in. No code to confirm (the clerk has the person in front
    of them or on the line); the booking records the clerk and the channel, and its
    confirmation goes to the phone like any other."""
    from doorstep.staff.roles import VIEW_RESIDENTS

    if channel not in (BookingChannel.DESK, BookingChannel.PHONE):
        raise _error("channel", _("Say whether the booking is made at the desk or on the phone."))
    if resident is not None:
        if not covers(actor, VIEW_RESIDENTS, resident.area_code):
            raise PermissionDenied(_("This resident is outside the areas you serve."))
        name, phone = resident.name, phone or resident.phone
        if not phone:
            raise _error(
                "phone",
                _("%(name)s has no mobile number on record: type one to book.") % {"name": name},
                "phone",
            )
    errors: dict[str, list[ValidationError]] = {}
    name = " ".join((name or "").split())
    if not name or len(name) > 50:
        errors["name"] = [ValidationError(_("Give the resident's name (up to 50 characters)."))]
    try:
        phone = phones.check(phone or "")
    except ValidationError as exc:
        errors["phone"] = [exc]
    if errors:
        raise ValidationError(errors)
    release_expired_holds()
    return _book_by_clerk(
        slot, actor=actor, channel=channel, service=service, resident=resident, name=name,
        phone=phone,
    )  # fmt: skip


@transaction.atomic
def _book_by_clerk(slot: Slot, *, actor, channel, service, resident, name, phone) -> Appointment:
    DeskSession.objects.select_for_update().get(pk=slot.session_id)
    slot = Slot.objects.select_related("session__desk", "session__compound").get(pk=slot.pk)
    _check_staff(actor, slot.session)
    _check_slot(slot, service)
    if _already_booked(slot, phone):
        raise _duplicate()
    taken = Slot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).update(booked=F("booked") + 1)
    if not taken:
        raise _error("slot", _("This time is fully booked. Choose another one."), "full")
    appointment = _create_appointment(
        slot=slot,
        service=service,
        name=name,
        phone=phone,
        id_tail_hash=resident.id_tail_hash if resident else "",
        status=AppointmentStatus.BOOKED,
        changed_at=timezone.now(),
        resident=resident,
        channel=channel,
        booked_by=actor,
    )
    _queue(
        key=f"desks:appointment:{appointment.pk}:booked",
        template="appointment_booked",
        context=_message_context(appointment),
        phone=phone,
    )
    return appointment


class InvalidTransition(ValidationError):
    pass


def _transition(appointment: Appointment, to: str) -> None:
    """Move an appointment to ``to`` if its status is still the one we read."""
    if to not in ALLOWED[appointment.status]:
        raise InvalidTransition(
            _("A booking that is “%(from)s” cannot become “%(to)s”.")
            % {
                "from": AppointmentStatus(appointment.status).label,
                "to": AppointmentStatus(to).label,
            }
        )
    now = timezone.now()
    changed = Appointment.objects.filter(pk=appointment.pk, status=appointment.status).update(
        status=to, changed_at=now
    )
    if not changed:
        raise InvalidTransition(_("Someone else changed this booking just now. Reload the page."))
    appointment.status, appointment.changed_at = to, now


def _check_staff(actor, session: DeskSession) -> None:
    if not covers(actor, SERVE_DESK, session.area_code):
        raise PermissionDenied(_("This desk is outside the areas you serve."))


def _check_on_the_day(session: DeskSession) -> None:
    if session.date != timezone.localdate():
        raise ValidationError(_("Queue numbers are given out on the day of the session only."))
    if session.status != SessionStatus.OPEN:
        raise ValidationError(_("This desk session has been cancelled."))


@transaction.atomic
def do_issue_ticket(
    session: DeskSession, *, actor, appointment: Appointment | None = None, name: str = ""
) -> QueueTicket:
    """Give the next queue number of ``session`` to a booking or a walk-in."""
    _check_staff(actor, session)
    _check_on_the_day(session)
    if appointment is not None:
        if appointment.slot.session_id != session.pk:
            raise ValidationError(_("This booking is for another session."))
        if appointment.status != AppointmentStatus.BOOKED:
            raise ValidationError(_("Only a booking that is still open can take a number."))
        if QueueTicket.objects.filter(appointment=appointment).exists():
            raise ValidationError(_("This booking already has a queue number."))
        name = appointment.name
    name = (name or "").strip()[:50]
    if not name:
        raise _error("name", _("Give the visitor's name."), "name")
    # The UPDATE locks the session row until commit: the read below sees our own increment.
    DeskSession.objects.filter(pk=session.pk).update(last_ticket=F("last_ticket") + 1)
    number = DeskSession.objects.filter(pk=session.pk).values_list("last_ticket", flat=True)[0]
    return QueueTicket.objects.create(
        session=session, number=number, appointment=appointment, name=name
    )


@transaction.atomic
def do_call_next(session: DeskSession, *, actor) -> QueueTicket | None:
    """Call the lowest number of ``session`` not yet called (the display shows it); the number
    called before it, if still not marked served, is marked served now. None when nobody
    waits."""
    _check_staff(actor, session)
    _check_on_the_day(session)
    now = timezone.now()
    waiting = QueueTicket.objects.filter(session=session, served_at__isnull=True)
    called = list(waiting.filter(called_at__isnull=False).values_list("pk", flat=True))
    waiting.filter(pk__in=called).update(served_at=now)
    for appointment in Appointment.objects.filter(
        ticket__pk__in=called, status=AppointmentStatus.BOOKED
    ).select_related("slot__session__desk", "service"):
        _transition(appointment, AppointmentStatus.SERVED)
        _open_for_rating(appointment, actor)
    ticket = waiting.filter(called_at__isnull=True).order_by("number").first()
    if ticket is None:
        return None
    return do_call_ticket(ticket, actor=actor)


@transaction.atomic
def do_call_ticket(ticket: QueueTicket, *, actor) -> QueueTicket:
    _check_staff(actor, ticket.session)
    QueueTicket.objects.filter(pk=ticket.pk, called_at__isnull=True).update(
        called_at=timezone.now()
    )
    ticket.refresh_from_db(fields=["called_at"])
    return ticket


@transaction.atomic
def do_serve_ticket(ticket: QueueTicket, *, actor) -> QueueTicket:
    """The visitor holding ``ticket`` has been served; so has their booking, if any."""
    _check_staff(actor, ticket.session)
    now = timezone.now()
    done = QueueTicket.objects.filter(pk=ticket.pk, served_at__isnull=True).update(
        served_at=now, called_at=F("called_at") if ticket.called_at else now
    )
    if not done:
        raise ValidationError(_("This number has already been served."))
    ticket.refresh_from_db(fields=["served_at", "called_at"])
    if ticket.appointment_id:
        appointment = Appointment.objects.get(pk=ticket.appointment_id)
        if appointment.status != AppointmentStatus.SERVED:
            _transition(appointment, AppointmentStatus.SERVED)
            _open_for_rating(appointment, actor)
    return ticket


@transaction.atomic
def do_mark_appointment(appointment: Appointment, *, actor, status: str) -> Appointment:
    """A clerk records a booking as served or as a no-show."""
    session = appointment.slot.session
    _check_staff(actor, session)
    if status not in {AppointmentStatus.SERVED, AppointmentStatus.NO_SHOW}:
        raise ValidationError(_("Unknown status."))
    if session.date != timezone.localdate():
        raise ValidationError(
            _("Served and did-not-come are marked on the day of the session only (%(date)s).")
            % {"date": session.date.isoformat()}
        )
    _transition(appointment, status)
    if status == AppointmentStatus.SERVED:
        QueueTicket.objects.filter(appointment=appointment, served_at__isnull=True).update(
            served_at=timezone.now()
        )
        _open_for_rating(appointment, actor)
    return appointment


def _open_for_rating(appointment: Appointment, actor) -> None:
    """A served desk visit is rated (一次一评), by the booker: the resident on record, else the
    phone the booking was made with."""
    desk = appointment.slot.session.desk
    do_open_subject(
        SubjectKind.VISIT, appointment.pk, reference=f"A{appointment.pk}",
        area_code=desk.area_code, closed_at=timezone.now(), service=appointment.service,
        handler=actor, resident=appointment.resident,
        phone="" if appointment.resident_id else appointment.phone,
    )  # fmt: skip


@transaction.atomic
def do_link_resident(appointment: Appointment, resident, *, actor) -> Appointment:
    """A clerk matches a booking to a resident of the registry she may see."""
    from doorstep.staff.roles import VIEW_RESIDENTS

    _check_staff(actor, appointment.slot.session)
    if not covers(actor, VIEW_RESIDENTS, resident.area_code):
        raise PermissionDenied(_("This resident is outside the areas you serve."))
    appointment.resident = resident
    appointment.save(update_fields=["resident"])
    return appointment


# ---- reminders ------------------------------------------------------------------------------


def do_send_reminders(*, day: datetime.date | None = None) -> int:
    """Queue one reminder for every open booking on ``day`` (tomorrow by default). A booking
    is reminded once: the status-guarded update on ``reminded_at`` and the outbox key both say
    so. Returns how many were queued."""
    day = day or timezone.localdate() + datetime.timedelta(days=1)
    due = Appointment.objects.filter(
        status=AppointmentStatus.BOOKED, reminded_at__isnull=True, slot__session__date=day
    ).select_related("slot__session__desk", "slot__session__compound", "service")
    sent = 0
    for appointment in list(due):
        with transaction.atomic():
            claimed = Appointment.objects.filter(
                pk=appointment.pk, reminded_at__isnull=True, status=AppointmentStatus.BOOKED
            ).update(reminded_at=timezone.now())
            if not claimed:
                continue
            _queue(
                key=f"desks:appointment:{appointment.pk}:reminder",
                template="appointment_reminder",
                context=_message_context(appointment),
                phone=appointment.phone,
            )
            sent += 1
    return sent
