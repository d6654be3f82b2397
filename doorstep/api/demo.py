"""The demo's Open311 side (synthetic, like all demo data): an account for "another system"
granted the gateway role over the demo district, a well-known demo key for it, and sample
questions for the public-space need categories. Idempotent."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from doorstep.needs.models import NeedCategory
from doorstep.places.choices import AreaKind
from doorstep.places.models import Area
from doorstep.staff.choices import Role
from doorstep.staff.models import RoleGrant

from .models import ApiKey, Datatype, Open311Attribute

USERNAME = "open311_demo"
# Printed by `make demo`; a real key is random and shown once (the admin's API keys page).
DEMO_KEY = "demo-open311-key-synthetic"

# (category code, attribute code, datatype, required, question, how to answer, choices)
QUESTIONS = [
    ("lights", "lamps_out", Datatype.NUMBER, False, "有几盏灯不亮？", "填整数", []),
    ("lights", "since", Datatype.DATETIME, False, "从什么时候开始？", "日期和时间", []),
    ("lifts", "building", Datatype.STRING, True, "哪一栋楼的电梯？", "例如 3栋2单元", []),
    ("lifts", "trapped", Datatype.SINGLE, True, "现在有人被困吗？", "",
     [["yes", "有人被困"], ["no", "无人被困"]]),
    ("rubbish", "kinds", Datatype.MULTI, False, "堆了哪些垃圾？", "可多选",
     [["household", "生活垃圾"], ["bulky", "大件垃圾"], ["construction", "建筑垃圾"],
      ["kitchen", "厨余垃圾"]]),
    ("noise", "when", Datatype.TEXT, False, "噪音一般在什么时候出现？", "", []),
]  # fmt: skip


@transaction.atomic
def build_demo_open311() -> str:
    """Make the demo gateway account, its key and the sample questions; returns the key."""
    district = Area.objects.filter(kind=AreaKind.DISTRICT).order_by("code").first()
    user, created = get_user_model().objects.get_or_create(
        username=USERNAME, defaults={"first_name": "演示 Open311 平台"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    if district is not None:
        RoleGrant.objects.get_or_create(user=user, role=Role.GATEWAY, area=district)
    key = ApiKey(user=user, name="演示 Open311 平台（合成数据）")
    key.set_secret(DEMO_KEY)
    if not ApiKey.objects.filter(hashed=key.hashed).exists():
        key.save()
    categories = {c.code: c for c in NeedCategory.objects.filter(public=True)}
    for order, (code, attr, datatype, required, question, how, values) in enumerate(QUESTIONS, 1):
        if code in categories:
            Open311Attribute.objects.get_or_create(
                need_category=categories[code],
                code=attr,
                defaults={
                    "datatype": datatype,
                    "required": required,
                    "description": question,
                    "datatype_description": how,
                    "values": values,
                    "order": order,
                },
            )  # fmt: skip
    return DEMO_KEY
