"""Sessions and logins as configured: Django's own session store and model backend, so an
expired session counts as none and an inactive user is nobody."""

from __future__ import annotations

import datetime
from importlib import import_module

from django.conf import settings
from django.contrib import auth
from django.contrib.sessions.models import Session
from django.test import RequestFactory
from django.utils import timezone


def test_the_stock_session_store_and_backends_are_configured():
    assert settings.SESSION_ENGINE in (
        "django.contrib.sessions.backends.db",
        "django.contrib.sessions.backends.cache",
    )
    assert settings.AUTHENTICATION_BACKENDS == [
        "axes.backends.AxesStandaloneBackend",  # first: it refuses locked-out logins
        "django.contrib.auth.backends.ModelBackend",
    ]


def test_a_session_is_read_back_and_an_expired_one_is_none(db, settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    store = store_class()
    store["k"] = "v"
    store.create()
    assert store_class(store.session_key)["k"] == "v"
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert store_class(store.session_key).get("k") is None
    assert store_class("no-such-key-at-all-000000000000").get("k") is None


def _request_of(user):
    """A request carrying the session of an earlier one in which ``user`` logged in."""
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    login = RequestFactory().get("/")
    login.session = store_class()
    auth.login(login, user, backend="django.contrib.auth.backends.ModelBackend")
    login.session.save()
    request = RequestFactory().get("/")
    request.session = store_class(login.session.session_key)
    return request


def test_users_are_found_by_their_session_and_inactive_ones_are_nobody(django_user_model):
    user = django_user_model.objects.create_user("someone", password="pw")
    assert auth.get_user(_request_of(user)) == user
    request = _request_of(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert not auth.get_user(request).is_authenticated


def test_logging_in_and_out_through_the_site(client, personas):
    response = client.post("/login/", {"username": "clerk_a", "password": "pw"})
    assert response.status_code == 302
    assert client.get("/cases/").status_code == 200
    client.logout()
    assert client.get("/cases/").status_code == 302


def test_sessions_of_the_removed_backend_stay_logged_in(django_user_model):
    """Sessions made while ``doorstep.core.auth.ModelBackend`` existed are rewritten by a
    migration to name Django's, instead of being dropped."""
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    migration = import_module("doorstep.core.migrations.0001_sessions_name_the_stock_backend")
    user = django_user_model.objects.create_user("someone", password="pw")
    old = _request_of(user)
    old.session[auth.BACKEND_SESSION_KEY] = migration.OLD
    old.session.save()
    _request_of(user)  # a session of today's backend, left as it is
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    old.session = store_class(old.session.session_key)
    assert not auth.get_user(old).is_authenticated  # what Django does with an unknown backend

    migration.name_the_stock_backend(apps, SimpleNamespace(connection=connection))
    old.session = store_class(old.session.session_key)
    assert auth.get_user(old) == user
    backends = {s.get_decoded()[auth.BACKEND_SESSION_KEY] for s in Session.objects.all()}
    assert backends == {migration.NEW}
