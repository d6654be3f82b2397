"""Synthetic demo needs (made up, like all demo data) in community A (七里一村社区): an outside
body (the property management of 二印小区) and a handful of needs in various states, made through
the real actions. Idempotent: nothing is added when the demo already has needs."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from doorstep.feedback.actions import Called
from doorstep.places.models import Area

from . import actions
from .models import ExternalBody, Need, NeedCategory
from .seed import seed_categories

COMPOUND = "420105006001001"  # 二印小区, in grid_a's and clerk_a's community

# (category, kind, urgency, source, description, raiser)
NEEDS = [
    ("utilities", "help", "orange", "visit", "3栋楼下水管漏水，路面结冰", "陈奶奶"),
    ("property", "complaint", "yellow", "desk", "电梯经常停运，老人上下楼困难", "李叔"),
    ("elderly", "help", "yellow", "visit", "独居老人希望有人每周上门看看", "王爷爷"),
    ("environment", "suggestion", "yellow", "reception", "建议在小区门口增设垃圾分类点", "赵阿姨"),
    ("emergency", "report", "red", "phone", "5栋外墙瓷砖松动，有掉落危险", "刘先生"),
    ("facilities", "help", "yellow", "programme", "楼道扶手松动需要加固", "周奶奶"),
]


@transaction.atomic
def build_demo_needs() -> dict:
    seed_categories()
    compound = Area.objects.filter(code=COMPOUND).first()
    if compound is None or Need.objects.exists():
        return {"needs": Need.objects.count()}
    User = get_user_model()
    grid, clerk = User.objects.get(username="grid_a"), User.objects.get(username="clerk_a")
    body, _ = ExternalBody.objects.get_or_create(
        name="二印小区物业服务中心",
        area=compound,
        defaults={"kind": "property", "phone": "13800000000", "email": "wuye@example.invalid"},
    )
    made = []
    for code, kind, urgency, source, description, raiser in NEEDS:
        made.append(
            actions.do_register_need(
                actor=grid, source=source, kind=kind, urgency=urgency,
                category=NeedCategory.objects.get(code=code), description=description,
                compound=compound, raiser_name=raiser, new_anyway=True,
            ).need
        )  # fmt: skip
    leak, lift, elderly, _bins, tiles, rail = made
    actions.do_transition(leak, "start", actor=grid)
    actions.do_hand_on(lift, actor=grid, to_kind="external", target=body, reason="电梯归物业维保")
    handoff = actions.do_hand_on(
        elderly, actor=grid, to_kind="user", target=clerk, reason="需要社区安排志愿者"
    )
    actions.do_accept_handoff(handoff, actor=clerk)
    actions.do_transition(tiles, "start", actor=grid)
    actions.do_answer(tiles, actor=grid, decision="resolved", answer="已拉设警戒线并请物业修复")
    actions.do_answer(rail, actor=grid, decision="resolved", answer="已加固扶手")
    actions.do_callback(rail, actor=grid, called=Called(reached=True, solved="yes", satisfaction=5))
    return {"needs": Need.objects.count()}
