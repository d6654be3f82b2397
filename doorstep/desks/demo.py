"""Demo desks for 七里一村社区: a fixed desk in 二印小区 and a mobile desk visiting the
community's other compounds, with weekly schedules and the next 14 days of sessions."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from doorstep.catalogue.models import Service
from doorstep.places.choices import AreaKind
from doorstep.places.models import Area

from .actions import do_generate_sessions
from .choices import DeskKind
from .models import Desk, DeskSchedule

COMMUNITY = "420105006001"  # 七里一村社区
ERYIN = "420105006001001"  # 二印小区
# Invented lines in the block the demo keeps for itself (see ``places.demo``).
DEMO_PHONES = ("027-80009901", "027-80009902")
HOURS = [(datetime.time(9), datetime.time(11, 30)), (datetime.time(14, 30), datetime.time(17))]


@transaction.atomic
def build_demo_desks(days: int = 14) -> list[Desk]:
    """Idempotent: desks, schedules and sessions are created only when missing."""
    eryin = Area.objects.filter(code=ERYIN).first()
    if eryin is None:
        return []
    community = eryin.parent
    services = list(Service.objects.filter(is_active=True).order_by("code")[:6])
    fixed, created = Desk.objects.get_or_create(
        name="二印小区家门口服务台",
        defaults={"kind": DeskKind.FIXED, "area": eryin, "phone": DEMO_PHONES[0]},
    )
    if created:
        fixed.services.set(services)
        for weekday in (0, 2, 4):  # Monday, Wednesday, Friday
            for start, end in HOURS:
                DeskSchedule.objects.create(
                    desk=fixed, weekday=weekday, start=start, end=end, valid_from=_today()
                )
    stops = list(
        Area.objects.filter(parent=community, kind=AreaKind.COMPOUND).exclude(pk=eryin.pk)[:3]
    ) or [eryin]
    mobile, created = Desk.objects.get_or_create(
        name="七里一村流动办公桌",
        defaults={"kind": DeskKind.MOBILE, "area": community, "phone": DEMO_PHONES[1]},
    )
    if created:
        mobile.route.set(stops)
        mobile.services.set(services[:3])
        for weekday, stop in zip((1, 3, 5), stops * 3, strict=False):
            DeskSchedule.objects.create(
                desk=mobile,
                weekday=weekday,
                start=datetime.time(9),
                end=datetime.time(11),
                compound=stop,
                slot_minutes=20,
                capacity=2,
                valid_from=_today(),
            )
    for desk in (fixed, mobile):
        do_generate_sessions(desk, _today(), _today() + datetime.timedelta(days=days - 1))
    return [fixed, mobile]


def _today() -> datetime.date:
    return timezone.localdate()
