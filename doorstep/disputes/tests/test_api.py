"""The disputes JSON API: list (filters, keyset pages), detail with the file's checklist,
register, parties, notice, sessions, risk, outcome, extension, callback, close, agreement PDF;
for each, the wrong personas get 404 (or 403 when they may only read); bad input is 400 and
writes nothing; a refused transition is 409."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test import Client

from doorstep.core import idnumber
from doorstep.disputes.models import (
    Dispute,
    DisputeEvent,
    DisputeParty,
    MediationSession,
)
from doorstep.notify.models import Message

from .conftest import TODAY, WRITTEN

pytestmark = pytest.mark.django_db
BASE = "/api/v1/disputes/"


def as_(client: Client, user) -> Client:
    client.force_login(user)
    return client


def post(client: Client, url: str, body=None):
    data = body if isinstance(body, str | bytes) else json.dumps(body or {}, default=str)
    return client.post(url, data, content_type="application/json")


def counts() -> tuple[int, ...]:
    return (
        Dispute.objects.count(),
        DisputeParty.objects.count(),
        DisputeEvent.objects.count(),
        MediationSession.objects.count(),
        Message.objects.count(),
    )


def assert_error(response, status: int, code: str | None = None, field: str | None = None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "field"} and body["message"]
    if code is not None:
        assert body["code"] == code, body
    if field is not None:
        assert body["field"] == field, body


def register_body(personas, **kw) -> dict:
    body = {
        "source": "application",
        "type": "neighbours",
        "summary": "楼上漏水",
        "area": personas.compound_a.code,
        "parties": [
            {"id_number": idnumber.make("420105", datetime.date(1950, 3, 7), 1)},
            {"name": "李秀英", "phone": "13900001111"},
        ],
    }
    body.update(kw)
    return body


def test_register_and_read_back(client, personas, party_resident, frozen):
    response = post(as_(client, personas.mediator_a), BASE, register_body(personas))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"]["code"] == "registered"
    assert body["due_on"] == "2027-01-01"
    assert [p["name"] for p in body["parties"]] == ["张景林", "李秀英"]
    assert body["parties"][1]["phone"] == "139****1111"
    assert "13900001111" not in response.content.decode()
    checklist = {item["code"]: item["state"] for item in body["checklist"]}
    assert checklist == {
        "application": "missing",
        "notice": "missing",
        "id": "missing",
        "sessions": "missing",
        "agreement": "missing",
        "performance": "missing",
        "callback": "missing",
    }
    detail = client.get(f"{BASE}{body['id']}/")
    assert detail.status_code == 200 and detail.json()["number"] == body["number"]


def test_bad_registrations_write_nothing(client, personas, party_resident, frozen):
    as_(client, personas.mediator_a)
    before = counts()
    cases = [
        (register_body(personas, source="police"), 400, "required", "referred_by"),
        (register_body(personas, type="feud"), 400, "invalid", "type"),
        (register_body(personas, area=personas.compound_b.code), 403, "forbidden", None),
        (register_body(personas, area="999"), 404, "not_found", "area"),
        (register_body(personas, summary=1), 400, "invalid", "summary"),
        (
            register_body(personas, parties=[{"name": "甲"}, {"name": "乙", "phone": "123"}]),
            400,
            "phone",
            "parties.1.phone",
        ),
    ]
    for body, status, code, field in cases:
        assert_error(post(client, BASE, body), status, code, field)
    assert_error(post(client, BASE, "{not json"), 400)
    assert counts() == before


def test_the_whole_file_through_the_api(client, personas, party_resident, frozen):
    as_(client, personas.mediator_a)
    d = post(client, BASE, register_body(personas)).json()
    url = f"{BASE}{d['id']}/"
    session = {"held_on": TODAY, "place": "调解室", "attendees": "双方", "record": "记录"}
    assert_error(post(client, url + "sessions/", session), 409, "invalid_transition")
    for p in d["parties"]:
        response = post(client, f"{url}parties/{p['id']}/notice/", {})
        assert response.status_code == 200, response.content
    assert response.json()["all_acknowledged"] is True
    response = post(client, url + "sessions/", session)
    assert response.status_code == 201 and response.json()["status"]["code"] == "in_mediation"
    response = post(
        client,
        url + "risk/",
        {"level": "orange", "reason": "情绪激动", "recipients": ["police", "leads"]},
    )
    assert response.status_code == 200 and response.json()["risk"]["code"] == "orange"
    assert Message.objects.filter(template="dispute_risk").exists()
    ids = [p["id"] for p in d["parties"]]
    assert_error(
        post(
            client,
            url + "extensions/",
            {"due_on": "2027-01-20", "consents": ids[:1], "how": "签字"},
        ),
        400,
        "consent_missing",
        "consents",
    )
    response = post(
        client, url + "extensions/", {"due_on": "2027-01-20", "consents": ids, "how": "签字"}
    )
    assert response.json()["due_on"] == "2027-01-20" and response.json()["extensions"] == 1
    response = post(client, url + "outcome/", WRITTEN)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"]["code"] == "agreement"
    assert body["agreement"]["confirmation_due"] == "2026-12-31"
    assert body["agreement"]["pdf_url"]
    pdf = client.get(url + "agreement.pdf")
    if pdf.status_code == 200:
        assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    else:
        assert_error(pdf, 503, "pdf_unavailable")
    assert_error(post(client, url + "close/", {}), 409, "invalid_transition")
    response = post(
        client, url + "callback/",
        {"on": TODAY, "reached": True, "performance": "kept", "satisfaction": 4},
    )  # fmt: skip
    assert (
        response.status_code == 200 and response.json()["callback"]["performance"]["code"] == "kept"
    )
    response = post(client, url + "close/", {"verb": "close"})
    assert response.json()["status"]["code"] == "closed"
    events = [e["kind"]["code"] for e in response.json()["events"]]
    assert events.count("transition") == 3 and "risk" in events and "extended" in events


def test_list_pages_and_filters(client, make_dispute, mediated, personas):
    for _ in range(3):
        make_dispute()
    busy = mediated(type="family")
    as_(client, personas.mediator_a)
    first = client.get(BASE, {"limit": 2}).json()
    assert len(first["results"]) == 2 and first["next"]
    second = client.get(BASE, {"limit": 2, "after": first["next"]}).json()
    numbers = [r["number"] for r in first["results"] + second["results"]]
    assert len(set(numbers)) == 4 and second["next"] is None
    only = client.get(BASE, {"status": "in_mediation"}).json()["results"]
    assert [r["number"] for r in only] == [busy.number]
    assert [r["number"] for r in client.get(BASE, {"type": "family"}).json()["results"]] == [
        busy.number
    ]
    assert client.get(BASE, {"overdue": "true"}).json()["results"] == []
    assert_error(client.get(BASE, {"type": "feud"}), 400, field="type")
    assert_error(client.get(BASE, {"after": "garbage!"}), 400, field="after")


def test_wrong_personas_get_nothing(client, mediated, personas):
    dispute = mediated()
    url = f"{BASE}{dispute.pk}/"
    party = dispute.parties.first()
    writes = {
        "parties/": {"name": "丙"},
        f"parties/{party.pk}/notice/": {},
        "sessions/": {"held_on": TODAY, "place": "x", "attendees": "x", "record": "x"},
        "risk/": {"level": "red", "reason": "x", "recipients": ["police"]},
        "outcome/": {"outcome": "oral", "terms": "x"},
        "extensions/": {"due_on": "2027-02-01", "consents": [party.pk], "how": "x"},
        "callback/": {"on": TODAY, "reached": False},
        "close/": {"verb": "withdraw", "reason": "x"},
    }
    before = counts()
    for who in ("mediator_b", "outsider", "reviewer", "grid_a", "clerk_a"):
        as_(client, getattr(personas, who))
        assert client.get(BASE).json()["results"] == []
        assert_error(client.get(url), 404, "not_found")
        assert_error(client.get(url + "agreement.pdf"), 404, "not_found")
        for path, body in writes.items():
            assert_error(post(client, url + path, body), 404, "not_found")
    as_(client, personas.street_lead)
    assert client.get(url).status_code == 200
    for path, body in writes.items():
        assert_error(post(client, url + path, body), 403, "forbidden")
    assert counts() == before


def test_anonymous_is_401(client, mediated):
    dispute = mediated()
    assert client.get(BASE).status_code == 401
    assert client.get(f"{BASE}{dispute.pk}/").status_code == 401


def test_no_pdf_without_a_written_agreement(client, mediated, personas):
    dispute = mediated()
    as_(client, personas.mediator_a)
    assert_error(client.get(f"{BASE}{dispute.pk}/agreement.pdf"), 409, "invalid_transition")


def test_another_mediator_through_the_api(client, make_dispute, personas, django_user_model):
    from doorstep.staff.models import RoleGrant

    lead = django_user_model.objects.create_user("lead_a", password="pw")
    RoleGrant.objects.create(user=lead, role="community_lead", area=personas.area_a)
    other = django_user_model.objects.create_user("mediator_a2", password="pw")
    RoleGrant.objects.create(user=other, role="mediator", area=personas.area_a)
    dispute = make_dispute()
    url = f"{BASE}{dispute.pk}/mediator-requests/"
    party = dispute.parties.last().pk
    as_(client, personas.mediator_b)
    assert_error(post(client, url, {"party": party, "reason": "x"}), 404, "not_found")
    as_(client, personas.mediator_a)
    response = post(client, url, {"party": party, "reason": "与对方相识"})
    assert response.status_code == 201
    assert response.json()["mediator_requests"][0]["status"]["code"] == "pending"
    assert_error(post(client, url, {"party": party, "reason": "again"}), 409, "invalid_transition")
    assert_error(post(client, url + "decision/", {"grant": True, "mediator": other.pk}), 403)
    as_(client, lead)
    assert_error(post(client, url + "decision/", {"grant": False}), 400, "required", "note")
    response = post(client, url + "decision/", {"grant": True, "mediator": other.pk})
    assert response.status_code == 200, response.content
    assert response.json()["mediator"] == "mediator_a2"


def test_attachments_through_the_api(client, make_dispute, personas, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from doorstep.cases.tests.test_attachment_safety import PDF, too_large

    settings.MEDIA_ROOT = tmp_path
    dispute = make_dispute()
    url = f"{BASE}{dispute.pk}/attachments/"
    as_(client, personas.mediator_a)
    upload = SimpleUploadedFile("申请书.pdf", PDF)
    response = client.post(url, {"file": upload, "kind": "application"})
    assert response.status_code == 201, response.content
    items = {i["code"]: i["state"] for i in response.json()["checklist"]}
    assert items["application"] == "in"
    bad = client.post(url, {"file": SimpleUploadedFile("x.pdf", b"<html>"), "kind": "id"})
    assert_error(bad, 400, "bad_type", "file")
    assert_error(client.post(url, {"file": upload}, **too_large()), 413, "too_large", "file")
    as_(client, personas.mediator_b)
    upload = SimpleUploadedFile("x.pdf", PDF)
    assert_error(client.post(url, {"file": upload, "kind": "id"}), 404, "not_found")


def test_register_with_a_registry_record_a_building_and_another_mediator(
    client, personas, party_resident, make_resident, django_user_model, frozen
):
    from doorstep.places.models import Building
    from doorstep.staff.models import RoleGrant

    other = django_user_model.objects.create_user("mediator_a2", password="pw")
    RoleGrant.objects.create(user=other, role="mediator", area=personas.area_a)
    building = Building.objects.filter(compound=personas.compound_a).first() or (
        Building.objects.create(compound=personas.compound_a, number="1")
    )
    as_(client, personas.mediator_a)
    body = register_body(
        personas,
        building=building.pk,
        mediator=other.pk,
        parties=[{"resident": party_resident.pk}, {"name": "乙"}],
    )
    response = post(client, BASE, body)
    assert response.status_code == 201, response.content
    assert response.json()["building"] == building.number
    assert response.json()["parties"][0]["resident"] == party_resident.pk
    # Assigned to another mediator: mediator A no longer sees it, the new one does.
    assert client.get(BASE).json()["results"] == []
    as_(client, other)
    assert len(client.get(BASE).json()["results"]) == 1
    # A resident of another community is "not found", like a missing one.
    stranger = make_resident("钱多多", area=personas.compound_b)
    body = register_body(personas, parties=[{"resident": stranger.pk}])
    assert_error(post(client, BASE, body), 404, "not_found", "parties.0.resident")
    body = register_body(personas, mediator=personas.mediator_b.pk)
    assert_error(post(client, BASE, body), 400, "bad_mediator", "mediator")
