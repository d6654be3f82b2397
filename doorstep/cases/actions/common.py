"""What the case actions share: who may act, the one transition function (checked and applied in
memory), the guarded save, the event writer, the row lock, the clock's start and the resident's
message context. Only the action modules use these; everyone else calls a ``do_*`` verb."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import DateTimeField, F, JSONField, QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.core.bulk import insert_from
from doorstep.core.signals import row_closed, tallied_row_changing
from doorstep.places.choices import CODE_LENGTH, AreaKind
from doorstep.places.models import Area
from doorstep.staff.choices import Role
from doorstep.staff.roles import HANDLE_CASES, reviewer_grants, user_grants
from doorstep.staff.scoping import covers

from .. import clock
from ..choices import CLOSED, TRANSITIONS, CaseStatus, EventKind, Side, Transition
from ..errors import CaseChanged, InvalidTransition
from ..errors import field_error as _error
from ..models import Case, CaseEvent


def now_and_today() -> tuple[datetime.datetime, datetime.date]:
    """The current time and the local date it falls on, read once for a whole action."""
    now = timezone.now()
    return now, timezone.localdate(now)


# ---- who may act -----------------------------------------------------------------------------


def may_handle(user, case: Case) -> bool:
    """The desk side: a clerk or community lead over the case's area."""
    return covers(user, HANDLE_CASES, case.area_code)


def may_review(user, case: Case) -> bool:
    """The department side: a reviewer of the department the case was forwarded to."""
    if case.forwarded_to_id is None:
        return False
    if getattr(user, "is_superuser", False):
        return True
    return any(
        dept == case.forwarded_to_id and case.area_code.startswith(code)
        for dept, code in reviewer_grants(user)
    )


# The leads over a case's area: they approve extensions (with the department's reviewer of a
# forwarded case) and put a case under supervision (督办).
LEAD_ROLES = frozenset({Role.COMMUNITY_LEAD, Role.STREET_LEAD, Role.DISTRICT_LEAD})


def may_lead(user, case: Case) -> bool:
    """A community, street or district lead whose grant covers the case's area."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(
        role in LEAD_ROLES and case.area_code.startswith(code)
        for role, code, _dept in user_grants(user)
    )


def may_take(user, case: Case, transition: Transition) -> bool:
    """Whether ``user`` is on the side (desk or department) that takes ``transition``."""
    if transition.side == Side.DEPARTMENT:
        return may_review(user, case)
    return may_handle(user, case)


def available_verbs(user, case: Case) -> list[Transition]:
    """The transitions ``user`` may take on ``case`` now (for the buttons on the case page)."""
    return [
        t
        for t in TRANSITIONS.values()
        if why_not_allowed(case, t) is None and may_take(user, case, t)
    ]


def why_not_allowed(case: Case, t: Transition) -> str | None:
    """Why ``t`` cannot be taken from the case's state, or None when it can."""
    if case.status not in t.source:
        return _("A case that is “%(status)s” cannot be “%(verb)s”.") % {
            "status": CaseStatus(case.status).label,
            "verb": t.label,
        }
    if t.accepted is True and case.accepted_on is None:
        return _("This case has not been accepted yet.")
    if t.accepted is False and case.accepted_on is not None:
        return _("This case has already been accepted.")
    return None


# ---- reading and writing the case ------------------------------------------------------------


def record_event(case: Case, kind: str, *, actor, at=None, **fields) -> CaseEvent:
    """Append one ``CaseEvent`` to the case's log (now, unless ``at`` says when)."""
    return CaseEvent.objects.create(
        case=case, kind=kind, actor=actor, at=at or timezone.now(), **fields
    )


def record_events(cases: QuerySet[Case], kind: str, *, at: datetime.datetime, data=None) -> int:
    """One ``kind`` event for every case in ``cases``, in one INSERT … SELECT: the set-based
    writers (the overdue sweep, the due-date recount, the follow-up flag) record their events this
    way. ``data`` is an expression over the case row; an empty object when not given. Returns the
    number of events written."""
    columns = {
        "case": F("id"),
        "at": Value(at, output_field=DateTimeField()),
        "kind": Value(kind),
        "verb": Value(""),
        "from_status": F("status"),
        "to_status": F("status"),
        "reason": Value(""),
        "data": data if data is not None else Value({}, output_field=JSONField()),
    }
    rows = cases.values(**{f"event_{name}": expr for name, expr in columns.items()})
    return insert_from(CaseEvent, list(columns), rows)


def save_guarded(case: Case, fields: Iterable[str], *, status: str, revision: int) -> None:
    """Write ``fields`` of ``case`` only if nobody changed it since it was read. A closed row
    leaves the figures' rollups before the write and returns to them after it
    (``core.signals``)."""
    values = {f: getattr(case, f) for f in set(fields)}
    if status in CLOSED:  # closed: the figures may have rolled it up
        tallied_row_changing.send(Case, pk=case.pk)
        values["tally"] = case.tally = None
    updated = Case.objects.filter(pk=case.pk, status=status, revision=revision).update(
        revision=F("revision") + 1, **values
    )
    if not updated:
        raise CaseChanged()
    case.revision = revision + 1
    if values.get("status", status) in CLOSED:  # closed now: counted at once
        row_closed.send(Case, pk=case.pk)


def check_revision(case: Case, revision: int | None) -> int:
    """The case's revision, after checking it is the one the page (or request) showed."""
    if revision is not None and int(revision) != case.revision:
        raise CaseChanged()
    return case.revision


def lock_case(case: Case) -> Case:
    """Re-read the case inside the transaction (row-locked where the database can)."""
    return (
        Case.objects.select_for_update()
        .select_related("service", "version", "resident")
        .get(pk=case.pk)
    )


def copy_back(case: Case, locked: Case) -> None:
    """Give the caller's instance the values the action wrote (revision included)."""
    if case is not locked:
        for field in Case._meta.concrete_fields:
            setattr(case, field.attname, getattr(locked, field.attname))


# ---- the one transition function -------------------------------------------------------------

Prepare = Callable[[Case, datetime.datetime, datetime.date], list[str]]


def apply_transition(
    case: Case,
    verb: str,
    *,
    actor,
    reason: str,
    now: datetime.datetime,
    today: datetime.date,
    prepare: Prepare | None = None,
    revision: int | None = None,
) -> tuple[str, set[str], CaseEvent]:
    """Check ``verb`` (state, side, reason, revision) and apply it to the case in memory: the
    status, the clock, ``prepare(case, now, today)``'s fields. Returns the old status, the
    fields changed and the (unsaved) event; the caller writes both."""
    t = TRANSITIONS.get(verb)
    if t is None:
        raise InvalidTransition(_("Unknown action “%(verb)s”.") % {"verb": verb})
    if not may_take(actor, case, t):
        raise PermissionDenied(_("You may not take this action on this case."))
    check_revision(case, revision)
    why_not = why_not_allowed(case, t)
    if why_not:
        raise InvalidTransition(why_not)
    reason = (reason or "").strip()
    if t.needs_reason and not reason:
        raise _error("reason", _("Give a reason: the resident will read it."), "reason_required")
    old = case.status
    case.status = t.target
    changed = {"status", *clock.follow(case, old, t.target, today)}
    if prepare is not None:
        changed.update(prepare(case, now, today))
    if t.target in (CaseStatus.COMPLETED, CaseStatus.REFUSED, CaseStatus.WITHDRAWN):
        case.closed_at = now
        changed.add("closed_at")
    event = CaseEvent(
        case=case,
        kind=EventKind.TRANSITION,
        actor=actor,
        at=now,
        verb=verb,
        from_status=old,
        to_status=t.target,
        reason=reason,
    )
    return old, changed, event


def start_clock(deadline: datetime.date | None) -> Prepare:
    """The ``prepare`` step of an acceptance: the promised clock starts today, and materials
    that may follow are due by ``deadline``."""

    def start(case: Case, now: datetime.datetime, today: datetime.date) -> list[str]:
        case.accepted_at = now
        case.pending_deadline = deadline
        limit = case.version.promised_limit_days
        return ["accepted_at", "pending_deadline", *clock.start(case, today, limit)]

    return start


def _due_text(case: Case) -> str:
    """The due date as a message states it, marked when it is provisional."""
    if case.due_on is None:
        return ""
    if case.due_provisional:
        return _("%(date)s (provisional: next year's holiday schedule is not out yet)") % {
            "date": case.due_on.isoformat()
        }
    return case.due_on.isoformat()


def message_context(case: Case, **extra) -> dict:
    """What a message to the case's resident fills its template with."""
    return {
        "name": case.resident.name,
        "service": case.service.name,
        "receipt": case.receipt,
        "due": _due_text(case),
        **extra,
    }


def message_sender(case: Case) -> str:
    """Who signs a message about the case: the department it was forwarded to, else the
    community whose desk carries it (else the service's department, for an area not on
    file), as the rating names the unit rated."""
    if case.forwarded_to_id is not None:
        return case.forwarded_to.name
    community = case.area_code[: CODE_LENGTH[AreaKind.COMMUNITY]]
    name = Area.objects.filter(code=community).values_list("name", flat=True).first()
    return name or case.department.name


def notify_resident(case: Case, event: str, template: str, **extra) -> None:
    """Queue message ``template`` to the case's resident, once per ``event`` of the case, in
    the caller's transaction; the outbox routes it (their channel, or the log without a phone;
    skipped when they chose no messages) and renders it in their language."""
    from doorstep.notify.outbox import queue_message

    queue_message(
        key=f"case:{case.pk}:{event}",
        template=template,
        context=message_context(case, **extra),
        resident=case.resident,
    )
