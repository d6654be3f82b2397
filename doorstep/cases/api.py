"""Cases in JSON: intake at the desk, lists, one case, the checklist, transitions, materials,
acceptance, notices, files, and the public tracking lookup.

Every write is one call of one action in ``cases.actions``, after pydantic has read the request
strictly: a wrong type, an unknown service or department or an oversize string is a 400 before
anything is written. ``changed`` (someone else changed the case) and
``invalid_transition`` are 409; a case the user may see but not act on is 403, one they may not
see is 404. Lists are filtered by ``CaseFilterSet``, the list page's own filters.
"""

from __future__ import annotations

import datetime
import functools
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.files import UploadedFile

from doorstep.catalogue.choices import VersionStatus
from doorstep.catalogue.models import Department, Service, ServiceVersion
from doorstep.core import phone
from doorstep.core.errors import field_error
from doorstep.core.rest.errors import ApiError, error, errors
from doorstep.core.rest.pagination import LIMIT_DEFAULT, LIMIT_MAX, keyset_page
from doorstep.core.rest.types import Bool, Day, Id, IdList, Input, Int, QueryId, QueryText, text
from doorstep.core.throttle import client_address
from doorstep.people.access import access_resident
from doorstep.workdays.calendar import is_provisional

from . import actions, clock, tracking
from .access import access_application, access_case, access_intake_resident
from .actions.attachments import declared_too_large
from .actions.attachments import too_large_message as attachment_too_large_message
from .choices import (
    OUTSTANDING,
    TRANSITIONS,
    AgentKind,
    CaseStatus,
    Clock,
    Delivery,
    DocumentKind,
    EventKind,
    MaterialState,
    Outcome,
    Result,
)
from .filters import CaseFilterSet
from .forms import TrackForm
from .materials import checklist as material_checklist
from .models import Attachment, Case, CaseDocument, CaseEvent, CaseMaterial

PROVISIONAL = (
    "True when the due date was counted across a year whose official holiday schedule is not "
    "entered yet (statutory public holidays only): it may still move, and is recounted when "
    "the schedule is entered."
)

router = Router(tags=["cases"])

REASON_MAX = 2000  # a reason or note is a few sentences; the notice prints it whole
KEY_MAX = 64  # Case.idempotency_key: longer keys are refused, never cut (two would merge)
# Event details staff may read in the API: what the case page shows. The agent's phone, which
# the "created" event also records, stays out.
EVENT_DATA = ("outcome", "agent_kind", "department", "materials", "added", "trips", "name",
              "days", "due_was", "due_on", "result", "delivery", "certificate_no",
              "tracking_no")  # fmt: skip
SUMMARY_RELATED = ("service", "department", "forwarded_to", "resident", "handler")

Code = text(40)
Reason = text(REASON_MAX)
Key = text(KEY_MAX)
AgentName = text(40)
AgentPhone = text(20)
Relation = text(20)
CertificateNo = text(60)
TrackingNo = text(40)

# ---- schemas -----------------------------------------------------------------------------------


class Label(Schema):
    code: str
    label: str
    colour: str | None = None


class Named(Schema):
    code: str
    name: str


class ResidentRef(Schema):
    id: int
    name: str


class DocumentOut(Schema):
    id: int
    kind: str
    label: str
    issued_at: datetime.datetime | None
    due_on: datetime.date | None
    due_provisional: bool = Field(description=PROVISIONAL)
    deadline: datetime.date | None
    reason: str
    pdf_url: str


class CaseSummary(Schema):
    id: int
    receipt: str
    status: Label
    clock: Label
    service: Named | None
    department: Named | None
    forwarded_to: Named | None
    resident: ResidentRef
    handler: str | None
    created_at: datetime.datetime
    accepted_on: datetime.date | None
    due_on: datetime.date | None
    due_provisional: bool = Field(description=PROVISIONAL)
    remaining_working_days: int | None
    pending_deadline: datetime.date | None
    followups_late: bool = Field(
        description="A material accepted to follow (容缺) did not come in by pending_deadline."
    )
    trips: int = Field(description="Times the resident had to come back after intake.")
    max_trips: int | None
    too_many_trips: bool
    limit_days: int | None = Field(
        description="The time limit in working days, approved extensions included."
    )
    extended_days: int = Field(description="Working days added by approved extensions (延期).")
    supervised: bool = Field(description="Under a lead's supervision (督办).")
    result: Label | None = Field(description="Granted or not, once completed (办结).")
    revision: int


class Taken(CaseSummary):
    document: DocumentOut | None


class CasePage(Schema):
    results: list[CaseSummary]
    next: str | None = Field(description="The `after` of the next page; null on the last.")


class Agent(Schema):
    kind: str
    name: str
    phone: str
    relation: str
    consent: bool


class OnFile(Schema):
    type: str
    expires_on: datetime.date | None


class MaterialRow(Schema):
    id: int = Field(description="The material's id, as `provided`, `pending`, `materials` take.")
    name: str
    necessity: str
    originals: int
    copies: int
    state: Label
    on_file: OnFile | None
    added_reason: str
    provided_at: datetime.datetime | None


class EventOut(Schema):
    at: datetime.datetime
    kind: Label
    verb: str
    from_: str = Field(alias="from")
    to: str
    reason: str
    by: str | None
    data: dict[str, Any]


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    material: int | None
    uploaded_at: datetime.datetime | None = None
    url: str | None = None


class VerbOut(Schema):
    verb: str
    label: str
    needs_reason: bool
    side: str


class CaseDetail(CaseSummary):
    agent: Agent
    materials: list[MaterialRow]
    documents: list[DocumentOut]
    events: list[EventOut]
    attachments: list[AttachmentOut]
    verbs: list[VerbOut]
    may_handle: bool
    may_review: bool


class AfterWrite(Schema):
    case: CaseDetail
    event: EventOut | None = None
    document: DocumentOut | None = None


class AgentIn(Input):
    kind: Literal[tuple(AgentKind.values)] = AgentKind.SELF  # type: ignore[valid-type]
    name: AgentName = ""
    phone: AgentPhone = ""
    relation: Relation = ""
    consent: Bool = False


class IntakeIn(Input):
    resident: Id
    service: Code
    outcome: Literal[tuple(Outcome.values)]  # type: ignore[valid-type]
    provided: IdList = []
    pending: IdList = []
    pending_deadline: Day | None = None
    reason: Reason = ""
    in_person: Bool = True
    idempotency_key: Key = Field(
        "", description="Or the `Idempotency-Key` header: a retried request makes one case."
    )
    agent: AgentIn | None = None
    application: Id | None = Field(
        None,
        description="An application from another system (Open311) that this intake answers: "
        "it must be waiting, for this service; it is taken in with the case.",
    )


class CaseListParams(Schema):
    """Documented here; read by ``CaseFilterSet`` (the list page's filters) from the query."""

    q: QueryText | None = Field(
        None,
        description="The resident: name (prefix), pinyin or its initials, or the last 4 of the "
        "ID or mobile number. A whole ID or mobile number is refused (400): it would stay in "
        "URLs and logs.",
    )
    receipt: QueryText | None = Field(None, description="Part of a receipt number.")
    community: QueryText | None = Field(None, description="A community's area code.")
    department: QueryText | None = Field(None, description="A department's code.")
    status: QueryText | None = Field(None, description="Statuses, comma-separated.")
    clock: Literal["overdue", "due_soon", "paused"] | None = None
    trips: bool | None = Field(None, description="Only cases over their trip limit.")
    queue: bool | None = Field(None, description="Only cases waiting for my department.")
    supervised: bool | None = Field(None, description="Only cases under supervision (督办).")
    extension: bool | None = Field(None, description="Only cases with an extension waiting.")
    area: QueryText | None = Field(None, description="An area code and everything under it.")
    accepted: bool | None = Field(None, description="Only cases whose clock ran (accepted).")
    taken_from: datetime.date | None = Field(None, description="Taken in on or after (local).")
    taken_to: datetime.date | None = Field(None, description="Taken in on or before (local).")
    due_from: datetime.date | None = Field(None, description="Due on or after.")
    due_to: datetime.date | None = Field(None, description="Due on or before.")
    closed_from: datetime.date | None = Field(None, description="Closed on or after (local).")
    closed_to: datetime.date | None = Field(None, description="Closed on or before (local).")
    limit: int = Field(LIMIT_DEFAULT, ge=1, le=2**31, description=f"At most {LIMIT_MAX}.")
    after: QueryText | None = Field(None, description="The `next` of the previous page.")


class ChecklistParams(Schema):
    resident: QueryId
    service: QueryText = Field(max_length=40)


class ChecklistItemOut(Schema):
    id: int
    name: str
    necessity: str
    source: str
    originals: int
    copies: int
    may_follow: bool
    optional: bool
    on_file: OnFile | None


class ChecklistOut(Schema):
    service: Named
    version: int
    promised_limit_days: int | None
    due_on_if_accepted_today: datetime.date | None
    due_provisional: bool = Field(description=PROVISIONAL)
    max_trips: int | None
    materials: list[ChecklistItemOut]


class CompletionIn(Input):
    result: Literal[tuple(Result.values)] | Literal[""] = ""  # type: ignore[valid-type]
    reason: Reason = Field("", description="Required when the result is `denied`.")
    certificate_no: CertificateNo = ""
    delivery: Literal[tuple(Delivery.values)] | Literal[""] = ""  # type: ignore[valid-type]
    tracking_no: TrackingNo = Field("", description="Required when `delivery` is `mail`.")


class TransitionIn(Input):
    verb: Literal[tuple(TRANSITIONS)]  # type: ignore[valid-type]
    reason: Reason = ""
    revision: Int | None = None
    department: Code | None = None
    materials: IdList = []
    completion: CompletionIn | None = Field(
        None, description="The result of a `complete` (required for it)."
    )


class ExtensionIn(Input):
    days: Int
    reason: Reason = ""
    revision: Int | None = None


class DecisionIn(Input):
    approve: Bool
    note: Reason = ""
    revision: Int | None = None


class SupervisionIn(Input):
    on: Bool
    reason: Reason = ""
    revision: Int | None = None


class ReceiveIn(Input):
    provided: IdList = []
    in_person: Bool = True
    revision: Int | None = None
    then: Literal[tuple(actions.RECEIVE_THEN)] = Field(  # type: ignore[valid-type]
        "", description="`accept` the case or restart its clock (`supply`) in the same go."
    )
    pending: IdList = Field([], description="With `accept`: materials that may follow.")
    pending_deadline: Day | None = None


class AcceptIn(Input):
    pending: IdList = []
    pending_deadline: Day | None = None
    revision: Int | None = None


class NoticeIn(Input):
    materials: IdList = []
    reason: Reason = ""
    revision: Int | None = None


class TrackParams(Schema):
    receipt: QueryText = Field("", max_length=100)
    phone_last4: QueryText = Field("", max_length=100)
    id_last4: QueryText = Field(
        "", max_length=100, description="For a resident without a mobile: the ID number's last 4."
    )
    name: QueryText = Field(
        "", max_length=100, description="For a resident without a mobile: the applicant's name."
    )


class TimelineItem(Schema):
    label: str
    at: datetime.datetime | datetime.date | None = None


class Tracked(Schema):
    receipt: str
    service: str
    initials: str
    status: Label
    clock: Label
    accepted_on: datetime.date | None
    due_on: datetime.date | None
    due_provisional: bool = Field(description=PROVISIONAL)
    pending_deadline: datetime.date | None
    outstanding: list[str]
    timeline: list[dict[str, Any]]
    rating_url: str = Field(
        description="The rating page (好差评) of a closed case not yet rated, while rating is "
        "open; empty otherwise."
    )


# ---- writing the response ----------------------------------------------------------------------


def _label(choices, value: str) -> dict:
    choice = choices(value)
    item = {"code": choice.value, "label": str(choice.label)}
    if hasattr(choice, "colour"):
        item["colour"] = choice.colour
    return item


def _named(obj) -> dict | None:
    return None if obj is None else {"code": obj.code, "name": obj.name}


def _person(user) -> str | None:
    return None if user is None else user.get_full_name() or user.get_username()


def _document(document: CaseDocument | None) -> dict | None:
    if document is None:
        return None
    return {
        "id": document.pk,
        "kind": document.kind,
        "label": str(DocumentKind(document.kind).label),
        "issued_at": document.issued_at,
        "due_on": document.due_on,
        "due_provisional": document.due_provisional,
        "deadline": document.deadline,
        "reason": document.reason,
        "pdf_url": reverse("cases-document-pdf", args=[document.case_id, document.pk]),
    }


def case_summary(case: Case, today: datetime.date) -> dict:
    """A case as lists show it. Needs ``SUMMARY_RELATED`` loaded with it."""
    return {
        "id": case.pk,
        "receipt": case.receipt,
        "status": _label(CaseStatus, case.status),
        "clock": _label(Clock, case.clock(today)),
        "service": _named(case.service),
        "department": _named(case.department),
        "forwarded_to": _named(case.forwarded_to),
        "resident": {"id": case.resident_id, "name": case.resident.name},
        "handler": _person(case.handler),
        "created_at": case.created_at,
        "accepted_on": case.accepted_on,
        "due_on": case.due_on,
        "due_provisional": case.due_provisional,
        "remaining_working_days": None if case.is_closed else clock.remaining_days(case, today),
        "pending_deadline": case.pending_deadline,
        "followups_late": case.followups_late,
        "trips": case.trips,
        "max_trips": case.max_trips,
        "too_many_trips": case.too_many_trips,
        "limit_days": case.limit_days,
        "extended_days": case.extended_days,
        "supervised": case.supervised,
        "result": _label(Result, case.result) if case.result else None,
        "revision": case.revision,
    }


def _material(row: CaseMaterial) -> dict:
    cert = row.certificate
    return {
        "id": row.material_id,
        "name": row.material.name,
        "necessity": row.material.necessity,
        "originals": row.material.originals,
        "copies": row.material.copies,
        "state": _label(MaterialState, row.state),
        "on_file": None
        if cert is None
        else {"type": cert.type.name, "expires_on": cert.expires_on},
        "added_reason": row.added_reason,
        "provided_at": row.provided_at,
    }


def _event(event: CaseEvent) -> dict:
    return {
        "at": event.at,
        "kind": _label(EventKind, event.kind),
        "verb": event.verb,
        "from": event.from_status,
        "to": event.to_status,
        "reason": event.reason,
        "by": _person(event.actor),
        "data": {k: v for k, v in (event.data or {}).items() if k in EVENT_DATA},
    }


def _attachment(a: Attachment, case_pk: int) -> dict:
    return {
        "id": a.pk,
        "name": a.original_name,
        "content_type": a.content_type,
        "size": a.size,
        "material": a.material.material_id if a.material else None,
        "uploaded_at": a.uploaded_at,
        "url": reverse("cases-attachment", args=[case_pk, a.pk]),
    }


def case_detail(case: Case, user, today: datetime.date) -> dict:
    """Everything the case page shows, and what this user may do next."""
    prefetch_related_objects(
        [case],
        Prefetch("materials", CaseMaterial.objects.select_related("material", "certificate__type")),
        "documents",
        Prefetch("events", CaseEvent.objects.select_related("actor")),
        Prefetch("attachments", Attachment.objects.select_related("material")),
    )
    return {
        **case_summary(case, today),
        "agent": {
            "kind": case.agent_kind,
            "name": case.agent_name,
            "phone": phone.mask(case.agent_phone),
            "relation": case.agent_relation,
            "consent": case.consent,
        },
        "materials": [_material(row) for row in case.materials.all()],
        "documents": [_document(d) for d in case.documents.all()],
        "events": [_event(e) for e in case.events.all()],
        "attachments": [_attachment(a, case.pk) for a in case.attachments.all()],
        "verbs": [
            {"verb": t.verb, "label": str(t.label), "needs_reason": t.needs_reason, "side": t.side}
            for t in actions.available_verbs(user, case)
        ],
        "may_handle": actions.may_handle(user, case),
        "may_review": actions.may_review(user, case),
    }


def _after_write(request: HttpRequest, pk: int, **extra) -> dict:
    """The case as the write left it, read afresh (the action worked on its own locked copy)."""
    case = Case.objects.select_related(*SUMMARY_RELATED).get(pk=pk)
    return {**extra, "case": case_detail(case, request.user, timezone.localdate())}


# ---- reading the request -----------------------------------------------------------------------


def _service_version(code: str) -> tuple[Service, ServiceVersion | None]:
    """The service named ``code`` and its published version (None when there is none)."""
    code = code.strip()
    published = ServiceVersion.objects.filter(service__code=code, status=VersionStatus.PUBLISHED)
    version = next(iter(published.select_related("service__department")[:1]), None)
    if version is not None:
        return version.service, version
    return _service(code), None


def _service(code: str) -> Service:
    service = Service.objects.filter(code=code.strip()).select_related("department").first()
    if service is None:
        raise field_error("service", _("No such service."), "unknown_service")
    return service


def _department(code: str | None) -> Department | None:
    code = (code or "").strip()
    if not code:
        return None
    department = Department.objects.filter(code=code).first()
    if department is None:
        raise field_error("department", _("No such department."), "unknown_department")
    return department


def _idempotency_key(request: HttpRequest, body: IntakeIn) -> str:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return body.idempotency_key.strip()
    if len(key) > KEY_MAX:
        raise field_error(
            "idempotency_key", _("At most %(n)d characters.") % {"n": KEY_MAX}, "too_long"
        )
    return key.strip()


def _filtered(request: HttpRequest):
    visible = Case.objects.visible_to(request.user)
    filters = CaseFilterSet(request.GET, queryset=visible, request=request)
    if not filters.is_valid():
        field, messages = next(iter(filters.errors.items()))
        raise field_error(field, messages[0])
    return filters.qs


# ---- intake and lists --------------------------------------------------------------------------


@router.get("/cases/track/", response={200: Tracked, **errors(404, 429)}, auth=None,
            url_name="cases-track")  # fmt: skip
def track(request: HttpRequest, params: Query[TrackParams]):
    """A resident's view of their case, by receipt number (any case, dash or not) and the last
    four digits of their mobile — or, without one, of their ID number, or their name: the
    tracking page's lookup, privacy rule and throttle (one failure counter for the
    page and the API). Wrong receipt and wrong digits give the same 404; after ten wrong tries
    from one address, 429 for ten minutes."""
    answer = params.phone_last4 or params.id_last4 or params.name
    form = TrackForm({"receipt": params.receipt, "digits": answer})
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    address = client_address(request)
    if tracking.GUESSES.blocked(address):
        message = _("Too many wrong tries. Try again in ten minutes.")
        raise ApiError(429, "throttled", message)
    found = tracking.public_case(form.cleaned_data["receipt"], form.cleaned_data["digits"])
    if found is None:
        tracking.GUESSES.hit(address)
        raise ApiError(404, "not_found", _("No case matches this receipt number and phone."))
    outstanding = found.materials.filter(state__in=sorted(OUTSTANDING)).select_related("material")
    return {
        "receipt": found.receipt,
        "service": found.service.name,
        "initials": found.resident.name_initials.upper(),
        "status": _label(CaseStatus, found.status),
        "clock": _label(Clock, found.clock(timezone.localdate())),
        "accepted_on": found.accepted_on,
        "due_on": found.due_on,
        "due_provisional": found.due_provisional,
        "pending_deadline": found.pending_deadline,
        "outstanding": [row.material.name for row in outstanding.order_by("position", "pk")],
        "timeline": [
            {**item, "label": str(item["label"])} for item in tracking.public_timeline(found)
        ],
        "rating_url": tracking.rating_link(found, "tracking"),
    }


@router.post("/cases/", response={200: Taken, 201: Taken, **errors(401, 403, 404, 409)},
             url_name="cases-intake")  # fmt: skip
def intake_case(request: HttpRequest, payload: IntakeIn):
    """Take in a matter. The same idempotency key from the same clerk answers 200 with the case
    the first request made, so a double tap or a retried request makes one case."""
    resident = access_intake_resident(request.user, payload.resident)
    service, version = _service_version(payload.service)
    agent = payload.agent or AgentIn()
    application = (
        access_application(request.user, payload.application) if payload.application else None
    )
    taken = actions.do_intake(
        actor=request.user,
        resident=resident,
        service=service,
        version=version,
        outcome=payload.outcome,
        provided=payload.provided,
        pending=payload.pending,
        pending_deadline=payload.pending_deadline,
        reason=payload.reason,
        in_person=payload.in_person,
        idempotency_key=_idempotency_key(request, payload),
        agent_kind=agent.kind,
        agent_name=agent.name,
        agent_phone=agent.phone,
        agent_relation=agent.relation,
        consent=agent.consent,
        application=application,
    )
    case = taken.case
    if not taken.created:  # a replay: the first request's case, read afresh with its relations
        case = Case.objects.select_related(*SUMMARY_RELATED).get(pk=case.pk)
    body = {**case_summary(case, timezone.localdate()), "document": _document(taken.document)}
    return Status(201 if taken.created else 200, body)


@router.get("/cases/", response={200: CasePage, **errors(401)}, url_name="cases")
def cases(request: HttpRequest, params: Query[CaseListParams]):
    """Visible cases, newest first, a page at a time (keyset: ``next`` is the ``after`` of the
    next page, so pages stay stable while new cases arrive)."""
    today = timezone.localdate()
    rows = _filtered(request).select_related(*SUMMARY_RELATED)
    page, after = keyset_page(rows, field="created_at", limit=params.limit, after=params.after)
    return {"results": [case_summary(c, today) for c in page], "next": after or None}


@router.get("/cases/checklist/", response={200: ChecklistOut, **errors(401, 404)},
            url_name="cases-checklist")  # fmt: skip
def checklist(request: HttpRequest, params: Query[ChecklistParams]):
    """The materials an intake screen ticks for ``resident`` and ``service``: those issued by
    government that the resident already holds come with the certificate, pre-ticked."""
    resident = access_resident(request.user, params.resident)
    service = _service(params.service)
    version = service.published_version()
    if version is None or not service.is_active:
        raise field_error(
            "service", _("This service cannot be taken in now."), "service_unavailable"
        )
    today = timezone.localdate()
    items = material_checklist(resident, version, today)
    due = clock.add_working_days(today, version.promised_limit_days)
    return {
        "service": _named(service),
        "version": version.number,
        "promised_limit_days": version.promised_limit_days,
        "due_on_if_accepted_today": due,
        "due_provisional": is_provisional(today, due),
        "max_trips": version.max_trips,
        "materials": [
            {
                "id": i.material.pk,
                "name": i.material.name,
                "necessity": i.material.necessity,
                "source": i.material.source,
                "originals": i.material.originals,
                "copies": i.material.copies,
                "may_follow": i.may_follow,
                "optional": i.optional,
                "on_file": None
                if i.on_file is None
                else {"type": i.on_file.type.name, "expires_on": i.on_file.expires_on},
            }
            for i in items
        ],
    }


@router.get("/cases/{int:pk}/", response={200: CaseDetail, **errors(401, 404)},
            url_name="case", by_alias=True)  # fmt: skip
def case(request: HttpRequest, pk: QueryId):
    """A case: its materials, documents, events, files, and the verbs this user may take."""
    return case_detail(access_case(request.user, pk), request.user, timezone.localdate())


# ---- writes on one case ------------------------------------------------------------------------

WRITE_ERRORS = errors(401, 403, 404, 409)


@router.post("/cases/{int:pk}/transitions/", response={200: AfterWrite, **WRITE_ERRORS},
             url_name="case-transition", by_alias=True)  # fmt: skip
def transition(request: HttpRequest, pk: QueryId, payload: TransitionIn):
    """Move the case on: start, forward, approve, return, request materials, complete …"""
    found = access_case(request.user, pk)
    event = actions.do_transition(
        found,
        payload.verb,
        actor=request.user,
        reason=payload.reason,
        revision=payload.revision,
        department=_department(payload.department),
        materials=payload.materials,
        completion=_completion(payload) if payload.verb == "complete" else None,
    )
    return _after_write(request, pk, event=_event(event))


def _completion(payload: TransitionIn) -> actions.Completion:
    done = payload.completion or CompletionIn()
    return actions.Completion(
        result=done.result, reason=done.reason, certificate_no=done.certificate_no,
        delivery=done.delivery, tracking_no=done.tracking_no,
    )  # fmt: skip


@router.post("/cases/{int:pk}/extensions/", response={201: AfterWrite, **WRITE_ERRORS},
             url_name="case-extensions", by_alias=True)  # fmt: skip
def request_extension(request: HttpRequest, pk: QueryId, payload: ExtensionIn):
    """Ask for more working days on the time limit (延期), with the reason; a lead over the
    area or the department's reviewer decides it (never the person who asked)."""
    found = access_case(request.user, pk)
    actions.do_request_extension(
        found, actor=request.user, days=payload.days, reason=payload.reason,
        revision=payload.revision,
    )  # fmt: skip
    return Status(201, _after_write(request, pk))


@router.post("/cases/{int:pk}/extensions/{int:extension}/decision/",
             response={200: AfterWrite, **WRITE_ERRORS}, url_name="case-extension-decision",
             by_alias=True)  # fmt: skip
def decide_extension(request: HttpRequest, pk: QueryId, extension: QueryId, payload: DecisionIn):
    """Approve (the due date moves by the days asked) or turn down (with a note) an extension."""
    found = access_case(request.user, pk)
    asked = found.extensions.filter(pk=extension).first()
    if asked is None:
        raise ApiError(404, "not_found", _("No such extension of this case."))
    actions.do_decide_extension(
        asked, actor=request.user, approve=payload.approve, note=payload.note,
        revision=payload.revision,
    )  # fmt: skip
    return _after_write(request, pk)


@router.post("/cases/{int:pk}/supervision/", response={200: AfterWrite, **WRITE_ERRORS},
             url_name="case-supervision", by_alias=True)  # fmt: skip
def supervise(request: HttpRequest, pk: QueryId, payload: SupervisionIn):
    """Put the case under a lead's supervision (督办), with what the lead asks for, or lift it."""
    found = access_case(request.user, pk)
    actions.do_set_supervision(
        found, actor=request.user, on=payload.on, reason=payload.reason, revision=payload.revision
    )
    return _after_write(request, pk)


@router.post("/cases/{int:pk}/materials/", response={200: AfterWrite, **WRITE_ERRORS},
             url_name="case-materials", by_alias=True)  # fmt: skip
def receive_materials(request: HttpRequest, pk: QueryId, payload: ReceiveIn):
    """The resident came back with materials; ``then`` accepts the case or restarts its clock in
    the same transaction (if that fails, the materials are not recorded either)."""
    found = access_case(request.user, pk)
    received = actions.do_receive_materials(
        found,
        actor=request.user,
        provided=payload.provided,
        in_person=payload.in_person,
        revision=payload.revision,
        then=payload.then,
        pending=payload.pending,
        pending_deadline=payload.pending_deadline,
    )
    return _after_write(request, pk, document=_document(received.document))


@router.post("/cases/{int:pk}/accept/", response={200: AfterWrite, **WRITE_ERRORS},
             url_name="case-accept", by_alias=True)  # fmt: skip
def accept(request: HttpRequest, pk: QueryId, payload: AcceptIn):
    """Accept a case that waited for materials, now complete or complete but for materials that
    may follow (``pending``)."""
    found = access_case(request.user, pk)
    document = actions.do_accept(
        found,
        actor=request.user,
        pending=payload.pending,
        pending_deadline=payload.pending_deadline,
        revision=payload.revision,
    )
    return _after_write(request, pk, document=_document(document))


@router.post("/cases/{int:pk}/notice/", response={201: AfterWrite, **WRITE_ERRORS},
             url_name="case-notice", by_alias=True)  # fmt: skip
def notice(request: HttpRequest, pk: QueryId, payload: NoticeIn):
    """A later one-time notice of materials found wanting (needs a reason)."""
    found = access_case(request.user, pk)
    document = actions.do_add_to_notice(
        found,
        actor=request.user,
        materials=payload.materials,
        reason=payload.reason,
        revision=payload.revision,
    )
    return Status(201, _after_write(request, pk, document=_document(document)))


def _refuse_declared_too_large(run):
    """Around the operation, before authentication (whose CSRF check reads the body) and the
    multipart parsing: an upload whose declared size is too large is refused unread."""

    @functools.wraps(run)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if declared_too_large(request):
            return error(413, "too_large", attachment_too_large_message(), "file")
        return run(request, *args, **kwargs)

    return wrapped


@router.post("/cases/{int:pk}/attachments/",
             response={201: AttachmentOut, **WRITE_ERRORS, **errors(413)},
             url_name="case-attachments")  # fmt: skip
@decorate_view(_refuse_declared_too_large)
def attach(
    request: HttpRequest,
    pk: QueryId,
    file: File[UploadedFile] = None,
    material: Form[QueryId | None] = None,
):
    """A scanned material (multipart: ``file``, and ``material``, the material's id)."""
    found = access_case(request.user, pk)
    row = None
    if material is not None:
        row = found.materials.filter(material_id=material).values_list("pk", flat=True).first()
        if row is None:
            raise field_error("material", _("No such material on this case."))
    if file is not None:
        file.seek(0)  # ninja's file validation leaves it read to the end
    attachment = actions.do_add_attachment(found, actor=request.user, upload=file, material_id=row)
    return Status(
        201,
        {
            "id": attachment.pk,
            "name": attachment.original_name,
            "content_type": attachment.content_type,
            "size": attachment.size,
            "material": material,
        },
    )
