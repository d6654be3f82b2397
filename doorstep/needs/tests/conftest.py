"""Need fixtures. Tests run at a fixed time, Tuesday 2026-12-01 10:00 in Shanghai, with the
official holiday table seeded, so deadlines do not depend on when the suite runs.

``make_need(**overrides)`` registers a need through the real action (grid_a, compound A, the
"property" category: 7 working days, unless told otherwise); ``body`` is compound A's property
management company (an outside body).
"""

from __future__ import annotations

import datetime
import zoneinfo

import pytest

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _english(settings):
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
def categories(db):
    from doorstep.needs.seed import seed_categories

    seed_categories()  # the migration's rows are gone after a transactional test


@pytest.fixture
def category(categories):
    from doorstep.needs.models import NeedCategory

    return NeedCategory.objects.get(code="property")


@pytest.fixture
def body(personas):
    from doorstep.needs.models import ExternalBody

    return ExternalBody.objects.create(
        name="二印物业服务中心",
        kind="property",
        area=personas.compound_a,
        phone="13800001111",
        email="wuye@example.cn",
    )


@pytest.fixture
def make_need(personas, holidays, frozen, categories):
    from doorstep.needs.actions import do_register_need
    from doorstep.needs.models import NeedCategory

    def make(**kw):
        actor = kw.pop("actor", personas.grid_a)
        code = kw.pop("category", "property")
        fields = {
            "source": "visit",
            "kind": "help",
            "category": NeedCategory.objects.get(code=code),
            "description": "楼道灯坏了，晚上看不见台阶",
            "compound": personas.compound_a
            if actor is not personas.grid_b
            else personas.compound_b,
            "urgency": "yellow",
            "raiser_name": "张阿姨",
            "raiser_phone": "13912345678",
            "new_anyway": True,
        }
        fields.update(kw)
        done = do_register_need(actor=actor, **fields)
        assert done.created, done
        return done.need

    return make
