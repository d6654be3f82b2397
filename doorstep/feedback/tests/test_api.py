"""Satisfaction in JSON: the resident's rating by key, and the staff endpoints, with the wrong
person getting 404, bad input 400 and a state of the world 409, changing nothing."""

from __future__ import annotations

import json

import pytest

from doorstep.feedback.models import Appeal, Callback, Rating, Rectification

pytestmark = pytest.mark.django_db

API = "/api/v1/feedback"


def post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def as_(client, user):
    client.force_login(user)
    return client


def test_rate_by_key(client, subject):
    s = subject()
    form = client.get(f"{API}/rate/{s.key}/").json()
    assert form["state"] == "open" and form["reference"] == s.reference
    assert [q["code"] for q in form["questions"]] == ["efficiency", "service", "attitude"]
    assert "张景林" not in json.dumps(form, ensure_ascii=False)
    made = post(client, f"{API}/rate/{s.key}/", {"level": 2, "marks": {"attitude": 1},
                                                 "via": "receipt"})  # fmt: skip
    assert made.status_code == 201, made.content
    assert made.json()["bad"] and made.json()["marks"] == {"attitude": 1}
    again = post(client, f"{API}/rate/{s.key}/", {"level": 5})
    assert again.status_code == 409 and again.json()["code"] == "rated"
    assert client.get(f"{API}/rate/{s.key}/").json()["state"] == "rated"
    assert Rating.objects.count() == 1 and Rectification.objects.count() == 1


@pytest.mark.parametrize(
    "data",
    [{}, {"level": 6}, {"level": "5"}, {"level": 5, "marks": {"guide_clear": 3}},
     {"level": 5, "marks": {"attitude": 0}}, {"level": 5, "comment": "x" * 501},
     {"level": 5, "via": "elsewhere"}],
)  # fmt: skip
def test_rate_bad_input(client, subject, data):
    s = subject()
    response = post(client, f"{API}/rate/{s.key}/", data)
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"code", "message", "field"}
    assert not Rating.objects.exists()


def test_unknown_key(client, setup):
    assert client.get(f"{API}/rate/nope/").status_code == 404
    assert post(client, f"{API}/rate/nope/", {"level": 5}).status_code == 404


def test_staff_flow(client, subject, setup):
    s = subject()
    post(client, f"{API}/rate/{s.key}/", {"level": 1, "comment": "没人理"})
    lead = as_(client, setup.lead_a)
    listed = lead.get(f"{API}/subjects/", {"rating": "bad"}).json()
    assert [r["id"] for r in listed["results"]] == [s.pk]
    detail = lead.get(f"{API}/subjects/{s.pk}/").json()
    text = json.dumps(detail, ensure_ascii=False)
    assert "张景林" not in text and "5678" not in text
    assert detail["may_appeal"] and detail["rating"]["level"]["code"] == "1"
    rect = detail["rectifications"][0]
    shown = lead.get(f"{API}/rectifications/{rect['id']}/").json()
    assert shown["contact"] == "张景林 139****5678"
    url = f"{API}/rectifications/{rect['id']}/settle/"
    bad = post(lead, url, {"outcome": "on_spot", "account": "x", "reached": True, "solved": "yes"})
    assert bad.status_code == 400 and bad.json()["field"] == "satisfaction"
    done = post(lead, f"{API}/rectifications/{rect['id']}/settle/",
                {"outcome": "on_spot", "account": "当场解决", "reached": True, "solved": "yes",
                 "satisfaction": 4, "new_level": 4})  # fmt: skip
    assert done.status_code == 200, done.content
    assert done.json()["status"]["code"] == "done"
    again = post(lead, f"{API}/rectifications/{rect['id']}/settle/",
                 {"outcome": "on_spot", "account": "x", "reached": True, "solved": "yes",
                  "satisfaction": 4})  # fmt: skip
    assert again.status_code == 409
    assert Rating.objects.get(current=True).level == 4


def test_the_rated_clerk_sees_no_contact(client, subject, setup):
    s = subject()
    post(client, f"{API}/rate/{s.key}/", {"level": 1})
    clerk = as_(client, setup.clerk_a)
    rect = Rectification.objects.get()
    assert clerk.get(f"{API}/rectifications/{rect.pk}/").json()["contact"] is None
    settle = post(clerk, f"{API}/rectifications/{rect.pk}/settle/",
                  {"outcome": "on_spot", "account": "x", "reached": False})  # fmt: skip
    assert settle.status_code == 403


def test_callbacks_and_appeals(client, subject, setup):
    s = subject()
    post(client, f"{API}/rate/{s.key}/", {"level": 2})
    clerk = as_(client, setup.clerk_a)
    made = post(clerk, f"{API}/subjects/{s.pk}/callbacks/",
                {"reached": True, "solved": "partly", "satisfaction": 3})  # fmt: skip
    assert made.status_code == 201 and made.json()["callbacks"][0]["solved"]["code"] == "partly"
    assert post(clerk, f"{API}/subjects/{s.pk}/callbacks/", {"solved": "maybe"}).status_code == 400
    # The clerk is not the unit's voice; the community lead is.
    assert post(clerk, f"{API}/subjects/{s.pk}/appeal/",
                {"ground": "malicious", "grounds": "x"}).status_code == 403  # fmt: skip
    lead = as_(client, setup.lead_a)
    appeal = post(lead, f"{API}/subjects/{s.pk}/appeal/",
                  {"ground": "malicious", "grounds": "与本事项无关"})  # fmt: skip
    assert appeal.status_code == 201
    pk = appeal.json()["id"]
    assert post(lead, f"{API}/appeals/{pk}/decide/",
                {"upheld": True, "decision": "x"}).status_code == 403  # fmt: skip
    street = as_(client, setup.street_lead)
    decided = post(street, f"{API}/appeals/{pk}/decide/", {"upheld": False, "decision": "证据不足"})
    assert decided.status_code == 200 and decided.json()["status"]["code"] == "rejected"
    assert not Rating.objects.get().excluded


@pytest.mark.parametrize("who", ["clerk_b", "lead_b", "grid_a", "outsider"])
def test_wrong_person_gets_404(client, subject, setup, who):
    s = subject()
    post(client, f"{API}/rate/{s.key}/", {"level": 1})
    rect = Rectification.objects.get()
    other = as_(client, getattr(setup, who))
    assert other.get(f"{API}/subjects/").json()["results"] == []
    assert other.get(f"{API}/rectifications/").json()["results"] == []
    assert other.get(f"{API}/subjects/{s.pk}/").status_code == 404
    assert other.get(f"{API}/rectifications/{rect.pk}/").status_code == 404
    assert post(other, f"{API}/subjects/{s.pk}/callbacks/", {"reached": False}).status_code == 404
    assert post(other, f"{API}/subjects/{s.pk}/appeal/",
                {"ground": "malicious", "grounds": "x"}).status_code == 404  # fmt: skip
    assert not Callback.objects.exists() and not Appeal.objects.exists()


def test_anonymous_staff_endpoints_are_401(client, setup):
    assert client.get(f"{API}/subjects/").status_code == 401


def test_filters_bad_input(client, subject, setup):
    subject()
    lead = as_(client, setup.lead_a)
    assert lead.get(f"{API}/subjects/", {"closed_from": "nope"}).status_code == 400
    assert lead.get(f"{API}/subjects/", {"rating": "great"}).status_code == 400


def test_a_reviewer_sees_only_their_departments_ratings(client, subject, setup):
    from doorstep.catalogue.models import Department

    theirs = subject(department=Department.objects.get(code="mz"))
    desk = subject()
    listed = as_(client, setup.reviewer).get(f"{API}/subjects/").json()["results"]
    assert [r["id"] for r in listed] == [theirs.pk]
    assert client.get(f"{API}/subjects/{desk.pk}/").status_code == 404
