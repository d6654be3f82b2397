"""The clerk's desk verbs in the JSON API: the one error shape for bad input, nothing changed,
and nothing for the wrong person."""

from __future__ import annotations

import json

import pytest

from doorstep.desks.actions import do_issue_ticket
from doorstep.desks.models import Appointment, DeskSession, QueueTicket

from .conftest import TODAY, TOMORROW

BASE = "/api/v1/desks/sessions"


def post(client, url: str, body=None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


@pytest.fixture
def session(frozen, desk_a, open_session):
    return open_session(desk_a, date=TOMORROW)


def test_clerk_books_through_the_api(client, session, personas, make_resident):
    resident = make_resident(name="龚秀英", mobile="13700001234")
    client.force_login(personas.clerk_a)
    slot = session.slots.first()
    body = {"slot": slot.pk, "channel": "phone", "service": "senior-card", "resident": resident.pk}
    response = post(client, f"{BASE}/{session.pk}/appointments/", body)
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "booked"
    booked = Appointment.objects.get()
    assert (booked.resident, booked.channel, booked.booked_by) == (
        resident,
        "phone",
        personas.clerk_a,
    )
    again = post(client, f"{BASE}/{session.pk}/appointments/", body)
    assert again.status_code == 409 and again.json()["code"] == "duplicate"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"slot": "x", "channel": "desk", "name": "王", "phone": "13900001111"}, 400, "slot"),
        ({"slot": 999999, "channel": "desk", "name": "王", "phone": "13900001111"}, 404, "slot"),
        ({"channel": "online", "name": "王", "phone": "13900001111"}, 400, "channel"),
        ({"channel": "desk", "name": "王", "phone": "123"}, 400, "phone"),
        ({"channel": "desk", "name": "", "phone": "13900001111"}, 400, "name"),
        ({"channel": "desk", "resident": 999999}, 404, "resident"),
        ({"channel": "desk", "name": "王", "phone": "13900001111", "service": "not-here"}, 400,
         "service"),
    ],
)  # fmt: skip
def test_bad_api_bookings(client, session, personas, body, status, field):
    client.force_login(personas.clerk_a)
    body = {"slot": session.slots.first().pk, "service": "senior-card", **body}
    response = post(client, f"{BASE}/{session.pk}/appointments/", body)
    assert response.status_code == status, response.content
    error = response.json()
    assert set(error) == {"code", "message", "field"} and error["field"] == field
    assert not Appointment.objects.exists()


def test_cancel_a_day_through_the_api(client, session, personas, booking):
    booking(session.slots.first())
    client.force_login(personas.clerk_a)
    bad = post(client, f"{BASE}/{session.pk}/cancel/", {"reason": " "})
    assert bad.status_code == 400 and bad.json()["field"] == "reason"
    assert DeskSession.objects.get().status == "open"
    response = post(client, f"{BASE}/{session.pk}/cancel/", {"reason": "停电"})
    assert response.json() == {
        "id": session.pk,
        "status": "cancelled",
        "reason": "停电",
        "bookings_cancelled": 1,
    }
    again = post(client, f"{BASE}/{session.pk}/cancel/", {"reason": "停电"})
    assert again.status_code == 409 and again.json()["code"] == "cancelled"


def test_board_and_call_next_through_the_api(client, frozen, desk_a, open_session, personas):
    today = open_session(desk_a, date=TODAY)
    do_issue_ticket(today, actor=personas.clerk_a, name="龚小明")
    client.force_login(personas.clerk_a)
    board = post(client, f"{BASE}/{today.pk}/call-next/").json()
    assert board["calling"] == {"number": "001", "name": "龚*", "wait_minutes": 0}
    assert client.get(f"{BASE}/{today.pk}/board/").json() == board


@pytest.mark.parametrize("who", ["clerk_b", "reviewer", "outsider", None])
def test_the_wrong_person_gets_nothing_from_the_api(
    client, frozen, desk_a, open_session, personas, who
):
    today = open_session(desk_a, date=TODAY)
    do_issue_ticket(today, actor=personas.clerk_a, name="龚小明")
    if who:
        client.force_login(getattr(personas, who))
    wanted = 404 if who else 401
    slot = today.slots.first()
    calls = [
        client.get(f"{BASE}/{today.pk}/board/"),
        post(client, f"{BASE}/{today.pk}/call-next/"),
        post(client, f"{BASE}/{today.pk}/cancel/", {"reason": "停电"}),
        post(
            client,
            f"{BASE}/{today.pk}/appointments/",
            {"slot": slot.pk, "channel": "desk", "name": "王", "phone": "13900001111"},
        ),
    ]
    for response in calls:
        assert response.status_code == wanted, response.content
        assert "龚" not in response.content.decode()
    assert DeskSession.objects.get().status == "open"
    assert QueueTicket.objects.get().called_at is None
    assert not Appointment.objects.exists()
