"""Case rules written once (issue §5): the page and the API call the same action per verb and
filter lists with the same FilterSet and queryset methods, so they cannot disagree."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from doorstep.cases.actions import do_transition
from doorstep.cases.models import Case, CaseDocument, CaseEvent, CaseMaterial


def api_post(client, name: str, case, body: dict):
    url = reverse(name, args=[case.pk])
    return client.post(url, json.dumps(body), content_type="application/json")


def page_post(client, name: str, case, data: dict):
    return client.post(reverse(name, args=[case.pk]), {"revision": case.revision, **data})


@pytest.fixture
def paused(make_case, personas, materials):
    """An accepted case whose clock stopped: the proof must be brought again."""
    case = make_case("accept")
    do_transition(
        case,
        "request_materials",
        actor=personas.clerk_a,
        reason="证明材料不清晰",
        materials=[materials.proof.pk],
    )
    case.refresh_from_db()
    return case


@pytest.mark.parametrize("via", ["page", "api"])
def test_receive_then_supply_restarts_the_clock(client, personas, paused, materials, frozen, via):
    client.force_login(personas.clerk_a)
    data = {"provided": [materials.proof.pk], "then": "supply"}
    if via == "api":
        response = api_post(client, "api:case-materials", paused, data)
        assert response.status_code == 200, response.content
        assert response.json()["case"]["status"]["code"] == "in_progress"
    else:
        page_post(client, "cases-materials", paused, {**data, "in_person": "on"})
    paused.refresh_from_db()
    assert paused.status == "in_progress" and paused.paused_since is None
    assert paused.materials.get(material=materials.proof).state == "provided"


@pytest.mark.parametrize("via", ["page", "api"])
def test_receive_then_accept_drops_what_was_brought_from_the_pending_list(
    client, personas, make_case, materials, frozen, via
):
    case = make_case("notice")
    client.force_login(personas.clerk_a)
    data = {
        "provided": [materials.disability.pk, materials.form.pk, materials.proof.pk],
        "pending": [materials.proof.pk],  # ticked as "to follow", but brought after all
        "then": "accept",
    }
    if via == "api":
        response = api_post(client, "api:case-materials", case, data)
        assert response.status_code == 200, response.content
        assert response.json()["document"]["kind"] == "receipt"
    else:
        page_post(client, "cases-materials", case, {**data, "in_person": "on"})
    case.refresh_from_db()
    assert case.status == "accepted" and case.pending_deadline is None
    assert case.documents.order_by("pk").last().kind == "receipt"
    assert not case.materials.filter(state="pending").exists()


def test_a_failed_supply_records_no_materials(client, personas, make_case, materials, frozen):
    case = make_case("notice")  # never accepted: "supply" is not a step it can take
    client.force_login(personas.clerk_a)
    before = (CaseMaterial.objects.filter(state="provided").count(), CaseEvent.objects.count())
    response = api_post(
        client, "api:case-materials", case, {"provided": [materials.form.pk], "then": "supply"}
    )
    assert response.status_code == 409 and response.json()["code"] == "invalid_transition"
    after = (CaseMaterial.objects.filter(state="provided").count(), CaseEvent.objects.count())
    assert after == before


def test_accept_through_the_api(client, personas, make_case, materials, frozen):
    case = make_case("notice", provided=materials.required)  # only the proof (容缺) is missing
    client.force_login(personas.clerk_a)
    no_date = api_post(client, "api:case-accept", case, {"pending": [materials.proof.pk]})
    assert no_date.status_code == 400 and no_date.json()["field"] == "pending_deadline"
    body = {"pending": [materials.proof.pk], "pending_deadline": "2026-12-08"}
    response = api_post(client, "api:case-accept", case, body)
    assert response.status_code == 200, response.content
    assert response.json()["document"]["kind"] == "pending"
    assert Case.objects.get().status == "accepted"


@pytest.mark.parametrize(
    "who, status",
    [(None, 401), ("outsider", 404), ("clerk_b", 404), ("reviewer", 404), ("street_lead", 403)],
)
def test_the_wrong_persona_cannot_accept(client, personas, make_case, materials, frozen, who,
                                         status):  # fmt: skip
    case = make_case("notice", provided=materials.required)  # acceptable, with the proof to follow
    if who:
        client.force_login(getattr(personas, who))
    before = (CaseDocument.objects.count(), CaseEvent.objects.count())
    body = {"pending": [materials.proof.pk], "pending_deadline": "2026-12-08"}
    response = api_post(client, "api:case-accept", case, body)
    assert response.status_code == status
    assert (CaseDocument.objects.count(), CaseEvent.objects.count()) == before
    assert Case.objects.get().status == "awaiting_materials"


def test_page_and_api_find_a_case_by_part_of_its_receipt(client, personas, make_case, frozen):
    case = make_case("accept")
    make_case("accept")
    client.force_login(personas.clerk_a)
    part = case.receipt[-6:].lower()
    page = client.get(reverse("cases-list"), {"receipt": part})
    assert [c.pk for c in page.context["page"].object_list] == [case.pk]
    api = client.get(reverse("api:cases"), {"receipt": part}).json()
    assert [r["id"] for r in api["results"]] == [case.pk]


def test_paused_and_review_queue_are_queryset_methods(personas, make_case, paused, frozen):
    forwarded = make_case("accept")
    do_transition(forwarded, "forward", actor=personas.clerk_a)
    assert list(Case.objects.paused()) == [paused]
    assert list(Case.objects.review_queue(personas.reviewer)) == [forwarded]
    assert list(Case.objects.review_queue(personas.clerk_a)) == []
    assert set(Case.objects.review_queue(personas.admin)) == {forwarded}


def test_the_review_queue_page_and_api_agree(client, personas, make_case, frozen):
    forwarded = make_case("accept")
    make_case("accept")
    do_transition(forwarded, "forward", actor=personas.clerk_a)
    client.force_login(personas.reviewer)
    page = client.get(reverse("cases-queue"))
    api = client.get(reverse("api:cases"), {"queue": "true"}).json()
    assert [c.pk for c in page.context["page"].object_list] == [forwarded.pk]
    assert [r["id"] for r in api["results"]] == [forwarded.pk]


def test_intake_page_and_api_refuse_the_same_residents(client, personas, resident, service,
                                                       frozen):  # fmt: skip
    """One helper answers "a resident this clerk may take a case for" for both."""
    for who in ("clerk_b", "street_lead", "grid_a", "reviewer", "outsider"):
        client.force_login(getattr(personas, who))
        page = client.get(reverse("cases-intake-form", args=[resident.pk, service.code]))
        body = {"resident": resident.pk, "service": service.code, "outcome": "accept"}
        api = client.post(reverse("api:cases-intake"), json.dumps(body), "application/json")
        assert page.status_code in (403, 404) and api.status_code == 404, who
    assert not Case.objects.exists()
