"""The resident brings materials: recorded (with the trip), and in the same transaction the case
accepted or its stopped clock restarted."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from ..choices import OUTSTANDING, EventKind, MaterialState
from ..errors import InvalidTransition
from ..errors import field_error as _error
from ..materials import material_ids
from ..models import Case, CaseDocument, CaseMaterial
from .common import (
    check_revision,
    copy_back,
    lock_case,
    may_handle,
    now_and_today,
    record_event,
    save_guarded,
)
from .transitions import do_accept, do_transition

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
    copy_back(case, received)
    return Received(received, document)


def _receive(
    case: Case, *, actor, provided: Iterable, in_person: bool, revision: int | None
) -> Case:
    locked = lock_case(case)
    if not may_handle(actor, locked):
        raise PermissionDenied(_("You may not take this action on this case."))
    expected = check_revision(locked, revision if revision is not None else case.revision)
    if locked.is_closed:
        raise InvalidTransition(_("This case is closed."))
    outstanding = {
        row.material_id: row for row in locked.materials.filter(state__in=list(OUTSTANDING))
    }
    ids = material_ids(provided, "provided", set(outstanding)) if outstanding else set()
    if not ids:
        raise _error("provided", _("Tick the materials the resident brought."), "required")
    now, _today = now_and_today()
    CaseMaterial.objects.filter(case=locked, material_id__in=ids).update(
        state=MaterialState.PROVIDED, provided_at=now
    )
    fields = []
    if in_person:
        locked.trips += 1
        fields.append("trips")
    if not locked.materials.filter(state=MaterialState.PENDING).exists():
        locked.pending_deadline = None
        locked.followups_late = False
        fields += ["pending_deadline", "followups_late"]
    save_guarded(locked, fields, status=locked.status, revision=expected)
    names = [outstanding[i].material.name for i in sorted(ids)]
    record_event(locked, EventKind.MATERIALS, actor=actor, at=now, data={"materials": names})
    if in_person:
        record_event(locked, EventKind.TRIP, actor=actor, at=now, data={"trips": locked.trips})
    copy_back(case, locked)
    return locked
