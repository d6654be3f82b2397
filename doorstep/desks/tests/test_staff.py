"""Staff pages: clerk A runs her desk's session; every other persona gets nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from doorstep.desks.choices import AppointmentStatus
from doorstep.desks.models import QueueTicket

from .conftest import TODAY


@pytest.fixture
def setup(frozen, desk_a, open_session, booking, english):
    session = open_session(desk_a, date=TODAY, start="09:00", end="10:00")
    appointment = booking(session.slots.first(), name="预约人甲")
    return session, appointment


@pytest.fixture
def english(settings):
    settings.LANGUAGE_CODE = "en"


def test_clerk_sees_today_and_the_session(client, setup, personas, django_assert_max_num_queries):
    session, appointment = setup
    client.force_login(personas.clerk_a)
    with django_assert_max_num_queries(12):
        today = client.get(reverse("desks-today"))
    assert reverse("desks-session", args=[session.pk]) in today.content.decode()
    page = client.get(reverse("desks-session", args=[session.pk])).content.decode()
    assert "预约人甲" in page and appointment.code in page


def test_today_counts(client, setup, personas, english):
    from doorstep.desks.actions import do_issue_ticket

    session, _appointment = setup  # 2 slots x 3 places, 1 booked
    for n in range(3):
        do_issue_ticket(session, actor=personas.clerk_a, name=f"访客{n}")
    client.force_login(personas.clerk_a)
    page = client.get(reverse("desks-today")).content.decode()
    assert "1 of 6 places booked" in page
    assert "3 numbers issued" in page


def test_clerk_serves_a_booking_and_a_walk_in(client, setup, personas):
    session, appointment = setup
    client.force_login(personas.clerk_a)
    url = reverse("desks-issue-ticket", args=[session.pk])
    assert client.post(url, {"appointment": appointment.pk}).status_code == 302
    assert client.post(url, {"name": "路过的王大爷"}).status_code == 302
    assert list(QueueTicket.objects.values_list("number", "name")) == [
        (1, "预约人甲"),
        (2, "路过的王大爷"),
    ]
    walk_in = QueueTicket.objects.get(number=2)
    client.post(reverse("desks-serve-ticket", args=[walk_in.pk]))
    client.post(reverse("desks-mark-appointment", args=[appointment.pk, "served"]))
    appointment.refresh_from_db()
    walk_in.refresh_from_db()
    assert appointment.status == AppointmentStatus.SERVED
    assert walk_in.served_at is not None
    page = client.get(reverse("desks-session", args=[session.pk])).content.decode()
    assert "Queue: 0 waiting" in page  # serving the booking served its ticket too


def test_errors_come_back_as_messages(client, setup, personas):
    _session, appointment = setup
    client.force_login(personas.clerk_a)
    client.post(reverse("desks-mark-appointment", args=[appointment.pk, "served"]))
    response = client.post(
        reverse("desks-mark-appointment", args=[appointment.pk, "no_show"]), follow=True
    )
    assert "cannot become" in response.content.decode()
    assert (
        client.post(reverse("desks-mark-appointment", args=[appointment.pk, "bogus"])).status_code
        == 404
    )


WRONG = ["clerk_b", "reviewer", "outsider", "grid_a", "street_lead"]


def staff_urls(session, appointment, ticket):
    return [
        ("get", reverse("desks-session", args=[session.pk]), {}),
        ("post", reverse("desks-issue-ticket", args=[session.pk]), {"name": "x"}),
        ("post", reverse("desks-mark-appointment", args=[appointment.pk, "served"]), {}),
        ("post", reverse("desks-mark-appointment", args=[appointment.pk, "no_show"]), {}),
        ("post", reverse("desks-serve-ticket", args=[ticket.pk]), {}),
    ]


@pytest.mark.parametrize("who", WRONG)
def test_wrong_persona_gets_nothing(client, setup, personas, who):
    session, appointment = setup
    ticket = QueueTicket.objects.create(session=session, number=99, name="秘密访客")
    client.force_login(getattr(personas, who))
    today = client.get(reverse("desks-today"))
    if who == "clerk_b":
        assert today.status_code == 200
        assert "二印小区服务台" not in today.content.decode()
    else:
        assert today.status_code == 403
    for method, url, data in staff_urls(session, appointment, ticket):
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, (who, url)
        assert "预约人甲" not in response.content.decode()
    appointment.refresh_from_db()
    ticket.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    assert ticket.served_at is None
    assert QueueTicket.objects.count() == 1


def test_anonymous_is_sent_to_login(client, setup):
    session, appointment = setup
    ticket = QueueTicket.objects.create(session=session, number=99, name="秘密访客")
    urls = [("get", reverse("desks-today"), {}), *staff_urls(session, appointment, ticket)]
    for method, url, data in urls:
        response = getattr(client, method)(url, data)
        assert response.status_code == 302 and response.url.startswith("/login/"), url
    assert QueueTicket.objects.count() == 1


def test_community_lead_and_admin_see_it(client, setup, personas):
    session, _appointment = setup
    client.force_login(personas.admin)
    assert client.get(reverse("desks-session", args=[session.pk])).status_code == 200


def test_admin_pages(client, setup, personas):
    session, _appointment = setup
    client.force_login(personas.admin)
    desk = session.desk
    for url in [
        reverse("admin:desks_desk_changelist"),
        reverse("admin:desks_desk_change", args=[desk.pk]),
        reverse("admin:desks_desk_add"),
        reverse("admin:desks_desksession_changelist"),
        reverse("admin:desks_desksession_change", args=[session.pk]),
    ]:
        assert client.get(url).status_code == 200, url
    response = client.post(
        reverse("admin:desks_desk_changelist"),
        {"action": "generate_sessions", "_selected_action": [desk.pk]},
    )
    assert response.status_code == 302
