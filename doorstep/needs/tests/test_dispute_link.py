"""A need answered "turned into a dispute" links the committee's mediation file by its file
number, only a file of the need's own community, from the page and the API alike; a wrong number
is refused and changes nothing."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from doorstep.needs import actions
from doorstep.needs.models import Need, NeedEvent


@pytest.fixture
def file_for(personas):
    from doorstep.disputes.actions import PartySpec, do_register_dispute

    def make(mediator=None, area=None):
        return do_register_dispute(
            actor=mediator or personas.mediator_a,
            source="initiative",
            type="neighbours",
            summary="楼道堆物引发争执",
            area=area or personas.compound_a,
            parties=[PartySpec(name="甲", phone="13900001111"), PartySpec(name="乙")],
        )

    return make


def _answer(client, need, number):
    body = {"decision": "dispute", "answer": "已转人民调解", "dispute": number}
    url = reverse("api:need-answer", args=[need.pk])
    return client.post(url, json.dumps(body), "application/json")


def test_the_answer_links_the_file(client, personas, make_need, file_for):
    need, dispute = make_need(), file_for()
    client.force_login(personas.grid_a)
    response = _answer(client, need, dispute.number.lower())
    assert response.status_code == 200, response.content
    assert response.json()["dispute"] == dispute.number
    need.refresh_from_db()
    assert need.dispute == dispute and need.decision == "dispute"
    assert NeedEvent.objects.filter(need=need, data__dispute=dispute.number).exists()
    assert list(dispute.needs.all()) == [need]


@pytest.mark.parametrize("number", ["", "TJ000", "x" * 200])
def test_a_wrong_number_is_refused_and_changes_nothing(client, personas, make_need, number):
    need = make_need()
    events = NeedEvent.objects.filter(need=need).count()
    client.force_login(personas.grid_a)
    response = _answer(client, need, number)
    assert response.status_code in (400, 422)
    assert response.json()["field"] == "dispute"
    need.refresh_from_db()
    assert need.dispute is None and need.decision == "" and need.status != "answered"
    assert NeedEvent.objects.filter(need=need).count() == events


def test_another_communitys_file_is_not_linked(client, personas, make_need, file_for):
    need = make_need()
    elsewhere = file_for(mediator=personas.mediator_b, area=personas.compound_b)
    client.force_login(personas.grid_a)
    response = _answer(client, need, elsewhere.number)
    assert response.status_code == 400 and response.json()["code"] == "unknown_dispute"
    assert Need.objects.get(pk=need.pk).dispute is None


def test_the_page_links_the_file_and_shows_it(client, personas, make_need, file_for, settings):
    settings.LANGUAGE_CODE = "en"
    need, dispute = make_need(), file_for()
    client.force_login(personas.grid_a)
    page = reverse("needs-detail", args=[need.pk])
    detail = client.get(page).content.decode()
    assert 'name="dispute"' in detail
    client.post(
        reverse("needs-answer", args=[need.pk]),
        {"decision": "dispute", "answer": "已转人民调解", "dispute": "TJ000"},
    )
    assert Need.objects.get(pk=need.pk).dispute is None
    client.post(
        reverse("needs-answer", args=[need.pk]),
        {"decision": "dispute", "answer": "已转人民调解", "dispute": dispute.number},
    )
    assert Need.objects.get(pk=need.pk).dispute == dispute
    assert dispute.number in client.get(page).content.decode()


def test_the_action_needs_the_file(make_need, personas):
    from django.core.exceptions import ValidationError

    need = make_need()
    with pytest.raises(ValidationError):
        actions.do_answer(need, actor=personas.grid_a, decision="dispute", answer="已转调解")
