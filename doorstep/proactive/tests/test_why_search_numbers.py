"""The why / why-not search takes full ID and mobile numbers by POST only, like the registry's
search: a full number in a link (URL, history, access log) is refused with a clear message."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

PHONE = "13812345678"


@pytest.fixture
def setup(personas, make_resident, make_programme, frozen):
    programme = make_programme("elderly-80", "age >= 80", name="高龄津贴")
    resident = make_resident("王老太", birth=datetime.date(1941, 5, 1), mobile=PHONE)
    return programme, resident


@pytest.mark.parametrize("full", ["id", "phone"])
def test_a_full_number_in_a_link_is_refused(client, personas, setup, full):
    programme, resident = setup
    number = resident.id_number() if full == "id" else PHONE
    client.force_login(personas.clerk_a)
    url = reverse("proactive:why-search", args=[programme.pk])
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = client.get(url, {"q": number}, **headers)
        body = response.content.decode()
        assert response.status_code == 400 and "type the number in the search box" in body
        assert reverse("proactive:why", args=[programme.pk, resident.pk]) not in body


@pytest.mark.parametrize("full", ["id", "phone"])
def test_a_full_number_is_found_by_post(client, personas, setup, full):
    programme, resident = setup
    number = resident.id_number() if full == "id" else PHONE
    client.force_login(personas.clerk_a)
    url = reverse("proactive:why-search", args=[programme.pk])
    response = client.post(url, {"q": number}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert reverse("proactive:why", args=[programme.pk, resident.pk]) in response.content.decode()
    page = client.get(url).content.decode()
    assert 'method="post"' in page and f'hx-post="{url}"' in page and "hx-replace-url" not in page


@pytest.mark.parametrize("who", ["clerk_b", "reviewer", "outsider"])
def test_the_wrong_persona_finds_nothing_by_post(client, personas, setup, who):
    programme, resident = setup
    client.force_login(getattr(personas, who))
    url = reverse("proactive:why-search", args=[programme.pk])
    response = client.post(url, {"q": resident.id_number()})
    assert reverse("proactive:why", args=[programme.pk, resident.pk]) not in (
        response.content.decode()
    )
