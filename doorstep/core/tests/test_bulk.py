"""``core.bulk.insert_from`` reads which columns a ``values()`` queryset selects, and in what
order, from ``Query.selected`` (Django 5.2). These tests fail loudly if a Django upgrade
changes that, before a sweep writes a column's value into another column."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.db.models import DateTimeField, F, Value
from django.db.models.sql import Query
from django.utils import timezone

from doorstep.core.bulk import insert_from, select_columns

UPGRADE = (
    "Django changed Query.selected, which doorstep.core.bulk.select_columns reads to learn a "
    "values() queryset's columns in order: re-check core/bulk.py against this Django version"
)


def test_django_still_has_query_selected():
    assert hasattr(Query, "selected"), UPGRADE


def test_the_columns_come_in_the_order_values_names_them(django_user_model):
    """An annotation named first is selected first (before 5.2 it came after the fields)."""
    queryset = django_user_model.objects.annotate(until=Value(timezone.now())).values(
        "until", "username", text=F("email")
    )
    assert select_columns(queryset) == ["until", "username", "text"], UPGRADE


def test_values_land_in_the_columns_they_were_meant_for(django_user_model):
    """The SQL selects in that order too: each value is written to its own column."""
    django_user_model.objects.create_user("someone", email="someone@example.org")
    until = timezone.now() + datetime.timedelta(days=1)
    rows = django_user_model.objects.annotate(
        until=Value(until, output_field=DateTimeField())
    ).values("until", "username", data=F("email"))
    assert insert_from(Session, ["expire_date", "session_key", "session_data"], rows) == 1
    session = Session.objects.get()
    assert (session.session_key, session.session_data) == ("someone", "someone@example.org")
    assert session.expire_date == until


def test_only_values_querysets_are_taken(django_user_model):
    with pytest.raises(ValueError, match="values"):
        select_columns(django_user_model.objects.all())
