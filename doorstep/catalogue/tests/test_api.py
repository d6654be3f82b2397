from __future__ import annotations

import pytest
from django.urls import reverse


def test_list_and_search(client, catalogue):
    data = client.get(reverse("api:services")).json()
    assert data["count"] == 5
    data = client.get(reverse("api:services"), {"q": "zdshbz"}).json()
    assert [r["code"] for r in data["results"]] == ["mz-001"]
    data = client.get(reverse("api:services"), {"department": "yb"}).json()
    assert [r["code"] for r in data["results"]] == ["yb-001"]


def test_detail(client, dibao):
    data = client.get(reverse("api:service", args=["mz-001"])).json()
    assert data["name"] == "最低生活保障" and data["version"] == 1
    assert data["materials"][0]["name"] == "居民身份证"
    assert data["materials"][0]["source"] == "government"
    assert data["fee"] is None and data["max_trips"] == 1


@pytest.mark.parametrize("code", ["nope", "x" * 500, "mz-001'"])
def test_unknown_code_is_json_404(client, catalogue, code):
    response = client.get(f"/api/v1/services/{code}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found" and response.json()["field"] is None


def test_nul_in_code_is_400(client, catalogue):
    response = client.get("/api/v1/services/%00/")
    assert response.status_code == 400 and response.json()["code"] == "nul"


@pytest.mark.parametrize("q", ["x" * 51, "低" * 5000])
def test_overlong_query_is_json_400(client, catalogue, q):
    response = client.get(reverse("api:services"), {"q": q})
    assert response.status_code == 400
    assert response.json()["code"] in ("query_too_long", "too_long")
    assert response.json()["field"] == "q"


@pytest.mark.parametrize("q", ["%%%", "' OR 1=1", "🙂"])
def test_garbage_query_is_empty(client, catalogue, q):
    response = client.get(reverse("api:services"), {"q": q, "department": "'"})
    assert response.status_code == 200 and response.json()["count"] == 0


@pytest.mark.parametrize("params", [{"q": "\x00"}, {"department": "\x00"}, {"x\x00": "1"}])
def test_nul_in_query_is_400(client, catalogue, params):
    response = client.get(reverse("api:services"), params)
    assert response.status_code == 400 and response.json()["code"] == "nul"


def test_post_refused(client, catalogue):
    response = client.post(reverse("api:services"))
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
