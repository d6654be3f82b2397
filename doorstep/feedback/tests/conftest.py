"""Feedback fixtures. Tests run at a fixed time, Tuesday 2026-12-01 10:00 in Shanghai, with the
official holiday table seeded.

``subject(**overrides)`` opens a matter for rating as the apps that close matters do: a case of
community A's desk, closed an hour ago by clerk_a, for a resident with a phone. Community A has
a community lead (``lead_a``) who rectifies and appeals for the desk.
"""

from __future__ import annotations

import dataclasses
import datetime
import zoneinfo
from types import SimpleNamespace

import pytest

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    settings.DOORSTEP_PUBLIC_URL = "https://doorstep.example.gov.cn"


@pytest.fixture
def frozen():
    import time_machine

    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def setup(personas, frozen, django_user_model):
    from doorstep.staff.choices import Role
    from doorstep.staff.models import RoleGrant
    from doorstep.workdays.seed import seed_holidays

    seed_holidays()
    lead_a = django_user_model.objects.create_user("lead_a", password="pw", first_name="社区书记")
    RoleGrant.objects.create(user=lead_a, role=Role.COMMUNITY_LEAD, area=personas.area_a)
    lead_b = django_user_model.objects.create_user("lead_b", password="pw")
    RoleGrant.objects.create(user=lead_b, role=Role.COMMUNITY_LEAD, area=personas.area_b)
    people = {f.name: getattr(personas, f.name) for f in dataclasses.fields(personas)}
    return SimpleNamespace(**people, lead_a=lead_a, lead_b=lead_b)


@pytest.fixture
def resident(setup, make_resident):
    return make_resident("张景林", mobile="13912345678")


@pytest.fixture
def subject(setup, resident):
    from doorstep.feedback.actions import do_open_subject

    counter = iter(range(1, 1000))

    def make(**kw):
        n = next(counter)
        kind = kw.pop("kind", "case")
        fields = {
            "reference": f"R{n:04d}",
            "area_code": setup.compound_a.code,
            "closed_at": NOW - datetime.timedelta(hours=1),
            "handler": setup.clerk_a,
            "resident": resident,
        }
        fields.update(kw)
        return do_open_subject(kind, n, **fields)

    return make


@pytest.fixture
def rate(setup):
    from doorstep.feedback.actions import Given, do_rate

    def give(subject, level, source="message", **kw):
        return do_rate(subject, Given(level=level, **kw), source=source)

    return give
