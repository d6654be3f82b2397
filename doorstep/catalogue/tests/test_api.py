from __future__ import annotations

import pytest
from django.urls import reverse


def test_list_and_search(client, catalogue):
    data = client.get(reverse("catalogue-api-list")).json()
    assert data["count"] == 5
    data = client.get(reverse("catalogue-api-list"), {"q": "zdshbz"}).json()
    assert [r["code"] for r in data["results"]] == ["mz-001"]
    data = client.get(reverse("catalogue-api-list"), {"department": "yb"}).json()
    assert [r["code"] for r in data["results"]] == ["yb-001"]


def test_detail(client, dibao):
    data = client.get(reverse("catalogue-api-detail", args=["mz-001"])).json()
    assert data["name"] == "最低生活保障" and data["version"] == 1
    assert data["materials"][0]["name"] == "居民身份证"
    assert data["materials"][0]["source"] == "government"
    assert data["fee"] is None and data["max_trips"] == 1


@pytest.mark.parametrize("code", ["nope", "x" * 500, "%00", "mz-001'"])
def test_unknown_code_is_json_404(client, catalogue, code):
    response = client.get(f"/services/api/{code}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("q", ["x" * 51, "低" * 5000])
def test_overlong_query_is_json_400(client, catalogue, q):
    response = client.get(reverse("catalogue-api-list"), {"q": q})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "query_too_long"


@pytest.mark.parametrize("q", ["\x00", "%%%", "' OR 1=1", "🙂"])
def test_garbage_query_is_empty(client, catalogue, q):
    response = client.get(reverse("catalogue-api-list"), {"q": q, "department": "\x00"})
    assert response.status_code == 200 and response.json()["count"] == 0


def test_post_refused(client, catalogue):
    assert client.post(reverse("catalogue-api-list")).status_code == 405
