"""A need found on a door-to-door visit keeps the visit (visit → need → case → callback): the
visit page offers each found need for registration, the form comes filled from the visit, and the
page and the API refuse a visit the worker may not see or a compound that is not the visit's."""

from __future__ import annotations

import datetime
import json
import uuid

import pytest
from django.urls import reverse

from doorstep.needs.models import Need

from .conftest import NOW


@pytest.fixture
def visit(personas, categories, holidays, frozen):
    from doorstep.places.models import Building, Grid, Household
    from doorstep.visits.actions import FindingIn, do_log_visit

    building = Building.objects.create(compound=personas.compound_a, number="3")
    household = Household.objects.create(building=building, room="202")
    grid = Grid.objects.create(community=personas.area_a, name="三号楼网格")
    grid.buildings.add(building)
    grid.workers.add(personas.grid_a)
    return do_log_visit(
        actor=personas.grid_a,
        household=household,
        visited_at=NOW - datetime.timedelta(hours=2),
        purpose="routine",
        outcome="met",
        findings=[FindingIn(kind="need", description="独居老人家中水管漏水")],
        client_key=uuid.uuid4(),
    ).visit


def test_the_visit_page_offers_the_found_need_and_the_form_comes_filled(client, personas, visit):
    client.force_login(personas.grid_a)
    page = client.get(reverse("visits-detail", args=[visit.pk])).content.decode()
    finding = visit.findings.get()
    link = f"{reverse('needs-register')}?visit={visit.pk}&amp;finding={finding.pk}"
    assert link in page
    form = client.get(link.replace("&amp;", "&"))
    assert form.status_code == 200
    initial = form.context["form"].initial
    assert initial["compound"] == personas.compound_a and initial["source"] == "visit"
    assert initial["description"] == "独居老人家中水管漏水"
    assert 'name="visit"' in form.content.decode()


def test_registering_from_the_visit_links_it(client, personas, visit):
    from doorstep.needs.models import NeedCategory

    client.force_login(personas.grid_a)
    response = client.post(
        reverse("needs-register"),
        {
            "visit": visit.pk,
            "compound": personas.compound_a.pk,
            "building": visit.household.building_id,
            "category": NeedCategory.objects.get(code="property").pk,
            "kind": "help",
            "urgency": "orange",
            "source": "phone",  # whatever the form says, a need found on a visit is from it
            "description": "独居老人家中水管漏水",
            "raiser_name": "王阿姨",
            "new_anyway": "on",
        },
    )
    need = Need.objects.get()
    assert response.status_code == 302 and need.visit == visit and need.source == "visit"
    detail = client.get(reverse("needs-detail", args=[need.pk])).content.decode()
    assert reverse("visits-detail", args=[visit.pk]) in detail


def _api_register(client, **extra):
    body = {
        "kind": "help",
        "category": "property",
        "description": "水管漏水",
        "compound": "420105006001001",
        "raiser_name": "王阿姨",
        "new_anyway": True,
        **extra,
    }
    url = reverse("api:needs-register")
    return client.post(url, json.dumps(body), "application/json")


def test_the_api_links_the_visit(client, personas, visit):
    client.force_login(personas.grid_a)
    response = _api_register(client, visit=visit.pk)
    assert response.status_code in (200, 201), response.content
    assert response.json()["need"]["visit"] == visit.pk
    assert Need.objects.get().source == "visit"


def test_a_visit_not_yours_is_404_and_writes_nothing(client, personas, visit):
    client.force_login(personas.clerk_b)
    assert _api_register(client, visit=visit.pk, compound="420105001001001").status_code == 404
    assert client.get(reverse("needs-register") + f"?visit={visit.pk}").status_code == 404
    assert not Need.objects.exists()


def test_another_compound_than_the_visits_is_refused(client, personas, visit):
    from doorstep.places.models import Area

    other = Area.objects.filter(kind="compound", code__startswith="420105006001").exclude(
        pk=personas.compound_a.pk
    )[0]
    client.force_login(personas.grid_a)
    response = _api_register(client, visit=visit.pk, compound=other.code)
    assert response.status_code == 400 and response.json()["field"] == "compound"
    assert not Need.objects.exists()
