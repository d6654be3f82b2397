"""The clerk's verbs at a desk: served / no-show on the day only, one booking per phone per
session, a day called off with a reason, booking for a resident, the call-next screen. Every
new view gives another area's clerk, a wrong role and the anonymous nothing."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from doorstep.desks import actions
from doorstep.desks.choices import AppointmentStatus, BookingChannel, SessionStatus
from doorstep.desks.models import Appointment, DeskSession, QueueTicket, Slot
from doorstep.notify.models import Message

from .conftest import SHANGHAI, TODAY, TOMORROW


@pytest.fixture
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def today_session(frozen, desk_a, open_session):
    return open_session(desk_a, date=TODAY, start="09:00", end="10:00")


@pytest.fixture
def tomorrow_session(frozen, desk_a, open_session):
    return open_session(desk_a, date=TOMORROW, start="09:00", end="10:00")


def codes(exc: ValidationError) -> set[str]:
    return actions.error_codes(exc)


# ---- served / no-show on the day only -----------------------------------------------------


def test_served_and_no_show_only_on_the_sessions_day(
    frozen, tomorrow_session, booking, personas, client, english
):
    appointment = booking(tomorrow_session.slots.first())
    with pytest.raises(ValidationError, match="on the day of the session only"):
        actions.do_mark_appointment(
            appointment, actor=personas.clerk_a, status=AppointmentStatus.NO_SHOW
        )
    client.force_login(personas.clerk_a)
    url = reverse("desks-mark-appointment", args=[appointment.pk, "no_show"])
    response = client.post(url, follow=True)
    assert "on the day of the session only" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    # The day after, too late as well.
    frozen.move_to(datetime.datetime(2026, 12, 3, 9, 0, tzinfo=SHANGHAI))
    with pytest.raises(ValidationError):
        actions.do_mark_appointment(
            appointment, actor=personas.clerk_a, status=AppointmentStatus.SERVED
        )
    # On the day it works, and the page offers the buttons then only.
    frozen.move_to(datetime.datetime(2026, 12, 2, 9, 0, tzinfo=SHANGHAI))
    actions.do_mark_appointment(appointment, actor=personas.clerk_a, status="no_show")
    assert Appointment.objects.get().status == AppointmentStatus.NO_SHOW


def test_buttons_show_on_the_day_only(frozen, tomorrow_session, booking, personas, client):
    appointment = booking(tomorrow_session.slots.first())
    client.force_login(personas.clerk_a)
    page = client.get(reverse("desks-session", args=[tomorrow_session.pk])).content.decode()
    assert reverse("desks-mark-appointment", args=[appointment.pk, "served"]) not in page


# ---- one booking per phone per session ----------------------------------------------------


def test_one_booking_per_phone_per_session(frozen, tomorrow_session, booking):
    first, second = tomorrow_session.slots.order_by("start")
    booking(first)
    with pytest.raises(ValidationError) as caught:
        booking(second)
    assert codes(caught.value) == {"duplicate"}
    assert Appointment.objects.count() == 1
    assert Slot.objects.get(pk=second.pk).booked == 0


def test_the_database_holds_one_per_phone_per_session(frozen, tomorrow_session, booking):
    first, second = tomorrow_session.slots.order_by("start")
    booked = booking(first)
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(
            slot=second, name="x", phone=booked.phone, code="QQQQQQ", status="booked"
        )


def test_a_second_booking_gets_a_friendly_page(frozen, tomorrow_session, booking, client, english):
    first, second = tomorrow_session.slots.order_by("start")
    booking(first)
    response = client.post(
        reverse("desks-book", args=[second.pk]),
        {"service": "senior-card", "name": "张景林", "phone": "13812345678", "id_last4": "123X"},
    )
    assert response.status_code == 400
    assert "One booking per phone per session" in response.content.decode()


def test_a_cancelled_booking_frees_the_phone(frozen, tomorrow_session, booking):
    first, second = tomorrow_session.slots.order_by("start")
    booked = booking(first)
    actions.do_cancel(booked.code, phone_last4="5678", client="192.0.2.1")
    booking(second)
    assert Appointment.objects.filter(status=AppointmentStatus.BOOKED).count() == 1


# ---- past slots read "ended" --------------------------------------------------------------


def test_past_slots_read_ended(frozen, desk_a, open_session, client, english):
    session = open_session(desk_a, date=TODAY, start="07:00", end="09:00")
    page = client.get(reverse("desks-compound", args=[session.compound.code])).content.decode()
    assert page.count("Ended") == 3  # 07:00, 07:30 and 08:00 have begun; 08:30 has not
    assert reverse("desks-book", args=[session.slots.order_by("start").last().pk]) in page


# ---- today's page links to the coming sessions -------------------------------------------


def test_today_lists_the_coming_sessions(frozen, today_session, tomorrow_session, personas, client):
    client.force_login(personas.clerk_a)
    page = client.get(reverse("desks-today")).content.decode()
    assert reverse("desks-session", args=[tomorrow_session.pk]) in page
    client.force_login(personas.clerk_b)
    page = client.get(reverse("desks-today")).content.decode()
    assert reverse("desks-session", args=[tomorrow_session.pk]) not in page


# ---- cancelling a day ---------------------------------------------------------------------


def test_clerk_cancels_a_day_and_every_booker_is_told(
    frozen, tomorrow_session, booking, personas, client, english
):
    first, second = tomorrow_session.slots.order_by("start")
    a = booking(first)
    b = booking(second, phone="13900001111")
    held = booking(second, phone="13900002222", confirm=False)
    client.force_login(personas.clerk_a)
    url = reverse("desks-cancel-session", args=[tomorrow_session.pk])
    response = client.post(url, {"reason": "社区停电"}, follow=True)
    assert "3 bookers will be told" in response.content.decode()
    session = DeskSession.objects.get(pk=tomorrow_session.pk)
    assert session.status == SessionStatus.CANCELLED
    assert session.cancel_reason == "社区停电" and session.cancelled_by == personas.clerk_a
    assert set(Appointment.objects.values_list("status", flat=True)) == {"cancelled"}
    assert not Slot.objects.filter(session=session, booked__gt=0).exists()
    for booked in (a, b):
        message = Message.objects.get(idempotency_key=f"desks:appointment:{booked.pk}:cancelled")
        assert "社区停电" in message.body and booked.phone == message.address
    assert not Message.objects.filter(
        idempotency_key=f"desks:appointment:{held.pk}:cancelled"
    ).exists()


@pytest.mark.parametrize("reason", ["", "   ", "长" * 201])
def test_cancelling_needs_a_reason(frozen, tomorrow_session, booking, personas, client, reason):
    booking(tomorrow_session.slots.first())
    client.force_login(personas.clerk_a)
    url = reverse("desks-cancel-session", args=[tomorrow_session.pk])
    response = client.post(url, {"reason": reason}, follow=True)
    assert response.status_code == 200
    assert DeskSession.objects.get().status == SessionStatus.OPEN
    assert Appointment.objects.get().status == AppointmentStatus.BOOKED
    with pytest.raises(ValidationError):
        actions.do_cancel_session(tomorrow_session, actor=personas.clerk_a, reason=reason)


def test_a_past_or_cancelled_session_cannot_be_cancelled(frozen, desk_a, open_session, personas):
    past = open_session(desk_a, date=TODAY - datetime.timedelta(days=1))
    with pytest.raises(ValidationError) as caught:
        actions.do_cancel_session(past, actor=personas.clerk_a, reason="x")
    assert codes(caught.value) == {"past"}
    coming = open_session(desk_a, date=TOMORROW)
    actions.do_cancel_session(coming, actor=personas.clerk_a, reason="停电")
    with pytest.raises(ValidationError) as caught:
        actions.do_cancel_session(coming, actor=personas.clerk_a, reason="again")
    assert codes(caught.value) == {"cancelled"}


# ---- booking for a resident ---------------------------------------------------------------


def test_clerk_books_for_a_registry_resident(
    frozen, tomorrow_session, personas, make_resident, client, english
):
    resident = make_resident(name="龚秀英", mobile="13700001234")
    client.force_login(personas.clerk_a)
    url = reverse("desks-book-for", args=[tomorrow_session.pk])
    page = client.get(url, {"q": "龚秀英"}).content.decode()
    assert f'value="{resident.pk}"' in page and "137****1234" in page
    slot = tomorrow_session.slots.order_by("start").first()
    data = {"slot": slot.pk, "service": "senior-card", "channel": "phone", "resident": resident.pk}
    response = client.post(url, data)
    assert response.status_code == 302
    booked = Appointment.objects.get()
    assert (booked.status, booked.channel, booked.booked_by) == (
        AppointmentStatus.BOOKED,
        BookingChannel.PHONE,
        personas.clerk_a,
    )
    assert (booked.resident, booked.name, booked.phone) == (resident, "龚秀英", "13700001234")
    assert booked.session_id == tomorrow_session.pk
    assert Slot.objects.get(pk=slot.pk).booked == 1
    assert Message.objects.filter(idempotency_key=f"desks:appointment:{booked.pk}:booked").exists()


def test_clerk_books_by_name_and_phone(frozen, tomorrow_session, personas, client):
    client.force_login(personas.clerk_a)
    slot = tomorrow_session.slots.order_by("start").first()
    data = {"slot": slot.pk, "service": "senior-card", "channel": "desk"}
    response = client.post(
        reverse("desks-book-for", args=[tomorrow_session.pk]),
        {**data, "name": " 王 大爷 ", "phone": "139 0000 1111"},
    )
    assert response.status_code == 302
    booked = Appointment.objects.get()
    assert (booked.name, booked.phone, booked.channel) == ("王 大爷", "13900001111", "desk")
    assert booked.resident is None and booked.booked_by == personas.clerk_a


@pytest.mark.parametrize(
    "bad",
    [
        {},  # nobody named
        {"name": "王大爷"},  # no phone
        {"name": "王大爷", "phone": "12345"},
        {"name": "王大爷", "phone": "13900001111", "channel": "online"},
        {"name": "王大爷", "phone": "13900001111", "slot": "999999"},
        {"name": "王大爷", "phone": "13900001111", "service": "not-here"},
        {"resident": "999999"},
    ],
)
def test_bad_clerk_bookings_change_nothing(frozen, tomorrow_session, personas, client, bad):
    client.force_login(personas.clerk_a)
    slot = tomorrow_session.slots.order_by("start").first()
    data = {"slot": slot.pk, "service": "senior-card", "channel": "desk", **bad}
    response = client.post(reverse("desks-book-for", args=[tomorrow_session.pk]), data)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not Appointment.objects.exists()
    assert not Slot.objects.filter(booked__gt=0).exists()


def test_clerk_booking_keeps_the_rules(frozen, tomorrow_session, booking, personas, make_resident):
    first, second = tomorrow_session.slots.order_by("start")
    booking(first)  # 13812345678 already holds a place in this session
    with pytest.raises(ValidationError) as caught:
        actions.do_book_for_resident(
            second, actor=personas.clerk_a, channel="desk", name="张景林", phone="13812345678",
            service=first.session.desk.services.first(),
        )  # fmt: skip
    assert codes(caught.value) == {"duplicate"}
    resident = make_resident(name="无手机")
    with pytest.raises(ValidationError) as caught:
        actions.do_book_for_resident(
            second, actor=personas.clerk_a, channel="desk", resident=resident,
            service=first.session.desk.services.first(),
        )  # fmt: skip
    assert codes(caught.value) == {"phone"} and "无手机" in str(caught.value)
    other = make_resident(name="别区居民", area=personas.compound_b, mobile="13600000000")
    with pytest.raises(PermissionDenied):
        actions.do_book_for_resident(
            second, actor=personas.clerk_a, channel="desk", resident=other,
            service=first.session.desk.services.first(),
        )  # fmt: skip
    assert Appointment.objects.count() == 1


def test_another_areas_resident_cannot_be_chosen(
    frozen, tomorrow_session, personas, make_resident, client
):
    other = make_resident(name="别区居民", area=personas.compound_b, mobile="13600000000")
    client.force_login(personas.clerk_a)
    url = reverse("desks-book-for", args=[tomorrow_session.pk])
    page = client.get(url, {"q": "别区居民"}).content.decode()
    assert f'name="resident" value="{other.pk}"' not in page and "136****0000" not in page
    slot = tomorrow_session.slots.first()
    data = {"slot": slot.pk, "service": "senior-card", "channel": "desk", "resident": other.pk}
    assert client.post(url, data).status_code == 400
    assert not Appointment.objects.exists()


# ---- call next and the screen -------------------------------------------------------------


def test_call_next_and_the_screen(frozen, today_session, booking, personas, client):
    from doorstep.desks.display import queue_board

    appointment = booking(today_session.slots.first(), name="龚小明")
    for name in (None, "李四", "王五", "赵六", "钱七"):
        actions.do_issue_ticket(
            today_session,
            actor=personas.clerk_a,
            appointment=appointment if name is None else None,
            name=name or "",
        )
    client.force_login(personas.clerk_a)
    client.post(reverse("desks-call-next", args=[today_session.pk]))
    board = queue_board(today_session)
    assert board.calling.number == "001" and board.calling.name == "龚*"
    assert [line.number for line in board.next] == ["002", "003", "004"]
    assert board.waiting == 4
    # Before anyone is served: a 30-minute slot with 3 places is 10 minutes each.
    assert [line.wait_minutes for line in board.next] == [10, 20, 30]
    page = client.get(reverse("desks-display", args=[today_session.pk])).content.decode()
    assert "龚*" in page and "龚小明" not in page and "138" not in page
    assert 'hx-trigger="every 10s"' in page
    partial = client.get(reverse("desks-display", args=[today_session.pk]), HTTP_HX_REQUEST="true")
    assert partial.content.decode().lstrip().startswith('<div id="board"')
    # Six minutes later the next is called: the first is served, its booking too, and the
    # average service time is now what was measured.
    frozen.shift(datetime.timedelta(minutes=6))
    client.post(reverse("desks-call-next", args=[today_session.pk]))
    assert Appointment.objects.get().status == AppointmentStatus.SERVED
    board = queue_board(today_session)
    assert board.calling.number == "002" and board.minutes_each == 6
    assert [line.wait_minutes for line in board.next] == [6, 12, 18]


def test_call_next_with_nobody_waiting(frozen, today_session, personas):
    assert actions.do_call_next(today_session, actor=personas.clerk_a) is None
    assert not QueueTicket.objects.exists()


def test_call_next_only_on_the_day(frozen, tomorrow_session, personas):
    with pytest.raises(ValidationError):
        actions.do_call_next(tomorrow_session, actor=personas.clerk_a)


# ---- the wrong person gets nothing ---------------------------------------------------------


@pytest.mark.parametrize("who", ["clerk_b", "reviewer", "outsider", "grid_b", None])
def test_the_wrong_person_gets_nothing(
    frozen, today_session, booking, personas, client, make_resident, who
):
    appointment = booking(today_session.slots.first(), name="龚小明")
    actions.do_issue_ticket(today_session, actor=personas.clerk_a, appointment=appointment)
    resident = make_resident(name="龚秀英", mobile="13700001234")
    if who:
        client.force_login(getattr(personas, who))
    pk = today_session.pk
    gets = [reverse("desks-display", args=[pk]), reverse("desks-book-for", args=[pk])]
    for url in gets:
        response = client.get(url, {"q": "龚"})
        assert response.status_code in (302, 404) if who is None else response.status_code == 404
        assert "龚" not in response.content.decode()
    slot = today_session.slots.order_by("start").last()
    posts = [
        (reverse("desks-cancel-session", args=[pk]), {"reason": "停电"}),
        (reverse("desks-call-next", args=[pk]), {}),
        (
            reverse("desks-book-for", args=[pk]),
            {"slot": slot.pk, "service": "senior-card", "channel": "desk", "resident": resident.pk},
        ),
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code == 302 if who is None else response.status_code == 404
        if who is None:
            assert "/login/" in response["Location"]
    assert DeskSession.objects.get(pk=pk).status == SessionStatus.OPEN
    assert Appointment.objects.count() == 1
    assert QueueTicket.objects.get().called_at is None


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_sessions_and_keeps_one_booking_per_phone(slot_a, services):
    """Before 0006 a phone could hold two places in one session: the earliest is kept, the
    later one cancelled and its place freed, so the new constraint can hold."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = (
        [("desks", "0005_alter_appointment_service_alter_desk_kind")],
        [("desks", "0007_appointment_one_per_phone_and_session")],
    )
    second_slot = slot_a.session.slots.order_by("start").last()
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    old = old_apps.get_model("desks", "Appointment")
    old_slot = old_apps.get_model("desks", "Slot")
    for code, slot in (("FIRST1", slot_a), ("LATER1", second_slot)):
        old.objects.create(
            slot_id=slot.pk, service_id=services[0].pk, name="张景林", phone="13812345678",
            code=code, status="booked",
        )  # fmt: skip
        old_slot.objects.filter(pk=slot.pk).update(booked=1)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    new = executor.loader.project_state(after).apps.get_model("desks", "Appointment")
    rows = dict(new.objects.values_list("code", "status"))
    assert rows == {"FIRST1": "booked", "LATER1": "cancelled"}
    assert set(new.objects.values_list("session_id", flat=True)) == {slot_a.session_id}
    assert Slot.objects.get(pk=second_slot.pk).booked == 0
    assert Slot.objects.get(pk=slot_a.pk).booked == 1
    executor = MigrationExecutor(connection)  # a fresh one knows what is applied now
    executor.migrate(executor.loader.graph.leaf_nodes())  # the later tests' schema
