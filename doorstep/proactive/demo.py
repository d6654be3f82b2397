"""Synthetic demo programmes, saved through the real action and run once, so that the demo
opens with grants, an open offer, reminders, renewal cases and a run history.

The amounts follow the Tengchong 80+ allowance described in DOMAIN.md (50 yuan a month from
80, 1,000 from 100): an example of a real scheme's shape, not Hanyang's figures; so are the
payment method and timing. The money programmes are approved by a second person (孙丽, the
programmes administrator) after admin writes them, as maker-checker asks.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model

from doorstep.catalogue.models import Department, Service
from doorstep.people.models import CertificateType

from .choices import Kind, Mode, Period
from .models import Programme

PROGRAMMES = [
    {
        "code": "elderly-80",
        "name": "80至99周岁老年人高龄津贴",
        "department": "mz",
        "service": "mz-004",
        "kind": Kind.GRANT,
        "mode": Mode.NOTIFY,
        "period": Period.MONTHLY,
        "amount": Decimal("50"),
        "payment_method": "打入本人社会保障卡",
        "payment_timing": "次月15日前",
        "grant_rule": 'age >= 80 && age < 100 && status == "active"',
        "stop_rule": 'status == "deceased" || status == "moved_out"',
        "policy": "年满80周岁的本区户籍老年人，从年满80周岁当月起按月发放高龄津贴，无需申请；"
        "每月比对民政、公安、人社、卫健数据，去世或迁出的次月停发。（演示数据）",
    },
    {
        "code": "elderly-100",
        "name": "百岁老人长寿补贴",
        "department": "mz",
        "service": "mz-004",
        "kind": Kind.GRANT,
        "mode": Mode.NOTIFY,
        "period": Period.MONTHLY,
        "amount": Decimal("1000"),
        "payment_method": "打入本人社会保障卡",
        "payment_timing": "次月15日前",
        "grant_rule": 'age >= 100 && status == "active"',
        "stop_rule": 'status == "deceased" || status == "moved_out"',
        "policy": "年满100周岁的老年人按月发放长寿补贴，无需申请。（演示数据）",
    },
    {
        "code": "disability-renewal",
        "name": "残疾人证到期换领（无感续证）",
        "department": "cl",
        "service": "cl-002",
        "kind": Kind.RENEWAL,
        "mode": Mode.NOTIFY,
        "period": Period.ONCE,
        "certificate_type": "disability",
        "grant_rule": 'status == "active"',
        "stop_rule": "",
        "policy": "残疾人证有效期10年，到期前一年内由残联主动开启换领办件，"
        "工作人员联系本人核对信息，无需本人先来申请。（演示数据）",
    },
    {
        "code": "alone-call-button",
        "name": "独居老人一键呼叫设备",
        "department": "mz",
        "service": None,
        "kind": Kind.GRANT,
        "mode": Mode.OFFER,
        "period": Period.ONCE,
        "grant_rule": 'age >= 70 && status == "active" && ("独居老人" in tags || lives_alone)',
        "stop_rule": 'status != "active"',
        "policy": "为70周岁以上独居老人免费安装一键呼叫设备。短信发出邀请，老人或家属点一下链接"
        "即可接受，也可以谢绝。（演示数据）",
    },
    {
        "code": "senior-card-remind",
        "name": "提醒办理老年人优待证",
        "department": "wj",
        "service": "wj-003",
        "kind": Kind.REMIND,
        "mode": Mode.NOTIFY,
        "period": Period.ONCE,
        "grant_rule": 'age >= 60 && status == "active" '
        '&& !certificates.exists(c, c.type == "senior")',
        "stop_rule": "",
        "policy": "年满60周岁的老年人可以申领老年人优待证，凭证享受公园、公交等优待。"
        "系统提醒尚未办证的老人就近到家门口办公桌办理。（演示数据）",
    },
]


# The sender each department's messages are signed with (demo names).
SIGNATURES = {"mz": "汉阳区民政局", "wj": "汉阳区卫生健康局", "cl": "汉阳区残疾人联合会"}


def build_demo_programmes() -> list:
    """Save the demo programmes (once) and run the active ones; returns the runs made."""
    from .actions import approval_key, do_approve_programme, do_save_programme, run_programmes

    if Programme.objects.exists():
        return []
    User = get_user_model()
    admin = User.objects.get(username="admin")
    checker = User.objects.get(username="programmes")
    for spec in PROGRAMMES:
        fields = dict(spec)
        fields["department"] = Department.objects.get(code=fields["department"])
        fields["signature"] = SIGNATURES.get(spec["department"], "")
        service = fields.pop("service")
        fields["service"] = Service.objects.filter(code=service).first() if service else None
        if fields.get("certificate_type"):
            fields["certificate_type"] = CertificateType.objects.get(
                code=fields["certificate_type"]
            )
            fields["handler"] = admin
        programme = do_save_programme(None, actor=admin, is_active=True, **fields)
        if programme.pays_money:  # the demo's second person, as maker-checker asks
            do_approve_programme(programme, actor=checker, seen=approval_key(programme))
    return run_programmes()
