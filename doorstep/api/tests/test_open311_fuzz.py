"""Whatever a client sends, Open311 answers with its own errors (400, 403, 404), never a 500,
and a refused POST writes nothing. Hypothesis makes the fields: text of any kind, numbers out of
range, half-given points, long lists, odd attribute keys."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doorstep.api.actions import do_create_api_key
from doorstep.needs.models import Need
from doorstep.staff.choices import Role
from doorstep.staff.models import RoleGrant

FIELDS = [
    "service_code", "lat", "long", "coordinate_system", "address_string", "address_id",
    "description", "media_url", "phone", "first_name", "account_id", "jurisdiction_id",
    "attribute[lamps_out]", "attribute[kinds][]", "attribute[trapped]",
]  # fmt: skip
QUERY = [
    "service_request_id", "service_code", "status", "start_date", "end_date", "page",
    "page_size", "jurisdiction_id",
]  # fmt: skip
CODES = st.sampled_from(["need-lights", "need-rubbish", "need-lifts", "need-elderly", "x", ""])
TEXT = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["30.55", "-91", "1e999", "nan", "114.25", "gcj02", "bd09", "wgs84", "2"]),
    st.sampled_from(["2026-06-01T00:00:00+08:00", "2025-01-01", "open,closed", "1,2,x"]),
)


@pytest.fixture
def secret(personas, django_user_model):
    from doorstep.api.demo import build_demo_open311

    build_demo_open311()
    user = django_user_model.objects.create_user("fuzz")
    RoleGrant.objects.create(user=user, role=Role.GATEWAY, area=personas.area_a)
    return do_create_api_key(user=user, name="fuzz")[1]


SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SETTINGS
@given(
    code=CODES,
    fields=st.dictionaries(st.sampled_from(FIELDS), TEXT, max_size=6),
    fmt=st.sampled_from(["json", "xml"]),
)
def test_posting_anything_never_fails_the_server(client, secret, code, fields, fmt):
    before = Need.objects.count()
    response = client.post(
        f"/open311/requests.{fmt}", {"api_key": secret, "service_code": code, **fields}
    )
    assert response.status_code in (201, 400, 403, 404), response.content
    if response.status_code != 201:
        assert Need.objects.count() == before
        if fmt == "json":
            assert json.loads(response.content)[0]["code"] == response.status_code


@SETTINGS
@given(
    params=st.dictionaries(st.sampled_from(QUERY), TEXT, max_size=4),
    path=st.sampled_from(["requests", "servicerequestupdates", "services", "discovery"]),
    fmt=st.sampled_from(["json", "xml"]),
)
def test_reading_with_any_query_never_fails_the_server(client, secret, params, path, fmt):
    response = client.get(f"/open311/{path}.{fmt}", params)
    assert response.status_code in (200, 400, 404), response.content
