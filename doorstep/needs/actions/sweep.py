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
4. the next level is told once, by ``INSERT … SELECT`` too: a need now with property management
   goes to the nearest active property management company over its compound (one message,
   keyed ``need:<id>:level:2:property``); a need now at the department goes to the inboxes
   and the outbox of the reviewers of its category's department over its area (keys
   ``need:<id>:level:5`` in the inbox, ``…:user:<id>`` in the outbox), or, when the category
   names no department, of the district leads over its area. These messages carry the need's
   number, category and compound only: nothing about the resident;
5. one digest per community lead (needs now at the committee or above in their areas) and per
   street lead (needs now at the street or above), counted by one grouped query.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Case as Choose
from django.db.models import (
    CharField,
    Count,
    DateTimeField,
    Exists,
    Expression,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat, Left, Length
from django.db.models.lookups import Exact
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from doorstep.notify import inbox
from doorstep.notify.choices import Channel
from doorstep.notify.outbox import queue_from_queryset, queue_message
from doorstep.places.choices import CODE_LENGTH
from doorstep.staff.choices import Role
from doorstep.staff.scoping import prefix_q

from .. import clock
from ..choices import BodyKind, EventKind, Level, OwnerKind
from ..models import ExternalBody, Need, NeedCategory
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
    _queue_property_messages(needs.filter(level=Level.PROPERTY))
    _tell_department(needs.filter(level=Level.DEPARTMENT))
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
        key=need_key(),
        template="need_escalated",
        context=_message_context(),
        channel=Choose(
            When(owner_user__email="", then=Value(Channel.LOG.value)),
            default=Value(Channel.EMAIL.value),
            output_field=CharField(),
        ),
        address=F("owner_user__email"),
    )


def need_key(*suffix: str | Expression) -> Concat:
    """``need:<id>:level:<n>`` and what follows it, as SQL over needs."""
    parts = [Value(p) if isinstance(p, str) else p for p in suffix]
    return Concat(
        Value("need:"),
        Cast("id", CharField()),
        Value(":level:"),
        Cast("level", CharField()),
        *parts,
        output_field=CharField(),
    )


def _message_context() -> dict[str, Expression]:
    """The ``need_escalated`` template's variables: no resident's data."""
    return {
        "number": Cast("id", CharField()),
        "category": F("category__name"),
        "compound": F("compound__name"),
        "level": level_label(),
    }


def codes_over(code: Expression) -> list[Expression]:
    """The codes of the area ``code`` and of the areas above it. An area's code is its parent's
    with digits added, so they are its prefixes at each level's length: compared with ``IN``,
    an index answers (a ``LIKE`` against a column would be worked out row by row)."""
    return [Left(code, n) for n in sorted(set(CODE_LENGTH.values()))]


def property_bodies() -> QuerySet[ExternalBody]:
    """The active property management companies over the outer need's compound, the nearest
    (the compound's own before its community's) first."""
    return ExternalBody.objects.filter(
        area_code__in=codes_over(OuterRef("area_code")), kind=BodyKind.PROPERTY, active=True
    ).order_by(Length("area_code").desc(), "pk")


def _queue_property_messages(needs: QuerySet[Need]) -> int:
    """One message per need now with property management, to the nearest property management
    company over its compound: by email when it has an address, else by SMS, else to the log
    (so that it is on record). Needs with no such company are left to the owner's message."""
    bodies = property_bodies()
    has_email = ~Q(email="")
    channel = Choose(
        When(has_email, then=Value(Channel.EMAIL.value)),
        When(~Q(phone=""), then=Value(Channel.SMS.value)),
        default=Value(Channel.LOG.value),
        output_field=CharField(),
    )
    address = Choose(When(has_email, then=F("email")), default=F("phone"))
    return queue_from_queryset(
        needs.filter(Exists(bodies)),
        key=need_key(":property"),
        template="need_escalated",
        context=_message_context(),
        channel=Subquery(bodies.values(channel=channel)[:1]),
        address=Subquery(bodies.values(address=address)[:1]),
    )


REVIEWER = "category__department__reviewer_grants__"


def _department_reviewers(needs: QuerySet[Need]) -> QuerySet[Need]:
    """One row per (need, reviewer grant of its category's department over its area), in one
    join: the conditions share one ``filter()`` so that they are about the same grant."""
    return needs.filter(
        **{
            f"{REVIEWER}role": Role.REVIEWER,
            f"{REVIEWER}user__is_active": True,
            f"{REVIEWER}area__code__in": codes_over(F("area_code")),
        }
    )


def _district_leads(needs: QuerySet[Need]) -> list[tuple[int, str, QuerySet[Need]]]:
    """(district lead, their email, the needs over their area) for needs whose category names no
    department. District leads are a handful: one statement each, never one per need."""
    from doorstep.staff.models import RoleGrant

    orphans = needs.filter(category__department__isnull=True)
    grants = RoleGrant.objects.filter(role=Role.DISTRICT_LEAD, user__is_active=True)
    rows = grants.order_by("user_id", "area__code").values_list(
        "user_id", "user__email", "area__code"
    )
    return [
        (user_id, email, orphans.filter(area_code__prefix=code)) for user_id, email, code in rows
    ]


def _tell_department(needs: QuerySet[Need]) -> int:
    """Needs now at the department level: an inbox item and a message to each reviewer of the
    category's department over the need's area, or to the district leads when the category
    names no department."""
    if not needs.exists():
        return 0
    told = _tell(_department_reviewers(needs), F(f"{REVIEWER}user"), F(f"{REVIEWER}user__email"))
    for user_id, email, rows in _district_leads(needs):
        told += _tell(rows, Value(user_id), Value(email, output_field=CharField()))
    return told


def inbox_texts() -> tuple[str, str]:
    """The department's inbox item, title and text, in the site's language (the sweep runs
    outside any request)."""
    with translation.override(settings.LANGUAGE_CODE):
        return (
            _("Need #%(number)s is now with the department"),
            _("%(category)s, %(compound)s: it passed its feedback deadline at every level."),
        )


def _tell(rows: QuerySet[Need], user: Expression, email: Expression) -> int:
    """An inbox item and an outbox message to ``user`` per row (two ``INSERT … SELECT``)."""
    title, body = inbox_texts()
    posted = inbox.post_from_queryset(
        rows,
        recipient=user,
        kind="need_escalated",
        title=inbox.fill(title, number=Cast("id", CharField())),
        body=inbox.fill(body, category=F("category__name"), compound=F("compound__name")),
        url=inbox.path("needs-detail", F("id")),
        key=need_key(),
    )
    queue_from_queryset(
        rows,
        key=need_key(":user:", Cast(user, CharField())),
        template="need_escalated",
        context=_message_context(),
        channel=Choose(
            When(Exact(email, Value("")), then=Value(Channel.LOG.value)),
            default=Value(Channel.EMAIL.value),
            output_field=CharField(),
        ),
        address=email,
    )
    return posted


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
