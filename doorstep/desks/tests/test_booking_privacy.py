"""A booking asks for the last four characters of the booker's ID number. Stored as given, they
completed the number for anyone with a dump: a booking linked to a resident sits beside the
resident's plain birth date and area code. The booking keeps a keyed hash, and the desk page says
whether the booker matches the registry instead of showing the characters."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from doorstep.desks.actions import do_link_resident
from doorstep.desks.models import Appointment
from doorstep.people.tests.test_id_reconstruction import MIN_CANDIDATES, candidates, dump


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def test_a_linked_booking_leaves_the_id_number_unrebuilt(
    client, slot_a, booking, make_resident, personas
):
    resident = make_resident("张景林", birth=datetime.date(1950, 3, 7))
    tail = resident.id_number()[-4:]
    appointment = booking(slot_a, name="张景林", id_last4=tail.lower())
    do_link_resident(appointment, resident, actor=personas.clerk_a)
    row = Appointment.objects.filter(pk=appointment.pk).values().get()
    texts = [*dump(resident), *(str(value) for value in row.values())]
    personas.clerk_a.user_permissions.clear()  # the desk clerk, without the reveal permission
    client.force_login(personas.clerk_a)
    page = client.get(reverse("desks-session", args=[slot_a.session.pk])).content.decode()
    assert "张景林" in page
    assert candidates(resident, [*texts, page]) >= MIN_CANDIDATES
    # The check itself can fail: the characters as the old column held them give it away.
    assert candidates(resident, [*texts, tail]) == 1


def test_the_desk_page_says_whether_the_booker_matches_the_registry(
    client, slot_a, booking, make_resident, personas
):
    resident = make_resident("张景林", birth=datetime.date(1950, 3, 7))
    booking(slot_a, name="张景林", id_last4=resident.id_number()[-4:])
    booking(slot_a, name="李四", phone="13912345678", id_last4="1234")
    client.force_login(personas.clerk_a)
    page = client.get(reverse("desks-session", args=[slot_a.session.pk])).content.decode()
    mine = page.split("张景林", 1)[1].split("</li>", 1)[0]
    theirs = page.split("李四", 1)[1].split("</li>", 1)[0]
    assert "matches the registry" in mine
    assert "not found in the registry" in theirs


def test_a_registry_match_outside_the_clerks_areas_is_not_shown(
    client, slot_a, booking, make_resident, personas
):
    # Clerk B's resident with the same name and tail: clerk A's page must not confirm them.
    resident = make_resident("张景林", area=personas.compound_b)
    booking(slot_a, name="张景林", id_last4=resident.id_number()[-4:])
    client.force_login(personas.clerk_a)
    page = client.get(reverse("desks-session", args=[slot_a.session.pk])).content.decode()
    assert "not found in the registry" in page
    assert "matches the registry" not in page


@pytest.mark.django_db(transaction=True)
def test_the_migration_replaces_stored_tails_with_their_hash(slot_a, services):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from doorstep.core import crypto

    before, after = (
        [("desks", "0003_appointment_hold")],
        [("desks", "0004_appointment_id_tail_hash")],
    )
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("desks", "Appointment")
    old.objects.create(
        slot_id=slot_a.pk,
        service_id=services[0].pk,
        name="张景林",
        phone="13812345678",
        id_last4="123X",
        code="TAIL01",
        status="booked",
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    new = executor.loader.project_state(after).apps.get_model("desks", "Appointment")
    row = new.objects.filter(code="TAIL01").values().get()
    assert row["id_tail_hash"] == crypto.tail_hash("123X")
    assert "id_last4" not in row and "123X" not in map(str, row.values())
    executor = MigrationExecutor(connection)  # a fresh one knows what is applied now
    executor.migrate(executor.loader.graph.leaf_nodes())  # the later tests' schema
