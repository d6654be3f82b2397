"""Synthetic demo reception days (made up, like all demo data): the street lead of street 006
receives residents of community A (七里一村社区) at 二印小区 on a fixed monthly day that starts
today, and once more a week from now; today's matters are registered, one assigned to the civil
affairs department, one concluded and called back, one sent to arbitration. Made through the
real actions; idempotent (nothing is added when the demo already has reception days)."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from doorstep.catalogue.models import Department
from doorstep.feedback.actions import Called
from doorstep.needs import actions as needs
from doorstep.needs.models import NeedCategory
from doorstep.places.models import Area

from . import actions
from .actions import Plan, Raised
from .models import ReceptionDay

COMMUNITY, COMPOUND = "420105006001", "420105006001001"

# (category, kind, description, public summary, raiser, route)
MATTERS = [
    (
        "property",
        "complaint",
        "小区停车位被外来车辆长期占用，业主无处停车",
        "小区停车位被外来车辆占用",
        "孙先生",
        "accepted",
    ),
    (
        "elderly",
        "help",
        "老伴行动不便，希望申请居家养老上门服务",
        "申请居家养老上门服务",
        "吴奶奶",
        "accepted",
    ),
    (
        "environment",
        "complaint",
        "楼下餐馆油烟直排，夜间噪音扰民",
        "餐馆油烟和夜间噪音扰民",
        "郑女士",
        "accepted",
    ),
    (
        "general",
        "complaint",
        "在装修公司打工被拖欠三个月工资",
        "务工人员工资被拖欠",
        "冯师傅",
        "arbitration",
    ),
]


@transaction.atomic
def build_demo_reception() -> dict:
    area = Area.objects.filter(code=COMMUNITY).first()
    venue = Area.objects.filter(code=COMPOUND).first()
    if area is None or venue is None or ReceptionDay.objects.exists():
        return {"days": ReceptionDay.objects.count()}
    User = get_user_model()
    leader = User.objects.get(username="street_lead")
    clerk = User.objects.get(username="clerk_a")
    today = timezone.localdate()
    common = {
        "area": area,
        "leader": leader,
        "leader_title": "街道党工委书记（演示）",
        "venue": venue,
        "venue_note": "社区党群服务中心一楼接待室",
    }
    monthly = Plan(**common, date=today, start=datetime.time(8, 30), end=datetime.time(11, 30),
                   mode="both", repeat_months=2)  # fmt: skip
    days = actions.do_plan_days(clerk, monthly)
    week = today + datetime.timedelta(days=7)
    once = Plan(**common, date=week, start=datetime.time(14, 30), end=datetime.time(17, 0),
                mode="open")  # fmt: skip
    actions.do_plan_days(clerk, once)
    made = []
    for code, kind, description, summary, raiser, route in MATTERS:
        raised = Raised(compound=venue, category=NeedCategory.objects.get(code=code), kind=kind,
                        description=description, public_summary=summary, raiser_name=raiser,
                        route=route)  # fmt: skip
        made.append(actions.do_register_matter(days[0], actor=clerk, raised=raised))
    parking, care, _noise, _wages = made
    civil = Department.objects.filter(code="mz").first()
    if civil is not None:
        due = today + datetime.timedelta(days=10)
        actions.do_assign(care, actor=clerk, department=civil, due_on=due, note="请评估后安排")
    answer = "已协调物业加装道闸，外来车辆登记后方可进入"
    needs.do_answer(parking.need, actor=leader, decision="resolved", answer=answer)
    called = Called(reached=True, solved="yes", satisfaction=4)
    needs.do_callback(parking.need, actor=leader, called=called)
    return {"days": ReceptionDay.objects.count()}
