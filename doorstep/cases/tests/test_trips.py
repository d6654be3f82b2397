"""Trips (跑动次数) count the times the resident had to come back, not the visit at which the case
was taken: a matter that needs no visit is not flagged at the desk, a promise of one trip is
broken by the first return. The time limit reads one way everywhere (0 is 即办件)."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from doorstep.cases.actions import do_record_trip
from doorstep.cases.models import Case, CaseEvent
from doorstep.catalogue.models import ServiceVersion


@pytest.fixture(autouse=True)
def _time(frozen):
    """The suite's fixed time."""


def set_version(service, **values) -> None:
    ServiceVersion.objects.filter(pk=service.published_version().pk).update(**values)


def test_the_intake_visit_is_not_a_trip(make_case):
    case = make_case("accept")
    assert case.trips == 0 and not case.too_many_trips
    assert not case.events.filter(kind="trip").exists()
    assert case.events.get(kind="created").data["in_person"] is True


def test_a_matter_that_needs_no_visit_is_not_flagged_at_the_desk(make_case, service, personas):
    set_version(service, max_trips=0)
    case = make_case("accept")
    assert case.max_trips == 0 and not case.too_many_trips
    assert not Case.objects.too_many_trips().exists()
    do_record_trip(case, actor=personas.clerk_a, note="来签字")
    assert Case.objects.too_many_trips().get() == case  # having to come back breaks it


def test_a_promise_of_two_trips_allows_one_return(make_case, service, personas):
    set_version(service, max_trips=2)
    case = make_case("accept")
    do_record_trip(case, actor=personas.clerk_a)
    assert not Case.objects.get(pk=case.pk).too_many_trips
    assert not Case.objects.too_many_trips().exists()
    do_record_trip(Case.objects.get(pk=case.pk), actor=personas.clerk_a)
    assert Case.objects.get(pk=case.pk).too_many_trips
    assert Case.objects.too_many_trips().count() == 1


def test_the_migration_takes_the_intake_visit_off_old_cases(make_case, personas):
    case = make_case("accept")
    # as intake recorded it before: one trip, its event at the moment of taking in
    Case.objects.filter(pk=case.pk).update(trips=2)
    CaseEvent.objects.create(case=case, kind="trip", at=case.created_at, data={"trips": 1})
    remote = make_case("accept", in_person=False)
    Case.objects.filter(pk=remote.pk).update(trips=1)  # came back once, later
    migration = importlib.import_module("doorstep.cases.migrations.0006_trips_count_returns_only")
    migration.forwards(apps, None)
    assert Case.objects.get(pk=case.pk).trips == 1
    assert Case.objects.get(pk=remote.pk).trips == 1
    migration.backwards(apps, None)
    assert Case.objects.get(pk=case.pk).trips == 2


def test_done_on_the_spot_reads_one_way(client, make_case, service, personas, resident):
    set_version(service, promised_limit_days=0)
    case = make_case("accept")
    client.force_login(personas.clerk_a)
    detail = client.get(reverse("cases-detail", args=[case.pk])).content.decode()
    assert 'id="limit">Done on the spot' in detail and "0 working days" not in detail
    intake = client.get(reverse("cases-intake-form", args=[resident.pk, service.code]))
    body = intake.content.decode()
    assert "Done on the spot" in body and "0 working days" not in body
