"""Synthetic demo cases in clerk A's community (七里一村社区), one or more in every interesting
state, made through the real intake and transition actions. Their dates are then moved back
(demo only) so that the clock shows green, yellow, red and paused cases on the first visit."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Replace
from django.utils import timezone

from doorstep.catalogue.models import Service
from doorstep.people.models import Resident
from doorstep.workdays.calendar import add_working_days, is_provisional, working_days_between

from .actions import do_intake, do_transition
from .models import Case, CaseDocument, CaseEvent

AREA = "420105006001"  # 七里一村社区, clerk A's
SERVICE = "mz-005"  # 困难残疾人生活补贴 (民政: the demo reviewer's department)


def _age(case: Case, working_days: int) -> None:
    """Pretend ``case`` was accepted ``working_days`` working days ago (demo data only)."""
    today = timezone.localdate()
    day = today
    while working_days_between(day, today) < working_days:
        day -= datetime.timedelta(days=1)
    shift = today - day
    due = add_working_days(day, case.limit_days or 0)
    warn = add_working_days(day, -(-(case.limit_days or 0) * 8 // 10))
    Case.objects.filter(pk=case.pk).update(
        created_at=case.created_at - shift,
        accepted_at=case.accepted_at - shift if case.accepted_at else None,
        accepted_on=day,
        due_on=due,
        warn_on=warn,
        due_provisional=is_provisional(day, due),
    )
    move_history(case, shift, due=(case.due_on, due))


def move_history(
    case: Case,
    shift: datetime.timedelta,
    *,
    due: tuple[datetime.date | None, datetime.date | None] = (None, None),
) -> None:
    """After a demo case's own dates moved back by ``shift``: move its events, documents and
    messages with it, and give it the receipt number of the day it was now taken in (a receipt
    number begins with its day: 20261126-K7QXMPAC), in the messages that quote it too, with
    the due date ``due`` = (as written, as it now is)."""
    from doorstep.notify.models import Message

    case.refresh_from_db(fields=["receipt", "created_at"])
    old = case.receipt
    day = timezone.localdate(case.created_at)
    new = f"{day:%Y%m%d}-{old.partition('-')[2]}"
    CaseEvent.objects.filter(case=case).update(at=F("at") - shift)
    CaseDocument.objects.filter(case=case).update(issued_at=F("issued_at") - shift)
    if new == old:
        return
    Case.objects.filter(pk=case.pk).update(receipt=new)
    quoting = Message.objects.filter(body__contains=old)
    if None not in due:
        was, now = (f"{d:%Y-%m-%d}" for d in due)
        quoting.update(body=Replace("body", Value(was), Value(now)))
    quoting.update(
        body=Replace("body", Value(old), Value(new)),
        subject=Replace("subject", Value(old), Value(new)),
        created_at=F("created_at") - shift,
        sent_at=F("sent_at") - shift,
    )


@transaction.atomic
def build_demo_cases() -> int:
    """Make the demo cases unless some exist already; returns how many were made."""
    if Case.objects.exists():
        return 0
    clerk = get_user_model().objects.get(username="clerk_a")
    reviewer = get_user_model().objects.get(username="reviewer")
    service = Service.objects.filter(code=SERVICE).first()
    if service is None or service.published_version() is None:
        return 0
    materials = list(service.published_version().materials.values_list("pk", "necessity"))
    everything = [pk for pk, _necessity in materials]
    found = list(
        Resident.objects.filter(area_code__startswith=AREA, status="active").order_by("pk")[:8]
    )
    if not found:
        return 0
    residents = [found[i % len(found)] for i in range(8)]  # a small demo repeats people

    def intake(resident, outcome="accept", **kw):
        kw.setdefault("provided", everything)
        return do_intake(
            actor=clerk, resident=resident, service=service, outcome=outcome, **kw
        ).case

    green = intake(residents[0])
    yellow = intake(residents[1])
    _age(yellow, 13)
    red = intake(residents[2])
    _age(red, 17)
    intake(residents[3], "notice", provided=everything[:1])
    forwarded = intake(residents[4])
    do_transition(forwarded, "forward", actor=clerk)
    returned = intake(residents[5])
    do_transition(returned, "forward", actor=clerk)
    do_transition(returned, "return", actor=reviewer, reason="银行卡复印件不清晰，请重新提供。")
    done = intake(residents[6], agent_kind="family", agent_name="家属（示例）", consent=True)
    do_transition(done, "start", actor=clerk)
    do_transition(done, "complete", actor=clerk)
    intake(residents[7], "refuse", provided=[], reason="申请人不属于补贴对象（示例）。")
    del green
    return Case.objects.count()
