"""Dispute fixtures. Tests run at a fixed time, Tuesday 2026-12-01 10:00 in Shanghai, so
deadlines do not depend on when the suite runs.

``make_dispute(**overrides)`` registers a dispute in community A through the real action, with
two parties (a registry resident found by ID number and someone not in the registry);
``mediated(...)`` takes it through the notice and a first session.
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
def party_resident(make_resident):
    return make_resident("张景林", mobile="13812345678")


@pytest.fixture
def make_dispute(personas, party_resident, frozen):
    from doorstep.core import idnumber
    from doorstep.disputes.actions import PartySpec, do_register_dispute

    number = idnumber.make("420105", datetime.date(1950, 3, 7), 1)

    def make(**kw):
        kw.setdefault("actor", personas.mediator_a)
        kw.setdefault("source", "application")
        kw.setdefault("type", "neighbours")
        kw.setdefault("summary", "楼上漏水，楼下天花板受损，双方就赔偿发生争执。")
        kw.setdefault("area", personas.compound_a)
        kw.setdefault(
            "parties",
            [PartySpec(id_number=number), PartySpec(name="李秀英", phone="13900001111")],
        )
        return do_register_dispute(**kw)

    return make


@pytest.fixture
def mediated(make_dispute, personas):
    """mediated(**overrides): a dispute whose parties acknowledged the notice and which had a
    first session (now in mediation)."""
    from doorstep.disputes.actions import do_acknowledge_notice, do_add_session

    def make(**kw):
        dispute = make_dispute(**kw)
        actor = kw.get("actor", personas.mediator_a)
        for party in dispute.parties.all():
            do_acknowledge_notice(dispute, actor=actor, party_id=party.pk)
        do_add_session(
            dispute,
            actor=actor,
            held_on=TODAY,
            place="社区调解室",
            attendees="张景林、李秀英、吴刚",
            record="双方陈述事实，同意请物业查看漏水原因。",
        )
        return dispute

    return make


WRITTEN = {
    "outcome": "written",
    "responsibility": "漏水系楼上水管老化所致，楼上承担维修及赔偿责任。",
    "terms": "张景林赔偿李秀英天花板修复费用人民币贰仟元整。",
    "performance_how": "现金一次性支付",
    "performance_where": "社区调解室",
    "performance_by": TODAY + datetime.timedelta(days=10),
}


@pytest.fixture
def agreed(mediated, personas):
    from doorstep.disputes.actions import do_record_outcome

    def make(**kw):
        dispute = mediated(**kw)
        do_record_outcome(dispute, actor=kw.get("actor", personas.mediator_a), **WRITTEN)
        return dispute

    return make
