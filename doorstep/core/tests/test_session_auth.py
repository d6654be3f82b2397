"""The project's session store and auth backend keep Django's semantics."""

from __future__ import annotations

import datetime

from django.contrib.sessions.models import Session
from django.utils import timezone

from doorstep.core.auth import ModelBackend
from doorstep.core.sessions import SessionStore


def test_a_session_is_read_back_and_an_expired_one_is_none(db):
    store = SessionStore()
    store["k"] = "v"
    store.create()
    assert SessionStore(store.session_key)["k"] == "v"
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert SessionStore(store.session_key).get("k") is None
    assert SessionStore("no-such-key-at-all-000000000000").get("k") is None


def test_users_are_found_by_id_and_inactive_ones_are_nobody(django_user_model):
    user = django_user_model.objects.create_user("someone", password="pw")
    backend = ModelBackend()
    assert backend.get_user(str(user.pk)) == user
    assert backend.get_user("not a number") is None
    assert backend.get_user(user.pk + 1000) is None
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert backend.get_user(user.pk) is None


def test_logging_in_and_out_through_the_site(client, personas):
    response = client.post("/login/", {"username": "clerk_a", "password": "pw"})
    assert response.status_code == 302
    assert client.get("/cases/").status_code == 200
    client.logout()
    assert client.get("/cases/").status_code == 302
