"""Booking and cancelling through the actions: the happy path, and every bad input changes
nothing."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from doorstep.core import crypto
from doorstep.desks.actions import CODE_ALPHABET, do_cancel
from doorstep.desks.choices import AppointmentStatus, SessionStatus
from doorstep.desks.models import Appointment, DeskSession, Slot
from doorstep.notify.models import Message

from .conftest import NOW


def state(slot):
    slot.refresh_from_db()
    return slot.booked, Appointment.objects.count(), Message.objects.count()


def test_book_happy_path(slot_a, booking, services):
    appointment = booking(slot_a, phone="+86 138-1234-5678", id_last4="123x")
    slot_a.refresh_from_db()
    assert slot_a.booked == 1
    assert appointment.status == AppointmentStatus.BOOKED
    assert appointment.phone == "13812345678"
    assert appointment.id_tail_hash == crypto.tail_hash("123X")
    assert len(appointment.code) == 6 and set(appointment.code) <= set(CODE_ALPHABET)
    message = Message.objects.get(template="appointment_booked")
    assert message.idempotency_key == f"desks:appointment:{appointment.pk}:booked"
    assert appointment.code in message.body
    assert message.address == "13812345678"


def error_codes(exc: ValidationError) -> dict[str, list[str]]:
    return {field: [e.code for e in errors] for field, errors in exc.error_dict.items()}


@pytest.mark.parametrize(
    "overrides,field,code",
    [
        ({"phone": "12345"}, "phone", "phone"),
        ({"phone": "2381234567"}, "phone", "phone"),
        ({"id_last4": "12X4"}, "id_last4", "id_last4"),
        ({"id_last4": "123"}, "id_last4", "id_last4"),
        ({"id_last4": "１２Ｘ４"}, "id_last4", "id_last4"),
        ({"name": "  "}, "name", "name"),
        ({"name": "张" * 51}, "name", "name"),
        ({"service": None}, "service", "service"),
    ],
)
def test_bad_input_changes_nothing(slot_a, booking, overrides, field, code):
    before = state(slot_a)
    with pytest.raises(ValidationError) as caught:
        booking(slot_a, **overrides)
    assert code in error_codes(caught.value)[field]
    assert state(slot_a) == before


def test_service_not_offered_by_the_desk(slot_a, booking, services):
    with pytest.raises(ValidationError) as caught:
        booking(slot_a, service=services[2])
    assert error_codes(caught.value) == {"service": ["service"]}
    assert state(slot_a) == (0, 0, 0)


def test_inactive_service(slot_a, booking, services):
    services[0].is_active = False
    services[0].save(update_fields=["is_active"])
    with pytest.raises(ValidationError):
        booking(slot_a)
    assert state(slot_a) == (0, 0, 0)


def test_past_slot(slot_a, booking, frozen):
    frozen.move_to(NOW + datetime.timedelta(days=1, hours=1, minutes=1))  # tomorrow 09:01
    with pytest.raises(ValidationError) as caught:
        booking(slot_a)
    assert error_codes(caught.value) == {"slot": ["past"]}
    assert state(slot_a) == (0, 0, 0)


def test_cancelled_session(slot_a, booking):
    DeskSession.objects.update(status=SessionStatus.CANCELLED)
    with pytest.raises(ValidationError) as caught:
        booking(slot_a)
    assert error_codes(caught.value) == {"slot": ["cancelled"]}
    assert state(slot_a) == (0, 0, 0)


def test_full_slot_is_refused_and_capacity_holds(slot_a, booking):
    for n in range(3):
        booking(slot_a, phone=f"1381234567{n}")
    before = state(slot_a)
    with pytest.raises(ValidationError) as caught:
        booking(slot_a, phone="13900000000")
    assert error_codes(caught.value) == {"slot": ["full"]}
    assert state(slot_a) == before == (3, 3, 6)  # a code and a confirmation each


def test_database_refuses_overbooking(slot_a):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.filter(pk=slot_a.pk).update(booked=4)


def test_cancel_frees_the_place(slot_a, booking):
    appointment = booking(slot_a)
    cancelled = do_cancel(appointment.code.lower(), phone_last4="5678", client="192.0.2.10")
    assert cancelled.status == AppointmentStatus.CANCELLED
    slot_a.refresh_from_db()
    assert slot_a.booked == 0
    assert Message.objects.filter(template="appointment_cancelled").count() == 1


@pytest.mark.parametrize(
    "code,last4",
    [
        ("WRONG1", "5678"),
        (None, "1234"),
        (None, ""),
        ("", ""),
        (None, "１２３４"),  # full-width, and wrong
        ("预约码", "尾号"),
    ],
)
def test_cancel_with_bad_details_changes_nothing(slot_a, booking, code, last4):
    appointment = booking(slot_a)
    before = state(slot_a)
    with pytest.raises(ValidationError) as caught:
        do_cancel(
            code if code is not None else appointment.code, phone_last4=last4, client="192.0.2.10"
        )
    assert error_codes(caught.value) == {"code": ["not_found"]}
    assert state(slot_a) == before
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_full_width_input_is_folded(slot_a, booking):
    appointment = booking(slot_a, id_last4="１２３ｘ")
    assert appointment.id_tail_hash == crypto.tail_hash("123X")
    code = appointment.code.translate({ord(c): ord(c) + 0xFEE0 for c in appointment.code})
    assert (
        do_cancel(code, phone_last4="５６７８", client="192.0.2.10").status
        == AppointmentStatus.CANCELLED
    )


def test_cancel_twice(slot_a, booking):
    appointment = booking(slot_a)
    do_cancel(appointment.code, phone_last4="5678", client="192.0.2.10")
    with pytest.raises(ValidationError) as caught:
        do_cancel(appointment.code, phone_last4="5678", client="192.0.2.10")
    assert error_codes(caught.value) == {"code": ["not_cancellable"]}
    slot_a.refresh_from_db()
    assert slot_a.booked == 0


def test_one_phone_takes_one_place_per_time(slot_a, booking):
    first = booking(slot_a, phone="13812345670")
    before = state(slot_a)
    with pytest.raises(ValidationError) as caught:
        booking(slot_a, phone="138 1234 5670")  # a double tap, typed differently
    assert error_codes(caught.value) == {"phone": ["duplicate"]}
    assert state(slot_a) == before
    # After cancelling, the same phone may book the time again.
    from doorstep.desks.actions import do_cancel

    do_cancel(first.code, phone_last4="5670", client="192.0.2.10")
    booking(slot_a, phone="13812345670")


def test_the_database_refuses_a_second_live_booking_for_one_phone(slot_a, booking):
    from django.db import IntegrityError, transaction

    first = booking(slot_a, phone="13812345670")
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(
            slot=slot_a,
            service=first.service,
            name="x",
            phone=first.phone,
            id_tail_hash="",
            code="ZZZZZZ",
        )
