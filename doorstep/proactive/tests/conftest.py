"""Fixtures of the proactive tests. Tests run at a fixed time, Tuesday 2026-12-01 10:00 in
Shanghai (as the cases tests do), so ages and days to expiry do not depend on the day the
suite runs. Owned by the lead: add fixtures you need in your own test module (or ask)."""

from __future__ import annotations

import datetime
import itertools
import zoneinfo

import pytest

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _english(settings):
    # Assertions read the English source strings, whatever the catalogues say.
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def frozen():
    import time_machine

    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def holidays(db):
    from doorstep.workdays.seed import seed_holidays

    seed_holidays()


@pytest.fixture
def department(db):
    from doorstep.catalogue.models import Department

    return Department.objects.get_or_create(code="mz", defaults={"name": "区民政局"})[0]


@pytest.fixture
def make_tag(db):
    """make_tag("dibao", "低保") → Tag (get or create)."""
    from doorstep.people.models import Tag

    def make(code: str, name: str | None = None):
        return Tag.objects.get_or_create(code=code, defaults={"name": name or code})[0]

    return make


@pytest.fixture
def make_certificate_type(db):
    """make_certificate_type("disab", "残疾人证", window=365) → CertificateType."""
    from doorstep.people.models import CertificateType

    def make(code: str, name: str | None = None, *, window: int | None = None, years=None):
        obj, _ = CertificateType.objects.update_or_create(
            code=code,
            defaults={
                "name": name or code,
                "renewal_window_days": window,
                "validity_years": years,
            },
        )
        return obj

    return make


@pytest.fixture
def make_certificate(db):
    """make_certificate(resident, cert_type, expires_on=…, issued_on=…) → Certificate."""
    from doorstep.people.models import Certificate

    numbers = itertools.count(1)

    def make(resident, cert_type, *, expires_on=None, issued_on=datetime.date(2017, 1, 1)):
        return Certificate.objects.create(
            resident=resident,
            type=cert_type,
            number=f"T{next(numbers):08d}",
            issued_on=issued_on,
            expires_on=expires_on,
        )

    return make


@pytest.fixture
def make_household(personas):
    """make_household(*residents) → Household in compound A with those residents in it."""
    from doorstep.people.models import Resident
    from doorstep.places.models import Building, Household

    rooms = itertools.count(101)

    def make(*residents):
        building, _ = Building.objects.get_or_create(compound=personas.compound_a, number="9")
        household = Household.objects.create(building=building, room=str(next(rooms)))
        Resident.objects.filter(pk__in=[r.pk for r in residents]).update(household=household)
        return household

    return make


@pytest.fixture
def make_programme(department):
    """make_programme(code, grant_rule, stop_rule="", **fields) → Programme with its
    RuleVersion 1, written directly (no validation: tests of actions use do_save_programme).
    Written as a running programme is: switched on and, when it pays money, approved by a
    second person (the user "checker"); tests of those steps pass ``is_active`` /
    ``approved_by``. (No fixture of its own: other apps' tests import this one by name.)"""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from doorstep.proactive.models import Programme, RuleVersion

    def make(code: str, grant_rule: str, stop_rule: str = "", **fields):
        fields.setdefault("name", code)
        fields.setdefault("department", department)
        fields.setdefault("is_active", True)
        if "approved_by" not in fields:
            fields["approved_by"] = get_user_model().objects.get_or_create(username="checker")[0]
        if fields["approved_by"] is not None:
            fields.setdefault("approved_at", timezone.now())
        programme = Programme.objects.create(
            code=code, grant_rule=grant_rule, stop_rule=stop_rule, **fields
        )
        RuleVersion.objects.create(
            programme=programme, number=1, grant_rule=grant_rule, stop_rule=stop_rule
        )
        return programme

    return make
