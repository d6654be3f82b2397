"""Reception fixtures. Tests run at a fixed time, Tuesday 2026-12-01 10:00 in Shanghai, with the
official holiday table and the need categories seeded.

``make_day(**overrides)`` plans a day through the real action: the street lead of street
006 receives residents of community A at compound A, today, open and bookable. ``raise_matter``
registers what a resident raised at it (accepted, "property" category, unless told otherwise).
"""

from __future__ import annotations

import datetime
import zoneinfo

import pytest

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def frozen():
    import time_machine

    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def setup(personas, frozen):
    from doorstep.needs.seed import seed_categories
    from doorstep.workdays.seed import seed_holidays

    seed_holidays()
    seed_categories()
    return personas


@pytest.fixture
def department(setup):
    from doorstep.catalogue.models import Department

    return Department.objects.get(code="mz")  # the demo reviewer reviews for it


@pytest.fixture
def make_day(setup):
    from doorstep.reception.actions import Plan, do_plan_days

    def make(**kw):
        actor = kw.pop("actor", setup.street_lead)
        fields = {
            "area": setup.area_a,
            "leader": setup.street_lead,
            "leader_title": "街道党工委书记",
            "date": TODAY,
            "start": datetime.time(14, 0),
            "end": datetime.time(17, 0),
            "venue": setup.compound_a,
            "mode": "both",
        }
        fields.update(kw)
        return do_plan_days(actor, Plan(**fields))

    return make


@pytest.fixture
def day(make_day):
    return make_day()[0]


@pytest.fixture
def raise_matter(setup):
    from doorstep.needs.models import NeedCategory
    from doorstep.reception.actions import Raised, do_register_matter

    def make(day, **kw):
        actor = kw.pop("actor", setup.street_lead)
        fields = {
            "compound": setup.compound_a,
            "category": NeedCategory.objects.get(code=kw.pop("category", "property")),
            "kind": "complaint",
            "description": "3栋电梯经常停运，老人上下楼困难",
            "public_summary": "小区电梯经常停运",
            "raiser_name": "钱大爷",
            "raiser_phone": "13912345678",
        }
        fields.update(kw)
        return do_register_matter(day, actor=actor, raised=Raised(**fields))

    return make
