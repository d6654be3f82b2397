"""Disputes in JSON: the list (the list page's ``DisputeFilterSet``, keyset pages), one dispute
with its checklist, registration, parties, the notice, sessions, the risk flag, the outcome,
the extension with every party's consent, the callback, closing, and the agreement's PDF.

Every write is one call of one action in ``disputes.actions``, after pydantic has read the
request strictly. A transition the file cannot make is 409 (``invalid_transition``); a
dispute the user may see but not act on is 403; one they may not see is 404, like a missing one.
"""

from __future__ import annotations

import datetime
import functools
from typing import Annotated, Any, Literal

from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.files import UploadedFile
from pydantic import Strict

from doorstep.cases.actions.attachments import declared_too_large, too_large_message
from doorstep.core.errors import field_error
from doorstep.core.rest.errors import ApiError, error, errors
from doorstep.core.rest.pagination import LIMIT_DEFAULT, LIMIT_MAX, keyset_page
from doorstep.core.rest.types import Bool, Day, Id, IdList, Input, QueryId, QueryText, text
from doorstep.places.models import Area, Building

from . import actions, serialize
from . import pdf as dispute_pdf
from .access import access_dispute
from .choices import DisputeType, DocumentKind, Outcome, Performance, Recipient, Risk, Source
from .filters import DisputeFilterSet
from .models import Dispute

router = Router(tags=["disputes"])

Long = text(4000)
Short = text(200)
Name = text(50)


# ---- schemas -----------------------------------------------------------------------------------


class Label(Schema):
    code: str
    label: str
    colour: str | None = None


class Named(Schema):
    code: str
    name: str


class DisputeSummary(Schema):
    id: int
    number: str
    status: Label
    type: Label
    source: Label
    referred_by: str
    area: Named
    mediator: str | None
    registered_at: datetime.datetime
    due_on: datetime.date = Field(description="The one-month target (extended with consent).")
    overdue: bool
    extensions: int
    risk: Label
    outcome: Label | None
    confirmation_due: datetime.date | None = Field(
        description="Last day to apply for court confirmation of a written agreement."
    )
    parties: list[str]


class DisputePage(Schema):
    results: list[DisputeSummary]
    next: str | None = Field(description="The `after` of the next page; null on the last.")


class NoticeOut(Schema):
    at: datetime.datetime
    signed_by: str
    recorded_by: str | None


class PartyOut(Schema):
    id: int
    kind: str
    name: str
    resident: int | None
    phone: str = Field(description="Masked: 138****5678.")
    address: str
    notice: NoticeOut | None


class SessionOut(Schema):
    id: int
    held_on: datetime.date
    place: str
    attendees: str
    record: str


class AgreementOut(Schema):
    responsibility: str
    terms: str
    performance_how: str
    performance_where: str
    performance_by: datetime.date | None
    effective_on: datetime.date | None
    confirmation_due: datetime.date | None
    next_steps: str
    referred_to: str
    pdf_url: str | None


class CallbackOut(Schema):
    on: datetime.date
    reached: bool
    performance: Label | None
    notes: str


class ChecklistItem(Schema):
    code: str
    label: str
    state: Literal["in", "missing", "n/a"]
    state_label: str


class AttachmentOut(Schema):
    id: int
    kind: Label
    name: str
    content_type: str
    size: int
    url: str


class RequestOut(Schema):
    id: int
    party: str
    reason: str
    asked_at: datetime.datetime
    status: Label
    decided_at: datetime.datetime | None
    decided_by: str | None
    decision_note: str
    new_mediator: str | None


class EventOut(Schema):
    at: datetime.datetime
    kind: Label
    verb: str
    from_: str = Field(alias="from")
    to: str
    reason: str
    by: str | None
    data: dict[str, Any]


class DisputeDetail(DisputeSummary):
    summary: str
    building: str | None
    parties: list[PartyOut]  # type: ignore[assignment]
    all_acknowledged: bool
    sessions: list[SessionOut]
    agreement: AgreementOut
    callback: CallbackOut | None
    checklist: list[ChecklistItem]
    attachments: list[AttachmentOut]
    mediator_requests: list[RequestOut]
    events: list[EventOut]
    verbs: list[str]
    may_mediate: bool
    may_lead: bool


class PartyIn(Input):
    resident: Id | None = Field(None, description="A registry resident's record id …")
    id_number: text(18) = Field("", description="… or their ID number (exact match).")
    name: Name = Field("", description="Someone not in the registry: their name …")
    phone: text(20) = Field("", description="… and mobile (stored encrypted, shown masked).")
    address: Short = ""


class RegisterIn(Input):
    source: Literal[tuple(Source.values)]  # type: ignore[valid-type]
    referred_by: text(100) = Field("", description="Required for a referral.")
    type: Literal[tuple(DisputeType.values)]  # type: ignore[valid-type]
    summary: Long
    area: text(15) = Field(description="A community's or compound's code.")
    building: Id | None = None
    mediator: Id | None = Field(None, description="A mediator of the area; default: you.")
    parties: list[PartyIn] = Field([], max_length=20)


class NoticeIn(Input):
    signed_by: Name = Field("", description="Who signed, when not the party (an agent).")


class SessionIn(Input):
    held_on: Day
    place: Short
    attendees: Long
    record: Long


class RiskIn(Input):
    level: Literal[tuple(Risk.values)]  # type: ignore[valid-type]
    reason: Long
    recipients: list[Literal[tuple(Recipient.values)]] = Field([], max_length=3)  # type: ignore[valid-type]
    department: text(100) = ""


class OutcomeIn(Input):
    outcome: Literal[tuple(Outcome.values)]  # type: ignore[valid-type]
    responsibility: Long = ""
    terms: Long = ""
    performance_how: text(300) = ""
    performance_where: Short = ""
    performance_by: Day | None = None
    effective_on: Day | None = Field(None, description="Signed and sealed on; default today.")
    next_steps: Long = ""
    referred_to: text(100) = ""


class ExtendIn(Input):
    due_on: Day
    consents: IdList = Field(description="The ids of the parties who consented: all of them.")
    how: Long


class CallbackIn(Input):
    on: Day
    reached: Bool
    performance: Literal[("", *Performance.values)] = ""  # type: ignore[valid-type]
    satisfaction: Annotated[int, Strict(), Field(ge=1, le=5)] | None = Field(
        None, description="Reached: 5 very satisfied … 3 basically satisfied … 1 very dissatisfied."
    )
    notes: Long = ""


class CloseIn(Input):
    verb: Literal["close", "withdraw"] = "close"
    reason: Long = ""


class MediatorRequestIn(Input):
    party: Id = Field(description="The party asking for another mediator.")
    reason: Long


class DecisionIn(Input):
    grant: Bool
    mediator: Id | None = Field(None, description="The new mediator, when granted.")
    note: Long = Field("", description="Required when refusing: the party is told.")


class ListParams(Schema):
    """Documented here; read by ``DisputeFilterSet`` (the list page's filters) from the query."""

    status: QueryText | None = Field(None, description="Statuses, comma-separated.")
    type: QueryText | None = None
    risk: QueryText | None = None
    overdue: bool | None = Field(None, description="Only disputes past the one-month target.")
    area: QueryText | None = Field(None, description="An area code and everything under it.")
    outcome_from: datetime.date | None = Field(None, description="Outcome on or after (local).")
    outcome_to: datetime.date | None = Field(None, description="Outcome on or before (local).")
    limit: int = Field(LIMIT_DEFAULT, ge=1, le=2**31, description=f"At most {LIMIT_MAX}.")
    after: QueryText | None = Field(None, description="The `next` of the previous page.")


# ---- helpers -----------------------------------------------------------------------------------


def _after_write(request: HttpRequest, pk: int) -> dict:
    d = Dispute.objects.select_related(*serialize.SUMMARY_RELATED, "building").get(pk=pk)
    return serialize.detail(d, request.user, timezone.localdate())


def _place(code: str, building: int | None) -> tuple[Area, Building | None]:
    area = Area.objects.filter(code=code.strip()).first()
    if area is None:
        raise field_error("area", _("No such place."), "not_found")
    found = None
    if building is not None:
        found = Building.objects.select_related("compound").filter(pk=building).first()
        if found is None:
            raise field_error("building", _("No such building."), "not_found")
    return area, found


def _mediator(pk: int | None):
    if pk is None:
        return None
    found = get_user_model().objects.filter(pk=pk, is_active=True).first()
    if found is None:
        raise field_error("mediator", _("This person does not mediate disputes here."))
    return found


def _spec(p: PartyIn) -> actions.PartySpec:
    return actions.PartySpec(
        name=p.name, phone=p.phone, address=p.address, resident_id=p.resident, id_number=p.id_number
    )


def _filtered(request: HttpRequest):
    visible = Dispute.objects.visible_to(request.user)
    filters = DisputeFilterSet(request.GET, queryset=visible, request=request)
    if not filters.is_valid():
        field, messages = next(iter(filters.errors.items()))
        raise field_error(field, messages[0])
    return filters.qs


WRITE_ERRORS = errors(401, 403, 404, 409)
Detail = {200: DisputeDetail, **WRITE_ERRORS}


# ---- operations --------------------------------------------------------------------------------


@router.get("/disputes/", response={200: DisputePage, **errors(401)}, url_name="disputes")
def disputes(request: HttpRequest, params: Query[ListParams]):
    """Disputes this user may see (a mediator: those assigned to them; leads: all in their
    areas), newest first, a page at a time."""
    today = timezone.localdate()
    rows = _filtered(request).select_related(*serialize.SUMMARY_RELATED).prefetch_related("parties")
    page, after = keyset_page(rows, field="registered_at", limit=params.limit, after=params.after)
    return {"results": [serialize.summary(d, today) for d in page], "next": after or None}


@router.post("/disputes/", response={201: DisputeDetail, **WRITE_ERRORS},
             url_name="disputes-register", by_alias=True)  # fmt: skip
def register(request: HttpRequest, payload: RegisterIn):
    """Register a dispute with its parties; the one-month target runs from today."""
    area, building = _place(payload.area, payload.building)
    dispute = actions.do_register_dispute(
        actor=request.user,
        source=payload.source,
        referred_by=payload.referred_by,
        type=payload.type,
        summary=payload.summary,
        area=area,
        building=building,
        mediator=_mediator(payload.mediator),
        parties=[_spec(p) for p in payload.parties],
    )
    return Status(201, _after_write(request, dispute.pk))


@router.get("/disputes/{int:pk}/", response={200: DisputeDetail, **errors(401, 404)},
            url_name="dispute", by_alias=True)  # fmt: skip
def dispute(request: HttpRequest, pk: QueryId):
    """A dispute: parties and their notices, sessions, outcome, callback, the file's checklist,
    documents, events, and what this user may do next."""
    found = access_dispute(request.user, pk)
    return serialize.detail(found, request.user, timezone.localdate())


@router.post("/disputes/{int:pk}/parties/", response={201: DisputeDetail, **WRITE_ERRORS},
             url_name="dispute-parties", by_alias=True)  # fmt: skip
def add_party(request: HttpRequest, pk: QueryId, payload: PartyIn):
    found = access_dispute(request.user, pk)
    actions.do_add_party(found, actor=request.user, spec=_spec(payload))
    return Status(201, _after_write(request, pk))


@router.post("/disputes/{int:pk}/parties/{int:party_pk}/notice/", response=Detail,
             url_name="dispute-notice", by_alias=True)  # fmt: skip
def acknowledge(request: HttpRequest, pk: QueryId, party_pk: QueryId, payload: NoticeIn):
    """The party signed the notice of rights and duties (告知书)."""
    found = access_dispute(request.user, pk)
    actions.do_acknowledge_notice(
        found, actor=request.user, party_id=party_pk, signed_by=payload.signed_by
    )
    return _after_write(request, pk)


@router.post("/disputes/{int:pk}/sessions/", response={201: DisputeDetail, **WRITE_ERRORS},
             url_name="dispute-sessions", by_alias=True)  # fmt: skip
def add_session(request: HttpRequest, pk: QueryId, payload: SessionIn):
    """A session and its record; 409 until every party acknowledged the notice."""
    found = access_dispute(request.user, pk)
    actions.do_add_session(
        found,
        actor=request.user,
        held_on=payload.held_on,
        place=payload.place,
        attendees=payload.attendees,
        record=payload.record,
    )
    return Status(201, _after_write(request, pk))


@router.post("/disputes/{int:pk}/risk/", response=Detail, url_name="dispute-risk",
             by_alias=True)  # fmt: skip
def flag_risk(request: HttpRequest, pk: QueryId, payload: RiskIn):
    """Flag (or clear) the escalation risk; raising it notifies the chosen recipients."""
    found = access_dispute(request.user, pk)
    actions.do_flag_risk(
        found,
        actor=request.user,
        level=payload.level,
        reason=payload.reason,
        recipients=list(payload.recipients),
        department=payload.department,
    )
    return _after_write(request, pk)


@router.post("/disputes/{int:pk}/outcome/", response=Detail, url_name="dispute-outcome",
             by_alias=True)  # fmt: skip
def record_outcome(request: HttpRequest, pk: QueryId, payload: OutcomeIn):
    """Written or oral agreement, no agreement, or referral."""
    found = access_dispute(request.user, pk)
    actions.do_record_outcome(found, actor=request.user, **payload.model_dump())
    return _after_write(request, pk)


@router.post("/disputes/{int:pk}/extensions/", response=Detail, url_name="dispute-extend",
             by_alias=True)  # fmt: skip
def extend(request: HttpRequest, pk: QueryId, payload: ExtendIn):
    """Extend the one-month target: refused unless every party consented."""
    found = access_dispute(request.user, pk)
    actions.do_extend_deadline(
        found,
        actor=request.user,
        due_on=payload.due_on,
        consents=payload.consents,
        how=payload.how,
    )
    return _after_write(request, pk)


@router.post("/disputes/{int:pk}/callback/", response=Detail, url_name="dispute-callback",
             by_alias=True)  # fmt: skip
def callback(request: HttpRequest, pk: QueryId, payload: CallbackIn):
    """The callback (回访) on whether the agreement is kept."""
    found = access_dispute(request.user, pk)
    actions.do_record_callback(
        found,
        actor=request.user,
        on=payload.on,
        reached=payload.reached,
        performance=payload.performance,
        satisfaction=payload.satisfaction,
        notes=payload.notes,
    )
    return _after_write(request, pk)


@router.post("/disputes/{int:pk}/close/", response=Detail, url_name="dispute-close",
             by_alias=True)  # fmt: skip
def close(request: HttpRequest, pk: QueryId, payload: CloseIn):
    """Close the file (an agreement needs its callback first) or record a withdrawal."""
    found = access_dispute(request.user, pk)
    actions.do_transition(found, payload.verb, actor=request.user, reason=payload.reason)
    return _after_write(request, pk)


@router.post("/disputes/{int:pk}/mediator-requests/",
             response={201: DisputeDetail, **WRITE_ERRORS},
             url_name="dispute-mediator-requests", by_alias=True)  # fmt: skip
def request_mediator(request: HttpRequest, pk: QueryId, payload: MediatorRequestIn):
    """A party asks for another mediator; a committee lead decides."""
    found = access_dispute(request.user, pk)
    actions.do_request_mediator(
        found, actor=request.user, party_id=payload.party, reason=payload.reason
    )
    return Status(201, _after_write(request, pk))


@router.post("/disputes/{int:pk}/mediator-requests/decision/", response=Detail,
             url_name="dispute-mediator-decision", by_alias=True)  # fmt: skip
def decide_mediator(request: HttpRequest, pk: QueryId, payload: DecisionIn):
    """A committee lead grants the waiting request (naming the new mediator) or refuses it."""
    found = access_dispute(request.user, pk)
    actions.do_decide_mediator_request(
        found,
        actor=request.user,
        grant=payload.grant,
        new_mediator=_mediator(payload.mediator),
        note=payload.note,
    )
    return _after_write(request, pk)


def _refuse_declared_too_large(run):
    """Before authentication (whose CSRF check reads the body) and the multipart parsing: an
    upload whose declared size is too large is refused unread."""

    @functools.wraps(run)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if declared_too_large(request):
            return error(413, "too_large", too_large_message(), "file")
        return run(request, *args, **kwargs)

    return wrapped


@router.post("/disputes/{int:pk}/attachments/",
             response={201: DisputeDetail, **WRITE_ERRORS, **errors(413)},
             url_name="dispute-attachments", by_alias=True)  # fmt: skip
@decorate_view(_refuse_declared_too_large)
def attach(
    request: HttpRequest,
    pk: QueryId,
    file: File[UploadedFile] = None,
    kind: Form[Literal[tuple(DocumentKind.values)]] = DocumentKind.OTHER,  # type: ignore[valid-type]
):
    """A scanned document of the mediation file (multipart: ``file`` and ``kind``); the
    checklist counts it."""
    found = access_dispute(request.user, pk)
    if file is not None:
        file.seek(0)  # ninja's file validation leaves it read to the end
    actions.do_attach_document(found, actor=request.user, upload=file, kind=kind)
    return Status(201, _after_write(request, pk))


PDF_RESPONSE = {
    "responses": {
        "200": {
            "description": "The agreement, ready to print and sign.",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


@router.get("/disputes/{int:pk}/agreement.pdf", response={**errors(401, 404, 409, 503)},
            url_name="dispute-agreement-pdf", openapi_extra=PDF_RESPONSE)  # fmt: skip
def agreement_pdf(request: HttpRequest, pk: QueryId):
    """The written agreement as PDF (409 when the dispute has no written agreement)."""
    found = access_dispute(request.user, pk)
    if found.outcome != Outcome.WRITTEN:
        raise ApiError(409, "invalid_transition", _("This dispute has no written agreement."))
    try:
        data = dispute_pdf.render_agreement_pdf(found)
    except dispute_pdf.PdfUnavailable as exc:
        raise ApiError(503, "pdf_unavailable", str(exc)) from None
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{found.number}.pdf"'
    return response
