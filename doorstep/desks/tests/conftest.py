"""Desk fixtures: a fixed desk in 二印小区 (clerk A's) and one in clerk B's compound, with
sessions made by the real generator. Tests run at a fixed time: Tuesday 2026-12-01 08:00 in
Shanghai, so "today" and "tomorrow" do not depend on when the suite runs."""

from __future__ import annotations

import datetime
import re
import zoneinfo

import pytest

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 12, 1, 8, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()
TOMORROW = TODAY + datetime.timedelta(days=1)


@pytest.fixture
def frozen():
    import time_machine

    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def services(db):
    from doorstep.catalogue.models import Department, Service

    dept, _ = Department.objects.get_or_create(code="minzheng", defaults={"name": "民政局"})
    return [
        Service.objects.get_or_create(code=code, defaults={"name": name, "department": dept})[0]
        for code, name in [("senior-card", "老年人优待证办理"), ("allowance", "高龄津贴申领")]
    ] + [
        Service.objects.get_or_create(
            code="not-here", defaults={"name": "不在此办", "department": dept}
        )[0]
    ]


@pytest.fixture
def make_desk(personas, services):
    from doorstep.desks.choices import DeskKind
    from doorstep.desks.models import Desk

    def make(area=None, name="二印小区服务台", **kw):
        desk = Desk.objects.create(
            name=name, kind=kw.pop("kind", DeskKind.FIXED), area=area or personas.compound_a, **kw
        )
        desk.services.set(services[:2])
        return desk

    return make


@pytest.fixture
def open_session():
    """open_session(desk, date, "09:00", "10:00", capacity=3, slot_minutes=30) -> DeskSession,
    through a schedule exception and the real generator."""
    from doorstep.desks.actions import do_generate_sessions
    from doorstep.desks.choices import ExceptionKind
    from doorstep.desks.models import DeskException, DeskSession

    def make(desk, date=TOMORROW, start="09:00", end="10:00", capacity=3, slot_minutes=30):
        start_t, end_t = datetime.time.fromisoformat(start), datetime.time.fromisoformat(end)
        DeskException.objects.create(
            desk=desk,
            date=date,
            kind=ExceptionKind.OPEN,
            start=start_t,
            end=end_t,
            capacity=capacity,
            slot_minutes=slot_minutes,
        )
        do_generate_sessions(desk, date, date)
        return DeskSession.objects.get(desk=desk, date=date, start=start_t)

    return make


@pytest.fixture
def desk_a(make_desk):
    return make_desk()


@pytest.fixture
def slot_a(frozen, desk_a, open_session):
    """The first slot (09:00–09:30 tomorrow, 3 places) of clerk A's desk."""
    return open_session(desk_a).slots.order_by("start").first()


def otp_for(appointment) -> str:
    """The one-time code sent for a held booking, read from the outbox as a phone would."""
    from doorstep.notify.models import Message

    key = f"desks:appointment:{appointment.pk}:otp"
    return re.search(r"\d{6}", Message.objects.get(idempotency_key=key).body).group()


@pytest.fixture
def booking(services):
    """booking(slot, **overrides) books through do_book and confirms with the code sent to the
    phone; ``confirm=False`` leaves it held."""
    from doorstep.desks.actions import do_book, do_confirm_booking

    def make(slot, confirm=True, client="192.0.2.10", **kw):
        data = {
            "service": services[0],
            "name": "张景林",
            "phone": "13812345678",
            "id_last4": "123X",
            **kw,
        }
        held = do_book(slot, client=client, **data)
        if not confirm:
            return held
        return do_confirm_booking(held.code, otp=otp_for(held), client=client)

    return make
