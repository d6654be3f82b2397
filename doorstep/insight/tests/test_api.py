"""GET /api/v1/insight/figures/: every metric with its n, the same numbers as the functions,
bad input as the one error shape, and the wrong person turned away."""

from __future__ import annotations

import pytest

from doorstep.insight import metrics as m
from doorstep.insight.metrics import figures, make_scope

from .conftest import END, START
from .test_metrics import callbacks, cases  # noqa: F401  (fixtures)

URL = "/api/v1/insight/figures/"
NOVEMBER = {"start": START.isoformat(), "end": END.isoformat()}


def _by_key(body: dict) -> dict:
    return {row["key"]: row for row in body["figures"]}


def test_every_metric_with_its_n(client, personas, cases, callbacks):  # noqa: F811
    client.force_login(personas.clerk_a)
    response = client.get(URL, NOVEMBER)
    assert response.status_code == 200
    body = response.json()
    assert body["min_n"] == 10
    assert body["scope"]["start"] == "2026-11-01"
    rows = _by_key(body)
    assert list(rows) == [metric.key for metric in m.METRICS]
    on_time = rows["on_time_rate"]
    assert on_time | {"label": None} == {
        "key": "on_time_rate", "label": None, "kind": "rate", "applies": True,
        "numerator": 2.0, "denominator": 4, "value": 0.5, "shown": None, "text": "—",
    }  # fmt: skip
    assert rows["working_days"]["kind"] == "average"
    assert rows["working_days"]["value"] == 9.0
    assert rows["visit_coverage"]["applies"] is False  # not a figure of a past month
    assert rows["visit_coverage"]["value"] is None


def test_the_same_numbers_as_the_functions(client, personas, cases, callbacks, settings):  # noqa: F811
    settings.DOORSTEP_METRIC_MIN_N = 1
    client.force_login(personas.district_lead)
    rows = _by_key(client.get(URL, NOVEMBER).json())
    for figure in figures(make_scope(personas.district_lead, start=START, end=END)):
        row = rows[figure.key]
        if figure.value is None:
            assert row["applies"] is False
            continue
        assert (row["denominator"], row["value"], row["text"]) == (
            figure.value.n,
            pytest.approx(figure.value.value) if figure.value.value is not None else None,
            str(figure),
        ), figure.key


def test_filters(client, personas, cases, callbacks):  # noqa: F811
    client.force_login(personas.district_lead)
    rows = _by_key(client.get(URL, {**NOVEMBER, "area": personas.compound_b.code}).json())
    assert rows["on_time_rate"]["denominator"] == 1
    rows = _by_key(client.get(URL, {**NOVEMBER, "channel": "online"}).json())
    assert rows["response_rate"]["denominator"] == 1
    assert rows["on_time_rate"]["applies"] is False and rows["on_time_rate"]["text"] == "—"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2026-12-01", "end": "2026-11-01"}, "end"),
        ({"start": "1 November"}, "start"),
        ({"channel": "fax"}, "channel"),
        ({"service": "999999"}, "service"),
        ({"department": "abc"}, "department"),
        ({"area": "42010x"}, "area"),
    ],
)
def test_bad_input_is_400_on_the_field(client, personas, params, field):
    client.force_login(personas.clerk_a)
    response = client.get(URL, params)
    assert response.status_code == 400
    assert response.json()["field"] == field


def test_an_area_outside_the_grants_is_404(client, personas):
    client.force_login(personas.clerk_a)
    for code in (personas.area_b.code, "420105", "420105006001999"):
        response = client.get(URL, {"area": code})
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_the_wrong_person(client, personas):
    assert client.get(URL).status_code == 401
    for user in (personas.outsider, personas.administrator):
        client.force_login(user)
        response = client.get(URL)
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"


def test_another_community_gets_its_own_numbers(client, personas, cases, callbacks):  # noqa: F811
    client.force_login(personas.clerk_b)
    rows = _by_key(client.get(URL, NOVEMBER).json())
    assert rows["on_time_rate"]["denominator"] == 1
    assert rows["response_rate"]["denominator"] == 1
    assert rows["found_first"]["denominator"] == 0
