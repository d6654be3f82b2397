"""Intake at the desk: a resident's matter taken in and settled at once (accept, accept with
materials to follow, one-time notice, refuse), idempotently, in one write-only transaction; when
it answers an application from another system, that application is taken in in the same
transaction."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.catalogue.choices import VersionStatus
from doorstep.catalogue.models import Service
from doorstep.staff.roles import HANDLE_CASES
from doorstep.staff.scoping import covers

from .. import clock
from ..choices import OUTSTANDING, AgentKind, DocumentKind, EventKind, MaterialState, Outcome
from ..errors import field_error as _error
from ..materials import (
    check_outcome,
    checklist,
    checklist_document_items,
    checklist_states,
    material_ids,
)
from ..models import Case, CaseDocument, CaseEvent, CaseMaterial, RemoteApplication
from .applications import check_for_intake, claim_for_case
from .common import apply_transition, message_context, now_and_today, start_clock

RECEIPT_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"  # no look-alikes, read out on the phone
RECEIPT_LENGTH = 8  # 25^8 = 1.5e11 a day: a clash is rare, and intake draws again if it happens
RECEIPT_ATTEMPTS = 3


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


def _existing(actor, key: str) -> Intake | None:
    if not key:
        return None
    # The explicit "not empty" lets SQLite use the partial unique index on (handler, key).
    found = (
        Case.objects.filter(handler_id=actor.pk, idempotency_key=key)
        .exclude(idempotency_key="")
        .order_by()[:1]
    )
    case = next(iter(found), None)
    if case is None:
        return None
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
    application: RemoteApplication | None = None,
) -> Intake:
    """Take in a resident's matter at the desk and settle it at once: accept, accept with
    materials to follow, issue the one-time notice of everything missing, or refuse.

    The same ``idempotency_key`` from the same clerk returns the case made the first time.
    ``version`` is the service's published version when the caller has already read it.
    ``application``: the application from another system this intake answers. It must be
    pending (as read), for ``service`` and for a compound in the clerk's areas; it becomes
    taken in, with this case, in the intake's transaction, and if someone else took it in or
    declined it meanwhile the intake fails (``ApplicationChanged``) and writes nothing.
    """
    key = (idempotency_key or "").strip()[:64]
    try:
        planned = _checked_plan(
            actor, resident, service, outcome, version, key, provided=provided,
            pending=pending, pending_deadline=pending_deadline, reason=reason,
            agent=(agent_kind, agent_name, agent_phone, agent_relation, consent),
            in_person=in_person, application=application,
        )  # fmt: skip
    except (PermissionDenied, ValidationError):
        # A retry's body is not even looked at once its key is known: the first case answers.
        existing = _existing(actor, key)
        if existing is not None:
            return existing
        raise
    # The key is not looked up first: the partial unique constraint on (handler, key) refuses
    # a second case, and the first one is then the answer. (A read fewer on every intake.)
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
    application: RemoteApplication | None = None  # taken in by the same transaction

    def build(self) -> _PlannedIntake:
        from doorstep.notify.outbox import build_message

        self.message = build_message(
            template=self.template,
            context=message_context(self.case, **self.extra),
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
        if self.application is not None:  # last: a failure before it leaves the row untouched
            claim_for_case(self.application, case=case, actor=case.handler, now=case.created_at)
        return Intake(case, True, document)


def _checked_plan(actor, resident, service, outcome, version, key, *, agent: tuple,
                  application=None, **fields) -> _PlannedIntake:  # fmt: skip
    """Intake checked (areas, outcome, service, agent) and planned, before anything is
    written; ``fields`` go to ``_plan_intake`` as they are."""
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
    if application is not None:
        check_for_intake(application, actor=actor, service=service)
    # Everything is read, checked and built before the transaction, which then only writes:
    # on SQLite it holds the database's one write lock, so the shorter the better.
    planned = _plan_intake(
        actor=actor,
        resident=resident,
        service=service,
        version=version,
        outcome=outcome,
        agent=_agent(actor, *agent),
        key=key,
        **fields,
    )
    if application is not None:
        planned.application = application
        planned.events[0].data["application"] = application.pk
    return planned


def _plan_intake(*, actor, resident, service, version, outcome, provided, pending,
                 pending_deadline, reason, agent, in_person, key) -> _PlannedIntake:  # fmt: skip
    """Intake is one transition from a draft that never needs to be stored: the case is built
    in memory, moved by the state machine, and inserted once in its settled state, with its
    materials, its events (taken in, the transition), its document and its message."""
    now, today = now_and_today()
    items = checklist(resident, version, today)
    known = {i.material.pk for i in items}
    provided_ids = material_ids(provided, "provided", known)
    pending_ids = (
        material_ids(pending, "pending", known) - provided_ids
        if outcome == Outcome.ACCEPT_PENDING
        else set()
    )
    states = checklist_states(items, provided_ids, pending_ids)
    limit = version.promised_limit_days
    check_outcome(
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
        trips=0,  # the visit that takes the case in is not a trip back (``TOO_MANY_TRIPS_Q``)
        max_trips=version.max_trips,
        **agent,
    )
    verb, kind = INTAKE_VERBS[Outcome(outcome)]
    deadline = pending_deadline if outcome == Outcome.ACCEPT_PENDING else None
    prepare = start_clock(deadline) if verb == "accept" else None
    _old, _changed, transition = apply_transition(
        case, verb, actor=actor, reason=reason, now=now, today=today, prepare=prepare
    )
    case.revision += 1  # taken in (1), then settled by the transition (2)
    document = CaseDocument(
        kind=kind,
        issued_at=now,
        issued_by=actor,
        reason=transition.reason if outcome == Outcome.REFUSE else "",
        items=[] if outcome == Outcome.REFUSE else checklist_document_items(items, states),
        due_on=case.due_on,
        due_provisional=case.due_provisional,
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
                        data={"outcome": outcome, "in_person": in_person, **agent})]  # fmt: skip
    events.append(transition)
    if outcome == Outcome.REFUSE:
        template, event, extra = "case_refused", "refused", {"reason": transition.reason}
    elif outcome == Outcome.NOTICE:
        names = "、".join(item["name"] for item in document.items)
        template, event, extra = "case_materials_needed", "notice", {"materials": names}
    else:
        template, event, extra = "case_accepted", "accepted", {}
    return _PlannedIntake(case, document, materials, events, template, extra, event).build()
