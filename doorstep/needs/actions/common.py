"""What the need actions share: who may act, the one transition function, the guarded save, the
event writers, the row lock and the change of owner. Only the action modules use these; everyone
else calls a ``do_*`` verb."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import DateTimeField, F, JSONField, QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.core.bulk import insert_from
from doorstep.core.signals import row_closed, tallied_row_changing
from doorstep.staff.roles import HANDLE_NEEDS, REVIEW_NEEDS, reviewer_grants
from doorstep.staff.scoping import covers

from .. import clock
from ..choices import TRANSITIONS, EventKind, NeedStatus, OwnerKind, Side, Transition
from ..errors import InvalidTransition, NeedChanged
from ..errors import field_error as _error
from ..models import Need, NeedEvent, NeedOwnership

REASON_MAX = 2000


# ---- who may act -----------------------------------------------------------------------------


def reviews_department(user, department_id: int | None, area_code: str) -> bool:
    """Whether ``user`` reviews for ``department_id`` over ``area_code``."""
    if department_id is None:
        return False
    return any(
        dept == department_id and area_code.startswith(code) for dept, code in reviewer_grants(user)
    )


def may_act(user, need: Need) -> bool:
    """The owner's side: the owning member of staff, a reviewer of the owning department, and,
    while an outside body owns it (it answers by its link), the staff handling needs over the
    area, who call the resident back. A need another system filed that nobody has taken yet
    (``Need.untaken``) is open to the staff handling needs over its area: the first of them to
    move it becomes its owner (``take_on``)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if need.owner_kind == OwnerKind.USER:
        if need.owner_user_id == user.pk:
            return True
        return need.untaken and covers(user, HANDLE_NEEDS, need.area_code)
    if need.owner_kind == OwnerKind.DEPARTMENT:
        return reviews_department(user, need.owner_department_id, need.area_code)
    return covers(user, HANDLE_NEEDS, need.area_code)


def may_review(user, need: Need) -> bool:
    """A holder of REVIEW_NEEDS over the need's area (extensions, the unreasonable flag)."""
    return covers(user, REVIEW_NEEDS, need.area_code)


def may_take(user, need: Need, transition: Transition) -> bool:
    if transition.side == Side.REVIEWER:
        return may_review(user, need)
    return may_act(user, need)


def why_not_allowed(need: Need, t: Transition) -> str | None:
    if need.status not in t.source:
        return _("A need that is “%(status)s” cannot be “%(verb)s”.") % {
            "status": NeedStatus(need.status).label,
            "verb": t.label,
        }
    return None


def available_verbs(user, need: Need) -> list[Transition]:
    """The transitions ``user`` may take on ``need`` now (for the buttons on the need page)."""
    return [
        t
        for t in TRANSITIONS.values()
        if why_not_allowed(need, t) is None and may_take(user, need, t)
    ]


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("You may not take this action on this need."))


def clean_reason(
    reason: str | None, *, required: bool, field: str = "reason", limit: int = REASON_MAX
) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise _error(field, _("Give a reason."), "reason_required")
    if len(reason) > limit:
        raise _error(field, _("At most %(n)d characters.") % {"n": limit}, "too_long")
    return reason


# ---- reading and writing the need ------------------------------------------------------------


def now() -> datetime.datetime:
    return timezone.now()


def lock_need(need: Need) -> Need:
    """Re-read the need inside the transaction (row-locked where the database can)."""
    return Need.objects.select_for_update().select_related("category").get(pk=need.pk)


def check_revision(need: Need, revision: int | None) -> None:
    if revision is not None and int(revision) != need.revision:
        raise NeedChanged()


def save_guarded(need: Need, fields: Iterable[str], *, status: str, revision: int) -> None:
    """Write ``fields`` of ``need`` only if nobody changed it since it was read. A closed row
    leaves the figures' rollups before the write and returns to them after it
    (``core.signals``)."""
    values = {f: getattr(need, f) for f in set(fields)}
    if status == NeedStatus.CLOSED:  # closed: the figures may have rolled it up
        tallied_row_changing.send(Need, pk=need.pk)
        values["tally"] = need.tally = None
    updated = Need.objects.filter(pk=need.pk, status=status, revision=revision).update(
        revision=F("revision") + 1, **values
    )
    if not updated:
        raise NeedChanged()
    need.revision = revision + 1
    if values.get("status", status) == NeedStatus.CLOSED:  # closed now: counted at once
        row_closed.send(Need, pk=need.pk)


def copy_back(need: Need, locked: Need) -> None:
    """Give the caller's instance the values the action wrote."""
    if need is not locked:
        for field in Need._meta.concrete_fields:
            setattr(need, field.attname, getattr(locked, field.attname))


def record_event(need: Need, kind: str, *, actor=None, at=None, **fields) -> NeedEvent:
    """Append one ``NeedEvent`` to the need's log."""
    return NeedEvent.objects.create(
        need=need, kind=kind, actor=actor, at=at or timezone.now(), **fields
    )


def record_events(needs: QuerySet[Need], kind: str, *, at: datetime.datetime) -> int:
    """One ``kind`` event for every need in ``needs``, in one INSERT … SELECT, carrying each
    need's current level: the escalation sweep records its events this way."""
    columns = {
        "need": F("id"),
        "at": Value(at, output_field=DateTimeField()),
        "actor_name": Value(""),
        "kind": Value(kind),
        "verb": Value(""),
        "from_status": F("status"),
        "to_status": F("status"),
        "level": F("level"),
        "reason": Value(""),
        "data": Value({}, output_field=JSONField()),
    }
    rows = needs.values(**{f"event_{name}": expr for name, expr in columns.items()})
    return insert_from(NeedEvent, list(columns), rows)


def set_owner(need: Need, kind: str, target, at: datetime.datetime) -> list[str]:
    """Make ``target`` (a user, department or outside body) the need's one owner: the current
    ownership spell ends and a new one starts. Returns the fields of ``need`` it set."""
    NeedOwnership.objects.filter(need=need, until__isnull=True).update(until=at)
    need.owner_kind = kind
    need.owner_user = target if kind == OwnerKind.USER else None
    need.owner_department = target if kind == OwnerKind.DEPARTMENT else None
    need.owner_external = target if kind == OwnerKind.EXTERNAL else None
    NeedOwnership.objects.create(
        need=need,
        kind=kind,
        user=need.owner_user,
        department=need.owner_department,
        external=need.owner_external,
        since=at,
    )
    return ["owner_kind", "owner_user", "owner_department", "owner_external"]


def take_on(need: Need, *, actor, at: datetime.datetime) -> list[str]:
    """首接负责 for a need another system filed: ``actor``, moving it first, becomes its owner,
    with a ``TAKEN`` event. Nothing when it is taken already or ``actor`` is the filing system
    itself. Returns the fields of ``need`` it set (the caller saves them, guarded)."""
    if actor is None or not need.untaken or need.owner_user_id == actor.pk:
        return []
    fields = set_owner(need, OwnerKind.USER, actor, at)
    record_event(need, EventKind.TAKEN, actor=actor, at=at, level=need.level,
                 data={"by": actor.get_full_name() or actor.get_username()})  # fmt: skip
    return fields


# ---- the one transition function -------------------------------------------------------------


def apply_transition(
    need: Need, verb: str, *, actor, reason: str, at: datetime.datetime, revision: int | None
) -> tuple[str, set[str], NeedEvent]:
    """Check ``verb`` (side, revision, state, reason) and apply it to ``need`` in memory: the
    status and the clock. ``actor`` None is an outside body acting by its link (checked by the
    caller). A person moving a need another system filed takes it on first (``take_on``: the
    ownership and its event are written at once, inside the caller's transaction). Returns the
    old status, the fields changed and the (unsaved) event."""
    t = TRANSITIONS.get(verb)
    if t is None:
        raise InvalidTransition(_("Unknown action “%(verb)s”.") % {"verb": verb})
    if actor is not None:
        require(may_take(actor, need, t))
    check_revision(need, revision)
    why_not = why_not_allowed(need, t)
    if why_not:
        raise InvalidTransition(why_not)
    reason = clean_reason(reason, required=t.needs_reason)
    old = need.status
    changed = {"status"}
    if t.side == Side.OWNER:
        changed.update(take_on(need, actor=actor, at=at))
    need.status = t.target
    if t.target == NeedStatus.WAITING:
        changed.update(clock.pause(need, at))
    elif old == NeedStatus.WAITING:
        changed.update(clock.resume(need, at))
    if t.target == NeedStatus.CLOSED:
        need.closed_at = at
        changed.add("closed_at")
    event = NeedEvent(
        need=need,
        kind=EventKind.TRANSITION,
        actor=actor,
        at=at,
        verb=verb,
        from_status=old,
        to_status=t.target,
        level=need.level,
        reason=reason,
    )
    return old, changed, event
