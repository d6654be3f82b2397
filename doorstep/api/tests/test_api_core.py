"""The one API's plumbing: the schema and its offline docs page, the error shape for input no
schema should see, and API keys."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from doorstep.api.actions import do_create_api_key
from doorstep.api.models import ApiKey, digest

BOOK = "/api/v1/desks/appointments/"


def test_schema_is_openapi_3(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/services/" in schema["paths"]


def test_docs_page_works_offline(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assets = re.findall(r"""(?:src|href)=["']/static/([^"']+)["']""", html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for asset in assets:
        assert finders.find(asset), asset


def test_unknown_path_is_json_404(client, db):
    response = client.get("/api/v1/nothing/here/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "资源不存在。", "field": None}


def test_message_in_the_request_language(client, db):
    response = client.get("/api/v1/nothing/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["message"] == "Not found."
    response = client.get("/api/v1/nothing/", HTTP_ACCEPT_LANGUAGE="zh-hant")
    assert response.json()["message"] == "資源不存在。"


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 5000 + b"]" * 5000,
        b'{"slot": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        b'{"slot": 1e400}',
        b'{"slot": NaN}',
        b'{"slot": -Infinity}',
        b'{"slot": ' + str(2**63).encode() + b"}",
        b'{"slot": ' + b"9" * 5000 + b"}",
        b'{"slot": true}',
        b'{"slot": 1.5}',
        b'{"slot": "1"}',
        b'{"slot": 1, "name": "\\u0000"}',
        b'{"slot": 1, "phone": ["13812345678"]}',
        b"[1, 2]",
        b'"text"',
        b"\xff\xfe",
        b"{nope",
    ],
)
def test_bad_json_is_400_in_the_error_shape(client, db, body):
    response = client.post(BOOK, body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"code", "message", "field"}


def test_405_is_in_the_error_shape(client, db):
    response = client.delete(BOOK)
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert "POST" in response["Allow"]


# ---- API keys ----------------------------------------------------------------------------------


def test_key_is_stored_hashed_and_shown_once(personas):
    key, secret = do_create_api_key(user=personas.clerk_a, name="tablet app")
    stored = ApiKey.objects.get(pk=key.pk)
    assert stored.hashed == digest(secret) and secret not in stored.hashed
    assert stored.prefix == secret[:8] and len(secret) >= 40


def test_admin_creates_a_key_shows_it_once_and_revokes(client, personas):
    client.force_login(personas.admin)
    response = client.post(
        reverse("admin:api_apikey_add"),
        {"name": "registry sync", "user": personas.clerk_a.pk},
        follow=True,
    )
    key = ApiKey.objects.get()
    shown = [str(m) for m in response.context["messages"]]
    secret = re.search(r"([-_A-Za-z0-9]{40,})", shown[0]).group(1)
    assert digest(secret) == key.hashed and key.created_by == personas.admin
    client.post(
        reverse("admin:api_apikey_changelist"),
        {"action": "revoke", "_selected_action": [key.pk]},
    )
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_management_command_prints_a_key(personas, capsys):
    from django.core.management import call_command

    call_command("api_key", "create", "--user", "clerk_a", "--name", "sync")
    secret = capsys.readouterr().out.strip()
    assert ApiKey.objects.get(hashed=digest(secret)).user == personas.clerk_a


STAFF_WRITES = ["/api/v1/cases/", "/api/v1/rules/check/", "/api/v1/programmes/"]
NASTY = [
    b"[" * 5000 + b"]" * 5000,
    b'{"text": ' + b"{" * 5000 + b"}" * 5000 + b"}",
    b'{"resident": 1e400, "text": 1e400, "code": 1e400}',
    b'{"resident": ' + str(2**63).encode() + b', "required": ' + str(2**63).encode() + b"}",
    b'{"resident": true, "required": 1, "is_active": 1}',
    b'{"resident": 1.5, "required": 1.5, "amount": 1.5}',
    b'{"resident": 1, "service": "a\\u0000", "text": "a\\u0000", "code": "a\\u0000"}',
    b'{"resident": "1", "text": ["x"], "name": {"x": 1}}',
]


@pytest.mark.parametrize("path", STAFF_WRITES)
@pytest.mark.parametrize("body", NASTY)
def test_nasty_bodies_are_400_on_staff_writes(client, personas, path, body):
    from doorstep.cases.models import Case
    from doorstep.proactive.models import Programme

    client.force_login(personas.admin)
    response = client.post(path, body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"code", "message", "field"}
    assert not Case.objects.exists() and not Programme.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cases/?limit=1.5",
        "/api/v1/cases/?limit=true",
        f"/api/v1/cases/checklist/?resident={2**63}&service=x",
        "/api/v1/cases/checklist/?resident=1.5&service=x",
        "/api/v1/cases/?receipt=%00",
        "/api/v1/programmes/?active=%00",
        f"/api/v1/programmes/{2**63}/",
        f"/api/v1/cases/{2**63}/",
    ],
)
def test_bad_query_and_path_values_are_400(client, personas, path):
    client.force_login(personas.admin)
    response = client.get(path)
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"code", "message", "field"}
