"""Queue numbers, served and no-show, reminders."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from doorstep.desks.actions import (
    do_issue_ticket,
    do_mark_appointment,
    do_send_reminders,
    do_serve_ticket,
)
from doorstep.desks.choices import AppointmentStatus
from doorstep.notify.models import Message

from .conftest import TODAY


@pytest.fixture
def today_session(frozen, desk_a, open_session):
    return open_session(desk_a, date=TODAY, start="09:00", end="11:00")


def test_numbers_are_sequential(today_session, booking, personas):
    appointment = booking(today_session.slots.first())
    first = do_issue_ticket(today_session, actor=personas.clerk_a, appointment=appointment)
    second = do_issue_ticket(today_session, actor=personas.clerk_a, name="王大爷")
    assert (first.number, first.name) == (1, "张景林")
    assert (second.number, second.name) == (2, "王大爷")
    with pytest.raises(ValidationError):
        do_issue_ticket(today_session, actor=personas.clerk_a, appointment=appointment)
    with pytest.raises(ValidationError):
        do_issue_ticket(today_session, actor=personas.clerk_a, name=" ")
    today_session.refresh_from_db()
    assert today_session.last_ticket == 2


def test_only_on_the_day(slot_a, personas):
    with pytest.raises(ValidationError):
        do_issue_ticket(slot_a.session, actor=personas.clerk_a, name="王大爷")
    assert not slot_a.session.tickets.exists()


def test_other_clerk_may_not_issue(today_session, personas):
    with pytest.raises(PermissionDenied):
        do_issue_ticket(today_session, actor=personas.clerk_b, name="王大爷")


def test_serving_a_ticket_serves_its_booking(today_session, booking, personas):
    appointment = booking(today_session.slots.first())
    ticket = do_issue_ticket(today_session, actor=personas.clerk_a, appointment=appointment)
    do_serve_ticket(ticket, actor=personas.clerk_a)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.SERVED
    with pytest.raises(ValidationError):
        do_serve_ticket(ticket, actor=personas.clerk_a)


def test_no_show_and_illegal_transition(today_session, booking, personas):
    appointment = booking(today_session.slots.last())
    do_mark_appointment(appointment, actor=personas.clerk_a, status=AppointmentStatus.NO_SHOW)
    do_mark_appointment(appointment, actor=personas.clerk_a, status=AppointmentStatus.SERVED)
    with pytest.raises(ValidationError):
        do_mark_appointment(appointment, actor=personas.clerk_a, status=AppointmentStatus.NO_SHOW)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.SERVED


def test_reminders_once_for_tomorrow(slot_a, booking, today_session):
    tomorrow = booking(slot_a)
    booking(today_session.slots.last(), phone="13900000001")  # today: no reminder
    cancelled = booking(slot_a, phone="13900000002")
    from doorstep.desks.actions import do_cancel

    do_cancel(cancelled.code, phone_last4="0002", client="192.0.2.10")
    assert do_send_reminders() == 1
    assert do_send_reminders() == 0
    out = io.StringIO()
    call_command("send_reminders", stdout=out)
    assert out.getvalue().startswith("0 ")
    reminders = Message.objects.filter(template="appointment_reminder")
    assert [m.idempotency_key for m in reminders] == [f"desks:appointment:{tomorrow.pk}:reminder"]


def test_link_resident(slot_a, booking, personas, make_resident):
    from doorstep.desks.actions import do_link_resident

    appointment = booking(slot_a)
    resident = make_resident("张景林")
    do_link_resident(appointment, resident, actor=personas.clerk_a)
    appointment.refresh_from_db()
    assert appointment.resident == resident
    with pytest.raises(PermissionDenied):
        do_link_resident(appointment, resident, actor=personas.clerk_b)
    other = make_resident("李四", area=personas.compound_b)
    with pytest.raises(PermissionDenied):
        do_link_resident(appointment, other, actor=personas.clerk_a)


def test_a_served_visit_is_opened_for_rating(today_session, booking, personas):
    from doorstep.feedback.models import Subject

    appointment = booking(today_session.slots.first())
    assert not Subject.objects.exists()
    do_mark_appointment(appointment, actor=personas.clerk_a, status=AppointmentStatus.SERVED)
    subject = Subject.objects.get(kind="visit", object_id=appointment.pk)
    assert subject.phone == appointment.phone and subject.handler == personas.clerk_a
    assert subject.area_code == today_session.desk.area_code
    assert subject.service_id == appointment.service_id
    # A ticket served for the same booking does not open a second one.
    ticket = do_issue_ticket(today_session, actor=personas.clerk_a, name="王大爷")
    do_serve_ticket(ticket, actor=personas.clerk_a)
    assert Subject.objects.count() == 1
