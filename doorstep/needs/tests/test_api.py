"""Needs in JSON: registration with the same-problem offer, the list with the page's filters,
every write, the error shape, and who sees what (404 alike for missing and not yours)."""

from __future__ import annotations

import datetime
import json

import pytest
from django.urls import reverse

from doorstep.needs import actions
from doorstep.needs.models import Need

pytestmark = pytest.mark.django_db


def _post(client, name, body, *args):
    return client.post(reverse(f"api:{name}", args=args), json.dumps(body), "application/json")


REGISTER = {
    "source": "visit",
    "kind": "help",
    "category": "property",
    "description": "楼道灯坏了",
    "compound": "420105006001001",
    "raiser_name": "张阿姨",
    "raiser_phone": "13912345678",
}


def test_register_offer_join_and_new(client, personas, holidays, frozen, categories):
    client.force_login(personas.grid_a)
    first = _post(client, "needs-register", REGISTER)
    assert first.status_code == 201, first.content
    need = first.json()["need"]
    assert need["owner"]["kind"] == "user" and need["raiser_phone"] == "139****5678"
    offered = _post(client, "needs-register", REGISTER)
    assert offered.status_code == 200
    assert offered.json()["need"] is None
    assert [c["id"] for c in offered.json()["candidates"]] == [need["id"]]
    joined = _post(client, "needs-register", {**REGISTER, "join": need["id"]})
    assert joined.status_code == 200 and joined.json()["joined"]
    assert joined.json()["need"]["supporters"] == 1
    again = _post(client, "needs-register", {**REGISTER, "new_anyway": True})
    assert again.status_code == 201
    assert Need.objects.count() == 2


@pytest.mark.parametrize(
    "change, field",
    [
        ({"category": "nope"}, "category"),
        ({"compound": "420105001001001"}, "compound"),  # another community's
        ({"description": ""}, "description"),
        ({"raiser_phone": "12"}, "raiser_phone"),
        ({"kind": "other"}, "kind"),
        ({"lat": 91, "lng": 1}, "lat"),
        ({"sensitive": "yes"}, "sensitive"),
    ],
)
def test_bad_input_is_400_and_writes_nothing(
    client, personas, holidays, frozen, categories, change, field
):
    client.force_login(personas.grid_a)
    response = _post(client, "needs-register", {**REGISTER, **change})
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field
    assert set(response.json()) == {"code", "message", "field"}
    assert not Need.objects.exists()


def test_list_filters_and_pages(client, personas, make_need, frozen):
    make_need(category="emergency", urgency="red")
    make_need()
    make_need(actor=personas.grid_b)
    client.force_login(personas.grid_a)
    rows = client.get(reverse("api:needs")).json()["results"]
    assert len(rows) == 2
    red = client.get(reverse("api:needs"), {"urgency": "red"}).json()["results"]
    assert [r["urgency"]["code"] for r in red] == ["red"]
    page = client.get(reverse("api:needs"), {"limit": 1}).json()
    assert len(page["results"]) == 1 and page["next"]
    rest = client.get(reverse("api:needs"), {"limit": 1, "after": page["next"]}).json()
    assert rest["results"][0]["id"] != page["results"][0]["id"]
    frozen.shift(datetime.timedelta(hours=3))
    client.force_login(personas.grid_a)  # the idle timeout signed her out
    overdue = client.get(reverse("api:needs"), {"overdue": "true"}).json()["results"]
    assert [r["category"]["code"] for r in overdue] == ["emergency"]
    bad = client.get(reverse("api:needs"), {"status": "nope"})
    assert bad.status_code == 400 and bad.json()["field"] == "status"


def test_the_whole_life(client, personas, make_need):
    need = make_need()
    client.force_login(personas.grid_a)
    handed = _post(
        client, "need-handoff", {"to_kind": "user", "to": personas.clerk_a.pk, "reason": "协调"},
        need.pk,
    )  # fmt: skip
    assert handed.status_code == 200, handed.content
    assert handed.json()["pending_handoff"]["to"]["id"] == personas.clerk_a.pk
    # The giver may not accept their own hand-on.
    assert _post(client, "need-handoff-accept", {}, need.pk).status_code == 403
    client.force_login(personas.clerk_a)
    accepted = _post(client, "need-handoff-accept", {}, need.pk)
    assert accepted.json()["owner"]["id"] == personas.clerk_a.pk
    started = _post(client, "need-transition", {"verb": "start"}, need.pk)
    assert started.json()["status"]["code"] == "in_progress"
    stale = _post(client, "need-transition", {"verb": "pause", "reason": "x", "revision": 1},
                  need.pk)  # fmt: skip
    assert stale.status_code == 409 and stale.json()["code"] == "changed"
    wrong = _post(client, "need-transition", {"verb": "resume"}, need.pk)
    assert wrong.status_code == 409 and wrong.json()["code"] == "invalid_transition"
    asked = _post(client, "need-extension", {"hours": 24, "reason": "等配件"}, need.pk)
    assert asked.json()["extension"]["hours"] == 24
    assert _post(client, "need-extension-decision", {"grant": True, "reason": "同意"},
                 need.pk).status_code == 403  # fmt: skip
    client.force_login(personas.street_lead)
    granted = _post(client, "need-extension-decision", {"grant": True, "reason": "同意"}, need.pk)
    assert granted.json()["extended"]
    flagged = _post(client, "need-flag", {"flagged": False, "reasons": "正常诉求"}, need.pk)
    assert flagged.status_code == 200 and not flagged.json()["unreasonable"]
    client.force_login(personas.clerk_a)
    answered = _post(client, "need-answer", {"decision": "resolved", "answer": "已修好"}, need.pk)
    assert answered.json()["status"]["code"] == "answered"
    unhappy = _post(client, "need-callback",
                    {"reached": True, "solved": "no", "satisfaction": 2, "note": "还是坏的"},
                    need.pk)  # fmt: skip
    assert unhappy.json()["status"]["code"] == "in_progress"
    _post(client, "need-answer", {"decision": "resolved", "answer": "换了新灯"}, need.pk)
    closed = _post(client, "need-callback",
                   {"reached": True, "solved": "yes", "satisfaction": 3}, need.pk)  # fmt: skip
    body = closed.json()
    assert body["status"]["code"] == "closed"
    assert [e["kind"]["code"] for e in body["events"]].count("callback") == 2
    assert [(c["solved"]["code"], c["satisfaction"]["code"]) for c in body["callbacks"]] == [
        ("no", "2"),
        ("yes", "3"),
    ]
    reopened = _post(client, "need-reopen", {"reason": "居民又来电"}, need.pk)
    assert reopened.json()["status"]["code"] == "in_progress"


def test_refuse_not_ours(client, personas, make_need, body):
    need = make_need()
    actions.do_hand_on(need, actor=personas.grid_a, to_kind="user", target=personas.clerk_a,
                       reason="请处理")  # fmt: skip
    client.force_login(personas.clerk_a)
    half = _post(client, "need-handoff-refuse", {"reason": "物业的事", "not_ours_kind": "external"},
                 need.pk)  # fmt: skip
    assert half.status_code == 400
    refused = _post(
        client, "need-handoff-refuse",
        {"reason": "物业的事", "not_ours_kind": "external", "not_ours": body.pk}, need.pk,
    )  # fmt: skip
    assert refused.status_code == 200, refused.content
    assert refused.json()["pending_handoff"]["to"]["kind"] == "external"
    assert refused.json()["owner"]["id"] == personas.grid_a.pk


def test_answer_as_case_needs_a_visible_case(client, personas, make_need):
    need = make_need()
    client.force_login(personas.grid_a)
    response = _post(client, "need-answer",
                     {"decision": "case", "answer": "转办件", "case": "NOPE"}, need.pk)  # fmt: skip
    assert response.status_code == 400 and response.json()["field"] == "case"


@pytest.mark.parametrize("who", ["grid_b", "clerk_b", "outsider", "reviewer", "mediator_a"])
def test_others_get_404(client, personas, make_need, who):
    need = make_need()
    client.force_login(getattr(personas, who))
    assert client.get(reverse("api:need", args=[need.pk])).status_code == 404
    assert client.get(reverse("api:needs")).json()["results"] == []
    response = _post(client, "need-transition", {"verb": "start"}, need.pk)
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    missing = client.get(reverse("api:need", args=[need.pk + 1000]))
    assert missing.status_code == 404


def test_sensitive_only_to_owners_and_reviewers(client, personas, make_need):
    need = make_need(sensitive=True)
    for who, status in [("grid_a", 200), ("clerk_a", 404), ("street_lead", 200),
                        ("district_lead", 200), ("grid_b", 404)]:  # fmt: skip
        client.force_login(getattr(personas, who))
        assert client.get(reverse("api:need", args=[need.pk])).status_code == status, who
    # A past owner keeps seeing it after handing it on.
    handoff = actions.do_hand_on(need, actor=personas.grid_a, to_kind="user",
                                 target=personas.clerk_a, reason="交给社区")  # fmt: skip
    client.force_login(personas.clerk_a)
    assert client.get(reverse("api:need", args=[need.pk])).status_code == 200  # asked to take it
    actions.do_accept_handoff(handoff, actor=personas.clerk_a)
    client.force_login(personas.grid_a)
    assert client.get(reverse("api:need", args=[need.pk])).status_code == 200


def test_department_sees_what_it_is_handed(client, personas, make_need):
    from doorstep.catalogue.models import Department

    need = make_need()
    mz = Department.objects.get(code="mz")
    actions.do_hand_on(need, actor=personas.grid_a, to_kind="department", target=mz,
                       reason="低保问题")  # fmt: skip
    client.force_login(personas.reviewer)
    assert client.get(reverse("api:need", args=[need.pk])).status_code == 200
    accepted = _post(client, "need-handoff-accept", {}, need.pk)
    assert accepted.json()["owner"]["kind"] == "department"
    assert _post(client, "need-transition", {"verb": "start"}, need.pk).status_code == 200


def test_anonymous_is_401(client, make_need):
    need = make_need()
    assert client.get(reverse("api:need", args=[need.pk])).status_code == 401
