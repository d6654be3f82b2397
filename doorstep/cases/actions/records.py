"""What is recorded on a case without moving it: a trip the resident made, a note."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from ..choices import EventKind
from ..errors import field_error as _error
from ..models import Case, CaseEvent
from .common import (
    check_revision,
    copy_back,
    lock_case,
    may_handle,
    may_review,
    record_event,
    save_guarded,
)


@transaction.atomic
def do_record_trip(case: Case, *, actor, note: str = "", revision: int | None = None) -> Case:
    """The resident came in person for something else than materials (to sign, to collect)."""
    locked = lock_case(case)
    if not may_handle(actor, locked):
        raise PermissionDenied(_("You may not take this action on this case."))
    expected = check_revision(locked, revision if revision is not None else case.revision)
    locked.trips += 1
    save_guarded(locked, ["trips"], status=locked.status, revision=expected)
    record_event(
        locked, EventKind.TRIP, actor=actor, reason=note.strip(), data={"trips": locked.trips}
    )
    copy_back(case, locked)
    return locked


@transaction.atomic
def do_add_note(case: Case, *, actor, text: str) -> CaseEvent:
    text = (text or "").strip()
    if not text:
        raise _error("text", _("Write the note."), "required")
    if not (may_handle(actor, case) or may_review(actor, case)):
        raise PermissionDenied(_("You may not take this action on this case."))
    return record_event(case, EventKind.NOTE, actor=actor, reason=text[:2000])
