"""Races on PostgreSQL: threads, each with its own connection, fight for the last places and
for queue numbers. SQLite serialises writers, so the race cannot happen there."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from doorstep.desks.actions import do_book, do_issue_ticket
from doorstep.desks.models import Appointment, QueueTicket, Slot

from .conftest import TODAY

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises writers, so there is no race to test",
    ),
]
THREADS = 20


def race(target, n: int = THREADS) -> list:
    """Run target(i) in n threads released at once; return their results or exceptions."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = target(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_twenty_bookers_for_the_last_three_places(slot_a, services):
    Slot.objects.filter(pk=slot_a.pk).update(capacity=5, booked=2)

    def book(i: int):
        return do_book(
            slot_a,
            service=services[0],
            name=f"居民{i}",
            phone=f"139000000{i:02d}",
            id_last4="1234",
            client=f"192.0.2.{i}",
        )

    results = race(book)  # holds: a held place is taken until it is confirmed or expires
    won = [r for r in results if isinstance(r, Appointment)]
    lost = [r for r in results if isinstance(r, ValidationError)]
    assert len(won) == 3 and len(lost) == THREADS - 3, results
    assert all(e.error_dict["slot"][0].code == "full" for e in lost)
    slot_a.refresh_from_db()
    assert slot_a.booked == slot_a.capacity == 5
    assert Appointment.objects.count() == 3


def test_queue_numbers_unique_and_sequential(frozen, desk_a, open_session, personas):
    session = open_session(desk_a, date=TODAY)
    results = race(lambda i: do_issue_ticket(session, actor=personas.clerk_a, name=f"访客{i}"))
    assert all(isinstance(r, QueueTicket) for r in results), results
    numbers = sorted(QueueTicket.objects.values_list("number", flat=True))
    assert numbers == list(range(1, THREADS + 1))
    session.refresh_from_db()
    assert session.last_ticket == THREADS
