"""Synthetic demo disputes for mediator A (七里一村社区), one in each interesting state, made
through the real actions; a few are then moved back in time (demo only) so that the worklist
shows an overdue dispute and a court-confirmation deadline on the first visit. All names, phone
numbers and facts are invented."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from doorstep.people.models import Resident
from doorstep.places.models import Area

from . import actions
from .actions import PartySpec
from .models import Dispute

AREA = "420105006001"  # 七里一村社区, mediator A's


def _noticed_and_heard(dispute: Dispute, mediator, record: str) -> None:
    for party in dispute.parties.all():
        actions.do_acknowledge_notice(dispute, actor=mediator, party_id=party.pk)
    actions.do_add_session(
        dispute,
        actor=mediator,
        held_on=timezone.localdate(),
        place="社区人民调解室（示例）",
        attendees="、".join(p.name for p in dispute.parties.all()),
        record=record,
    )


def _age(dispute: Dispute, days: int) -> None:
    """Pretend ``dispute`` was registered ``days`` ago (demo data only)."""
    shift = datetime.timedelta(days=days)
    Dispute.objects.filter(pk=dispute.pk).update(
        registered_at=dispute.registered_at - shift,
        due_on=actions.one_month_after(timezone.localdate(dispute.registered_at - shift)),
    )


@transaction.atomic
def build_demo_disputes() -> int:
    """Make the demo disputes unless some exist already; returns how many were made."""
    if Dispute.objects.exists():
        return 0
    mediator = get_user_model().objects.filter(username="mediator_a").first()
    area = Area.objects.filter(code=AREA).first()
    if mediator is None or area is None:
        return 0
    residents = list(
        Resident.objects.filter(area_code__startswith=AREA, status="active").order_by("pk")[:6]
    )
    compound = Area.objects.filter(code__startswith=AREA, kind="compound").order_by("code").first()

    def party(n: int) -> PartySpec:
        if n < len(residents):
            return PartySpec(resident_id=residents[n].pk)
        return PartySpec(name=f"示例当事人{n}", phone=f"139000000{n:02d}")

    def register(n: int, type_: str, summary: str, **kw) -> Dispute:
        return actions.do_register_dispute(
            actor=mediator,
            source=kw.pop("source", "application"),
            type=type_,
            summary=f"{summary}（示例数据）",
            area=compound or area,
            parties=[party(n), PartySpec(name=f"示例邻居{n}", phone=f"137000000{n:02d}")],
            **kw,
        )

    register(0, "neighbours", "楼上装修噪音影响休息，双方多次争吵。")
    busy = register(1, "property", "业主拒交物业费，物业公司停止保洁服务。")
    _noticed_and_heard(busy, mediator, "双方陈述理由，约定一周后再谈。")
    actions.do_flag_risk(
        busy,
        actor=mediator,
        level="orange",
        reason="业主情绪激动，扬言集体上访。（示例）",
        recipients=["leads"],
    )
    late = register(2, "family", "兄弟二人因赡养母亲费用分担发生纠纷。")
    _noticed_and_heard(late, mediator, "分别谈话，初步了解双方经济情况。")
    _age(late, 40)
    written = register(3, "compensation", "楼上水管漏水致楼下天花板受损。")
    _noticed_and_heard(written, mediator, "物业查明漏水原因，双方同意协商赔偿。")
    actions.do_record_outcome(
        written,
        actor=mediator,
        outcome="written",
        responsibility="漏水系楼上水管老化所致，楼上住户承担修复责任。（示例）",
        terms="楼上住户赔偿楼下住户天花板修复费用人民币贰仟元整。（示例）",
        performance_how="现金一次性支付",
        performance_where="社区人民调解室",
        performance_by=timezone.localdate() + datetime.timedelta(days=10),
    )
    oral = register(4, "neighbours", "车位占用纠纷。", source="police", referred_by="琴断口派出所")
    _noticed_and_heard(oral, mediator, "双方当场同意按划线停车。")
    actions.do_record_outcome(oral, actor=mediator, outcome="oral", terms="双方按划线车位停车。")
    actions.do_record_callback(
        oral, actor=mediator, on=timezone.localdate(), reached=True, performance="kept",
        satisfaction=5,
    )  # fmt: skip
    actions.do_transition(oral, "close", actor=mediator)
    failed = register(5, "labour", "装修工人追讨工钱。")
    _noticed_and_heard(failed, mediator, "双方对工程量认定分歧较大。")
    actions.do_record_outcome(
        failed,
        actor=mediator,
        outcome="none",
        next_steps="可向劳动人事争议仲裁委员会申请仲裁。（示例）",
    )
    return Dispute.objects.count()
