"""The disputes sweep, set-based and safe to run twice or in two processes at once:

- disputes still being mediated past their one-month target are marked overdue once
  (``overdue_at``, a guarded UPDATE with ``overdue_at IS NULL`` in its WHERE clause);
- written agreements whose court-confirmation deadline is within ``WARN_DAYS`` are marked once
  (``confirmation_warned_at``).

For each, one ``INSERT … SELECT`` writes the events and another the mediator's message, keyed
``dispute:<id>:overdue`` / ``dispute:<id>:confirmation`` so that nothing notifies twice.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Case as Choose
from django.db.models import CharField, DateTimeField, F, JSONField, QuerySet, Value, When
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from doorstep.core.bulk import insert_from
from doorstep.notify.choices import Channel
from doorstep.notify.outbox import queue_from_queryset

from ..choices import EventKind, Outcome
from ..models import Dispute, DisputeEvent

WARN_DAYS = 7  # the mediator is told a week before the court-confirmation deadline


def _events(disputes: QuerySet[Dispute], kind: str, at: datetime.datetime) -> int:
    columns = {
        "dispute": F("id"),
        "at": Value(at, output_field=DateTimeField()),
        "kind": Value(kind),
        "verb": Value(""),
        "from_status": F("status"),
        "to_status": F("status"),
        "reason": Value(""),
        "data": Value({}, output_field=JSONField()),
    }
    rows = disputes.values(**{f"event_{name}": expr for name, expr in columns.items()})
    return insert_from(DisputeEvent, list(columns), rows)


def _messages(disputes: QuerySet[Dispute], suffix: str, template: str, due: str) -> int:
    return queue_from_queryset(
        disputes,
        key=Concat(Value("dispute:"), Cast("id", CharField()), Value(f":{suffix}")),
        template=template,
        context={"number": F("number"), "due": Cast(due, CharField())},
        channel=Choose(
            When(mediator__email="", then=Value(Channel.LOG.value)),
            default=Value(Channel.EMAIL.value),
            output_field=CharField(),
        ),
        address=F("mediator__email"),
    )


def _confirmation_near(today: datetime.date) -> QuerySet[Dispute]:
    return Dispute.objects.confirmation_running(today).filter(
        outcome=Outcome.WRITTEN,
        confirmation_due__lte=today + datetime.timedelta(days=WARN_DAYS),
    )


@transaction.atomic
def do_sweep_disputes(
    *, today: datetime.date | None = None, now: datetime.datetime | None = None
) -> tuple[int, int]:
    """Mark and notify; returns (newly overdue, confirmation deadlines near)."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    overdue = Dispute.objects.overdue(today).filter(overdue_at__isnull=True)
    marked = overdue.update(overdue_at=now)
    if marked:
        done = Dispute.objects.overdue(today).filter(overdue_at=now)
        _events(done, EventKind.OVERDUE.value, now)
        _messages(done, "overdue", "dispute_overdue", "due_on")
    near = _confirmation_near(today).filter(confirmation_warned_at__isnull=True)
    warned = near.update(confirmation_warned_at=now)
    if warned:
        done = _confirmation_near(today).filter(confirmation_warned_at=now)
        _events(done, EventKind.CONFIRMATION.value, now)
        _messages(done, "confirmation", "dispute_confirmation_due", "confirmation_due")
    return marked, warned
