"""Synthetic demo visits (all invented, like the rest of the demo): the visit rules (elderly
living alone every 7 days, disabled every 30), a grid in 七里一村社区 for grid_a and one in
晴川第一社区 for grid_b, and past visits at some of their ruled households, so the worklist
shows never-visited, overdue, due-soon and covered households, a "nobody home" retry, and one
resident on the red list. Past visits are written with their past dates directly (demo only:
the logging action accepts only the last days); run again, it adds nothing."""

from __future__ import annotations

import datetime
import uuid

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from doorstep.notify.models import Message
from doorstep.people.models import Resident, Tag
from doorstep.places.models import Area, Building, Grid

from .actions import do_set_visit_rule
from .choices import EventKind, FindingKind, Outcome, Purpose
from .models import Visit, VisitEvent, VisitFinding, VisitRule

RULES = [("living-alone", 7), ("disabled", 30)]
GRIDS = [
    # (worker, community, grid name): the demo's grid is every building of the community
    ("grid_a", "420105006001", "七里一村第一网格"),
    ("grid_b", "420105001001", "晴川第一网格"),
]
# (days ago, outcome, findings) for the first ruled households of grid_a's grid, in order;
# the rest stay never visited.
VISITS = [
    (2, Outcome.MET, [(FindingKind.FIRE, "楼道内电动车充电", 1)]),
    (5, Outcome.MET, []),
    (9, Outcome.MET, [(FindingKind.NEED, "希望申请老年助餐", 1)]),
    (12, Outcome.MET, [(FindingKind.SANITATION, "楼下垃圾未及时清运", 2)]),
    (1, Outcome.NOBODY_HOME, []),
    (28, Outcome.MET, [(FindingKind.DISPUTE, "与楼上邻居因漏水有争执", 1)]),
]


@transaction.atomic
def build_demo_visits() -> dict:
    User = get_user_model()
    admin = User.objects.get(username="admin")
    for code, days in RULES:
        tag = Tag.objects.filter(code=code).first()
        if tag is not None and not VisitRule.objects.filter(tag=tag).exists():
            do_set_visit_rule(actor=admin, tag=tag, interval_days=days)
    grids = [_grid(User.objects.get(username=u), c, name) for u, c, name in GRIDS]
    visits = 0
    if not Visit.objects.exists():
        visits = _visits(grids[0], User.objects.get(username="grid_a"))
    return {"grids": len(grids), "visits": visits}


def _grid(worker, community_code: str, name: str) -> Grid:
    community = Area.objects.get(code=community_code)
    grid, _created = Grid.objects.get_or_create(community=community, name=name)
    grid.buildings.add(*Building.objects.filter(compound__parent=community))
    grid.workers.add(worker)
    return grid


def _visits(grid: Grid, worker) -> int:
    ruled = Resident.objects.filter(
        household__building__in=grid.buildings.all(), tags__visit_rule__isnull=False
    )
    # One resident nobody has heard from (no case, no booking): never visited, on the red list.
    silent = ruled.filter(cases__isnull=True, appointments__isnull=True).order_by("pk").first()
    households = list(
        dict.fromkeys(ruled.order_by("household_id").values_list("household_id", flat=True))
    )
    if silent is not None:
        households.remove(silent.household_id)
        _silent(silent)
    now = timezone.now()
    for (days, outcome, findings), household_id in zip(VISITS, households, strict=False):
        at = now - datetime.timedelta(days=days, hours=1)
        visit = Visit.objects.create(
            household_id=household_id,
            area_code=Resident.objects.filter(household_id=household_id)
            .values("area_code")[:1]
            .get()["area_code"],
            worker=worker,
            visited_at=at,
            visited_on=timezone.localdate(at),
            purpose=Purpose.CARE,
            outcome=outcome,
            retry_on=timezone.localdate(at) + datetime.timedelta(days=2)
            if outcome == Outcome.NOBODY_HOME
            else None,
            client_key=uuid.uuid4(),
            created_at=at,
        )
        if outcome == Outcome.MET:
            visit.met.set(Resident.objects.filter(household_id=household_id)[:1])
        VisitFinding.objects.bulk_create(
            VisitFinding(visit=visit, kind=k, description=d, count=n) for k, d, n in findings
        )
        VisitEvent.objects.create(
            kind=EventKind.LOGGED, actor=worker, visit=visit, at=at, data={"demo": True}
        )
    return min(len(VISITS), len(households))


def _silent(resident: Resident) -> None:
    """A programme text message to ``resident`` that failed 40 days ago."""
    message = Message.objects.create(
        channel="sms",
        resident=resident,
        address=resident.phone,
        template="programme_granted",
        language="zh-hans",
        body="（演示）您的高龄津贴已发放。",
        idempotency_key=f"demo:visits:silent:{resident.pk}",
        status="dead",
        attempts=5,
        last_error="demo: the number could not be reached",
    )
    at = timezone.now() - datetime.timedelta(days=40)
    Message.objects.filter(pk=message.pk).update(created_at=at)
