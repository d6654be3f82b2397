"""API keys and session authentication on staff operations."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from doorstep.api.actions import do_create_api_key
from doorstep.api.models import ApiKey


@pytest.mark.parametrize("header", ["HTTP_AUTHORIZATION", "HTTP_X_API_KEY"])
def test_key_authenticates_and_records_last_use(client, personas, header, staff_url):
    _key, secret = do_create_api_key(user=personas.district_lead, name="dashboard")
    value = f"Bearer {secret}" if header == "HTTP_AUTHORIZATION" else secret
    response = client.get(staff_url, **{header: value})
    assert response.status_code == 200
    used = ApiKey.objects.get().last_used_at
    assert used is not None
    client.get(staff_url, **{header: value})
    assert ApiKey.objects.get().last_used_at == used  # not a write per request


def test_revoked_wrong_or_inactive_keys_are_401(client, personas, staff_url):
    key, secret = do_create_api_key(user=personas.district_lead, name="dashboard")
    assert client.get(staff_url, HTTP_X_API_KEY=secret + "x").status_code == 401
    ApiKey.objects.filter(pk=key.pk).update(revoked_at=timezone.now())
    response = client.get(staff_url, HTTP_X_API_KEY=secret)
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    _key, other = do_create_api_key(user=personas.street_lead, name="gone")
    personas.street_lead.is_active = False
    personas.street_lead.save(update_fields=["is_active"])
    assert client.get(staff_url, HTTP_X_API_KEY=other).status_code == 401


def test_last_use_is_recorded_again_after_a_minute(client, personas, staff_url):
    key, secret = do_create_api_key(user=personas.district_lead, name="dashboard")
    old = timezone.now() - datetime.timedelta(minutes=5)
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=old)
    client.get(staff_url, HTTP_X_API_KEY=secret)
    assert ApiKey.objects.get().last_used_at > old


def test_session_writes_need_csrf(personas, write_url):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(personas.district_lead)
    response = browser.post(write_url, {}, content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "csrf_failed"
    anonymous = Client(enforce_csrf_checks=True)
    response = anonymous.post(write_url, {}, content_type="application/json")
    assert response.status_code == 401
