"""The overdue sweep: marks running cases past their due date, once per case, and notifies the
handler (one message per case) and the leads over the case's area (one digest per lead).

Set-based, in one transaction, whatever the number of cases:

1. one guarded UPDATE marks the newly overdue cases with this run's timestamp. ``overdue_at IS
   NULL`` is in its WHERE clause, so two workers at once cannot both mark a case: on
   PostgreSQL the second waits on the first one's row locks and re-checks the condition, on
   SQLite write transactions run one after the other;
2. the cases this run marked are those running, past due and marked at this run's timestamp
   (the ``status, due_on`` index finds them); an ``INSERT … SELECT`` writes their events, and
   if it wrote more events than the UPDATE marked cases, another run used the same timestamp:
   everything is rolled back and the sweep tries again one microsecond later;
3. another ``INSERT … SELECT`` writes the handlers' messages (``notify.outbox.
   queue_from_queryset``: the text is built by the database from the rendered template), keyed
   ``case:<id>:overdue`` so that nothing can ever notify twice, and a third their inbox items
   (``notify.inbox.post_from_queryset``, same key);
4. one digest per community or street lead whose areas hold marked cases, counted by one
   grouped query, queued through ``queue_message`` (delivered after commit), and put in the
   leads' inboxes in one INSERT.

The handlers' messages are left pending for the ``deliver_messages`` sweep (cron), which sends
them; only the handful of digests are handed to the task queue at commit.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Case as Choose
from django.db.models import (
    CharField,
    Count,
    F,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from doorstep.notify import inbox
from doorstep.notify.choices import Channel
from doorstep.notify.outbox import queue_from_queryset, queue_message
from doorstep.staff.choices import Role
from doorstep.staff.scoping import prefix_q

from ..choices import EventKind
from ..models import Case
from .common import record_events

# The leads told about overdue cases in their areas: one digest each, however many cases.
LEAD_ROLES = (Role.COMMUNITY_LEAD, Role.STREET_LEAD)
DIGEST_RECEIPTS = 20  # receipts listed in a digest; the count says how many there are
ATTEMPTS = 3


class _StampTaken(Exception):
    """Another run marked cases with the same timestamp: this run cannot tell its own."""


def do_sweep_overdue(
    *, today: datetime.date | None = None, now: datetime.datetime | None = None
) -> int:
    """Mark the newly overdue cases (running, due before ``today``, not marked yet) and notify;
    returns how many this run marked. Safe to run in several processes at once."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    for attempt in range(ATTEMPTS):
        try:
            return _sweep(today, now + datetime.timedelta(microseconds=attempt))
        except _StampTaken:
            continue
    raise RuntimeError("the overdue sweep could not find a timestamp of its own")


@transaction.atomic
def _sweep(today: datetime.date, stamp: datetime.datetime) -> int:
    marked = Case.objects.newly_overdue(today).update(overdue_at=stamp)
    if not marked:
        return 0
    cases = Case.objects.overdue(today).filter(overdue_at=stamp)
    if record_events(cases, EventKind.OVERDUE.value, at=stamp) != marked:
        raise _StampTaken()
    _queue_handler_messages(cases)
    _post_handler_inbox(cases)
    _queue_digests(cases, today)
    return marked


def _queue_handler_messages(cases: QuerySet[Case]) -> int:
    """One message to each marked case's handler: by email when they have an address, else to
    the log (where an administrator still sees it)."""
    return queue_from_queryset(
        cases,
        key=Concat(Value("case:"), Cast("id", CharField()), Value(":overdue")),
        template="case_overdue",
        context={
            "receipt": F("receipt"),
            "service": F("service__name"),
            "due": Cast("due_on", CharField()),
        },
        channel=Choose(
            When(handler__email="", then=Value(Channel.LOG.value)),
            default=Value(Channel.EMAIL.value),
            output_field=CharField(),
        ),
        address=F("handler__email"),
    )


def _post_handler_inbox(cases: QuerySet[Case]) -> int:
    """The same alert in each handler's inbox (one INSERT … SELECT), linking to the case."""
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Case %(receipt)s is overdue")
        body = _("%(service)s: it was due on %(due)s.")
    return inbox.post_from_queryset(
        cases,
        recipient=F("handler"),
        kind="case_overdue",
        title=inbox.fill(title, receipt=F("receipt")),
        body=inbox.fill(body, service=F("service__name"), due=Cast("due_on", CharField())),
        url=inbox.path("cases-detail", F("id")),
        key=Concat(Value("case:"), Cast("id", CharField()), Value(":overdue")),
    )


def _leads() -> dict[object, list[tuple[str, str]]]:
    """Each active lead with the (code, name) of the areas they lead."""
    from doorstep.staff.models import RoleGrant

    grants = (
        RoleGrant.objects.filter(role__in=LEAD_ROLES, user__is_active=True)
        .select_related("user", "area")
        .order_by("user_id", "area__code")
    )
    leads: dict[object, list[tuple[str, str]]] = {}
    for grant in grants:
        leads.setdefault(grant.user, []).append((grant.area.code, grant.area.name))
    return leads


def _queue_digests(cases: QuerySet[Case], today: datetime.date) -> int:
    """One digest per lead whose areas hold cases marked in this run. The cases are counted per
    area in one grouped query; a lead's count is the sum over the areas under their grants."""
    per_area = dict(
        cases.order_by().values("area_code").annotate(n=Count("id")).values_list("area_code", "n")
    )
    queued = 0
    posts: list[tuple[object, str, int, str]] = []
    for lead, areas in _leads().items():
        prefixes = [code for code, _name in areas]
        count = sum(n for code, n in per_area.items() if code.startswith(tuple(prefixes)))
        if not count:
            continue
        receipts = list(
            cases.filter(prefix_q("area_code", prefixes))
            .order_by("due_on", "receipt")
            .values_list("receipt", flat=True)[:DIGEST_RECEIPTS]
        )
        listed = ", ".join(receipts) + (" …" if count > len(receipts) else "")
        queue_message(
            key=f"cases-overdue:{lead.pk}:{today.isoformat()}",
            template="cases_overdue_digest",
            context={"count": count, "area": "、".join(n for _c, n in areas), "receipts": listed},
            email=lead.email,
        )
        posts.append((lead, "、".join(n for _c, n in areas), count, listed))
        queued += 1
    _post_digests(posts, today)
    return queued


def _post_digests(posts: list[tuple[object, str, int, str]], today: datetime.date) -> None:
    """Each lead's digest in their inbox too, in one INSERT, linking to the overdue list."""
    with translation.override(settings.LANGUAGE_CODE):
        rows = [
            (lead, _("Overdue cases in %(area)s: %(count)d") % {"area": area, "count": n}, text)
            for lead, area, n, text in posts
        ]
    inbox.post_each(
        rows,
        kind="cases_overdue_digest",
        url=reverse("cases-list") + "?clock=overdue",
        key=f"cases-overdue:{today.isoformat()}",
    )
