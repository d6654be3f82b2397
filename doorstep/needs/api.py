"""Needs in JSON: the list (the area list page's filters), one need, registration with the
same-problem offer, and every write on a need.

Every write is one call of one action in ``needs.actions`` after pydantic has read the request
strictly: a wrong type or an oversize string is a 400 before anything is written. A need the user
may not see is a 404 (missing alike); one they may see but not act on is 403; someone else's
change (``changed``) and a step the need cannot take (``invalid_transition``) are 409.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Strict

from doorstep.cases.models import Case
from doorstep.core import phone
from doorstep.core.errors import field_error
from doorstep.core.rest.errors import errors
from doorstep.core.rest.pagination import LIMIT_DEFAULT, LIMIT_MAX, keyset_page
from doorstep.core.rest.types import Bool, Id, Input, Int, QueryId, QueryText, text
from doorstep.feedback.actions import Called
from doorstep.feedback.choices import Invalid, Solved, SubjectKind
from doorstep.feedback.choices import Level as Satisfaction
from doorstep.feedback.models import Callback
from doorstep.people.access import access_resident
from doorstep.places.models import Area, Building
from doorstep.staff.roles import HANDLE_NEEDS, VIEW_NEEDS, can
from doorstep.visits.access import access_visit

from . import actions
from .access import access_need, access_pending_handoff
from .choices import (
    Decision,
    EventKind,
    HandoffStatus,
    Kind,
    Level,
    NeedStatus,
    OwnerKind,
    Source,
    Urgency,
)
from .filters import NeedFilterSet
from .metrics import level_history
from .models import Need, NeedCategory, NeedEvent

router = Router(tags=["needs"])

Reason = text(2000)
Short = text(100)
Name = text(40)
Phone = text(20)
Lat = Annotated[float, Strict(), Field(ge=-90, le=90)]
Lng = Annotated[float, Strict(), Field(ge=-180, le=180)]
SUMMARY_RELATED = ("category", "compound", "owner_user", "owner_department", "owner_external")
WRITE_ERRORS = errors(401, 403, 404, 409)
# "satisfied": callbacks recorded before they were feedback's (yes / no).
EVENT_DATA = ("to", "to_kind", "by", "decision", "case", "hours", "flagged", "name", "source",
              "kind", "invalid", "reached", "solved", "satisfaction", "satisfied")  # fmt: skip


# ---- schemas -----------------------------------------------------------------------------------


class Label(Schema):
    code: str
    label: str
    colour: str | None = None


class Owner(Schema):
    kind: str
    id: int
    name: str


class PendingHandoff(Schema):
    id: int
    to: Owner
    reason: str
    by: str | None
    at: datetime.datetime


class NeedSummary(Schema):
    id: int
    status: Label
    kind: Label
    source: Label
    category: Label
    urgency: Label
    level: Label
    compound: Label
    raiser: str
    owner: Owner
    created_at: datetime.datetime
    feedback_due_at: datetime.datetime
    overdue: bool
    paused: bool
    sensitive: bool
    untaken: bool = Field(
        description="Filed by another system and not yet taken by a person: staff handling "
        "needs over its area may act, and the first to move it becomes its owner."
    )
    revision: int


class EventOut(Schema):
    at: datetime.datetime
    kind: Label
    verb: str
    from_: str = Field(alias="from")
    to: str
    level: int | None
    reason: str
    by: str | None
    data: dict[str, Any]


class LevelSpellOut(Schema):
    level: Label
    since: datetime.datetime
    until: datetime.datetime | None
    seconds: int


class Extension(Schema):
    asked_at: datetime.datetime
    hours: int
    reason: str


class CallbackOut(Schema):
    at: datetime.datetime
    by: str | None
    invalid: Label | None = Field(description="Why it does not count; null when it counts.")
    reached: bool
    solved: Label | None
    satisfaction: Label | None = Field(description="5 very satisfied … 1 very dissatisfied.")
    note: str


class NeedDetail(NeedSummary):
    description: str
    source_ref: str
    building: str | None
    lat: float | None
    lng: float | None
    resident: int | None
    raiser_phone: str = Field(description="Masked: 138****5678.")
    pending_handoff: PendingHandoff | None
    extension: Extension | None
    extended: bool
    decision: Label | None
    answer: str
    visit: int | None = Field(description="The door-to-door visit that found it.")
    case: str | None = Field(description="The receipt number of the case it became.")
    dispute: str | None = Field(description="The file number of the dispute it became.")
    unreasonable: bool
    supporters: int
    levels: list[LevelSpellOut]
    events: list[EventOut]
    callbacks: list[CallbackOut]
    verbs: list[str]
    may_act: bool
    may_review: bool
    may_receive: bool


class Candidate(Schema):
    id: int
    status: Label
    description: str
    created_at: datetime.datetime


class Registered(Schema):
    need: NeedDetail | None
    joined: bool
    candidates: list[Candidate] = Field(
        description="Open needs of the category in the compound: join one (`join`) or say it "
        "is new (`new_anyway`). Nothing was written when this is not empty."
    )


class NeedPage(Schema):
    results: list[NeedSummary]
    next: str | None = Field(description="The `after` of the next page; null on the last.")


class CategoryOut(Schema):
    code: str
    name: str
    limit: int
    unit: str
    department: str | None = Field(
        description="The code of the department told when a need reaches the department level "
        "(none: the district leads)."
    )


class NeedListParams(Schema):
    """Documented here; read by ``NeedFilterSet`` (the area list page's filters)."""

    status: QueryText | None = Field(None, description="Statuses, comma-separated.")
    kind: Literal[tuple(Kind.values)] | None = None  # type: ignore[valid-type]
    category: QueryText | None = Field(None, description="A category code.", max_length=40)
    urgency: Literal[tuple(Urgency.values)] | None = None  # type: ignore[valid-type]
    level: Literal[tuple(Level.values)] | None = None  # type: ignore[valid-type]
    overdue: bool | None = None
    area: QueryText | None = Field(None, description="An area code and everything under it.")
    registered_from: datetime.date | None = Field(None, description="Registered on or after.")
    registered_to: datetime.date | None = Field(None, description="Registered on or before.")
    closed_from: datetime.date | None = Field(None, description="Closed on or after (local).")
    closed_to: datetime.date | None = Field(None, description="Closed on or before (local).")
    limit: int = Field(LIMIT_DEFAULT, ge=1, le=2**31, description=f"At most {LIMIT_MAX}.")
    after: QueryText | None = Field(None, description="The `next` of the previous page.")


class RegisterIn(Input):
    source: Literal[tuple(Source.values)] = Source.API  # type: ignore[valid-type]
    source_ref: Short = ""
    kind: Literal[tuple(Kind.values)]  # type: ignore[valid-type]
    category: text(40)
    description: Reason
    urgency: Literal[tuple(Urgency.values)] = Urgency.YELLOW  # type: ignore[valid-type]
    compound: text(15) = Field(description="The compound's area code.")
    building: Id | None = None
    lat: Lat | None = None
    lng: Lng | None = None
    resident: Id | None = None
    raiser_name: Name = ""
    raiser_phone: Phone = ""
    sensitive: Bool = False
    join: Id | None = Field(None, description="Add the resident to this open need instead.")
    new_anyway: Bool = Field(False, description="Register even though candidates exist.")
    visit: Id | None = Field(
        None, description="The door-to-door visit that found it (the source becomes `visit`)."
    )


class Revision(Input):
    revision: Int | None = None


class HandOnIn(Revision):
    to_kind: Literal[tuple(OwnerKind.values)]  # type: ignore[valid-type]
    to: Id
    reason: Reason


class RefuseIn(Input):
    reason: Reason
    not_ours_kind: Literal[tuple(OwnerKind.values)] | None = None  # type: ignore[valid-type]
    not_ours: Id | None = Field(None, description="Whose it is: handed to them at once.")


class TransitionIn(Revision):
    verb: Literal[actions.SIMPLE_VERBS]  # type: ignore[valid-type]
    reason: Reason = ""


class ExtensionIn(Revision):
    hours: Annotated[int, Strict(), Field(ge=1, le=720)]
    reason: Reason


class ExtensionDecisionIn(Revision):
    grant: Bool
    reason: Reason


class AnswerIn(Revision):
    decision: Literal[tuple(Decision.values)]  # type: ignore[valid-type]
    answer: Reason
    case: text(20) = Field("", description="With `case`: the case's receipt number.")
    dispute: text(20) = Field("", description="With `dispute`: the dispute's file number.")


class CallbackIn(Revision):
    invalid: Literal[("", *Invalid.values)] = Field(  # type: ignore[valid-type]
        "", description="Why the callback does not count (empty: it counts)."
    )
    reached: Bool = False
    solved: Literal[("", *Solved.values)] = ""  # type: ignore[valid-type]
    satisfaction: Annotated[int, Strict(), Field(ge=1, le=5)] | None = Field(
        None, description="5 very satisfied … 3 basically satisfied … 1 very dissatisfied."
    )
    note: text(1000) = Field("", description="Required when the resident is dissatisfied.")


class ReasonIn(Revision):
    reason: Reason


class FlagIn(Input):
    flagged: Bool
    reasons: Reason


# ---- writing the response ----------------------------------------------------------------------


def _label(choices, value) -> dict:
    choice = choices(value)
    item = {"code": str(choice.value), "label": str(choice.label)}
    if hasattr(choice, "colour"):
        item["colour"] = choice.colour
    return item


def _person(user) -> str | None:
    return None if user is None else user.get_full_name() or user.get_username()


def _owner(kind: str, target) -> dict:
    name = _person(target) if kind == OwnerKind.USER else str(target)
    return {"kind": kind, "id": target.pk, "name": name or ""}


def need_summary(need: Need, now: datetime.datetime) -> dict:
    """A need as lists show it. Needs ``SUMMARY_RELATED`` loaded with it."""
    return {
        "id": need.pk,
        "status": _label(NeedStatus, need.status),
        "kind": _label(Kind, need.kind),
        "source": _label(Source, need.source),
        "category": {"code": need.category.code, "label": need.category.name},
        "urgency": _label(Urgency, need.urgency),
        "level": _label(Level, need.level),
        "compound": {"code": need.compound.code, "label": need.compound.name},
        "raiser": need.raiser_name if not need.resident_id else "",
        "owner": _owner(need.owner_kind, need.owner),
        "created_at": need.created_at,
        "feedback_due_at": need.feedback_due_at,
        "overdue": need.is_overdue(now),
        "paused": need.is_paused,
        "sensitive": need.sensitive,
        "untaken": need.untaken,
        "revision": need.revision,
    }


def _event(event: NeedEvent) -> dict:
    return {
        "at": event.at,
        "kind": _label(EventKind, event.kind),
        "verb": event.verb,
        "from": event.from_status,
        "to": event.to_status,
        "level": event.level,
        "reason": event.reason,
        "by": _person(event.actor) or event.actor_name or None,
        "data": {k: v for k, v in (event.data or {}).items() if k in EVENT_DATA},
    }


def _callback(callback: Callback) -> dict:
    return {
        "at": callback.at,
        "by": _person(callback.by),
        "invalid": _label(Invalid, callback.invalid) if callback.invalid else None,
        "reached": callback.reached,
        "solved": _label(Solved, callback.solved) if callback.solved else None,
        "satisfaction": _label(Satisfaction, callback.satisfaction)
        if callback.satisfaction
        else None,
        "note": callback.note,
    }


def _pending(need: Need) -> dict | None:
    handoff = next((h for h in need.handoffs.all() if h.status == HandoffStatus.PENDING), None)
    if handoff is None:
        return None
    return {
        "id": handoff.pk,
        "to": _owner(handoff.to_kind, handoff.receiver),
        "reason": handoff.reason,
        "by": _person(handoff.by) or handoff.by_name or None,
        "at": handoff.created_at,
    }


def need_detail(need: Need, user, now: datetime.datetime) -> dict:
    """Everything the need page shows, and what this user may do next."""
    prefetch_related_objects(
        [need],
        Prefetch("events", NeedEvent.objects.select_related("actor")),
        "handoffs__to_user",
        "handoffs__to_department",
        "handoffs__to_external",
        "handoffs__by",
    )
    events = list(need.events.all())
    pending = _pending(need)
    handoff = next((h for h in need.handoffs.all() if h.status == HandoffStatus.PENDING), None)
    return {
        **need_summary(need, now),
        "raiser": need.raiser,
        "description": need.description,
        "source_ref": need.source_ref,
        "building": need.building.number if need.building_id else None,
        "lat": float(need.lat) if need.lat is not None else None,
        "lng": float(need.lng) if need.lng is not None else None,
        "resident": need.resident_id,
        "raiser_phone": phone.mask(need.raiser_phone),
        "pending_handoff": pending,
        "extension": None
        if need.extension_asked_at is None
        else {
            "asked_at": need.extension_asked_at,
            "hours": need.extension_hours,
            "reason": need.extension_reason,
        },
        "extended": need.extended,
        "decision": _label(Decision, need.decision) if need.decision else None,
        "answer": need.answer,
        "visit": need.visit_id,
        "case": need.case.receipt if need.case_id else None,
        "dispute": need.dispute.number if need.dispute_id else None,
        "unreasonable": need.unreasonable,
        "supporters": need.supporters.count(),
        "levels": [
            {
                "level": _label(Level, s.level),
                "since": s.since,
                "until": s.until,
                "seconds": int(s.duration(now).total_seconds()),
            }
            for s in level_history(need, events)
        ],
        "events": [_event(e) for e in events],
        "callbacks": [
            _callback(c)
            for c in Callback.objects.of(SubjectKind.NEED, need.pk).select_related("by")
        ],
        "verbs": [t.verb for t in actions.available_verbs(user, need)],
        "may_act": actions.may_act(user, need),
        "may_review": actions.may_review(user, need),
        "may_receive": handoff is not None and actions.may_receive(user, handoff),
    }


def _after_write(request: HttpRequest, pk: int) -> dict:
    need = Need.objects.select_related(*SUMMARY_RELATED, "building", "case").get(pk=pk)
    return need_detail(need, request.user, timezone.now())


# ---- reading the request -----------------------------------------------------------------------


def _category(code: str) -> NeedCategory:
    found = NeedCategory.objects.filter(code=code.strip(), active=True).first()
    if found is None:
        raise field_error("category", _("Choose a category."), "unknown_category")
    return found


def _compound(code: str) -> Area:
    found = Area.objects.filter(code=code.strip()).first()
    if found is None:
        raise field_error("compound", _("Choose a compound."), "unknown_compound")
    return found


def _building(pk: int | None, compound: Area) -> Building | None:
    if pk is None:
        return None
    found = Building.objects.filter(pk=pk, compound=compound).first()
    if found is None:
        raise field_error("building", _("This building is not in the compound."))
    return found


def _decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.000001"))


def _case(user, receipt: str) -> Case | None:
    receipt = (receipt or "").strip().upper()
    if not receipt:
        return None
    found = Case.objects.visible_to(user).filter(receipt=receipt).first()
    if found is None:
        raise field_error("case", _("No case with this receipt number."), "unknown_case")
    return found


def _filtered(request: HttpRequest):
    visible = Need.objects.visible_to(request.user)
    filters = NeedFilterSet(request.GET, queryset=visible, request=request)
    if not filters.is_valid():
        field, messages = next(iter(filters.errors.items()))
        raise field_error(field, messages[0])
    return filters.qs


# ---- lists and registration --------------------------------------------------------------------


@router.get("/needs/", response={200: NeedPage, **errors(401)}, url_name="needs")
def needs(request: HttpRequest, params: Query[NeedListParams]):
    """Visible needs, newest first, a page at a time (keyset: ``next`` is the ``after`` of the
    next page)."""
    now = timezone.now()
    rows = _filtered(request).select_related(*SUMMARY_RELATED)
    page, after = keyset_page(rows, field="created_at", limit=params.limit, after=params.after)
    return {"results": [need_summary(n, now) for n in page], "next": after or None}


@router.get("/needs/categories/", response={200: list[CategoryOut], **errors(401)},
            url_name="needs-categories")  # fmt: skip
def categories(request: HttpRequest):
    """The categories in use, with their feedback time."""
    if not can(request.user, VIEW_NEEDS):
        return []
    rows = NeedCategory.objects.filter(active=True).select_related("department")
    return [
        {
            "code": c.code,
            "name": c.name,
            "limit": c.limit,
            "unit": c.unit,
            "department": c.department.code if c.department else None,
        }
        for c in rows
    ]


@router.post("/needs/", response={200: Registered, 201: Registered, **WRITE_ERRORS},
             url_name="needs-register", by_alias=True)  # fmt: skip
def register(request: HttpRequest, payload: RegisterIn):
    """Register a need, owned by the caller (首接负责). When open needs of the category exist
    in the compound, nothing is written and they come back as ``candidates`` (200): send again
    with ``join`` (the resident is added to that need) or ``new_anyway``."""
    if not can(request.user, HANDLE_NEEDS):
        raise PermissionDenied(_("You may not register needs."))
    compound = _compound(payload.compound)
    resident = None
    if payload.resident is not None:
        resident = access_resident(request.user, payload.resident, related=())
    visit = None if payload.visit is None else access_visit(request.user, payload.visit)
    done = actions.do_register_need(
        actor=request.user,
        source=payload.source,
        source_ref=payload.source_ref,
        kind=payload.kind,
        category=_category(payload.category),
        description=payload.description,
        urgency=payload.urgency,
        compound=compound,
        building=_building(payload.building, compound),
        lat=_decimal(payload.lat),
        lng=_decimal(payload.lng),
        resident=resident,
        raiser_name=payload.raiser_name,
        raiser_phone=payload.raiser_phone,
        sensitive=payload.sensitive,
        join=payload.join,
        new_anyway=payload.new_anyway,
        visit=visit,
    )
    body = {
        "need": None if done.need is None else _after_write(request, done.need.pk),
        "joined": done.joined,
        "candidates": [
            {
                "id": n.pk,
                "status": _label(NeedStatus, n.status),
                "description": n.description,
                "created_at": n.created_at,
            }
            for n in done.candidates
        ],
    }
    return Status(201 if done.created else 200, body)


@router.get("/needs/{int:pk}/", response={200: NeedDetail, **errors(401, 404)},
            url_name="need", by_alias=True)  # fmt: skip
def need(request: HttpRequest, pk: QueryId):
    """A need: its owner, pending hand-on, levels, timeline, and what this user may do."""
    return need_detail(access_need(request.user, pk), request.user, timezone.now())


# ---- writes on one need ------------------------------------------------------------------------


@router.post("/needs/{int:pk}/handoff/", response={200: NeedDetail, **WRITE_ERRORS},
             url_name="need-handoff", by_alias=True)  # fmt: skip
def hand_on(request: HttpRequest, pk: QueryId, payload: HandOnIn):
    """Hand the need on (to a member of staff, a department or an outside body), with why."""
    found = access_need(request.user, pk)
    target = actions.resolve_target(found, payload.to_kind, payload.to)
    actions.do_hand_on(found, actor=request.user, to_kind=payload.to_kind, target=target,
                       reason=payload.reason, revision=payload.revision)  # fmt: skip
    return _after_write(request, pk)


@router.post("/needs/{int:pk}/handoff/accept/", response={200: NeedDetail, **WRITE_ERRORS},
             url_name="need-handoff-accept", by_alias=True)  # fmt: skip
def accept(request: HttpRequest, pk: QueryId):
    """The receiver of the pending hand-on takes the need on."""
    _need, handoff = access_pending_handoff(request.user, pk)
    actions.do_accept_handoff(handoff, actor=request.user)
    return _after_write(request, pk)


@router.post("/needs/{int:pk}/handoff/refuse/", response={200: NeedDetail, **WRITE_ERRORS},
             url_name="need-handoff-refuse", by_alias=True)  # fmt: skip
def refuse(request: HttpRequest, pk: QueryId, payload: RefuseIn):
    """The receiver refuses, with a reason; "not ours" names whose it is and hands it there."""
    found, handoff = access_pending_handoff(request.user, pk)
    redirect = None
    if (payload.not_ours_kind is None) != (payload.not_ours is None):
        raise field_error("not_ours", _("Name whose it is: both kind and id."))
    if not actions.may_receive(request.user, handoff):
        raise PermissionDenied(_("You may not take this action on this need."))
    if payload.not_ours_kind is not None:
        target = actions.resolve_target(found, payload.not_ours_kind, payload.not_ours)
        redirect = (payload.not_ours_kind, target)
    actions.do_refuse_handoff(handoff, actor=request.user, reason=payload.reason,
                              redirect=redirect)  # fmt: skip
    return _after_write(request, pk)


@router.post("/needs/{int:pk}/transitions/", response={200: NeedDetail, **WRITE_ERRORS},
             url_name="need-transition", by_alias=True)  # fmt: skip
def transition(request: HttpRequest, pk: QueryId, payload: TransitionIn):
    """Start handling, wait for the resident (the clock stops), resume."""
    found = access_need(request.user, pk)
    actions.do_transition(found, payload.verb, actor=request.user, reason=payload.reason,
                          revision=payload.revision)  # fmt: skip
    return _after_write(request, pk)


@router.post("/needs/{int:pk}/extension/", response={200: NeedDetail, **WRITE_ERRORS},
             url_name="need-extension", by_alias=True)  # fmt: skip
def extension(request: HttpRequest, pk: QueryId, payload: ExtensionIn):
    """Ask for more time (hours), with a reason; a reviewer decides."""
    found = access_need(request.user, pk)
    actions.do_ask_extension(found, actor=request.user, hours=payload.hours,
                             reason=payload.reason, revision=payload.revision)  # fmt: skip
    return _after_write(request, pk)


@router.post("/needs/{int:pk}/extension/decision/",
             response={200: NeedDetail, **WRITE_ERRORS},
             url_name="need-extension-decision", by_alias=True)  # fmt: skip
def extension_decision(request: HttpRequest, pk: QueryId, payload: ExtensionDecisionIn):
    """A reviewer grants or refuses the extension asked for, with a reason."""
    found = access_need(request.user, pk)
    actions.do_decide_extension(found, actor=request.user, grant=payload.grant,
                                reason=payload.reason, revision=payload.revision)  # fmt: skip
    return _after_write(request, pk)


@router.post("/needs/{int:pk}/answer/", response={200: NeedDetail, **WRITE_ERRORS},
             url_name="need-answer", by_alias=True)  # fmt: skip
def answer(request: HttpRequest, pk: QueryId, payload: AnswerIn):
    """Answer the resident: the decision and the explanation given to them."""
    found = access_need(request.user, pk)
    case = _case(request.user, payload.case) if payload.decision == Decision.CASE else None
    dispute = None
    if payload.decision == Decision.DISPUTE:
        dispute = actions.dispute_for(found, payload.dispute)
    actions.do_answer(found, actor=request.user, decision=payload.decision,
                      answer=payload.answer, case=case, dispute=dispute,
                      revision=payload.revision)  # fmt: skip
    return _after_write(request, pk)


@router.post("/needs/{int:pk}/callback/", response={200: NeedDetail, **WRITE_ERRORS},
             url_name="need-callback", by_alias=True)  # fmt: skip
def callback(request: HttpRequest, pk: QueryId, payload: CallbackIn):
    """The callback (回访) on an answered need: reached and basically satisfied or better
    closes it; reached and dissatisfied reopens it (with a note); not reached or not counted,
    it waits for another callback."""
    found = access_need(request.user, pk)
    called = Called(invalid=payload.invalid, reached=payload.reached, solved=payload.solved,
                    satisfaction=payload.satisfaction, note=payload.note)  # fmt: skip
    actions.do_callback(found, actor=request.user, called=called, revision=payload.revision)
    return _after_write(request, pk)


@router.post("/needs/{int:pk}/reopen/", response={200: NeedDetail, **WRITE_ERRORS},
             url_name="need-reopen", by_alias=True)  # fmt: skip
def reopen(request: HttpRequest, pk: QueryId, payload: ReasonIn):
    """Reopen an answered or closed need, with a reason."""
    found = access_need(request.user, pk)
    actions.do_reopen(found, actor=request.user, reason=payload.reason,
                      revision=payload.revision)  # fmt: skip
    return _after_write(request, pk)


@router.post("/needs/{int:pk}/flag/", response={200: NeedDetail, **WRITE_ERRORS},
             url_name="need-flag", by_alias=True)  # fmt: skip
def flag(request: HttpRequest, pk: QueryId, payload: FlagIn):
    """A reviewer's decision, with reasons, on the "repeated unreasonable demand" flag."""
    found = access_need(request.user, pk)
    actions.do_decide_flag(found, actor=request.user, flagged=payload.flagged,
                           reasons=payload.reasons)  # fmt: skip
    return _after_write(request, pk)


@router.post("/needs/{int:pk}/photos/", response={200: NeedDetail, **WRITE_ERRORS},
             url_name="need-photos", by_alias=True)  # fmt: skip
def photos(request: HttpRequest, pk: QueryId, file: File[UploadedFile] = None):
    """A photo of the problem (multipart ``file``: JPEG or PNG)."""
    found = access_need(request.user, pk)
    if file is not None:
        file.seek(0)
    actions.do_add_photo(found, actor=request.user, upload=file)
    return _after_write(request, pk)
