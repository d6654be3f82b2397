"""The materials of a case: the checklist intake ticks (with the certificates on record), the
states a checklist's answers put them in, the rules of each intake outcome, and the lists that
notices and receipts print."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.catalogue.choices import MaterialSource, Necessity, VersionStatus
from doorstep.catalogue.models import Material
from doorstep.people.models import Certificate

from .choices import OUTSTANDING, MaterialState, Outcome
from .errors import field_error as _error
from .models import Case


@dataclass
class ChecklistItem:
    material: Material
    on_file: object | None  # the Certificate that satisfies it, if any

    @property
    def may_follow(self) -> bool:
        return self.material.necessity == Necessity.LATER

    @property
    def optional(self) -> bool:
        return self.material.necessity == Necessity.OPTIONAL


@functools.lru_cache(maxsize=512)
def _published_materials(version_id: int, published_at) -> tuple[Material, ...]:
    # Keyed by the publication time too: an id reused after a rolled-back publication (or
    # between tests) is another version.
    return tuple(Material.objects.filter(version_id=version_id).order_by("position", "pk"))


def version_materials(version) -> list[Material]:
    """The materials of ``version``. A published version can never change (catalogue models
    refuse it), so its list is read once per process; a draft's is read every time."""
    if version.status == VersionStatus.PUBLISHED:
        return list(_published_materials(version.pk, version.published_at))
    return list(version.materials.order_by("position", "pk"))


def checklist(resident, version, today: datetime.date | None = None) -> list[ChecklistItem]:
    """The materials of ``version``, with the certificates ``resident`` already holds for those
    issued by government (valid on ``today``): those are never asked for."""

    today = today or timezone.localdate()
    materials = version_materials(version)
    wanted = {
        m.certificate_type_id
        for m in materials
        if m.source == MaterialSource.GOVERNMENT and m.certificate_type_id
    }
    held: dict[int, object] = {}
    if wanted:
        certificates = Certificate.objects.filter(resident_id=resident.pk, type_id__in=wanted)
        for cert in certificates.order_by("expires_on"):
            if cert.expires_on is None or cert.expires_on >= today:
                held[cert.type_id] = cert
    return [
        ChecklistItem(
            m,
            held.get(m.certificate_type_id) if m.source == MaterialSource.GOVERNMENT else None,
        )
        for m in materials
    ]


def material_ids(values: Iterable, field: str, known: set[int]) -> set[int]:
    """The material ids a form or request ticked in ``field``, each one of ``known``; a bad
    value or a material not on the list is a field error on ``field``."""
    try:
        ids = {int(v) for v in values or ()}
    except (TypeError, ValueError):
        raise _error(field, _("Pick materials from the list."), "invalid") from None
    if not ids <= known:
        raise _error(field, _("A material is not on this service's list."), "invalid")
    return ids


def _names(items) -> str:
    return "、".join(i.material.name for i in items)


def not_deferrable(material: Material) -> ValidationError:
    """The error for ``material`` ticked to follow when it may not."""
    return _error(
        "pending",
        _("Only materials marked “may be supplied later” can follow: %(name)s.")
        % {"name": material.name},
        "not_deferrable",
    )


def checklist_states(
    items: list[ChecklistItem], provided: set[int], pending: set[int]
) -> dict[int, MaterialState]:
    """The state each checklist item is in once the clerk ticked ``provided`` and ``pending``:
    a certificate on file wins, an optional material nobody brought is not needed."""
    states = {}
    for item in items:
        pk = item.material.pk
        if item.on_file is not None:
            states[pk] = MaterialState.ON_FILE
        elif pk in provided:
            states[pk] = MaterialState.PROVIDED
        elif pk in pending:
            if not item.may_follow:
                raise not_deferrable(item.material)
            states[pk] = MaterialState.PENDING
        elif item.optional:
            states[pk] = MaterialState.NOT_NEEDED
        else:
            states[pk] = MaterialState.MISSING
    return states


def case_document_items(case: Case, states: Iterable[str] = OUTSTANDING) -> list[dict]:
    """The case's materials in ``states`` as a document (notice, receipt) lists them."""
    rows = (
        case.materials.select_related("material")
        .filter(state__in=list(states))
        .order_by("position", "pk")
    )
    return [
        {
            "name": row.material.name,
            "necessity": row.material.necessity,
            "form": row.material.form,
            "originals": row.material.originals,
            "copies": row.material.copies,
            "state": row.state,
            "reason": row.added_reason,
        }
        for row in rows
    ]


def check_outcome(
    outcome: str,
    items: list[ChecklistItem],
    states: dict[int, MaterialState],
    *,
    reason: str,
    pending_deadline: datetime.date | None,
    due_on: datetime.date,
    today: datetime.date,
) -> None:
    """Refuse an intake (or acceptance) ``outcome`` the materials' ``states`` do not allow: an
    acceptance with something missing, a notice with nothing missing, materials to follow
    without a deadline within the promised date, a refusal without a reason."""
    missing = [i for i in items if states[i.material.pk] == MaterialState.MISSING]
    pending = [i for i in items if states[i.material.pk] == MaterialState.PENDING]
    if outcome == Outcome.REFUSE:
        if not reason.strip():
            raise _error("reason", _("A refusal needs a reason."), "reason_required")
        return
    if outcome == Outcome.NOTICE:
        if not missing and not pending:
            raise _error(
                "outcome",
                _("Nothing is missing: accept the case instead of issuing a notice."),
                "nothing_missing",
            )
        return
    if missing:
        raise _error(
            "provided",
            _("These materials are missing: %(names)s. Issue a one-time notice instead.")
            % {"names": _names(missing)},
            "materials_missing",
        )
    if outcome == Outcome.ACCEPT and pending:
        raise _error(
            "pending",
            _(
                "Some materials are to follow: choose acceptance with materials to follow "
                "(容缺受理)."
            ),
            "pending_needs_outcome",
        )
    if outcome == Outcome.ACCEPT_PENDING:
        if not pending:
            raise _error("pending", _("Tick the materials that will follow."), "required")
        if pending_deadline is None:
            raise _error(
                "pending_deadline", _("Give the date the materials must follow by."), "required"
            )
        if not today <= pending_deadline <= due_on:
            raise _error(
                "pending_deadline",
                _("The deadline must lie between today and the promised date, %(due)s.")
                % {"due": due_on.isoformat()},
                "deadline_out_of_range",
            )


def checklist_document_items(items: list[ChecklistItem], states: dict[int, str]) -> list[dict]:
    """The outstanding materials as a document lists them (see ``case_document_items``)."""
    return [
        {
            "name": i.material.name,
            "necessity": i.material.necessity,
            "form": i.material.form,
            "originals": i.material.originals,
            "copies": i.material.copies,
            "state": states[i.material.pk],
            "reason": "",
        }
        for i in items
        if states[i.material.pk] in OUTSTANDING
    ]
