"""What leads and reviewers do over a case without moving it through the state machine: an
extension of its time limit (延期: asked for with a reason, decided by someone else) and the
supervision flag (督办). Suspension (中止) is a transition (``suspend`` / ``resume``): the clock
stops with it like any other stop.

Each verb locks the case, writes its ``CaseEvent`` and, when the case's columns change, saves
them with the guarded UPDATE, so a page showing the old due date must reload before it acts.
An approved extension tells the resident the new due date (as a suspension and its end do).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from .. import clock
from ..choices import CLOSED, EventKind, ExtensionStatus
from ..errors import InvalidTransition
from ..errors import field_error as _error
from ..models import Case, Extension
from .common import (
    check_revision,
    copy_back,
    lock_case,
    may_handle,
    may_lead,
    may_review,
    message_sender,
    notify_resident,
    now_and_today,
    record_event,
    save_guarded,
)

# At most this many working days in one extension (a longer delay is a new decision).
MAX_EXTENSION_DAYS = 60


def may_ask_extension(user, case: Case) -> bool:
    """The desk carrying the case, or the reviewer of the department it was forwarded to."""
    return may_handle(user, case) or may_review(user, case)


def may_decide_extension(user, case: Case) -> bool:
    """A lead over the case's area, or the reviewer of the department it was forwarded to."""
    return may_lead(user, case) or may_review(user, case)


def _clean_reason(reason: str, message: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise _error("reason", message, "reason_required")
    return reason[:2000]


def _check_extendable(case: Case) -> None:
    if case.status in CLOSED:
        raise InvalidTransition(_("A closed case cannot be extended."))
    if case.accepted_on is None or case.due_on is None:
        raise InvalidTransition(_("Only an accepted case has a time limit to extend."))


def _days(days) -> int:
    try:
        n = int(days)
    except (TypeError, ValueError):
        n = 0
    if not 1 <= n <= MAX_EXTENSION_DAYS:
        raise _error(
            "days",
            _("Give a number of working days from 1 to %(n)d.") % {"n": MAX_EXTENSION_DAYS},
            "invalid",
        )
    return n


@transaction.atomic
def do_request_extension(
    case: Case, *, actor, days, reason: str, revision: int | None = None
) -> Extension:
    """Ask for ``days`` more working days on the case's time limit, with the reason. It waits
    for a lead's (or the department's) approval; only one request waits at a time."""
    locked = lock_case(case)
    if not may_ask_extension(actor, locked):
        raise PermissionDenied(_("You may not take this action on this case."))
    expected = check_revision(locked, revision if revision is not None else case.revision)
    _check_extendable(locked)
    n = _days(days)
    reason = _clean_reason(reason, _("Give the reason for the extension."))
    if locked.extensions.filter(status=ExtensionStatus.PENDING).exists():
        raise InvalidTransition(_("An extension of this case is already waiting for approval."))
    now, _today = now_and_today()
    extension = Extension.objects.create(
        case=locked, days=n, reason=reason, requested_by=actor, requested_at=now,
        due_was=locked.due_on,
    )  # fmt: skip
    save_guarded(locked, [], status=locked.status, revision=expected)  # pages showing it reload
    record_event(locked, EventKind.EXTENSION, actor=actor, at=now, verb="requested",
                 reason=reason, data={"days": n, "extension": extension.pk})  # fmt: skip
    copy_back(case, locked)
    return extension


@transaction.atomic
def do_decide_extension(
    extension: Extension, *, actor, approve: bool, note: str = "", revision: int | None = None
) -> Extension:
    """Approve (the time limit grows by the days asked, and both dates move) or turn down a
    waiting extension. Whoever asked for it cannot decide it; a refusal needs a reason."""
    locked = lock_case(extension.case)
    if not may_decide_extension(actor, locked):
        raise PermissionDenied(_("You may not take this action on this case."))
    current = Extension.objects.select_for_update().get(pk=extension.pk, case=locked)
    if current.status != ExtensionStatus.PENDING:
        raise InvalidTransition(_("This extension was already decided."))
    if current.requested_by_id == actor.pk:
        raise PermissionDenied(_("Someone else must approve an extension you asked for."))
    expected = check_revision(locked, revision if revision is not None else locked.revision)
    note = (note or "").strip()[:2000]
    if not approve and not note:
        raise _error("note", _("Say why the extension is not approved."), "reason_required")
    now, today = now_and_today()
    if approve:
        _check_extendable(locked)
        due_was = locked.due_on
        fields = clock.extend(locked, current.days)
        if locked.due_on >= today and locked.overdue_at is not None:
            locked.overdue_at = None  # no longer overdue: the sweep may mark it again later
            fields.append("overdue_at")
        save_guarded(locked, fields, status=locked.status, revision=expected)
        current.due_was, current.due_after = due_was, locked.due_on
    else:
        save_guarded(locked, [], status=locked.status, revision=expected)
    current.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED
    current.decided_by, current.decided_at, current.note = actor, now, note
    current.save(update_fields=["status", "decided_by", "decided_at", "note", "due_was",
                                "due_after"])  # fmt: skip
    data = {"days": current.days, "extension": current.pk}
    if approve:
        data.update(due_was=str(current.due_was), due_on=str(locked.due_on))
    record_event(locked, EventKind.EXTENSION, actor=actor, at=now,
                 verb="approved" if approve else "rejected", reason=note, data=data)  # fmt: skip
    if approve:  # the resident reads the new due date and why (the reason asked with it)
        notify_resident(locked, f"extension:{current.pk}", "case_extended",
                        reason=current.reason, sender=message_sender(locked))  # fmt: skip
    copy_back(extension.case, locked)
    extension.__dict__.update(
        {f.attname: getattr(current, f.attname) for f in Extension._meta.concrete_fields}
    )
    return current


@transaction.atomic
def do_set_supervision(
    case: Case, *, actor, on: bool, reason: str = "", revision: int | None = None
) -> Case:
    """Put the case under a lead's supervision (督办), with the reason, or lift it."""
    locked = lock_case(case)
    if not may_lead(actor, locked):
        raise PermissionDenied(_("Only a lead over this case's area may supervise it."))
    expected = check_revision(locked, revision if revision is not None else case.revision)
    if on and locked.status in CLOSED:
        raise InvalidTransition(_("A closed case cannot be put under supervision."))
    if locked.supervised == on:
        raise InvalidTransition(
            _("This case is already under supervision.")
            if on
            else _("This case is not under supervision.")
        )
    reason = (reason or "").strip()[:2000]
    if on and not reason:
        raise _error("reason", _("Say what the lead asks for."), "reason_required")
    locked.supervised = on
    save_guarded(locked, ["supervised"], status=locked.status, revision=expected)
    record_event(locked, EventKind.SUPERVISION, actor=actor,
                 verb="supervise" if on else "unsupervise", reason=reason)  # fmt: skip
    copy_back(case, locked)
    return locked
