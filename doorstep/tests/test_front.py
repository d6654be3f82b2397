"""The residents' front door: the site root for visitors, the compound finder (by name,
address, community, pinyin, Traditional characters; bad input gets a clear message and never a
500), the elderly-mode switch on every page, and the favicon."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse

from doorstep.core.elderly import ELDERLY_COOKIE

FIND = reverse("compound-find")


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def test_visitor_gets_the_residents_home(client, places):
    response = client.get("/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="compound-q"' in body and f'action="{FIND}"' in body
    for name in ("catalogue-index", "cases-track", "desks-cancel", "login"):
        assert f'href="{reverse(name)}"' in body
    assert 'id="answer-message"' in body and 'id="staff-login"' in body
    assert "No reception day is announced yet." in body


def test_staff_still_get_their_home(client, personas):
    client.force_login(personas.clerk_a)
    response = client.get("/")
    assert response.status_code == 200
    assert "panels" in response.context and 'id="compound-q"' not in response.content.decode()


def test_a_staff_page_still_needs_login(client, places):
    for name in ("people-search", "cases-list", "desks-today"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_home_shows_only_announced_reception_days(client, personas):
    from doorstep.reception.choices import Mode
    from doorstep.reception.models import ReceptionDay

    common = {"area": personas.area_a, "leader": personas.street_lead, "mode": Mode.values[0],
              "venue": personas.compound_a, "created_by": personas.admin,
              "start": datetime.time(9), "end": datetime.time(11)}  # fmt: skip
    announced = ReceptionDay.objects.create(
        date=datetime.date(2026, 12, 10), announce_on=datetime.date(2026, 11, 25),
        leader_title="街道党工委书记", **common,
    )  # fmt: skip
    hidden = ReceptionDay.objects.create(
        date=datetime.date(2026, 12, 20), announce_on=datetime.date(2026, 12, 15),
        leader_title="区长", **common,
    )  # fmt: skip
    with time_machine.travel(datetime.datetime(2026, 12, 1, 8, tzinfo=datetime.UTC), tick=False):
        body = client.get("/").content.decode()
    assert f'id="reception-day-{announced.pk}"' in body and "街道党工委书记" in body
    assert f'id="reception-day-{hidden.pk}"' not in body and "区长" not in body


@pytest.mark.parametrize(
    "query", ["二印", "二印小区", "eryin", "EYXQ", "er yin", "七里一村", "二印 七里", "  二印!"]
)
def test_finder_finds_a_compound(client, personas, query):
    response = client.get(FIND, {"q": query})
    assert response.status_code == 200
    codes = [a.code for a in response.context["found"].compounds]
    assert codes[0] == personas.compound_a.code or personas.compound_a.code in codes
    assert reverse("desks-compound", args=[personas.compound_a.code]) in response.content.decode()


def test_finder_puts_the_exact_name_first(client, personas):
    compounds = client.get(FIND, {"q": "eyxq"}).context["found"].compounds
    assert compounds[0] == personas.compound_a


def test_finder_reads_traditional_characters(client, personas):
    from doorstep.places.models import Area

    Area.objects.filter(pk=personas.compound_a.pk).update(address="汉阳区七里庙路12号")
    codes = [a.code for a in client.get(FIND, {"q": "七里廟路"}).context["found"].compounds]
    assert codes == [personas.compound_a.code]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "Type part of your compound"),
        ("   ", "Type part of your compound"),
        ("！？。,,", "Type part of your compound"),
        ("二" * 51, "too long"),
        ("x" * 5000, "too long"),
    ],
)
def test_finder_bad_input_is_a_clear_message(client, places, query, message):
    response = client.get(FIND, {"q": query})
    assert response.status_code == 400
    assert message in response.context["error"]
    assert 'id="find-error"' in response.content.decode()


@pytest.mark.parametrize("query", ["火星", "zzzz", "%", "_", "' OR 1=1 --", "\x00", "1234"])
def test_finder_nothing_found_is_not_an_error(client, places, query):
    response = client.get(FIND, {"q": query})
    assert response.status_code in (200, 400)  # "\x00" alone is punctuation: nothing to search
    assert response.context.get("found") is None or not response.context["found"].compounds


def test_finder_only_lists_compounds(client, personas):
    found = client.get(FIND, {"q": "七里一村"}).context["found"].compounds
    assert found and {a.kind for a in found} == {"compound"}


def test_finder_is_get_only(client, places):
    assert client.post(FIND, {"q": "二印"}).status_code == 405


def test_elderly_mode_is_on_every_page(client, personas):
    pages = ["/", f"{FIND}?q=eryin", reverse("catalogue-index"), reverse("cases-track"),
             reverse("desks-cancel"), reverse("desks-compound", args=[personas.compound_a.code]),
             reverse("login")]  # fmt: skip
    for url in pages:
        body = client.get(url).content.decode()
        assert 'class="elderly"' not in body and f'action="{reverse("elderly")}"' in body, url
    response = client.post(reverse("elderly"), {"on": "1", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.cookies[ELDERLY_COOKIE].value == "1"
    for url in pages:
        body = client.get(url).content.decode()
        assert '<html lang="en" class="elderly">' in body and 'aria-pressed="true"' in body, url
    client.post(reverse("elderly"), {"on": "0", "next": "/"})
    assert 'class="elderly"' not in client.get("/").content.decode()


def test_elderly_switch_stays_on_site(client, db):
    response = client.post(reverse("elderly"), {"on": "1", "next": "https://evil.example/"})
    assert response["Location"] == reverse("home")
    assert client.get(reverse("elderly")).status_code == 405


def test_favicon_is_linked_and_served(client, db):
    body = client.get("/").content.decode()
    assert 'rel="icon" href="/static/favicon.svg"' in body
    from django.contrib.staticfiles import finders

    assert finders.find("favicon.svg")
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/favicon.svg"


def test_finder_ranks_the_name_before_the_community(client, personas):
    from doorstep.places.models import Area

    # A compound named after the community is found by both; its own name ranks it first.
    Area.objects.create(
        code=personas.area_b.code + "099", name="七里一村", kind="compound", parent=personas.area_b
    )
    found = client.get(FIND, {"q": "qlyc"}).context["found"].compounds
    assert found[0].name == "七里一村"
    found = client.get(FIND, {"q": "七里一村"}).context["found"].compounds
    assert found[0].name == "七里一村" and personas.compound_a in found
