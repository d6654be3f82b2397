"""The state machine's verbs on a case after intake: every transition by its verb, acceptance
of a case that waited for materials, and a later notice; with the documents they issue and the
messages they send the resident.

A status change is one guarded UPDATE (``pk``, ``status`` and ``revision`` as read): when another
member of staff changed the case in between, nothing matches and ``CaseChanged`` tells the clerk
to reload. Notifications go to the outbox inside the transaction, so a rolled-back change sends
nothing.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.catalogue.choices import Necessity
from doorstep.catalogue.models import Department
from doorstep.feedback.actions import do_open_subject, rating_url
from doorstep.feedback.choices import SubjectKind

from .. import clock
from ..choices import (
    OUTSTANDING,
    TRANSITIONS,
    CaseStatus,
    Delivery,
    DocumentKind,
    EventKind,
    MaterialState,
    Outcome,
    Result,
)
from ..errors import InvalidTransition
from ..errors import field_error as _error
from ..materials import (
    ChecklistItem,
    case_document_items,
    check_outcome,
    material_ids,
    not_deferrable,
)
from ..models import Case, CaseDocument, CaseEvent, CaseMaterial
from .common import (
    Prepare,
    apply_transition,
    check_revision,
    copy_back,
    lock_case,
    may_handle,
    may_take,
    message_sender,
    notify_resident,
    now_and_today,
    record_event,
    save_guarded,
    start_clock,
    why_not_allowed,
)


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
    now, today = now_and_today()
    expected = case.revision if revision is None else int(revision)
    old, changed, event = apply_transition(
        case, verb, actor=actor, reason=reason, now=now, today=today, prepare=prepare,
        revision=revision,
    )  # fmt: skip
    save_guarded(case, changed | set(fields), status=old, revision=expected)
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
        due_provisional=case.due_provisional,
        deadline=case.pending_deadline,
    )


# ---- notifications ---------------------------------------------------------------------------


def _notify_outstanding(case: Case, event: str) -> None:
    names = "、".join(i["name"] for i in case_document_items(case))
    notify_resident(case, event, "case_materials_needed", materials=names)


def _accept(case: Case, *, actor, deadline) -> CaseDocument:
    _transition(case, "accept", actor=actor, prepare=start_clock(deadline))
    kind = DocumentKind.PENDING if deadline else DocumentKind.RECEIPT
    notify_resident(case, "accepted", "case_accepted")
    return _document(case, kind, actor=actor)


# ---- after intake ----------------------------------------------------------------------------


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
    locked = lock_case(case)
    check_revision(locked, revision if revision is not None else case.revision)
    t = TRANSITIONS["accept"]
    if not may_take(actor, locked, t):
        raise PermissionDenied(_("You may not take this action on this case."))
    why_not = why_not_allowed(locked, t)
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
    _now, today = now_and_today()
    due = clock.add_working_days(today, locked.version.promised_limit_days)
    check_outcome(outcome, items, states, reason="", pending_deadline=pending_deadline,
                   due_on=due, today=today)  # fmt: skip
    if pending_ids:
        CaseMaterial.objects.filter(case=locked, material_id__in=pending_ids).update(
            state=MaterialState.PENDING
        )
    document = _accept(locked, actor=actor, deadline=pending_deadline if pending_ids else None)
    copy_back(case, locked)
    return document


@transaction.atomic
def do_add_to_notice(
    case: Case, *, actor, materials: Iterable, reason: str, revision: int | None = None
) -> CaseDocument:
    """A later notice on a case waiting for materials. The law asks for everything in one
    notice, so a later one may only *add* materials, and only with a recorded reason."""
    locked = lock_case(case)
    if not may_handle(actor, locked):
        raise PermissionDenied(_("You may not take this action on this case."))
    expected = check_revision(locked, revision if revision is not None else case.revision)
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
    save_guarded(locked, [], status=locked.status, revision=expected)
    added = [rows[i].material.name for i in sorted(ids)]
    items = [i for i in case_document_items(locked) if i["name"] in added]
    document = _document(locked, DocumentKind.SUPPLEMENT, actor=actor, reason=reason, items=items)
    CaseMaterial.objects.filter(case=locked, material_id__in=ids).update(notice=document)
    record_event(locked, EventKind.NOTICE, actor=actor, reason=reason, data={"added": added})
    _notify_outstanding(locked, f"notice:{document.pk}")
    copy_back(case, locked)
    return document


@dataclass(frozen=True)
class Completion:
    """The result recorded when a case is completed (办结): granted or not (with the reason,
    which the resident reads), the certificate number issued, and how the resident gets it
    (collected at the desk, or mailed with the tracking number)."""

    result: str
    reason: str = ""
    certificate_no: str = ""
    delivery: str = ""
    tracking_no: str = ""


def _record_completion(case: Case, done: Completion) -> tuple[list[str], str, dict]:
    """Check ``done`` and set it on ``case``: the fields set, the reason for the event, and the
    event's details. Raises a field error (nothing written) for bad input."""
    if done.result not in Result.values:
        raise _error("result", _("Say whether the application is granted or not."), "required")
    reason = (done.reason or "").strip()
    if done.result == Result.DENIED and not reason:
        raise _error(
            "result_reason",
            _("Give the reason it is not granted: the resident will read it."),
            "reason_required",
        )
    if done.delivery not in Delivery.values:
        raise _error(
            "delivery", _("Say whether the result is collected at the desk or mailed."), "required"
        )
    tracking_no = re.sub(r"\s+", "", done.tracking_no or "")
    if done.delivery == Delivery.MAIL and not tracking_no:
        raise _error("tracking_no", _("Give the mail tracking number."), "required")
    if len(tracking_no) > 40:
        raise _error("tracking_no", _("At most %(n)d characters.") % {"n": 40}, "too_long")
    certificate_no = (done.certificate_no or "").strip()
    if len(certificate_no) > 60:
        raise _error("certificate_no", _("At most %(n)d characters.") % {"n": 60}, "too_long")
    case.result, case.result_reason = done.result, reason[:2000]
    case.certificate_no, case.delivery = certificate_no, done.delivery
    case.tracking_no = tracking_no if done.delivery == Delivery.MAIL else ""
    fields = ["result", "result_reason", "certificate_no", "delivery", "tracking_no"]
    data = {"result": case.result, "delivery": case.delivery}
    if certificate_no:
        data["certificate_no"] = certificate_no
    if case.tracking_no:
        data["tracking_no"] = case.tracking_no
    return fields, case.result_reason, data


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
    completion: Completion | None = None,
) -> CaseEvent:
    """Any transition after intake, by its verb (``choices.TRANSITIONS``), with its side
    effects: forwarding names the department; asking for materials lists them and stops the
    clock; a return for correction stops it too, and so does a suspension until it resumes;
    completion records its result (``completion``) and, like refusal, notifies the resident.
    Completion closes the case through the same guarded save as every other closing, so the
    figures count it at once."""
    if verb == "accept":
        do_accept(case, actor=actor, revision=revision)
        return case.events.order_by("-pk").first()
    locked = lock_case(case)
    t = TRANSITIONS.get(verb)
    if t is not None and not may_take(actor, locked, t):
        raise PermissionDenied(_("You may not take this action on this case."))
    check_revision(locked, revision if revision is not None else case.revision)
    if verb in NEEDS_FOLLOWUPS:
        _check_nothing_to_follow(locked)
    fields: list[str] = []
    data: dict = {}
    if verb == "forward":
        target = department or locked.department
        locked.forwarded_to, locked.forwarded_at = target, timezone.now()
        fields += ["forwarded_to", "forwarded_at"]
        data["department"] = target.name
    if verb == "complete" and completion is not None:
        done, reason, details = _record_completion(locked, completion)
        fields += done
        data.update(details)
    event = _transition(
        locked, verb, actor=actor, reason=reason, revision=locked.revision, fields=fields, data=data
    )
    _after(locked, verb, actor=actor, reason=event.reason, materials=materials, event=event.pk)
    copy_back(case, locked)
    return event


# A case is approved or completed only once everything accepted "to follow" (容缺) came in.
NEEDS_FOLLOWUPS = frozenset({"approve", "complete"})


def _check_nothing_to_follow(case: Case) -> None:
    waiting = (
        case.materials.filter(state=MaterialState.PENDING)
        .select_related("material")
        .order_by("position", "pk")
    )
    names = [row.material.name for row in waiting]
    if names:
        raise InvalidTransition(
            _(
                "Materials accepted to follow have not come in yet: %(names)s. Record them as "
                "received before the case is approved or completed."
            )
            % {"names": "、".join(names)}
        )


def _after(case: Case, verb: str, *, actor, reason: str, materials: Iterable, event: int) -> None:
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
        notify_resident(case, f"returned:{document.pk}", "case_correction", reason=reason)
    elif verb == "complete":
        subject = _open_for_rating(case, actor)
        notify_resident(case, "completed", "case_completed", link=rating_url(subject.key))
    elif verb == "reject":
        # The department's written decision: the resident is owed it as much as a refusal.
        _document(case, DocumentKind.DECISION, actor=actor, reason=reason, items=[])
        _open_for_rating(case, actor)
        notify_resident(case, "refused", "case_refused", reason=reason)
    elif verb == "refuse":
        _open_for_rating(case, actor)
        notify_resident(case, "refused", "case_refused", reason=reason)
    elif verb in ("suspend", "resume"):
        # A case may be suspended and resume more than once: each time is its own message.
        template = "case_suspended" if verb == "suspend" else "case_resumed"
        sender = message_sender(case)
        notify_resident(case, f"{verb}:{event}", template, reason=reason, sender=sender)


def _open_for_rating(case: Case, actor):
    """A closed case is rated (好差评): the unit rated is the department that decided it when
    it was forwarded, else the community desk that carried it."""
    return do_open_subject(
        SubjectKind.CASE, case.pk, reference=case.receipt, area_code=case.area_code,
        closed_at=case.closed_at or timezone.now(), service=case.service,
        department=case.forwarded_to, handler=actor, resident=case.resident,
    )  # fmt: skip
