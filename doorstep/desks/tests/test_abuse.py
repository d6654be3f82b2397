"""The public booking endpoints cannot be abused: no text from the public goes out in an SMS,
a place is held only briefly until the code sent to the phone is entered, an anonymous crowd
with random phones cannot empty a session, and guessing codes (confirmation or cancelling) is
throttled per client and per booking."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from doorstep.desks import actions
from doorstep.desks.choices import AppointmentStatus
from doorstep.desks.models import Appointment, Slot
from doorstep.notify.models import Message

from .conftest import otp_for

SPAM = "补贴到账请点 http://evil.example/k 核验"


def codes(exc: ValidationError) -> set[str]:
    return actions.error_codes(exc)


def free(slot: Slot) -> int:
    slot.refresh_from_db()
    return slot.free


def test_no_text_from_the_public_goes_into_a_message(slot_a, booking):
    appointment = booking(slot_a, name=SPAM)
    assert appointment.status == AppointmentStatus.BOOKED
    actions.do_cancel(appointment.code, phone_last4="5678", client="192.0.2.10")
    messages = list(Message.objects.all())
    assert {m.template for m in messages} == {
        "appointment_otp",
        "appointment_booked",
        "appointment_cancelled",
    }
    for message in messages:
        assert "evil" not in message.body and "补贴" not in message.body
        assert SPAM not in message.subject


def test_desk_message_templates_take_no_free_text():
    from doorstep.notify.templates import TEMPLATES

    for key in ["appointment_otp", "appointment_booked", "appointment_reminder"]:
        assert "name" not in TEMPLATES[key].variables
    assert "name" not in TEMPLATES["appointment_cancelled"].variables


def test_a_hold_takes_the_place_only_until_confirmed_or_expired(client, slot_a, booking, frozen):
    held = booking(slot_a, confirm=False)
    assert held.status == AppointmentStatus.HELD
    assert free(slot_a) == 2
    assert not Message.objects.filter(template="appointment_booked").exists()
    frozen.shift(datetime.timedelta(minutes=actions.HOLD_MINUTES, seconds=1))
    # Freed on the next read: no sweep has run.
    data = client.get(reverse("api:desks-sessions", args=[slot_a.session.compound.code])).json()
    assert data["sessions"][0]["slots"][0]["free"] == 3
    held.refresh_from_db()
    assert held.status == AppointmentStatus.EXPIRED
    with pytest.raises(ValidationError) as caught:
        actions.do_confirm_booking(held.code, otp=otp_for(held), client="192.0.2.10")
    assert codes(caught.value) == {"expired"}
    assert free(slot_a) == 3


def test_an_expired_hold_does_not_block_a_full_slot(slot_a, booking, frozen):
    for n in range(3):
        booking(slot_a, phone=f"1391234567{n}", confirm=n > 0, client=f"192.0.2.{n}")
    assert free(slot_a) == 0
    frozen.shift(datetime.timedelta(minutes=actions.HOLD_MINUTES + 1))
    booking(slot_a, phone="13700000000")  # books the place the stale hold had
    assert free(slot_a) == 0


def test_the_code_is_stored_hashed_and_tries_are_limited(slot_a, booking):
    held = booking(slot_a, confirm=False)
    otp = otp_for(held)
    held.refresh_from_db()
    assert otp not in held.otp_hash and len(held.otp_hash) == 64
    wrong = "000000" if otp != "000000" else "111111"
    for n in range(actions.OTP_TRIES):
        with pytest.raises(ValidationError) as caught:
            actions.do_confirm_booking(held.code, otp=wrong, client=f"198.51.100.{n}")
        assert codes(caught.value) == {"wrong_code"}
    # The last wrong try voided the hold and freed its place: the right code is too late.
    held.refresh_from_db()
    assert held.status == AppointmentStatus.EXPIRED and held.otp_tries == actions.OTP_TRIES
    assert free(slot_a) == 3
    with pytest.raises(ValidationError) as caught:
        actions.do_confirm_booking(held.code, otp=otp, client="198.51.100.99")
    assert codes(caught.value) == {"expired"}


def test_fifteen_anonymous_requests_with_random_phones_cannot_empty_a_session(client, slot_a):
    session = slot_a.session
    places = sum(s.capacity for s in session.slots.all())
    slots = list(session.slots.order_by("start"))
    statuses = []
    for n in range(15):
        body = {
            "slot": slots[n % len(slots)].pk,
            "service": "senior-card",
            "name": "x",
            "phone": f"1370000{n:04d}",
            "id_last4": "1234",
        }
        response = client.post(
            reverse("api:desks-book"),
            json.dumps(body),
            content_type="application/json",
            REMOTE_ADDR=f"203.0.113.{n}",  # a different address each time
        )
        statuses.append(response.status_code)
    held = Appointment.objects.filter(status=AppointmentStatus.HELD).count()
    assert held <= places // 2
    assert sum(s.free for s in Slot.objects.filter(session=session)) >= places - places // 2
    assert 429 in statuses
    assert not Appointment.objects.filter(status=AppointmentStatus.BOOKED).exists()


def test_one_phone_has_few_bookings_a_day(frozen, desk_a, open_session, booking):
    # One booking per phone per session: the day limit counts across the day's sessions.
    starts = [f"{9 + 2 * n:02d}:00" for n in range(actions.PHONE_DAY_LIMIT + 1)]
    slots = [
        open_session(desk_a, start=s, end=f"{int(s[:2]) + 1:02d}:00").slots.first() for s in starts
    ]
    for slot in slots[: actions.PHONE_DAY_LIMIT]:
        booking(slot)
    with pytest.raises(ValidationError) as caught:
        booking(slots[actions.PHONE_DAY_LIMIT])
    assert codes(caught.value) == {"too_many"}
    assert Appointment.objects.count() == actions.PHONE_DAY_LIMIT


def test_one_address_may_hold_only_so_many(frozen, desk_a, open_session, booking):
    session = open_session(desk_a, end="18:00", capacity=5)
    slots = list(session.slots.order_by("start"))
    limit = actions.HOLDS_PER_CLIENT.limit
    for n in range(limit):
        booking(slots[n], phone=f"1360000{n:04d}", client="203.0.113.7")
    with pytest.raises(ValidationError) as caught:
        booking(slots[limit], phone="13500000000", client="203.0.113.7")
    assert codes(caught.value) == {"throttled"}
    assert Appointment.objects.count() == limit
    booking(slots[limit], phone="13500000000", client="203.0.113.8")  # others are not held up


def test_one_phone_gets_only_so_many_codes(frozen, desk_a, open_session, booking):
    session = open_session(desk_a, end="18:00", capacity=5)
    slots = list(session.slots.order_by("start"))
    limit = actions.CODES_PER_PHONE.limit
    for n in range(limit):
        held = booking(slots[n], confirm=False, client=f"203.0.113.{n}")
        actions.do_cancel  # noqa: B018 (holds are not cancellable; they expire)
        frozen.shift(datetime.timedelta(minutes=actions.HOLD_MINUTES + 1))
        assert Appointment.objects.filter(pk=held.pk).exists()
    with pytest.raises(ValidationError) as caught:
        booking(slots[limit], confirm=False, client="203.0.113.99")
    assert codes(caught.value) == {"throttled"}
    assert Message.objects.filter(template="appointment_otp").count() == limit


def test_cancel_guesses_are_throttled_per_client(slot_a, booking):
    appointment = booking(slot_a)
    for n in range(actions.CANCEL_GUESSES.limit):
        with pytest.raises(ValidationError):
            actions.do_cancel(appointment.code, phone_last4=f"{n:04d}", client="203.0.113.5")
    with pytest.raises(ValidationError) as caught:  # even the right digits, now
        actions.do_cancel(appointment.code, phone_last4="5678", client="203.0.113.5")
    assert codes(caught.value) == {"throttled"}
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_cancel_guesses_are_throttled_per_booking(slot_a, booking):
    appointment = booking(slot_a)
    for n in range(actions.CANCEL_GUESSES.limit):  # each from another address
        with pytest.raises(ValidationError):
            actions.do_cancel(appointment.code, phone_last4=f"{n:04d}", client=f"203.0.113.{n}")
    with pytest.raises(ValidationError) as caught:
        actions.do_cancel(appointment.code, phone_last4="5678", client="198.51.100.1")
    assert codes(caught.value) == {"throttled"}


def test_confirmation_guesses_are_throttled_per_client(frozen, desk_a, open_session, booking):
    session = open_session(desk_a, end="18:00", capacity=5)
    holds = [
        booking(slot, phone=f"1360000{n:04d}", confirm=False, client=f"192.0.2.{n}")
        for n, slot in enumerate(session.slots.order_by("start")[:3])
    ]
    for n in range(actions.CONFIRM_GUESSES.limit):  # spread over holds: each stays under its cap
        hold = holds[n % len(holds)]
        with pytest.raises(ValidationError):
            actions.do_confirm_booking(hold.code, otp="99999x", client="203.0.113.5")
    with pytest.raises(ValidationError) as caught:
        actions.do_confirm_booking(holds[0].code, otp="000000", client="203.0.113.5")
    assert codes(caught.value) == {"throttled"}


def test_cancel_throttle_in_the_page_and_the_api(client, slot_a, booking):
    appointment = booking(slot_a)
    url = reverse("api:desks-cancel", args=[appointment.code])
    for n in range(actions.CANCEL_GUESSES.limit):
        body = json.dumps({"phone_last4": f"{n:04d}"})
        assert client.post(url, body, content_type="application/json").status_code == 404
    body = json.dumps({"phone_last4": "5678"})
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 429
    assert set(response.json()) == {"code", "message", "field"}
    assert response.json()["code"] == "throttled"
    page = client.post(reverse("desks-cancel"), {"code": appointment.code, "phone_last4": "5678"})
    assert page.status_code == 429
    assert "尝试次数过多" in page.content.decode()  # Chinese, the default language


def test_api_confirm_errors_have_the_one_shape(client, slot_a, booking, frozen):
    held = booking(slot_a, confirm=False)
    url = reverse("api:desks-confirm", args=[held.code])
    post = lambda otp: client.post(  # noqa: E731
        url, json.dumps({"otp": otp}), content_type="application/json"
    )
    wrong = post("abc")
    assert wrong.status_code == 400 and wrong.json()["code"] == "wrong_code"
    assert wrong.json()["field"] == "otp"
    unknown = client.post(
        reverse("api:desks-confirm", args=["AAAAAA"]),
        json.dumps({"otp": "123456"}),
        content_type="application/json",
    )
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
    frozen.shift(datetime.timedelta(minutes=actions.HOLD_MINUTES + 1))
    late = post(otp_for(held))
    assert late.status_code == 409 and late.json()["code"] == "expired"


def test_the_confirm_page_is_only_for_the_booking_browser(client, slot_a, booking, personas):
    held = booking(slot_a, confirm=False)
    url = reverse("desks-confirm", args=[held.code])
    assert client.get(url).status_code == 404
    client.force_login(personas.clerk_a)
    assert client.get(url).status_code == 404
    assert client.post(url, {"otp": otp_for(held)}).status_code == 404
    held.refresh_from_db()
    assert held.status == AppointmentStatus.HELD


def test_holds_are_not_on_the_desk_list(client, slot_a, booking, personas):
    booking(slot_a, name="等验证的人", confirm=False)
    client.force_login(personas.clerk_a)
    page = client.get(reverse("desks-session", args=[slot_a.session.pk])).content.decode()
    assert "等验证的人" not in page
