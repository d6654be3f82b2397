"""One household, one timeline: the page and the API show the household's residents' cases
(with every event) and programme grants, newest first, each linking to its record; opening it
logs a view of each member's record; only staff who may view the household's residents see it."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from doorstep.cases.tests.conftest import (  # noqa: F401  (fixtures)
    frozen,
    holidays,
    make_case,
    materials,
    resident,
    service,
)
from doorstep.people.choices import AccessAction
from doorstep.people.models import AccessLog
from doorstep.proactive.tests.conftest import department, make_programme  # noqa: F401

ALLOWED = ["clerk_a", "grid_a", "street_lead", "district_lead", "admin"]
REFUSED = ["clerk_b", "grid_b", "mediator_a", "mediator_b", "reviewer", "outsider", "administrator"]


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def home(personas, resident, make_resident, make_case, make_programme, frozen):  # noqa: F811
    """张景林 (a case, accepted then forwarded) and 王秀英 (86: granted 高龄津贴) in one
    household of compound A; 李四 lives elsewhere with a case of his own."""
    from doorstep.cases.actions import do_transition
    from doorstep.people.models import Resident
    from doorstep.places.models import Building, Household
    from doorstep.proactive.actions import do_run_programme

    elder = make_resident("王秀英", birth=datetime.date(1940, 5, 1))
    other = make_resident("李四", birth=datetime.date(1975, 5, 1))
    building = Building.objects.create(compound=personas.compound_a, number="9")
    household = Household.objects.create(building=building, room="501")
    Resident.objects.filter(pk__in=[resident.pk, elder.pk]).update(household=household)
    case = make_case("accept")
    frozen.shift(datetime.timedelta(hours=1))
    do_transition(case, "forward", actor=personas.clerk_a)
    frozen.shift(datetime.timedelta(hours=1))
    make_case("accept", resident=other)
    programme = make_programme(
        "elderly-80", 'age >= 80 && status == "active"', name="高龄津贴", period="monthly"
    )
    do_run_programme(programme)
    return household, case, elder


def test_the_timeline_gathers_cases_and_grants_newest_first(client, personas, home):
    household, case, elder = home
    client.force_login(personas.clerk_a)
    response = client.get(reverse("household", args=[household.pk]))
    assert response.status_code == 200
    entries = response.context["timeline"].entries
    assert entries[0].kind == "programme" and {e.kind for e in entries[1:]} == {"case"}
    assert entries[0].title.startswith("高龄津贴") and entries[0].origin == "王秀英"
    assert "Forwarded" in entries[1].title and "Taken in" in entries[-1].title
    assert {e.origin for e in entries[1:]} == {"张景林"}
    assert all(e.link == reverse("cases-detail", args=[case.pk]) for e in entries[1:])
    assert entries[0].link == reverse("proactive:resident", args=[elder.pk])
    body = response.content.decode()
    assert "李四" not in body and reverse("people-detail", args=[elder.pk]) in body
    assert [e.when for e in entries] == sorted((e.when for e in entries), reverse=True)


def test_opening_it_logs_a_view_of_each_member(client, personas, home):
    household, _case, _elder = home
    client.force_login(personas.clerk_a)
    client.get(reverse("household", args=[household.pk]))
    client.get(f"/api/v1/households/{household.pk}/timeline/")
    logged = AccessLog.objects.filter(
        actor=personas.clerk_a, action=AccessAction.VIEW, detail="household timeline"
    )
    assert (
        sorted(logged.values_list("resident__name", flat=True)) == ["张景林"] * 2 + ["王秀英"] * 2
    )


def test_the_timeline_costs_a_fixed_number_of_queries(
    client,
    personas,
    home,
    make_case,  # noqa: F811
    django_assert_num_queries,
):
    household, _case, elder = home
    client.force_login(personas.clerk_a)
    url = reverse("household", args=[household.pk])
    client.get(url)
    # session, user, household, grants, members, access log, case events, grants of programmes,
    # need events (the clerk sees no disputes: that source asks nothing), visits, header: roles,
    # badge
    with django_assert_num_queries(12):
        client.get(url)
    for _n in range(3):
        make_case("accept", resident=elder)
    with django_assert_num_queries(12):
        client.get(url)


def test_the_resident_page_links_to_the_household(client, personas, home):
    household, _case, elder = home
    client.force_login(personas.clerk_a)
    body = client.get(reverse("people-detail", args=[elder.pk])).content.decode()
    assert f'href="{reverse("household", args=[household.pk])}"' in body


def test_a_grid_worker_sees_grants_but_no_cases(client, personas, home):
    household, _case, _elder = home
    client.force_login(personas.grid_a)
    kinds = {
        e.kind
        for e in client.get(reverse("household", args=[household.pk])).context["timeline"].entries
    }
    assert kinds == {"programme"}


@pytest.mark.parametrize("who", ALLOWED)
def test_staff_over_the_area_see_it(client, personas, home, who):
    household = home[0]
    client.force_login(getattr(personas, who))
    assert client.get(reverse("household", args=[household.pk])).status_code == 200
    response = client.get(f"/api/v1/households/{household.pk}/timeline/")
    assert response.status_code == 200 and len(response.json()["residents"]) == 2


@pytest.mark.parametrize("who", REFUSED)
def test_the_wrong_persona_gets_nothing(client, personas, home, who):
    household = home[0]
    client.force_login(getattr(personas, who))
    assert client.get(reverse("household", args=[household.pk])).status_code == 404
    response = client.get(f"/api/v1/households/{household.pk}/timeline/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert not AccessLog.objects.filter(actor=getattr(personas, who)).exists()


def test_bad_ids_are_refused_cleanly(client, personas, home):
    client.force_login(personas.clerk_a)
    assert client.get("/households/abc/").status_code == 404
    assert client.get(f"/households/{10**30}/").status_code == 404
    assert client.get("/households/999999/").status_code == 404
    assert client.get("/api/v1/households/abc/timeline/").status_code == 404
    assert client.get(f"/api/v1/households/{10**30}/timeline/").status_code == 400
    assert client.get("/api/v1/households/999999/timeline/").status_code == 404
    client.logout()
    assert client.get(f"/api/v1/households/{home[0].pk}/timeline/").status_code == 401
    assert client.get(reverse("household", args=[home[0].pk])).status_code == 302


def test_the_api_gives_the_same_entries(client, personas, home):
    household, case, elder = home
    client.force_login(personas.clerk_a)
    body = client.get(f"/api/v1/households/{household.pk}/timeline/").json()
    assert [e["kind"] for e in body["entries"]][:2] == ["programme", "case"]
    assert body["entries"][1]["url"] == reverse("cases-detail", args=[case.pk])
    assert body["entries"][0]["origin_url"] == reverse("people-detail", args=[elder.pk])
    assert body["truncated"] is False
