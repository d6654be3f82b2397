"""Visit fixtures, at a fixed time (Tuesday 2026-12-01 10:00 in Shanghai).

``street``: two buildings in compound A (building 1 in grid A1, assigned to grid_a; building 2
in no grid) and one in compound B (grid B1, grid_b's). Residents: 张桂兰 (living alone, 7-day
rule) in A1-101, 李建国 (disabled, 30-day rule) and his wife in A1-102, 王秀英 (living alone) in
A2-201, 刘德华 (no ruled tag) in A1-103 and 赵丽 (living alone) in B1-301.
"""

from __future__ import annotations

import datetime
import uuid
import zoneinfo
from dataclasses import dataclass

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


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@dataclass
class Street:
    grid_a: object
    grid_b: object
    alone_a: object  # household A1-101
    disabled_a: object  # household A1-102
    alone_a2: object  # household A2-201, in no grid
    plain_a: object  # household A1-103, no ruled tag
    alone_b: object  # household B1-301
    zhang: object
    li: object
    li_wife: object
    wang: object
    liu: object
    zhao: object


@pytest.fixture
def rules(personas):
    from doorstep.people.models import Tag
    from doorstep.visits.actions import do_set_visit_rule

    do_set_visit_rule(
        actor=personas.admin, tag=Tag.objects.get(code="living-alone"), interval_days=7
    )
    do_set_visit_rule(actor=personas.admin, tag=Tag.objects.get(code="disabled"), interval_days=30)


def build_street(personas, make_resident) -> Street:
    """The street of the module docstring (the rules must exist); any time."""
    from doorstep.people.models import Tag
    from doorstep.places.models import Building, Grid, Household

    def house(compound, building, room):
        b, _ = Building.objects.get_or_create(compound=compound, number=building)
        return Household.objects.create(building=b, room=room)

    alone_a = house(personas.compound_a, "1", "101")
    disabled_a = house(personas.compound_a, "1", "102")
    plain_a = house(personas.compound_a, "1", "103")
    alone_a2 = house(personas.compound_a, "2", "201")
    alone_b = house(personas.compound_b, "1", "301")
    grid_a = Grid.objects.create(community=personas.area_a, name="一网格")
    grid_a.buildings.add(alone_a.building)
    grid_a.workers.add(personas.grid_a)
    grid_b = Grid.objects.create(community=personas.area_b, name="晴川一网格")
    grid_b.buildings.add(alone_b.building)
    grid_b.workers.add(personas.grid_b)
    alone, disabled = Tag.objects.get(code="living-alone"), Tag.objects.get(code="disabled")
    veteran = Tag.objects.get(code="veteran")
    birth = datetime.date(1940, 1, 1)
    return Street(
        grid_a=grid_a,
        grid_b=grid_b,
        alone_a=alone_a,
        disabled_a=disabled_a,
        alone_a2=alone_a2,
        plain_a=plain_a,
        alone_b=alone_b,
        zhang=make_resident("张桂兰", household=alone_a, tags=[alone], birth=birth),
        li=make_resident("李建国", household=disabled_a, tags=[disabled], birth=birth),
        li_wife=make_resident("李王氏", household=disabled_a, birth=birth),
        wang=make_resident("王秀英", household=alone_a2, tags=[alone], birth=birth),
        liu=make_resident("刘德华", household=plain_a, tags=[veteran], birth=birth),
        zhao=make_resident(
            "赵丽", area=personas.compound_b, household=alone_b, tags=[alone], birth=birth
        ),
    )


@pytest.fixture
def street(personas, make_resident, rules, frozen) -> Street:
    return build_street(personas, make_resident)


@pytest.fixture
def log_visit(personas):
    """log_visit(household, days_ago=0, outcome="met", worker=grid_a, **overrides): logged
    at the time of the visit (travelling there), as the worker would have."""
    import time_machine

    from doorstep.visits.actions import do_log_visit

    def log(household, days_ago: float = 0, outcome: str = "met", worker=None, **kw):
        kw.setdefault("purpose", "routine")
        kw.setdefault("client_key", uuid.uuid4())
        at = NOW - datetime.timedelta(days=days_ago)
        with time_machine.travel(at, tick=False):
            return do_log_visit(
                actor=worker or personas.grid_a,
                household=household,
                visited_at=at,
                outcome=outcome,
                **kw,
            ).visit

    return log


def png(size: int = 200) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"\x00" * (size - 8)


def jpeg(size: int = 200) -> bytes:
    return b"\xff\xd8\xff\xe0" + b"\x00" * (size - 4)
