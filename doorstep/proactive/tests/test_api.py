"""The programmes' JSON API: shapes, the rule check, preview, runs, why, and bad input (a 400
naming the field, nothing written)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from doorstep.proactive.models import Entitlement, Programme, ProgrammeRun, RuleVersion
from doorstep.proactive.tests import test_views as shared
from doorstep.proactive.tests.test_views import RULE, STOP

world, ran = shared.world, shared.ran  # the shared fixtures


def post(client, url, data, method="post"):
    body = data if isinstance(data, (str, bytes)) else json.dumps(data)
    return getattr(client, method)(url, body, content_type="application/json")


@pytest.fixture
def admin(client, world):
    client.force_login(world.personas.admin)
    return client


def new_programme(**overrides) -> dict:
    data = {
        "code": "elderly-90",
        "name": "九十岁补贴",
        "department": "mz",
        "kind": "grant",
        "mode": "notify",
        "period": "monthly",
        "amount": "100",
        "grant_rule": "age >= 90",
        "stop_rule": STOP,
    }
    data.update(overrides)
    return data


def test_list_and_detail(admin, world, ran):
    listed = admin.get(reverse("api:programmes")).json()["programmes"]
    assert [p["code"] for p in listed] == ["elderly-80"]
    assert listed[0]["period"] == "monthly" and listed[0]["amount"] == "50.00"
    detail = admin.get(listed[0]["url"]).json()["programme"]
    assert detail["grant_rule"] == RULE and detail["stop_rule"] == STOP
    assert detail["versions"][0]["number"] == 1
    assert detail["runs"][0]["id"] == ran.pk
    assert detail["runs"][0]["counts"]["granted"] == 2


def test_list_filters_by_active(admin, world):
    assert admin.get(reverse("api:programmes"), {"active": "false"}).json() == {"programmes": []}
    response = admin.get(reverse("api:programmes"), {"active": "maybe"})
    assert response.status_code == 400
    assert response.json()["field"] == "active"


def test_create_and_change_a_programme(admin, world):
    response = post(admin, reverse("api:programmes"), new_programme())
    assert response.status_code == 201, response.content
    created = response.json()["programme"]
    assert created["version"] == 1 and created["grant_rule"] == "age >= 90"
    changed = post(admin, created["url"], {"grant_rule": "age >= 91"}, "patch")
    assert changed.status_code == 200, changed.content
    assert changed.json()["programme"]["version"] == 2
    p = Programme.objects.get(code="elderly-90")
    assert p.name == "九十岁补贴" and p.amount is not None
    assert list(p.versions.order_by("number").values_list("grant_rule", flat=True)) == [
        "age >= 90",
        "age >= 91",
    ]


def snapshot():
    return (
        list(Programme.objects.values_list("code", "name", "grant_rule", "version")),
        RuleVersion.objects.count(),
        ProgrammeRun.objects.count(),
        Entitlement.objects.count(),
    )


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        ({"grant_rule": "age >= "}, "grant_rule", "invalid_rule"),
        ({"grant_rule": "agee >= 90"}, "grant_rule", "invalid_rule"),
        ({"grant_rule": ""}, "grant_rule", "invalid_rule"),
        ({"stop_rule": 'status == "dead"'}, "stop_rule", "invalid_rule"),
        ({"grant_rule": 80}, "grant_rule", "invalid"),
        ({"code": "elderly-80"}, "code", "duplicate"),
        ({"code": "has space"}, "code", "invalid"),
        ({"department": "nope"}, "department", "unknown_department"),
        ({"kind": "bogus"}, "kind", "invalid"),
        ({"amount": "-1"}, "amount", "invalid"),
        ({"amount": True}, "amount", "invalid"),
        ({"kind": "renewal"}, "certificate_type", "required"),
        ({"mode": "offer", "kind": "remind"}, "mode", "invalid"),
        ({"is_active": "yes"}, "is_active", "invalid"),
    ],
)
def test_bad_programmes_are_400_and_nothing_is_written(admin, world, data, field, code):
    before = snapshot()
    response = post(admin, reverse("api:programmes"), new_programme(**data))
    # A code another programme holds conflicts with it (409, as everywhere in the API).
    assert response.status_code == (409 if code == "duplicate" else 400), response.content
    body = response.json()
    assert body["code"] == code
    assert body["field"] == field
    assert snapshot() == before


def test_an_invalid_rule_change_is_400_and_changes_nothing(admin, world):
    before = snapshot()
    url = reverse("api:programme", args=[world.programme.pk])
    response = post(admin, url, {"grant_rule": "age >= 80 &&", "name": "x"}, "patch")
    assert response.status_code == 400
    assert response.json()["field"] == "grant_rule"
    problem = response.json()["message"]
    assert problem.startswith("line 1, column ")
    assert snapshot() == before


@pytest.mark.parametrize("body", ["[1, 2]", "not json", '"text"'])
def test_a_body_that_is_not_an_object_is_400(admin, world, body):
    response = post(admin, reverse("api:rules-check"), body)
    assert response.status_code == 400
    assert response.json()["code"] in ("bad_json", "invalid")


def test_rule_check(admin, world):
    url = reverse("api:rules-check")
    good = post(admin, url, {"text": RULE}).json()
    assert good == {"ok": True, "problems": []}
    bad = post(admin, url, {"text": 'age >= 80 &&\n"低保" in tagz'}).json()
    assert bad["ok"] is False
    assert bad["problems"][0]["line"] == 2
    assert bad["problems"][0]["column"] >= 1
    assert "tagz" in bad["problems"][0]["message"]
    assert post(admin, url, {"text": "", "required": False}).json()["ok"] is True
    assert post(admin, url, {"text": ""}).json()["ok"] is False
    wrong = post(admin, url, {"text": 42})
    assert wrong.status_code == 400 and wrong.json()["field"] == "text"
    too_long = post(admin, url, {"text": "age > 1 && " * 1000})
    assert too_long.status_code == 400


def test_preview(admin, world):
    url = reverse("api:programme-preview", args=[world.programme.pk])
    data = admin.get(url).json()
    assert data["counts"]["granted"] == 2
    assert data["period"] == "2026-12"
    assert {r["id_masked"] for r in data["samples"]["granted"]} == {
        world.old_a.id_masked,
        world.old_b.id_masked,
    }
    later = admin.get(url, {"date": "2028-01-01"}).json()
    assert later["counts"]["granted"] == 3 and later["period"] == "2028-01"
    assert not ProgrammeRun.objects.exists() and not Entitlement.objects.exists()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date": "2026-02-30"}, "date"),
        ({"date": "12/01/2026"}, "date"),
        ({"sample": "many"}, "sample"),
        ({"sample": "1000"}, "sample"),
    ],
)
def test_preview_bad_input(admin, world, params, field):
    response = admin.get(reverse("api:programme-preview", args=[world.programme.pk]), params)
    assert response.status_code == 400
    assert response.json()["field"] == field


def test_run_is_202_and_can_be_followed(admin, world):
    from doorstep.proactive import actions

    response = post(admin, reverse("api:programme-runs", args=[world.programme.pk]), {})
    assert response.status_code == 202
    run = response.json()["run"]
    assert run["status"] == "queued" and run["trigger"] == "api"
    assert response["Location"] == run["url"]
    status = admin.get(run["url"]).json()["run"]
    assert status["finished"] is False and status["phase"] == "waiting"
    actions.do_run_programme(world.programme, run=ProgrammeRun.objects.get(pk=run["id"]))
    status = admin.get(run["url"]).json()["run"]
    assert status["finished"] is True and status["status"] == "done"
    assert status["counts"]["granted"] == 2
    assert status["rule_version"] == 1 and status["started_by"] == "admin"


def test_runs_are_listed_a_page_at_a_time_in_pinned_queries(
    admin, world, ran, django_assert_num_queries
):
    from doorstep.proactive import actions

    for _n in range(2):
        run = actions.do_queue_run(world.programme, actor=None, trigger="api")
        actions.do_run_programme(world.programme, run=run)
    url = reverse("api:programme-run-list", args=[world.programme.pk])
    admin.get(url)  # warm the session
    # session, user, the programme (with the read check), runs with who started them
    with django_assert_num_queries(4):
        first = admin.get(url, {"limit": 2}).json()
    assert len(first["results"]) == 2 and first["next"]
    rest = admin.get(url, {"limit": 2, "after": first["next"]}).json()
    ids = [r["id"] for r in first["results"] + rest["results"]]
    assert ids == list(
        ProgrammeRun.objects.order_by("-queued_at", "-id").values_list("pk", flat=True)
    )
    assert rest["next"] is None
    bad = admin.get(url, {"after": "nope"})
    assert bad.status_code == 400 and bad.json()["field"] == "after"


def test_the_programme_list_has_pinned_queries(admin, world, django_assert_num_queries):
    admin.get(reverse("api:programmes"))
    with django_assert_num_queries(3):  # session, user, programmes with their departments
        assert len(admin.get(reverse("api:programmes")).json()["programmes"]) == 1


def test_why(client, world, ran):
    client.force_login(world.personas.clerk_a)
    url = reverse("api:programme-why", args=[world.programme.pk, world.young_a.pk])
    data = client.get(url).json()
    assert data["eligible"] is False
    assert data["grant"]["holds"] is False
    assert data["grant"]["kind"] == "all"
    age = data["grant"]["children"][0]
    assert age["holds"] is False and "79" in age["detail"]
    assert data["entitlement"] is None and data["opted_out"] is None
    assert data["facts"]["age"] == 79 and data["facts"]["status"] == "active"
    held = client.get(
        reverse("api:programme-why", args=[world.programme.pk, world.old_a.pk])
    ).json()
    assert held["eligible"] is True
    assert held["entitlement"]["status"] == "granted"
    bad = client.get(url, {"date": "tomorrow"})
    assert bad.status_code == 400 and bad.json()["field"] == "date"
