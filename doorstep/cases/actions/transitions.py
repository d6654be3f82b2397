"""Writes of the cases app. Views, the JSON API, commands, tasks and tests all call these.

Every write is atomic and appends a ``CaseEvent`` in the same transaction. A status change is one
guarded UPDATE (``pk``, ``status`` and ``revision`` as read): when another member of staff changed
the case in between, nothing matches and ``CaseChanged`` tells the clerk to reload. Notifications
go to the outbox inside the transaction, so a rolled-back change sends nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.catalogue.choices import Necessity
from doorstep.catalogue.models import Department
from doorstep.staff.roles import HANDLE_CASES, reviewer_grants
from doorstep.staff.scoping import covers

from .. import clock
from ..choices import (
    OUTSTANDING,
    TRANSITIONS,
    CaseStatus,
    DocumentKind,
    EventKind,
    MaterialState,
    Outcome,
    Side,
    Transition,
)
from ..errors import CaseChanged, InvalidTransition
from ..errors import field_error as _error
from ..materials import (
    ChecklistItem,
    case_document_items,
    check_outcome,
    material_ids,
    not_deferrable,
)
from ..models import Case, CaseDocument, CaseEvent, CaseMaterial

__all__ = ["CaseChanged", "InvalidTransition"]  # raised here, defined in errors


def _now_and_today() -> tuple[datetime.datetime, datetime.date]:
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


def may_take(user, case: Case, transition: Transition) -> bool:
    if transition.side == Side.DEPARTMENT:
        return may_review(user, case)
    return may_handle(user, case)


def available_verbs(user, case: Case) -> list[Transition]:
    """The transitions ``user`` may take on ``case`` now (for the buttons on the case page)."""
    return [
        t for t in TRANSITIONS.values() if _allowed(case, t) is None and may_take(user, case, t)
    ]


def _allowed(case: Case, t: Transition) -> str | None:
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


# ---- the one transition function -------------------------------------------------------------


def _event(case: Case, kind: str, *, actor, at=None, **fields) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, kind=kind, actor=actor, at=at or timezone.now(), **fields
    )


def _save_guarded(case: Case, fields: Iterable[str], *, status: str, revision: int) -> None:
    """Write ``fields`` of ``case`` only if nobody changed it since it was read."""
    values = {f: getattr(case, f) for f in set(fields)}
    updated = Case.objects.filter(pk=case.pk, status=status, revision=revision).update(
        revision=F("revision") + 1, **values
    )
    if not updated:
        raise CaseChanged()
    case.revision = revision + 1


def _check_revision(case: Case, revision: int | None) -> int:
    if revision is not None and int(revision) != case.revision:
        raise CaseChanged()
    return case.revision


Prepare = Callable[[Case, datetime.datetime, datetime.date], list[str]]


def _apply(
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
    _check_revision(case, revision)
    why_not = _allowed(case, t)
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


def _transition(
    case: Case,
    verb: str,
    *,
    actor,
    reason: str = "",
    revision: int | None = None,
    fields: Iterable[str] = (),
    data: dict | None = None,
    prepare: Prepare | None = None,
) -> CaseEvent:
    """Move ``case`` by ``verb`` with one guarded UPDATE and write its event. ``fields`` are
    other attributes the caller already set on ``case`` to save with it."""
    now, today = _now_and_today()
    expected = case.revision if revision is None else int(revision)
    old, changed, event = _apply(
        case, verb, actor=actor, reason=reason, now=now, today=today, prepare=prepare,
        revision=revision,
    )  # fmt: skip
    _save_guarded(case, changed | set(fields), status=old, revision=expected)
    event.data = data or {}
    event.save(force_insert=True)
    return event


def _document(case: Case, kind: str, *, actor, reason: str = "", items=None) -> CaseDocument:
    return CaseDocument.objects.create(
        case=case,
        kind=kind,
        issued_by=actor,
        reason=reason,
        items=case_document_items(case) if items is None else items,
        due_on=case.due_on,
        deadline=case.pending_deadline,
    )


# ---- notifications ---------------------------------------------------------------------------


def _message_context(case: Case, **extra) -> dict:
    return {
        "name": case.resident.name,
        "service": case.service.name,
        "receipt": case.receipt,
        "due": case.due_on.isoformat() if case.due_on else "",
        **extra,
    }


def _notify(case: Case, event: str, template: str, **extra) -> None:
    from doorstep.notify.outbox import queue_message

    queue_message(
        key=f"case:{case.pk}:{event}",
        template=template,
        context=_message_context(case, **extra),
        resident=case.resident,
    )


def _notify_outstanding(case: Case, event: str) -> None:
    names = "、".join(i["name"] for i in case_document_items(case))
    _notify(case, event, "case_materials_needed", materials=names)


def _start_clock(deadline: datetime.date | None) -> Prepare:
    def start(case: Case, now: datetime.datetime, today: datetime.date) -> list[str]:
        case.accepted_at = now
        case.pending_deadline = deadline
        limit = case.version.promised_limit_days
        return ["accepted_at", "pending_deadline", *clock.start(case, today, limit)]

    return start


def _accept(case: Case, *, actor, deadline) -> CaseDocument:
    _transition(case, "accept", actor=actor, prepare=_start_clock(deadline))
    kind = DocumentKind.PENDING if deadline else DocumentKind.RECEIPT
    _notify(case, "accepted", "case_accepted")
    return _document(case, kind, actor=actor)


# ---- after intake ----------------------------------------------------------------------------


def _copy_back(case: Case, locked: Case) -> None:
    """Give the caller's instance the values the action wrote (revision included)."""
    if case is not locked:
        for field in Case._meta.concrete_fields:
            setattr(case, field.attname, getattr(locked, field.attname))


def _lock(case: Case) -> Case:
    """Re-read the case inside the transaction (row-locked where the database can)."""
    return (
        Case.objects.select_for_update()
        .select_related("service", "version", "resident")
        .get(pk=case.pk)
    )


RECEIVE_THEN = ("", "accept", "supply")


def _int_or_same(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return value  # do_accept names the bad value


@dataclass
class Received:
    case: Case
    document: CaseDocument | None = None  # the receipt, when the case was accepted at once


@transaction.atomic
def do_receive_materials(
    case: Case,
    *,
    actor,
    provided: Iterable,
    in_person: bool = True,
    revision: int | None = None,
    then: str = "",
    pending: Iterable = (),
    pending_deadline: datetime.date | None = None,
) -> Received:
    """The resident brought (some of) what was missing or due to follow; then, in the same
    transaction, accept the case (``then="accept"``: what is ``pending`` may follow, less what
    was just brought) or restart its stopped clock (``then="supply"``). If the second step
    fails, the materials are not recorded either. The page and the API both call this."""
    if then not in RECEIVE_THEN:
        raise _error("then", _("Choose one of: %(choices)s.") % {"choices": "accept, supply"})
    received = _receive(
        case, actor=actor, provided=provided, in_person=in_person, revision=revision
    )
    document = None
    if then == "accept":
        brought = {int(v) for v in provided}  # _receive has checked them
        still = [p for p in pending or () if _int_or_same(p) not in brought]
        document = do_accept(
            received, actor=actor, pending=still, pending_deadline=pending_deadline
        )
    elif then == "supply":
        do_transition(received, "supply", actor=actor)
    _copy_back(case, received)
    return Received(received, document)


def _receive(
    case: Case, *, actor, provided: Iterable, in_person: bool, revision: int | None
) -> Case:
    locked = _lock(case)
    if not may_handle(actor, locked):
        raise PermissionDenied(_("You may not take this action on this case."))
    expected = _check_revision(locked, revision if revision is not None else case.revision)
    if locked.is_closed:
        raise InvalidTransition(_("This case is closed."))
    outstanding = {
        row.material_id: row for row in locked.materials.filter(state__in=list(OUTSTANDING))
    }
    ids = material_ids(provided, "provided", set(outstanding)) if outstanding else set()
    if not ids:
        raise _error("provided", _("Tick the materials the resident brought."), "required")
    now, _today = _now_and_today()
    CaseMaterial.objects.filter(case=locked, material_id__in=ids).update(
        state=MaterialState.PROVIDED, provided_at=now
    )
    fields = []
    if in_person:
        locked.trips += 1
        fields.append("trips")
    if not locked.materials.filter(state=MaterialState.PENDING).exists():
        locked.pending_deadline = None
        fields.append("pending_deadline")
    _save_guarded(locked, fields, status=locked.status, revision=expected)
    names = [outstanding[i].material.name for i in sorted(ids)]
    _event(locked, EventKind.MATERIALS, actor=actor, at=now, data={"materials": names})
    if in_person:
        _event(locked, EventKind.TRIP, actor=actor, at=now, data={"trips": locked.trips})
    _copy_back(case, locked)
    return locked


@transaction.atomic
def do_accept(
    case: Case,
    *,
    actor,
    pending: Iterable = (),
    pending_deadline: datetime.date | None = None,
    revision: int | None = None,
) -> CaseDocument:
    """Accept a case that waited for materials (after a one-time notice), now complete, or
    complete but for materials that may follow."""
    locked = _lock(case)
    _check_revision(locked, revision if revision is not None else case.revision)
    t = TRANSITIONS["accept"]
    if not may_take(actor, locked, t):
        raise PermissionDenied(_("You may not take this action on this case."))
    why_not = _allowed(locked, t)
    if why_not:
        raise InvalidTransition(why_not)
    rows = list(locked.materials.select_related("material"))
    known = {r.material_id for r in rows}
    pending_ids = material_ids(pending, "pending", known)
    items, states = [], {}
    for row in rows:
        items.append(ChecklistItem(row.material, row.certificate))
        state = MaterialState(row.state)
        if row.material_id in pending_ids and state in OUTSTANDING:
            if row.material.necessity != Necessity.LATER:
                raise not_deferrable(row.material)
            state = MaterialState.PENDING
        states[row.material_id] = state
    outcome = Outcome.ACCEPT_PENDING if pending_ids else Outcome.ACCEPT
    _now, today = _now_and_today()
    due = clock.add_working_days(today, locked.version.promised_limit_days)
    check_outcome(outcome, items, states, reason="", pending_deadline=pending_deadline,
                   due_on=due, today=today)  # fmt: skip
    if pending_ids:
        CaseMaterial.objects.filter(case=locked, material_id__in=pending_ids).update(
            state=MaterialState.PENDING
        )
    document = _accept(locked, actor=actor, deadline=pending_deadline if pending_ids else None)
    _copy_back(case, locked)
    return document


@transaction.atomic
def do_add_to_notice(
    case: Case, *, actor, materials: Iterable, reason: str, revision: int | None = None
) -> CaseDocument:
    """A later notice on a case waiting for materials. The law asks for everything in one
    notice, so a later one may only *add* materials, and only with a recorded reason."""
    locked = _lock(case)
    if not may_handle(actor, locked):
        raise PermissionDenied(_("You may not take this action on this case."))
    expected = _check_revision(locked, revision if revision is not None else case.revision)
    if locked.status != CaseStatus.AWAITING_MATERIALS or locked.accepted_on is not None:
        raise InvalidTransition(
            _("Only a case waiting for materials after a notice can get a later notice.")
        )
    reason = (reason or "").strip()
    if not reason:
        raise _error(
            "reason",
            _(
                "Everything missing must be told in one notice. A later notice may add a "
                "material only with the reason it was not asked for the first time."
            ),
            "reason_required",
        )
    rows = {r.material_id: r for r in locked.materials.select_related("material")}
    ids = material_ids(materials, "materials", set(rows))
    if not ids:
        raise _error("materials", _("Pick the materials to add."), "required")
    listed = [rows[i].material.name for i in ids if rows[i].state in OUTSTANDING]
    if listed:
        raise _error(
            "materials",
            _("Already asked for: %(names)s.") % {"names": "、".join(listed)},
            "already_listed",
        )
    CaseMaterial.objects.filter(case=locked, material_id__in=ids).update(
        state=MaterialState.MISSING, provided_at=None, added_reason=reason[:300]
    )
    _save_guarded(locked, [], status=locked.status, revision=expected)
    added = [rows[i].material.name for i in sorted(ids)]
    items = [i for i in case_document_items(locked) if i["name"] in added]
    document = _document(locked, DocumentKind.SUPPLEMENT, actor=actor, reason=reason, items=items)
    CaseMaterial.objects.filter(case=locked, material_id__in=ids).update(notice=document)
    _event(locked, EventKind.NOTICE, actor=actor, reason=reason, data={"added": added})
    _notify_outstanding(locked, f"notice:{document.pk}")
    _copy_back(case, locked)
    return document


@transaction.atomic
def do_transition(
    case: Case,
    verb: str,
    *,
    actor,
    reason: str = "",
    revision: int | None = None,
    department: Department | None = None,
    materials: Iterable = (),
) -> CaseEvent:
    """Any transition after intake, by its verb (``choices.TRANSITIONS``), with its side
    effects: forwarding names the department; asking for materials lists them and stops the
    clock; a return for correction stops it too; completion and refusal notify the resident."""
    if verb == "accept":
        do_accept(case, actor=actor, revision=revision)
        return case.events.order_by("-pk").first()
    locked = _lock(case)
    t = TRANSITIONS.get(verb)
    if t is not None and not may_take(actor, locked, t):
        raise PermissionDenied(_("You may not take this action on this case."))
    _check_revision(locked, revision if revision is not None else case.revision)
    fields: list[str] = []
    data: dict = {}
    if verb == "forward":
        target = department or locked.department
        locked.forwarded_to, locked.forwarded_at = target, timezone.now()
        fields += ["forwarded_to", "forwarded_at"]
        data["department"] = target.name
    event = _transition(
        locked, verb, actor=actor, reason=reason, revision=locked.revision, fields=fields, data=data
    )
    _after(locked, verb, actor=actor, reason=event.reason, materials=materials)
    _copy_back(case, locked)
    return event


def _after(case: Case, verb: str, *, actor, reason: str, materials: Iterable) -> None:
    if verb == "request_materials":
        rows = {r.material_id: r for r in case.materials.all()}
        ids = material_ids(materials, "materials", set(rows))
        if ids:
            CaseMaterial.objects.filter(case=case, material_id__in=ids).update(
                state=MaterialState.MISSING, provided_at=None, added_reason=reason[:300]
            )
        document = _document(case, DocumentKind.CORRECTION, actor=actor, reason=reason)
        _notify_outstanding(case, f"notice:{document.pk}")
    elif verb == "return":
        document = _document(case, DocumentKind.CORRECTION, actor=actor, reason=reason)
        _notify(case, f"returned:{document.pk}", "case_correction", reason=reason)
    elif verb == "complete":
        _notify(case, "completed", "case_completed")
    elif verb == "reject":
        # The department's written decision: the resident is owed it as much as a refusal.
        _document(case, DocumentKind.DECISION, actor=actor, reason=reason, items=[])
        _notify(case, "refused", "case_refused", reason=reason)
    elif verb == "refuse":
        _notify(case, "refused", "case_refused", reason=reason)


@transaction.atomic
def do_record_trip(case: Case, *, actor, note: str = "", revision: int | None = None) -> Case:
    """The resident came in person for something else than materials (to sign, to collect)."""
    locked = _lock(case)
    if not may_handle(actor, locked):
        raise PermissionDenied(_("You may not take this action on this case."))
    expected = _check_revision(locked, revision if revision is not None else case.revision)
    locked.trips += 1
    _save_guarded(locked, ["trips"], status=locked.status, revision=expected)
    _event(locked, EventKind.TRIP, actor=actor, reason=note.strip(), data={"trips": locked.trips})
    _copy_back(case, locked)
    return locked


@transaction.atomic
def do_add_note(case: Case, *, actor, text: str) -> CaseEvent:
    text = (text or "").strip()
    if not text:
        raise _error("text", _("Write the note."), "required")
    if not (may_handle(actor, case) or may_review(actor, case)):
        raise PermissionDenied(_("You may not take this action on this case."))
    return _event(case, EventKind.NOTE, actor=actor, reason=text[:2000])
