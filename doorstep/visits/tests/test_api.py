"""The visits API: logging once per client key, lists, the due list, coverage, the red list and
the rules, and what the wrong persona gets (nothing)."""

from __future__ import annotations

import datetime
import uuid

import pytest

from doorstep.visits.models import Visit, VisitEvent, VisitFinding

from .conftest import NOW, TODAY

API = "/api/v1/visits/"


def _body(home, **kw) -> dict:
    return {
        "household": home.pk,
        "visited_at": (NOW - datetime.timedelta(hours=3)).isoformat(),
        "purpose": "care",
        "outcome": "met",
        "client_key": str(uuid.uuid4()),
        **kw,
    }


@pytest.fixture
def grid_a(client, personas, frozen):
    client.force_login(personas.grid_a)
    return client


def test_log_a_visit_with_findings(grid_a, street):
    body = _body(
        street.alone_a,
        met=[street.zhang.pk],
        findings=[
            {"kind": "fire", "description": "楼道堆放杂物", "count": 3},
            {"kind": "need", "description": "想申请助餐"},
        ],
        followups="下周带助餐申请表",
    )
    response = grid_a.post(API, body, content_type="application/json")
    assert response.status_code == 201, response.json()
    out = response.json()
    assert out["outcome"]["code"] == "met"
    assert [m["name"] for m in out["met"]] == ["张桂兰"]
    found = [(f["kind"]["code"], f["count"]) for f in out["finding_rows"]]
    assert found == [("fire", 3), ("need", 1)]
    assert all(isinstance(f["id"], int) for f in out["finding_rows"])
    visit = Visit.objects.get()
    assert visit.visited_on == TODAY and visit.area_code == "420105006001001"
    assert VisitEvent.objects.filter(visit=visit, kind="logged").count() == 1


def test_the_same_client_key_lands_once(grid_a, street):
    body = _body(street.alone_a)
    first = grid_a.post(API, body, content_type="application/json")
    second = grid_a.post(API, body, content_type="application/json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Visit.objects.count() == 1 and VisitEvent.objects.filter(kind="logged").count() == 1


def test_another_workers_key_is_their_own(client, personas, street):
    key = str(uuid.uuid4())
    client.force_login(personas.grid_b)
    assert client.post(API, _body(street.alone_b, client_key=key),
                       content_type="application/json").status_code == 201  # fmt: skip
    client.force_login(personas.grid_a)
    response = client.post(API, _body(street.alone_a, client_key=key),
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 201
    assert Visit.objects.count() == 2


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"visited_at": (NOW + datetime.timedelta(hours=1)).isoformat()}, "visited_at", "future"),
        ({"visited_at": (NOW - datetime.timedelta(days=8)).isoformat()}, "visited_at", "too_old"),
        ({"visited_at": 1700000000}, "visited_at", "invalid"),
        ({"outcome": "maybe"}, "outcome", "invalid"),
        ({"outcome": "refused", "met": [1]}, "met", "invalid"),
        ({"findings": [{"kind": "fire", "description": " ", "count": 1}]}, "findings", "required"),
        ({"findings": [{"kind": "fire", "description": "x", "count": 0}]}, "findings",
         "out_of_range"),
        ({"outcome": "met", "retry_on": "2026-12-03"}, "retry_on", "invalid"),
        ({"outcome": "nobody_home", "retry_on": "2027-03-01"}, "retry_on", "out_of_range"),
        ({"client_key": "not-a-uuid"}, "client_key", "invalid"),
        ({"household": True}, "household", "invalid"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_and_changes_nothing(grid_a, street, change, field, code):
    response = grid_a.post(API, _body(street.alone_a, **change), content_type="application/json")
    assert response.status_code == 400, response.json()
    assert (response.json()["field"], response.json()["code"]) == (field, code)
    assert not Visit.objects.exists() and not VisitFinding.objects.exists()


def test_the_time_limit_is_a_setting(grid_a, street, settings):
    settings.DOORSTEP_VISIT_MAX_AGE_DAYS = 10
    body = _body(street.alone_a, visited_at=(NOW - datetime.timedelta(days=8)).isoformat())
    assert grid_a.post(API, body, content_type="application/json").status_code == 201


def test_a_resident_of_another_household_is_refused(grid_a, street):
    response = grid_a.post(API, _body(street.alone_a, met=[street.li.pk]),
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 400 and response.json()["field"] == "met"


def test_nobody_home_schedules_a_retry(grid_a, street):
    response = grid_a.post(API, _body(street.alone_a, outcome="nobody_home"),
                           content_type="application/json")  # fmt: skip
    assert response.json()["retry_on"] == "2026-12-03"
    due = grid_a.get(API + "due/").json()
    row = next(r for r in due["results"] if r["household"]["id"] == street.alone_a.pk)
    assert (row["retry_on"], row["last_outcome"]["code"]) == ("2026-12-03", "nobody_home")
    assert row["due_on"] is None


@pytest.mark.parametrize("who", ["grid_b", "clerk_a", "outsider", "reviewer", "mediator_a"])
def test_the_wrong_persona_cannot_log_at_grid_a(client, personas, street, who):
    client.force_login(getattr(personas, who))
    response = client.post(API, _body(street.alone_a), content_type="application/json")
    assert response.status_code == 404
    assert not Visit.objects.exists()


def test_a_grid_worker_cannot_log_outside_their_grid(grid_a, street):
    response = grid_a.post(API, _body(street.alone_a2), content_type="application/json")
    assert response.status_code == 404


def test_anonymous_is_401(client, street):
    assert client.get(API).status_code == 401
    response = client.post(API, _body(street.alone_a), content_type="application/json")
    assert response.status_code == 401


def test_lists_hold_only_what_the_persona_sees(client, personas, street, log_visit):
    mine = log_visit(street.alone_a, days_ago=1, findings=[])
    theirs = log_visit(street.alone_b, days_ago=1, worker=personas.grid_b)
    expected = {
        "grid_a": [mine.pk],
        "grid_b": [theirs.pk],
        "clerk_a": [mine.pk],
        "clerk_b": [theirs.pk],
        "district_lead": [mine.pk, theirs.pk],
        "outsider": [],
        "reviewer": [],
    }
    for who, ids in expected.items():
        client.force_login(getattr(personas, who))
        got = sorted(v["id"] for v in client.get(API).json()["results"])
        assert got == sorted(ids), who
        status = client.get(f"{API}{mine.pk}/").status_code
        assert status == (200 if mine.pk in ids else 404), who


def test_visit_list_pages_and_filters(grid_a, street, log_visit):
    for days in range(5):
        log_visit(street.alone_a, days_ago=days, outcome="met" if days % 2 else "nobody_home")
    first = grid_a.get(API, {"limit": 2}).json()
    second = grid_a.get(API, {"limit": 2, "after": first["next"]}).json()
    assert len(first["results"]) == 2 and len(second["results"]) == 2
    assert not {v["id"] for v in first["results"]} & {v["id"] for v in second["results"]}
    met = grid_a.get(API, {"outcome": "met"}).json()["results"]
    assert len(met) == 2
    assert grid_a.get(API, {"outcome": "sometimes"}).status_code == 400
    assert grid_a.get(API, {"grid": street.grid_b.pk}).status_code == 400  # not one of mine


def test_due_list_api(client, personas, street, log_visit):
    log_visit(street.alone_a, days_ago=10)
    client.force_login(personas.grid_a)
    out = client.get(API + "due/").json()
    assert out["count"] == 2
    first = out["results"][0]
    assert first["household"]["id"] == street.disabled_a.pk and first["due_on"] is None
    assert [r["name"] for r in first["residents"]] == ["李建国"]
    second = out["results"][1]
    assert (second["overdue_days"], second["state"]["code"]) == (3, "overdue")
    client.force_login(personas.outsider)
    assert client.get(API + "due/").json() == {"count": 0, "results": []}


def test_grid_worker_without_a_grid_gets_an_empty_due_list(client, personas, street):
    street.grid_a.workers.clear()
    client.force_login(personas.grid_a)
    assert client.get(API + "due/").json()["count"] == 0
    assert client.get(API + "coverage/").json()["total"]["households"] == 0


def test_coverage_api(client, personas, street, log_visit):
    log_visit(street.alone_a, days_ago=2)
    client.force_login(personas.clerk_a)
    out = client.get(API + "coverage/").json()
    assert out["total"] == {"key": "", "name": "", "households": 3, "covered": 1, "percent": 33.3}
    assert out["grids"][0]["name"] == "一网格"
    client.force_login(personas.reviewer)
    assert client.get(API + "coverage/").json()["total"]["households"] == 0


def test_rules_api(client, personas, street):
    client.force_login(personas.grid_a)
    assert [r["tag"] for r in client.get(API + "rules/").json()] == ["living-alone", "disabled"]
    response = client.post(API + "rules/", {"tag": "veteran", "interval_days": 90},
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 403
    client.force_login(personas.administrator)
    response = client.post(API + "rules/", {"tag": "veteran", "interval_days": 90},
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 200 and response.json()["interval_days"] == 90
    bad = client.post(API + "rules/", {"tag": "veteran", "interval_days": 0},
                      content_type="application/json")  # fmt: skip
    assert bad.status_code == 400 and bad.json()["field"] == "interval_days"
    assert client.post(API + "rules/", {"tag": "nope", "interval_days": 9},
                       content_type="application/json").status_code == 400  # fmt: skip
    assert client.delete(API + "rules/veteran/").status_code == 204
    assert client.delete(API + "rules/veteran/").status_code == 404
    assert VisitEvent.objects.filter(kind__in=["rule_set", "rule_removed"]).count() == 4


def test_a_photo_sent_again_lands_once(client, personas, street, log_visit):
    """A phone resending the photos it kept offline (its answer lost) adds each once."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .conftest import jpeg, png

    visit = log_visit(street.alone_a)
    url = f"{API}{visit.pk}/photos/"
    client.force_login(personas.grid_a)
    for _ in range(2):
        upload = SimpleUploadedFile("door.png", png(300), "image/png")
        assert client.post(url, {"file": upload}).status_code == 201
    upload = SimpleUploadedFile("hall.jpg", jpeg(300), "image/jpeg")
    assert client.post(url, {"file": upload}).status_code == 201
    assert visit.photos.count() == 2
    bad = client.post(url, {"file": SimpleUploadedFile("x.gif", b"GIF89a" + b"0" * 50)})
    assert bad.status_code == 400 and visit.photos.count() == 2
    client.force_login(personas.grid_b)  # not their visit: nothing
    upload = SimpleUploadedFile("door.png", png(400), "image/png")
    assert client.post(url, {"file": upload}).status_code == 404
    assert visit.photos.count() == 2
