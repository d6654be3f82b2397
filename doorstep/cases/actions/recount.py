"""The recount of due dates when the working-day calendar changes (``workdays.signals.
schedule_changed``: an official schedule entered in the admin or by ``seed_holidays``).

A due date counted across a year without its official schedule used the statutory holidays
only (``due_provisional``); once the schedule is in, every open case's dates are counted again
from its acceptance, its limit and the working days its clock stopped.

Set-based: the open cases are grouped by (accepted_on, limit_days, paused_days) — a few hundred
distinct groups however many cases — and for each group whose stored dates differ from the
recount, one ``INSERT … SELECT`` writes a ``recounted`` event per changed case and one guarded
UPDATE writes the new dates (bumping the revision, so a page showing the old date must reload
before it acts).
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import BooleanField, CharField, F, Value
from django.db.models.functions import Cast, JSONObject
from django.utils import timezone

from .. import clock
from ..choices import EventKind
from ..models import Case
from .common import record_events


@transaction.atomic
def do_recount_due_dates(*, now: datetime.datetime | None = None) -> int:
    """Count every open case's due date again with the calendar as it is now; returns how many
    cases changed (each gets a ``recounted`` event with the old and new date)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    counted = Case.objects.open().filter(accepted_on__isnull=False, limit_days__isnull=False)
    groups = (
        counted.order_by()
        .values_list("accepted_on", "limit_days", "paused_days")
        .distinct()
        .iterator()
    )
    changed = 0
    for accepted_on, limit_days, paused_days in list(groups):
        due, warn, provisional = clock.recount(accepted_on, limit_days, paused_days)
        stale = counted.filter(
            accepted_on=accepted_on, limit_days=limit_days, paused_days=paused_days
        ).exclude(due_on=due, warn_on=warn, due_provisional=provisional)
        if not stale.exists():
            continue
        record_events(
            stale,
            EventKind.RECOUNTED.value,
            at=now,
            data=JSONObject(
                due_was=Cast("due_on", CharField()),
                due_on=Value(due.isoformat()),
                provisional=Value(provisional, output_field=BooleanField()),
            ),
        )
        values = {"due_on": due, "warn_on": warn, "due_provisional": provisional}
        if due >= today:  # no longer overdue: a later sweep may mark it again
            values["overdue_at"] = None
        changed += stale.update(revision=F("revision") + 1, **values)
    return changed


def recount_on_schedule_change(sender, years=(), **kwargs) -> None:
    """Receiver of ``workdays.signals.schedule_changed``: recount in the writing transaction,
    so the new schedule and the dates counted with it commit (or roll back) together."""
    do_recount_due_dates()
