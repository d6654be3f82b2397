"""Materials accepted to follow (容缺): the resident and the handler are reminded before the
deadline, and once it passes with a material still to follow the case is flagged
``followups_late`` (the handler's list shows it) and the handler is told.

Run daily (``manage.py remind_followups``, or the ``remind_followups`` task). Idempotent: every
message is keyed by case, kind and deadline, so a second run (or two at once) sends nothing
more; the cases to flag are read row-locked (a second run waits, then finds them flagged), and
their events and the flag are written set-based.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, F, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from doorstep.notify import inbox
from doorstep.notify.choices import Channel
from doorstep.notify.outbox import queue_message

from ..choices import EventKind, MaterialState
from ..models import Case
from .common import message_context, record_events

# Reminders go out from this many days before the deadline up to the deadline itself.
REMIND_DAYS_BEFORE = 3


@dataclass(frozen=True)
class FollowupRun:
    reminded: int  # cases whose resident and handler were reminded (now or by an earlier run)
    late: int  # cases this run flagged late


def _waiting() -> QuerySet[Case]:
    """Open cases with a material still to follow and its deadline."""
    return Case.objects.awaiting_materials()


def _names(case: Case) -> str:
    rows = case.materials.filter(state=MaterialState.PENDING).select_related("material")
    return "、".join(row.material.name for row in rows.order_by("position", "pk"))


def _to_handler(case: Case, key: str, template: str, names: str) -> None:
    email = case.handler.email
    queue_message(
        key=key,
        template=template,
        context={
            "receipt": case.receipt,
            "service": case.service.name,
            "materials": names,
            "deadline": case.pending_deadline.isoformat(),
        },
        email=email,
        channel=Channel.EMAIL if email else Channel.LOG,
    )


def _post_to_handlers(cases: QuerySet[Case], kind: str) -> int:
    """The handlers' alerts in their inboxes, one INSERT … SELECT for all ``cases``: materials
    to follow are due soon (``followup-due``) or late (``followup-late``)."""
    with translation.override(settings.LANGUAGE_CODE):
        if kind == "followup-due":
            title = _("Case %(receipt)s: materials to follow are due by %(deadline)s")
        else:
            title = _("Case %(receipt)s: materials to follow are late (due %(deadline)s)")
    deadline = Cast("pending_deadline", CharField())
    return inbox.post_from_queryset(
        cases,
        recipient=F("handler"),
        kind=f"case_{kind.replace('-', '_')}",
        title=inbox.fill(title, receipt=F("receipt"), deadline=deadline),
        body=F("service__name"),
        url=inbox.path("cases-detail", F("id")),
        key=Concat(
            Value("case:"),
            Cast("id", CharField()),
            Value(f":{kind}:"),
            deadline,
            output_field=CharField(),
        ),
    )


@transaction.atomic
def do_remind_followups(
    *, today: datetime.date | None = None, now: datetime.datetime | None = None
) -> FollowupRun:
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    related = ("resident", "service", "handler")
    soon = _waiting().filter(
        pending_deadline__gte=today,
        pending_deadline__lte=today + datetime.timedelta(days=REMIND_DAYS_BEFORE),
    )
    reminded = 0
    for case in soon.select_related(*related).order_by("pending_deadline", "pk"):
        names, deadline = _names(case), case.pending_deadline.isoformat()
        queue_message(
            key=f"case:{case.pk}:followup-reminder:{deadline}",
            template="case_followup_reminder",
            context=message_context(case, materials=names, deadline=deadline),
            resident=case.resident,
        )
        _to_handler(case, f"case:{case.pk}:followup-due:{deadline}", "case_followup_due", names)
        reminded += 1
    _post_to_handlers(soon, "followup-due")

    late = _waiting().filter(pending_deadline__lt=today, followups_late=False)
    flagged = list(late.select_for_update().values_list("pk", flat=True))
    if flagged:
        marked = Case.objects.filter(pk__in=flagged)
        record_events(marked, EventKind.LATE.value, at=now)
        marked.update(followups_late=True)
        for case in Case.objects.filter(pk__in=flagged).select_related(*related):
            deadline = case.pending_deadline.isoformat()
            key = f"case:{case.pk}:followup-late:{deadline}"
            _to_handler(case, key, "case_followup_late", _names(case))
        _post_to_handlers(Case.objects.filter(pk__in=flagged), "followup-late")
    return FollowupRun(reminded=reminded, late=len(flagged))
