"""The escalation sweep: every running need past its feedback deadline climbs one rung of the
ladder (on the spot → property management → community committee → street joint meeting →
department), gets a new deadline counted from now by its category, and the next level is told
once.

Set-based, in one transaction, whatever the number of needs:

1. one status-guarded UPDATE raises the level of the overdue needs, stamps ``level_since``
   with this run's timestamp and sets the new deadline (a ``CASE`` over the handful of
   categories, each deadline counted once in Python: working days need the calendar);
2. the needs this run moved are those at this run's stamp; an ``INSERT … SELECT`` writes their
   ``escalated`` events, and if it wrote more events than the UPDATE moved needs, another run
   used the same timestamp: everything rolls back and the sweep tries one microsecond later;
3. another ``INSERT … SELECT`` writes one message per need to its owner (a member of staff),
   keyed ``need:<id>:level:<n>`` so that no level is ever notified twice;
4. one digest per community lead (needs now at the committee or above in their areas) and per
   street lead (needs now at the street or above), counted by one grouped query.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Case as Choose
from django.db.models import CharField, Count, DateTimeField, F, QuerySet, Value, When
from django.db.models.functions import Cast, Concat
from django.utils import timezone, translation

from doorstep.notify.choices import Channel
from doorstep.notify.outbox import queue_from_queryset, queue_message
from doorstep.staff.choices import Role
from doorstep.staff.scoping import prefix_q

from .. import clock
from ..choices import EventKind, Level, OwnerKind
from ..models import Need, NeedCategory
from .common import record_events

# Who hears of needs reaching their level: the level a lead's digest starts at.
LEAD_LEVELS = {Role.COMMUNITY_LEAD: Level.COMMITTEE, Role.STREET_LEAD: Level.STREET}
DIGEST_NUMBERS = 20
ATTEMPTS = 3


class _StampTaken(Exception):
    """Another run moved needs with the same timestamp: this run cannot tell its own."""


def do_escalate_needs(*, now: datetime.datetime | None = None) -> int:
    """Escalate the overdue needs one level and notify; returns how many moved. Safe to run in
    several processes at once."""
    now = now or timezone.now()
    for attempt in range(ATTEMPTS):
        try:
            return _sweep(now + datetime.timedelta(microseconds=attempt))
        except _StampTaken:
            continue
    raise RuntimeError("the escalation sweep could not find a timestamp of its own")


def new_deadlines(stamp: datetime.datetime) -> Choose:
    """Each category's deadline counted from ``stamp``, as one SQL ``CASE`` on the category."""
    whens = [
        When(category_id=c.pk, then=Value(clock.due_at(c, stamp)))
        for c in NeedCategory.objects.order_by("pk")
    ]
    return Choose(*whens, default=F("feedback_due_at"), output_field=DateTimeField())


@transaction.atomic
def _sweep(stamp: datetime.datetime) -> int:
    moved = Need.objects.escalatable(stamp).update(
        level=F("level") + 1,
        level_since=stamp,
        feedback_due_at=new_deadlines(stamp),
        revision=F("revision") + 1,
    )
    if not moved:
        return 0
    needs = Need.objects.filter(level_since=stamp)
    if record_events(needs, EventKind.ESCALATED.value, at=stamp) != moved:
        raise _StampTaken()
    _queue_owner_messages(needs)
    _queue_digests(needs, stamp)
    return moved


def level_label() -> Choose:
    """The level's label in the site's language, as SQL."""
    with translation.override(settings.LANGUAGE_CODE):
        whens = [When(level=value, then=Value(str(label))) for value, label in Level.choices]
    return Choose(*whens, default=Value(""), output_field=CharField())


def _queue_owner_messages(needs: QuerySet[Need]) -> int:
    """One message to each moved need's owner, when a member of staff owns it: by email when
    they have an address, else to the log."""
    return queue_from_queryset(
        needs.filter(owner_kind=OwnerKind.USER),
        key=Concat(
            Value("need:"), Cast("id", CharField()), Value(":level:"), Cast("level", CharField())
        ),
        template="need_escalated",
        context={
            "number": Cast("id", CharField()),
            "category": F("category__name"),
            "compound": F("compound__name"),
            "level": level_label(),
        },
        channel=Choose(
            When(owner_user__email="", then=Value(Channel.LOG.value)),
            default=Value(Channel.EMAIL.value),
            output_field=CharField(),
        ),
        address=F("owner_user__email"),
    )


def _leads() -> list[tuple[object, str, list[tuple[str, str]]]]:
    """(lead, role, [(area code, area name)]) for every active community and street lead."""
    from doorstep.staff.models import RoleGrant

    grants = (
        RoleGrant.objects.filter(role__in=list(LEAD_LEVELS), user__is_active=True)
        .select_related("user", "area")
        .order_by("user_id", "role", "area__code")
    )
    leads: dict[tuple[int, str], tuple[object, str, list]] = {}
    for grant in grants:
        entry = leads.setdefault((grant.user_id, grant.role), (grant.user, grant.role, []))
        entry[2].append((grant.area.code, grant.area.name))
    return list(leads.values())


def _queue_digests(needs: QuerySet[Need], stamp: datetime.datetime) -> int:
    per_area = list(
        needs.order_by()
        .values("area_code", "level")
        .annotate(n=Count("id"))
        .values_list("area_code", "level", "n")
    )
    queued = 0
    for lead, role, areas in _leads():
        prefixes = tuple(code for code, _name in areas)
        floor = LEAD_LEVELS[role]
        count = sum(
            n for code, level, n in per_area if level >= floor and code.startswith(prefixes)
        )
        if not count:
            continue
        numbers = list(
            needs.filter(prefix_q("area_code", list(prefixes)), level__gte=floor)
            .order_by("pk")
            .values_list("pk", flat=True)[:DIGEST_NUMBERS]
        )
        listed = ", ".join(f"#{n}" for n in numbers) + (" …" if count > len(numbers) else "")
        queue_message(
            key=f"needs-escalated:{lead.pk}:{role}:{stamp.isoformat()}",
            template="needs_escalated_digest",
            context={"count": count, "area": "、".join(n for _c, n in areas), "numbers": listed},
            email=lead.email,
            channel="email" if lead.email else "log",
        )
        queued += 1
    return queued
