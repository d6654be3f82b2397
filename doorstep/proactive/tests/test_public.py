"""The residents' page, by the link in their message: no login, the token is the key; accept or
decline an offer, opt out, opt back in; every answer a POST with CSRF, confirmed on the page."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from doorstep.proactive.models import Entitlement, OptOut
from doorstep.proactive.tests import test_views as shared

world, ran = shared.world, shared.ran  # the shared fixtures


@pytest.fixture
def offer(world, make_programme):
    """An offer-and-accept programme, run once: 王老太 (85) has an open offer."""
    from doorstep.proactive import actions

    programme = make_programme(
        "meals",
        "age >= 85",
        name="老年助餐补贴",
        mode="offer",
        policy="85周岁以上老人每餐补贴3元，需本人确认。",
        amount="3.00",
    )
    actions.do_run_programme(programme)
    return Entitlement.objects.get(programme=programme, resident=world.old_a)


def page(client, entitlement):
    return client.get(reverse("proactive:answer", args=[entitlement.token]))


def answer(client, entitlement, choice):
    return client.post(reverse("proactive:answer", args=[entitlement.token]), {"answer": choice})


def test_the_offer_page_shows_the_programme_and_its_buttons(client, world, offer):
    response = page(client, offer)
    assert response.status_code == 200
    text = response.content.decode()
    assert "老年助餐补贴" in text and "每餐补贴3元" in text
    assert 'id="answer-accept"' in text and 'id="answer-decline"' in text
    assert 'id="answer-opt-in"' not in text
    # Nothing that identifies the resident to whoever holds the phone beyond the surname, the
    # Chinese way (王**), so a family member knows whom it is for.
    assert world.old_a.name not in text and world.old_a.id_masked not in text
    assert 'id="recipient">王**<' in text
    assert world.old_a.name_initials.upper() not in text
    assert response["Cache-Control"].startswith("max-age=0")


def test_accept(client, world, offer):
    response = answer(client, offer, "accept")
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.status == "accepted" and offer.decided_at is not None
    text = client.get(response["Location"]).content.decode()
    assert "You have accepted" in text
    assert 'id="answer-accept"' not in text and 'id="answer-opt-out"' in text
    # A second tap changes nothing, and says so.
    answer(client, offer, "accept")
    assert "already done" in page(client, offer).content.decode()


def test_decline_then_opt_back_in(client, world, offer):
    answer(client, offer, "decline")
    offer.refresh_from_db()
    assert offer.status == "declined"
    assert OptOut.objects.filter(resident=world.old_a, reason="declined").exists()
    text = page(client, offer).content.decode()
    assert "You have declined" in text and 'id="answer-opt-in"' in text
    answer(client, offer, "opt_in")
    assert not OptOut.objects.exists()
    offer.refresh_from_db()
    assert offer.status == "offered"  # the declined offer is open again
    assert 'id="answer-accept"' in page(client, offer).content.decode()


def test_opt_out_of_a_granted_benefit_and_back_in(client, world, ran):
    granted = Entitlement.objects.get(resident=world.old_a)
    text = page(client, granted).content.decode()
    assert "granted to you" in text and 'id="answer-opt-out"' in text
    # Opting out asks first, and writes nothing until confirmed.
    asked = answer(client, granted, "opt_out")
    assert asked.status_code == 200 and not OptOut.objects.exists()
    text = asked.content.decode()
    assert 'id="opt-out-confirm"' in text and 'id="answer-opt-out-confirm"' in text
    url = reverse("proactive:answer", args=[granted.token])
    client.post(url, {"answer": "opt_out", "confirm": "yes"})
    assert OptOut.objects.filter(resident=world.old_a, reason="opted_out").exists()
    text = page(client, granted).content.decode()
    assert "You have opted out" in text and 'id="answer-opt-in"' in text
    # The page says opted out, not "granted", and the resident is told by a message.
    assert 'id="answer-state">Opted out<' in text
    from doorstep.notify.models import Message

    assert Message.objects.filter(template="programme_opted_out", resident=world.old_a).exists()
    answer(client, granted, "opt_in")
    assert not OptOut.objects.exists()
    assert Message.objects.filter(template="programme_opted_in", resident=world.old_a).exists()


def test_accepting_and_declining_are_confirmed_by_a_message(client, world, offer, make_resident):
    from doorstep.notify.models import Message
    from doorstep.proactive.models import Programme

    Programme.objects.filter(pk=offer.programme_id).update(
        payment_method="打入本人社会保障卡", payment_timing="次月15日前", signature="汉阳区民政局"
    )
    answer(client, offer, "accept")
    message = Message.objects.get(template="programme_accepted")
    assert message.resident_id == world.old_a.pk
    assert "老年助餐补贴" in message.body and "3.00 yuan" in message.body
    assert "打入本人社会保障卡" in message.body and "arriving 次月15日前" in message.body
    assert message.body.endswith("— 汉阳区民政局")
    answer(client, offer, "accept")  # nothing changed: no second message
    assert Message.objects.filter(template="programme_accepted").count() == 1
    # A refused answer (declining what was accepted) sends nothing.
    answer(client, offer, "decline")
    assert not Message.objects.filter(template="programme_declined").exists()


def test_declining_is_confirmed_by_a_message(client, world, offer):
    from doorstep.notify.models import Message

    answer(client, offer, "decline")
    message = Message.objects.get(template="programme_declined")
    assert "you declined 老年助餐补贴" in message.body


def test_a_refused_answer_is_said_and_changes_nothing(client, world, offer):
    answer(client, offer, "decline")
    response = answer(client, offer, "accept")  # declined: opt back in first
    assert response.status_code == 302
    assert "Opt back in first" in page(client, offer).content.decode()
    offer.refresh_from_db()
    assert offer.status == "declined"


@pytest.mark.parametrize("bad", ["", "delete", "ACCEPT", "accept;drop"])
def test_an_unknown_answer_changes_nothing(client, world, offer, bad):
    response = answer(client, offer, bad)
    assert response.status_code == 302
    assert "press one of the buttons" in page(client, offer).content.decode()
    offer.refresh_from_db()
    assert offer.status == "offered" and not OptOut.objects.exists()


def test_answers_need_the_csrf_token(world, offer):
    strict = Client(enforce_csrf_checks=True)
    response = answer(strict, offer, "decline")
    assert response.status_code == 403
    offer.refresh_from_db()
    assert offer.status == "offered" and not OptOut.objects.exists()
    # With the form's token, as the page sends it, it goes through.
    strict.get(reverse("proactive:answer", args=[offer.token]))
    token = strict.cookies["csrftoken"].value
    url = reverse("proactive:answer", args=[offer.token])
    assert strict.post(url, {"answer": "decline", "csrfmiddlewaretoken": token}).status_code == 302
    offer.refresh_from_db()
    assert offer.status == "declined"


def test_other_methods_are_refused(client, world, offer):
    url = reverse("proactive:answer", args=[offer.token])
    assert client.put(url).status_code == 405
    assert client.delete(url).status_code == 405


# ---- the same through the API ----------------------------------------------------------------


def api(client, entitlement, body):
    url = reverse("api:answer", args=[entitlement.token])
    return client.post(url, json.dumps(body), content_type="application/json")


def test_api_answer(client, world, offer):
    url = reverse("api:answer", args=[offer.token])
    data = client.get(url).json()
    assert data["status"] == "offered" and data["programme"]["name"] == "老年助餐补贴"
    assert data["opted_out"] is False
    accepted = api(client, offer, {"answer": "accept"}).json()
    assert accepted["status"] == "accepted" and accepted["changed"] is True
    again = api(client, offer, {"answer": "accept"}).json()
    assert again["changed"] is False


@pytest.mark.parametrize("body", [{}, {"answer": "maybe"}, {"answer": 1}, ["accept"]])
def test_api_answer_bad_input(client, world, offer, body):
    response = api(client, offer, body)
    assert response.status_code == 400
    assert response.json()["code"] in ("invalid", "required", "bad_json")
    offer.refresh_from_db()
    assert offer.status == "offered"


def test_api_refused_answer_is_400(client, world, offer):
    api(client, offer, {"answer": "decline"})
    response = api(client, offer, {"answer": "accept"})
    assert response.status_code == 400
    assert response.json()["code"] == "declined"
