"""Writes of the cases app. Views, the JSON API, commands, tasks and tests all call these.

Every write is atomic and appends a ``CaseEvent`` in the same transaction. A status change is one
guarded UPDATE (``pk``, ``status`` and ``revision`` as read): when another member of staff changed
the case in between, nothing matches and ``CaseChanged`` tells the clerk to reload. Notifications
go to the outbox inside the transaction, so a rolled-back change sends nothing.
"""

from __future__ import annotations

import datetime
import functools
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.catalogue.choices import MaterialSource, Necessity, VersionStatus
from doorstep.catalogue.models import Department, Material, Service
from doorstep.core.prepared import Prepared, int_marker, str_marker
from doorstep.people.roles import HANDLE_CASES
from doorstep.places.scoping import covers

from . import clock
from .choices import (
    OUTSTANDING,
    TRANSITIONS,
    AgentKind,
    CaseStatus,
    DocumentKind,
    EventKind,
    MaterialState,
    Outcome,
    Side,
    Transition,
)
from .models import Case, CaseDocument, CaseEvent, CaseMaterial, reviewer_grants

RECEIPT_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"  # no look-alikes, read out on the phone
RECEIPT_LENGTH = 8  # 25^8 = 1.5e11 a day: a clash is rare, and intake draws again if it happens
RECEIPT_ATTEMPTS = 3


class InvalidTransition(ValidationError):
    def __init__(self, message: str):
        super().__init__(message, code="invalid_transition")


class CaseChanged(ValidationError):
    def __init__(self):
        super().__init__(
            _("Someone else changed this case a moment ago. Reload it to see the change."),
            code="changed",
        )


def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


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


# ---- materials -------------------------------------------------------------------------------


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


@functools.cache
def _certificates(n: int) -> Prepared:
    """A resident's certificates of ``n`` types (one prepared query per number of types)."""
    from doorstep.people.models import Certificate

    def build(variant, resident_id, *type_ids):
        return Certificate.objects.filter(resident_id=resident_id, type_id__in=type_ids).order_by(
            "expires_on"
        )

    return Prepared(build, (int_marker(), *(int_marker() for _ in range(n))))


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
        for cert in _certificates(len(wanted)).run(resident.pk, *sorted(wanted), variant=None):
            if cert.expires_on is None or cert.expires_on >= today:
                held[cert.type_id] = cert
    return [
        ChecklistItem(
            m,
            held.get(m.certificate_type_id) if m.source == MaterialSource.GOVERNMENT else None,
        )
        for m in materials
    ]


def _ids(values: Iterable, field: str, known: set[int]) -> set[int]:
    try:
        ids = {int(v) for v in values or ()}
    except (TypeError, ValueError):
        raise _error(field, _("Pick materials from the list."), "invalid") from None
    if not ids <= known:
        raise _error(field, _("A material is not on this service's list."), "invalid")
    return ids


def _names(items) -> str:
    return "、".join(i.material.name for i in items)


def _not_deferrable(material: Material) -> ValidationError:
    return _error(
        "pending",
        _("Only materials marked “may be supplied later” can follow: %(name)s.")
        % {"name": material.name},
        "not_deferrable",
    )


def _states(
    items: list[ChecklistItem], provided: set[int], pending: set[int]
) -> dict[int, MaterialState]:
    states = {}
    for item in items:
        pk = item.material.pk
        if item.on_file is not None:
            states[pk] = MaterialState.ON_FILE
        elif pk in provided:
            states[pk] = MaterialState.PROVIDED
        elif pk in pending:
            if not item.may_follow:
                raise _not_deferrable(item.material)
            states[pk] = MaterialState.PENDING
        elif item.optional:
            states[pk] = MaterialState.NOT_NEEDED
        else:
            states[pk] = MaterialState.MISSING
    return states


def _items_snapshot(case: Case, states: Iterable[str] = OUTSTANDING) -> list[dict]:
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


def _document(case: Case, kind: str, *, actor, reason: str = "", items=None) -> CaseDocument:
    return CaseDocument.objects.create(
        case=case,
        kind=kind,
        issued_by=actor,
        reason=reason,
        items=_items_snapshot(case) if items is None else items,
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
    names = "、".join(i["name"] for i in _items_snapshot(case))
    _notify(case, event, "case_materials_needed", materials=names)


# ---- intake ----------------------------------------------------------------------------------


@dataclass
class Intake:
    case: Case
    created: bool
    document: CaseDocument | None


def new_receipt(day: datetime.date) -> str:
    """``20261126-K7QXMPAC``: the day, then characters nobody can guess from another receipt."""
    suffix = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))
    return f"{day:%Y%m%d}-{suffix}"


def _agent(actor, kind: str, name: str, phone: str, relation: str, consent: bool) -> dict:
    if kind not in AgentKind.values:
        raise _error("agent_kind", _("Say who brought the matter."), "invalid")
    if kind == AgentKind.SELF:
        return {"agent_kind": kind}
    if not consent:
        raise _error(
            "consent",
            _("Record the resident's consent before anyone handles the matter for them."),
            "consent_required",
        )
    if kind == AgentKind.CLERK:
        name = name or actor.get_full_name() or actor.get_username()
    if not name.strip():
        raise _error("agent_name", _("Give the agent's name."), "required")
    return {
        "agent_kind": kind,
        "agent_name": name.strip()[:40],
        "agent_phone": phone.strip()[:20],
        "agent_relation": relation.strip()[:20],
        "consent": True,
    }


def _check_outcome(
    outcome: str,
    items: list[ChecklistItem],
    states: dict[int, MaterialState],
    *,
    reason: str,
    pending_deadline: datetime.date | None,
    due_on: datetime.date,
    today: datetime.date,
) -> None:
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


def _by_key(variant, handler_id, key):
    # The explicit "not empty" lets SQLite use the partial unique index on (handler, key).
    return (
        Case.objects.filter(handler_id=handler_id, idempotency_key=key)
        .exclude(idempotency_key="")
        .order_by()
        .values_list("pk", flat=True)[:1]
    )


_BY_KEY = Prepared(_by_key, (int_marker(), str_marker()))


def _existing(actor, key: str) -> Intake | None:
    if not key:
        return None
    found = _BY_KEY.run(actor.pk, key)
    if not found:
        return None
    case = Case.objects.get(pk=found[0])
    return Intake(case, False, case.documents.order_by("-pk").first())


def do_intake(
    *,
    actor,
    resident,
    service: Service,
    outcome: str,
    provided: Iterable = (),
    pending: Iterable = (),
    pending_deadline: datetime.date | None = None,
    reason: str = "",
    agent_kind: str = AgentKind.SELF,
    agent_name: str = "",
    agent_phone: str = "",
    agent_relation: str = "",
    consent: bool = False,
    in_person: bool = True,
    idempotency_key: str = "",
    version=None,
) -> Intake:
    """Take in a resident's matter at the desk and settle it at once: accept, accept with
    materials to follow, issue the one-time notice of everything missing, or refuse.

    The same ``idempotency_key`` from the same clerk returns the case made the first time.
    ``version`` is the service's published version when the caller has already read it.
    """
    key = (idempotency_key or "").strip()[:64]
    existing = _existing(actor, key)
    if existing is not None:
        return existing
    if not covers(actor, HANDLE_CASES, resident.area_code):
        raise PermissionDenied(_("This resident lives outside your areas."))
    if outcome not in Outcome.values:
        raise _error("outcome", _("Choose what to do with the matter."), "invalid")
    published = VersionStatus.PUBLISHED
    if version is not None and (version.service_id != service.pk or version.status != published):
        version = None
    if version is None and service is not None and service.is_active:
        # At most one published version per service (a unique constraint): no ordering needed.
        found = service.versions.filter(status=published).order_by()[:1]
        version = next(iter(found), None)
    if version is None or not service.is_active:
        raise _error("service", _("This service cannot be taken in now."), "service_unavailable")
    agent = _agent(actor, agent_kind, agent_name, agent_phone, agent_relation, consent)
    # Everything is read, checked and built before the transaction, which then only writes:
    # on SQLite it holds the database's one write lock, so the shorter the better.
    planned = _plan_intake(
        actor=actor,
        resident=resident,
        service=service,
        version=version,
        outcome=outcome,
        provided=provided,
        pending=pending,
        pending_deadline=pending_deadline,
        reason=reason,
        agent=agent,
        in_person=in_person,
        key=key,
    )
    for attempt in range(RECEIPT_ATTEMPTS):
        try:
            with transaction.atomic():
                return planned.write()
        except IntegrityError:
            # The same key raced in from a second request: the first one's case is the answer.
            # Otherwise a receipt number was drawn twice (rare): draw again.
            existing = _existing(actor, key)
            if existing is not None:
                return existing
            if attempt == RECEIPT_ATTEMPTS - 1:
                raise
            planned.redraw()
    raise AssertionError("unreachable")


def _snapshot(items: list[ChecklistItem], states: dict[int, str]) -> list[dict]:
    """The outstanding materials as a document lists them (see ``_items_snapshot``)."""
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


INTAKE_VERBS = {
    Outcome.ACCEPT: ("accept", DocumentKind.RECEIPT),
    Outcome.ACCEPT_PENDING: ("accept", DocumentKind.PENDING),
    Outcome.NOTICE: ("notify", DocumentKind.NOTICE),
    Outcome.REFUSE: ("refuse", DocumentKind.REFUSAL),
}


@dataclass
class _PlannedIntake:
    """A case settled in memory with everything it writes, waiting for its transaction."""

    case: Case
    document: CaseDocument
    materials: list[CaseMaterial]
    events: list[CaseEvent]
    template: str
    extra: dict
    event: str  # the message's event ("accepted", "refused", "notice")
    message: object = None  # notify.Message, built by ``build``

    def build(self) -> _PlannedIntake:
        from doorstep.notify.outbox import build_message

        self.message = build_message(
            template=self.template,
            context=_message_context(self.case, **self.extra),
            resident=self.case.resident,
        )
        return self

    def redraw(self) -> None:
        """Another receipt number (and so another message text) after a clash."""
        self.case.pk, self.case._state.adding = None, True
        self.case.receipt = new_receipt(timezone.localdate(self.case.created_at))
        self.build()

    def write(self) -> Intake:
        from doorstep.notify.outbox import save_fresh

        case, document = self.case, self.document
        case.save(force_insert=True)
        document.case = case
        document.save(force_insert=True)
        for row in self.materials:
            row.case = case
            if document.kind == DocumentKind.NOTICE and row.state in OUTSTANDING:
                row.notice = document
        CaseMaterial.objects.bulk_create(self.materials)
        for event in self.events:
            event.case = case
        CaseEvent.objects.bulk_create(self.events)
        event = f"notice:{document.pk}" if self.event == "notice" else self.event
        save_fresh(self.message, key=f"case:{case.pk}:{event}")
        return Intake(case, True, document)


def _plan_intake(*, actor, resident, service, version, outcome, provided, pending,
                 pending_deadline, reason, agent, in_person, key) -> _PlannedIntake:  # fmt: skip
    """Intake is one transition from a draft that never needs to be stored: the case is built
    in memory, moved by the state machine, and inserted once in its settled state, with its
    materials, its events (taken in, trip, the transition), its document and its message."""
    now, today = _now_and_today()
    items = checklist(resident, version, today)
    known = {i.material.pk for i in items}
    provided_ids = _ids(provided, "provided", known)
    pending_ids = (
        _ids(pending, "pending", known) - provided_ids
        if outcome == Outcome.ACCEPT_PENDING
        else set()
    )
    states = _states(items, provided_ids, pending_ids)
    limit = version.promised_limit_days
    _check_outcome(
        outcome,
        items,
        states,
        reason=reason,
        pending_deadline=pending_deadline,
        due_on=clock.add_working_days(today, limit),
        today=today,
    )
    case = Case(
        receipt=new_receipt(today),
        resident=resident,
        area_code=resident.area_code,
        service=service,
        version=version,
        department=service.department,
        handler=actor,
        created_at=now,
        idempotency_key=key,
        trips=1 if in_person else 0,
        max_trips=version.max_trips,
        **agent,
    )
    verb, kind = INTAKE_VERBS[Outcome(outcome)]
    deadline = pending_deadline if outcome == Outcome.ACCEPT_PENDING else None
    prepare = _start_clock(deadline) if verb == "accept" else None
    _old, _changed, transition = _apply(
        case, verb, actor=actor, reason=reason, now=now, today=today, prepare=prepare
    )
    case.revision += 1  # taken in (1), then settled by the transition (2)
    document = CaseDocument(
        kind=kind,
        issued_at=now,
        issued_by=actor,
        reason=transition.reason if outcome == Outcome.REFUSE else "",
        items=[] if outcome == Outcome.REFUSE else _snapshot(items, states),
        due_on=case.due_on,
        deadline=case.pending_deadline,
    )
    materials = [
        CaseMaterial(
            material=i.material,
            position=n,
            state=states[i.material.pk],
            certificate=i.on_file,
            provided_at=now if states[i.material.pk] == MaterialState.PROVIDED else None,
        )
        for n, i in enumerate(items)
    ]
    events = [CaseEvent(kind=EventKind.CREATED, actor=actor, at=now,
                        data={"outcome": outcome, **agent})]  # fmt: skip
    if in_person:
        events.append(CaseEvent(kind=EventKind.TRIP, actor=actor, at=now, data={"trips": 1}))
    events.append(transition)
    if outcome == Outcome.REFUSE:
        template, event, extra = "case_refused", "refused", {"reason": transition.reason}
    elif outcome == Outcome.NOTICE:
        names = "、".join(item["name"] for item in document.items)
        template, event, extra = "case_materials_needed", "notice", {"materials": names}
    else:
        template, event, extra = "case_accepted", "accepted", {}
    return _PlannedIntake(case, document, materials, events, template, extra, event).build()


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


@transaction.atomic
def do_receive_materials(
    case: Case,
    *,
    actor,
    provided: Iterable,
    in_person: bool = True,
    revision: int | None = None,
) -> Case:
    """The resident brought (some of) what was missing or due to follow."""
    locked = _lock(case)
    if not may_handle(actor, locked):
        raise PermissionDenied(_("You may not take this action on this case."))
    expected = _check_revision(locked, revision if revision is not None else case.revision)
    if locked.is_closed:
        raise InvalidTransition(_("This case is closed."))
    outstanding = {
        row.material_id: row for row in locked.materials.filter(state__in=list(OUTSTANDING))
    }
    ids = _ids(provided, "provided", set(outstanding)) if outstanding else set()
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
    pending_ids = _ids(pending, "pending", known)
    items, states = [], {}
    for row in rows:
        items.append(ChecklistItem(row.material, row.certificate))
        state = MaterialState(row.state)
        if row.material_id in pending_ids and state in OUTSTANDING:
            if row.material.necessity != Necessity.LATER:
                raise _not_deferrable(row.material)
            state = MaterialState.PENDING
        states[row.material_id] = state
    outcome = Outcome.ACCEPT_PENDING if pending_ids else Outcome.ACCEPT
    _now, today = _now_and_today()
    due = clock.add_working_days(today, locked.version.promised_limit_days)
    _check_outcome(outcome, items, states, reason="", pending_deadline=pending_deadline,
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
    ids = _ids(materials, "materials", set(rows))
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
    items = [i for i in _items_snapshot(locked) if i["name"] in added]
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
        ids = _ids(materials, "materials", set(rows))
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
