"""Public pages and JSON endpoints: no login, bad input gets a clear message and changes
nothing, and nobody sees a booker's details but the booker."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from doorstep.desks.models import Appointment

from .conftest import NOW, otp_for


@pytest.fixture
def english(settings):
    settings.LANGUAGE_CODE = "en"


def post_booking(client, slot, **overrides):
    data = {
        "service": "senior-card",
        "name": "张景林",
        "phone": "13812345678",
        "id_last4": "123X",
        **overrides,
    }
    return client.post(reverse("desks-book", args=[slot.pk]), data)


def test_compound_page_lists_sessions_services_and_free_places(client, slot_a, english):
    response = client.get(reverse("desks-compound", args=[slot_a.session.compound.code]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "二印小区服务台" in html
    assert "老年人优待证办理" in html
    assert reverse("desks-book", args=[slot_a.pk]) in html
    assert "3 places left" in html


def test_compound_page_is_404_for_unknown_or_non_compound(client, personas):
    assert client.get(reverse("desks-compound", args=["999"])).status_code == 404
    assert client.get(reverse("desks-compound", args=[personas.area_a.code])).status_code == 404


def test_poster_has_inline_qr_to_the_compound_page(client, slot_a):
    code = slot_a.session.compound.code
    response = client.get(reverse("desks-poster", args=[code]))
    html = response.content.decode()
    assert "<svg" in html
    assert f"http://testserver/desks/compound/{code}/" in html
    assert "@page" not in html  # print rules live in the stylesheet


def test_poster_lists_the_weekly_openings(client, personas, desk_a, english):
    import datetime

    from doorstep.desks.models import DeskSchedule

    DeskSchedule.objects.create(
        desk=desk_a,
        weekday=2,
        start=datetime.time(9),
        end=datetime.time(11),
        valid_from=datetime.date(2026, 1, 1),
    )
    html = client.get(reverse("desks-poster", args=[desk_a.area.code])).content.decode()
    assert "every Wednesday" in html and "09:00–11:00" in html
    assert "老年人优待证办理" in html


def test_book_confirm_and_cancel_in_the_browser(client, slot_a, english):
    response = post_booking(client, slot_a)
    appointment = Appointment.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("desks-confirm", args=[appointment.code])
    page = client.get(response.url).content.decode()
    assert "138****5678" in page and "13812345678" not in page
    wrong = client.post(
        response.url, {"otp": "000000" if otp_for(appointment) != "000000" else "1"}
    )
    assert wrong.status_code == 400 and "This confirmation code is wrong" in wrong.content.decode()
    response = client.post(response.url, {"otp": otp_for(appointment)})
    assert response.status_code == 302
    assert response.url == reverse("desks-booked", args=[appointment.code])
    page = client.get(response.url).content.decode()
    assert appointment.code in page
    assert "138****5678" in page and "13812345678" not in page

    response = client.post(
        reverse("desks-cancel"), {"code": appointment.code, "phone_last4": "5678"}
    )
    assert response.status_code == 200
    assert "is cancelled" in response.content.decode()
    slot_a.refresh_from_db()
    assert slot_a.booked == 0


def test_confirmation_only_for_the_booking_browser(client, slot_a, booking, english):
    appointment = booking(slot_a)
    assert client.get(reverse("desks-booked", args=[appointment.code])).status_code == 404


def test_public_pages_show_no_bookers(client, slot_a, booking, english):
    booking(slot_a, name="独有的名字")
    for url in [
        reverse("desks-compound", args=[slot_a.session.compound.code]),
        reverse("desks-poster", args=[slot_a.session.compound.code]),
        reverse("desks-book", args=[slot_a.pk]),
        reverse("api:desks-sessions", args=[slot_a.session.compound.code]),
    ]:
        body = client.get(url).content.decode()
        assert "独有的名字" not in body
        assert "5678" not in body


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"phone": "12345"}, "is not a mainland mobile number"),
        ({"id_last4": "12X4"}, "Give the last 4 characters of your ID number"),
        ({"service": "not-here"}, "Select a valid choice"),
        ({"service": "nonexistent"}, "Select a valid choice"),
        ({"name": ""}, "This field is required"),
    ],
)
def test_bad_booking_form_input(client, slot_a, english, overrides, message):
    response = post_booking(client, slot_a, **overrides)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Appointment.objects.exists()


def test_full_slot_in_the_form(client, slot_a, booking, english):
    for n in range(3):
        booking(slot_a, phone=f"1391234567{n}")
    response = post_booking(client, slot_a)
    assert response.status_code == 409
    assert "fully booked" in response.content.decode()
    assert Appointment.objects.count() == 3


def test_past_slot_in_the_form(client, slot_a, frozen, english):
    frozen.move_to(NOW.replace(day=3))
    response = post_booking(client, slot_a)
    assert response.status_code == 400
    assert "already passed" in response.content.decode()
    assert not Appointment.objects.exists()


def test_unknown_slot_is_404(client, slot_a):
    assert post_booking(client, type(slot_a)(pk=999999)).status_code == 404


@pytest.mark.parametrize("code,last4", [("AAAAAA", "5678"), (None, "0000"), (None, "ab")])
def test_cancel_form_bad_input(client, slot_a, booking, english, code, last4):
    appointment = booking(slot_a)
    response = client.post(
        reverse("desks-cancel"), {"code": code or appointment.code, "phone_last4": last4}
    )
    assert response.status_code == 400
    appointment.refresh_from_db()
    assert appointment.status == "booked"


# ---- JSON -----------------------------------------------------------------------------------


def api_book(client, **body):
    return client.post(reverse("api:desks-book"), json.dumps(body), content_type="application/json")


def valid(target, **overrides):
    return {
        "slot": target.pk,
        "service": "senior-card",
        "name": "张景林",
        "phone": "13812345678",
        "id_last4": "1234",
        **overrides,
    }


def test_api_sessions(client, slot_a):
    data = client.get(reverse("api:desks-sessions", args=[slot_a.session.compound.code])).json()
    assert data["sessions"][0]["slots"][0] == {
        "id": slot_a.pk,
        "start": "09:00",
        "end": "09:30",
        "free": 3,
    }
    assert {s["code"] for s in data["sessions"][0]["services"]} == {"senior-card", "allowance"}
    missing = client.get(reverse("api:desks-sessions", args=["1"]))
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_api_book_and_cancel(client, slot_a):
    response = api_book(client, **valid(slot_a))
    assert response.status_code == 201
    code = response.json()["code"]
    assert "phone" not in response.json()
    assert response.json()["status"] == "held" and response.json()["hold_until"]
    otp = otp_for(Appointment.objects.get(code=code))
    confirm = reverse("api:desks-confirm", args=[code])
    ok = client.post(confirm, json.dumps({"otp": otp}), content_type="application/json")
    assert ok.status_code == 200 and ok.json()["status"] == "booked"
    assert ok.json()["hold_until"] is None
    url = reverse("api:desks-cancel", args=[code])
    wrong = client.post(url, json.dumps({"phone_last4": "0000"}), content_type="application/json")
    assert wrong.status_code == 404
    ok = client.post(url, json.dumps({"phone_last4": "5678"}), content_type="application/json")
    assert ok.status_code == 200 and ok.json()["status"] == "cancelled"
    again = client.post(url, json.dumps({"phone_last4": "5678"}), content_type="application/json")
    assert again.status_code == 409


@pytest.mark.parametrize(
    "overrides,status,field",
    [
        ({"phone": "1"}, 400, "phone"),
        ({"id_last4": "XXXX"}, 400, "id_last4"),
        ({"service": "not-here"}, 400, "service"),
        ({"service": None}, 400, "service"),
        ({"slot": "abc"}, 400, "slot"),
        ({"slot": str(1)}, 400, "slot"),
        ({"slot": True}, 400, "slot"),
        ({"slot": 1.5}, 400, "slot"),
        ({"slot": 2**63}, 400, "slot"),
        ({"name": "张\x00"}, 400, "name"),
        ({"slot": 999999}, 404, "slot"),
    ],
)
def test_api_bad_input(client, slot_a, overrides, status, field):
    response = api_book(client, **valid(slot_a, **overrides))
    assert response.status_code == status
    error = response.json()
    assert error["message"] and error["field"] == field
    assert not Appointment.objects.exists()


def test_api_full_is_409(client, slot_a, booking):
    for n in range(3):
        booking(slot_a, phone=f"1391234567{n}")
    response = api_book(client, **valid(slot_a))
    assert response.status_code == 409
    assert response.json()["code"] == "full"


def test_api_malformed_json(client, slot_a):
    response = client.post(reverse("api:desks-book"), "{nope", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_json"
    assert client.get(reverse("api:desks-book")).status_code == 405
    assert not Appointment.objects.exists()


def test_compound_page_queries_do_not_grow(
    client, frozen, desk_a, open_session, django_assert_max_num_queries
):
    import datetime

    from .conftest import TOMORROW

    for days in range(5):
        open_session(desk_a, date=TOMORROW + datetime.timedelta(days=days), end="12:00")
    with django_assert_max_num_queries(6):
        response = client.get(reverse("desks-compound", args=[desk_a.area.code]))
    assert response.content.decode().count('class="card desk-session"') == 5
