"""Logging in and out, the lockout page, the page frame and each role's home page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from doorstep.people.choices import ResidentStatus
from doorstep.people.models import Resident


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def residents(personas, make_resident):
    """Two residents in community A, one who moved away, one in community B."""
    make_resident("张景林")
    make_resident("王秀兰")
    gone = make_resident("李建国")
    Resident.objects.filter(pk=gone.pk).update(status=ResidentStatus.MOVED_OUT)
    make_resident("欧阳娜", area=personas.compound_b)


def home(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def test_staff_pages_need_login(client, db):
    # The site root is the residents' front door (doorstep/tests/test_front.py); staff pages
    # still send a visitor to the login.
    response = client.get(reverse("people-search"))
    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('login')}?next=")


def test_login_page(client, db, settings):
    settings.DOORSTEP_DEMO = True
    body = client.get(reverse("login")).content.decode()
    assert 'name="username"' in body and 'name="password"' in body
    assert "Demo data is synthetic" in body
    # Every script, style and link is served by Doorstep itself: nothing from a CDN. (The page's
    # random CSRF token once spelled "cdn", so look at the addresses, not the whole text.)
    addresses = re.findall(r'(?:src|href)="([^"]*)"', body)
    assert addresses and all(not re.match(r"(https?:)?//", a) for a in addresses), addresses


def test_login_and_logout(client, personas):
    response = client.post(reverse("login"), {"username": "clerk_a", "password": "pw"})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert "王芳" in client.get(reverse("home")).content.decode()
    assert client.get(reverse("logout")).status_code == 405  # logging out is a POST
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert client.get(reverse("people-search")).status_code == 302


def test_wrong_password_says_so(client, personas):
    response = client.post(reverse("login"), {"username": "clerk_a", "password": "nope"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_too_many_failures_lock_the_account_with_a_clear_page(client, personas, settings):
    for _attempt in range(settings.DOORSTEP_LOGIN_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "clerk_a", "password": "nope"})
    response = client.post(reverse("login"), {"username": "clerk_a", "password": "pw"})
    body = response.content.decode()
    assert response.status_code == 429
    assert "Too many failed log-in attempts" in body
    assert "Please try again in 30 minutes" in body
    assert client.get(reverse("people-search")).status_code == 302  # not logged in


def test_page_frame(client, personas, settings):
    settings.DOORSTEP_DEMO = True
    body = home(client, personas.clerk_a)
    assert "王芳" in body and "Desk clerk · 七里一村社区" in body
    assert f'action="{reverse("logout")}"' in body and 'method="post"' in body
    assert f'action="{reverse("set_language")}"' in body
    for code in ("zh-hans", "zh-hant", "en"):
        assert f'value="{code}"' in body
    assert "Demo data is synthetic: these are not real residents" in body
    assert "/static/js/htmx.min.js" in body and "/static/css/doorstep.css" in body
    assert "http://" not in body and "https://" not in body  # nothing from a CDN


def test_language_switch(client, personas):
    client.force_login(personas.clerk_a)
    response = client.post(reverse("set_language"), {"language": "zh-hant", "next": "/"})
    assert response.status_code == 302
    assert client.get(reverse("home")).content.decode().startswith("<!doctype html>\n<html")
    assert '<html lang="zh-hant">' in client.get(reverse("home")).content.decode()


def test_clerk_home_is_the_search_box(client, personas, residents):
    body = home(client, personas.clerk_a)
    assert 'id="search-q"' in body and f'hx-post="{reverse("people-search")}"' in body
    assert reverse("people-import") in body and reverse("people-create") in body
    assert "Residents by area" not in body
    assert "张景林" not in body  # no names until searched


def test_grid_worker_searches_but_does_not_import(client, personas, residents):
    body = home(client, personas.grid_a)
    assert 'id="search-q"' in body
    assert reverse("people-import") not in body and reverse("people-create") not in body


def test_street_lead_sees_residents_per_community(client, personas, residents):
    client.force_login(personas.street_lead)
    response = client.get(reverse("home"))
    counts = {row.area.name: row.residents for row in response.context["area_counts"]}
    assert counts["七里一村社区"] == 2  # the one who moved away is not counted
    assert set(counts) == set(personas.area_a.parent.children.values_list("name", flat=True))
    assert "晴川第一社区" not in response.content.decode()
    assert 'id="search-q"' not in response.content.decode()


def test_district_lead_sees_residents_per_street(client, personas, residents):
    client.force_login(personas.district_lead)
    response = client.get(reverse("home"))
    counts = {row.area.code: row.residents for row in response.context["area_counts"]}
    assert len(counts) == 11
    assert counts["420105006"] == 2 and counts["420105001"] == 1
    assert response.context["area_total"] == 3


def test_area_counts_are_one_aggregate_query(
    client, personas, residents, django_assert_max_num_queries
):
    from doorstep.people.overview import residents_by_child_area

    with django_assert_max_num_queries(3):  # grants, the aggregate, the child areas
        residents_by_child_area(personas.district_lead)


def test_reviewer_home_promises_the_case_queue_and_shows_no_registry(client, personas, residents):
    body = home(client, personas.reviewer)
    assert "case queue" in body
    assert 'id="search-q"' not in body and "Residents by area" not in body
    assert reverse("people-list") not in body
    for name in ("张景林", "欧阳娜"):
        assert name not in body


def test_outsider_home_says_there_is_no_role(client, personas, residents):
    body = home(client, personas.outsider)
    assert "No role assigned yet" in body
    assert reverse("people-list") not in body and "张景林" not in body


def test_superuser_home_has_admin_search_and_counts(client, personas, residents):
    body = home(client, personas.admin)
    assert reverse("admin:index") in body
    assert 'id="search-q"' in body and "Residents by area" in body
    assert "汉阳区" not in body or "琴断口街道" in body


def test_no_synthetic_notice_outside_a_demo(client, db, settings):
    settings.DOORSTEP_DEMO = False
    body = client.get(reverse("login")).content.decode()
    assert "Demo data is synthetic" not in body


def test_visitors_get_a_public_nav_without_staff_links(client, db):
    body = client.get(reverse("catalogue-index")).content.decode()
    assert f'href="{reverse("catalogue-index")}"' in body
    assert f'href="{reverse("login")}"' in body
    assert reverse("people-list") not in body and reverse("people-import") not in body
