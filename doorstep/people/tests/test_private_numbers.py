"""Full ID and phone numbers appear only through the logged reveal (DESIGN.md §6): the edit form
does not carry the stored phone, searches by a full number are POSTs (never in a URL, history
or the access log), and a reveal needs a reason and writes who, whom, why and when."""

from __future__ import annotations

import pytest
from django.urls import reverse

from doorstep.people.choices import AccessAction
from doorstep.people.models import AccessLog, Resident

PHONE = "13812345678"


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def mine(make_resident):
    return make_resident("张景林", mobile=PHONE)


@pytest.fixture
def clerk(personas):
    """Clerk A without the reveal permission."""
    personas.clerk_a.user_permissions.clear()
    return personas.clerk_a


def edit_data(personas, **overrides) -> dict:
    data = {
        "name": "张景林",
        "mobile": "",
        "area": personas.compound_a.pk,
        "building": "",
        "room": "",
        "note": "",
        "status": "active",
    }
    data.update(overrides)
    return data


# ---- the edit form ------------------------------------------------------------------------


def test_the_edit_form_does_not_carry_the_full_phone(client, clerk, mine):
    client.force_login(clerk)
    body = client.get(reverse("people-edit", args=[mine.pk])).content.decode()
    assert PHONE not in body
    assert "138****5678" in body and 'name="remove_phone"' in body


def test_a_blank_phone_keeps_the_stored_number(client, personas, clerk, mine):
    client.force_login(clerk)
    response = client.post(reverse("people-edit", args=[mine.pk]), edit_data(personas))
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.phone == PHONE


def test_remove_phone_clears_it_and_a_new_number_replaces_it(client, personas, clerk, mine):
    client.force_login(clerk)
    url = reverse("people-edit", args=[mine.pk])
    client.post(url, edit_data(personas, mobile="139 0000 1234"))
    mine.refresh_from_db()
    assert (mine.phone, mine.phone_tail) == ("13900001234", "1234")
    client.post(url, edit_data(personas, remove_phone="on"))
    mine.refresh_from_db()
    assert (mine.phone, mine.phone_tail) == ("", "")


def test_a_new_number_and_remove_together_are_refused(client, personas, clerk, mine):
    client.force_login(clerk)
    data = edit_data(personas, name="别的名字", mobile="13900001234", remove_phone="on")
    response = client.post(reverse("people-edit", args=[mine.pk]), data)
    assert response.status_code == 200 and "mobile" in response.context["form"].errors
    assert Resident.objects.filter(pk=mine.pk, name="张景林", phone=PHONE).exists()


# ---- search by full number ----------------------------------------------------------------


@pytest.mark.parametrize("full", ["id", "phone"])
def test_a_full_number_in_a_link_is_refused(client, clerk, mine, full):
    number = mine.id_number() if full == "id" else PHONE
    client.force_login(clerk)
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = client.get(reverse("people-search"), {"q": number}, **headers)
        body = response.content.decode()
        assert response.status_code == 400
        assert "type the number in the search box" in body
        assert reverse("people-detail", args=[mine.pk]) not in body


@pytest.mark.parametrize("full", ["id", "phone"])
def test_a_full_number_is_searched_by_post(client, clerk, mine, full):
    number = mine.id_number() if full == "id" else PHONE
    client.force_login(clerk)
    response = client.post(reverse("people-search"), {"q": number}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert reverse("people-detail", args=[mine.pk]) in response.content.decode()


def test_names_and_tails_still_work_in_a_link(client, clerk, mine):
    client.force_login(clerk)
    for q in ("张景", PHONE[-4:], mine.id_number()[-6:]):
        response = client.get(reverse("people-search"), {"q": q})
        assert response.status_code == 200
        assert reverse("people-detail", args=[mine.pk]) in response.content.decode(), q


def test_the_search_box_posts_and_never_writes_the_url(client, clerk):
    client.force_login(clerk)
    for url in (reverse("people-search"), reverse("home")):
        body = client.get(url).content.decode()
        assert 'method="post"' in body and f'hx-post="{reverse("people-search")}"' in body
        assert "hx-replace-url" not in body and "csrfmiddlewaretoken" in body


def test_the_search_post_needs_the_csrf_token(personas, mine):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.clerk_a)
    assert client.post(reverse("people-search"), {"q": mine.id_number()}).status_code == 403


@pytest.mark.parametrize("who", ["reviewer", "outsider", "administrator"])
def test_the_wrong_persona_finds_nothing_by_post(client, personas, mine, who):
    client.force_login(getattr(personas, who))
    response = client.post(reverse("people-search"), {"q": mine.id_number()})
    assert response.status_code in (403, 404)
    assert mine.name not in response.content.decode()


def test_clerk_b_finds_nothing_by_post(client, personas, mine):
    client.force_login(personas.clerk_b)
    response = client.post(reverse("people-search"), {"q": mine.id_number()})
    assert reverse("people-detail", args=[mine.pk]) not in response.content.decode()


# ---- the reveal ---------------------------------------------------------------------------


@pytest.mark.parametrize(("what", "action"), [("id", "reveal_id"), ("phone", "reveal_phone")])
def test_a_reveal_records_who_whom_why_and_when(client, personas, mine, what, action, settings):
    client.force_login(personas.clerk_a)
    url = reverse("people-reveal", args=[mine.pk, what])
    response = client.post(url, {"reason": "办理残疾人补贴 核对"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert (mine.id_number() if what == "id" else PHONE) in response.content.decode()
    log = AccessLog.objects.get(action=action)
    assert (log.actor, log.resident, log.detail) == (personas.clerk_a, mine, "办理残疾人补贴 核对")
    assert log.at is not None


@pytest.mark.parametrize("data", [{}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 101}])
@pytest.mark.parametrize("htmx", [True, False])
def test_a_reveal_without_a_reason_is_refused(client, personas, mine, data, htmx):
    client.force_login(personas.clerk_a)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    for what in ("id", "phone"):
        response = client.post(reverse("people-reveal", args=[mine.pk, what]), data, **headers)
        body = response.content.decode()
        assert response.status_code == 400
        assert mine.id_number() not in body and PHONE not in body
        assert 'name="reason"' in body and 'class="error"' in body
    assert not AccessLog.objects.filter(action__in=[AccessAction.REVEAL_ID, "reveal_phone"])


def test_the_record_page_asks_for_a_reason(client, personas, mine):
    client.force_login(personas.clerk_a)
    body = client.get(reverse("people-detail", args=[mine.pk])).content.decode()
    assert body.count('name="reason" required') == 2
