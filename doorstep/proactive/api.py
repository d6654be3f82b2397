"""Programmes in JSON: list and detail (and create / change for administrators), the rule check,
the preview, starting a run and following it, why / why not for one resident, and the
residents' answer by the token in their link.

The same access as the pages (``access``), the same actions. A request is read strictly before
anything is written: a wrong type, a bad date or an invalid rule is a 400 naming the field, and
nothing changes. Fields are optional in the schema so that a caller without the right is told
403 before anything about the body.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation
from typing import Literal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from doorstep.catalogue.models import Department, Service
from doorstep.core.errors import field_error
from doorstep.core.rest.errors import ApiError, errors
from doorstep.core.rest.pagination import LIMIT_DEFAULT, LIMIT_MAX, keyset_page
from doorstep.core.rest.types import Bool, Input, QueryId, QueryText, text
from doorstep.people.actions import log_access
from doorstep.people.choices import AccessAction
from doorstep.people.models import CertificateType
from doorstep.rules import rules

from . import access, actions
from .actions import SAMPLE
from .answers import ANSWERS, access_entitlement, do_answer
from .choices import Kind, Mode, Period, RunStatus, Trigger
from .forms import RULE_MAX, rule_problems
from .models import OptOut, Programme, ProgrammeRun
from .runs import RunError
from .why import explain

router = Router(tags=["programmes"])

SAMPLE_MAX = 100
SLUG = re.compile(r"[-a-zA-Z0-9_]+")


# ---- schemas -----------------------------------------------------------------------------------

Code = text(40)
Name = text(100)
UserName = text(150)
Policy = text(10000)
Amount = text(20)
RuleText = text(RULE_MAX)
PaymentText = text(100)
SignatureText = text(60)


class Counts(Schema):
    granted: int
    stopped: int
    unchanged: int
    cases_opened: int
    notified: int


class RunOut(Schema):
    id: int
    programme: int
    status: str
    status_label: str
    phase: str
    phase_label: str
    period: str
    scan_date: datetime.date | None
    trigger: str
    started_by: str | None
    rule_version: int | None
    queued_at: datetime.datetime | None
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    seconds: float | None
    counts: Counts
    error: str
    url: str
    finished: bool


class RunEnvelope(Schema):
    run: RunOut


class RunPage(Schema):
    results: list[RunOut]
    next: str | None = Field(description="The `after` of the next page; null on the last.")


class PageParams(Schema):
    limit: int = Field(LIMIT_DEFAULT, ge=1, le=2**31, description=f"At most {LIMIT_MAX}.")
    after: QueryText | None = Field(None, description="The `next` of the previous page.")


class ProgrammeRow(Schema):
    id: int
    code: str
    name: str
    department: str
    kind: str
    mode: str
    period: str
    amount: str | None
    is_active: bool
    version: int
    url: str


class ProgrammeList(Schema):
    programmes: list[ProgrammeRow]


class VersionOut(Schema):
    number: int
    grant_rule: str
    stop_rule: str
    created_at: datetime.datetime | None
    created_by: str | None


class ProgrammeOut(ProgrammeRow):
    policy: str
    service: str | None
    certificate_type: str | None
    handler: str | None
    grant_rule: str
    stop_rule: str
    payment_method: str = ""
    payment_timing: str = ""
    signature: str = ""
    pays_money: bool = False
    awaits_approval: bool = False
    approval_key: str = ""
    changed_by: str | None = None
    changed_at: datetime.datetime | None = None
    approved_by: str | None = None
    approved_at: datetime.datetime | None = None
    versions: list[VersionOut] = []
    runs: list[RunOut] = []


class ProgrammeEnvelope(Schema):
    programme: ProgrammeOut


class ProgrammeIn(Input):
    """A programme, or (on a change) the fields to change: the rest keep their value."""

    code: Code | None = None
    name: Name | None = None
    department: Code | None = None
    service: Code | None = None
    certificate_type: Code | None = None
    handler: UserName | None = None
    policy: Policy | None = None
    kind: Literal[tuple(Kind.values)] | None = None  # type: ignore[valid-type]
    mode: Literal[tuple(Mode.values)] | None = None  # type: ignore[valid-type]
    period: Literal[tuple(Period.values)] | None = None  # type: ignore[valid-type]
    amount: Amount | None = Field(None, description='Yuan as a string, e.g. "50.00".')
    is_active: Bool | None = None
    grant_rule: RuleText | None = None
    stop_rule: RuleText | None = None
    payment_method: PaymentText | None = None
    payment_timing: PaymentText | None = None
    signature: SignatureText | None = None


class ApprovalIn(Input):
    """What the approver read: the programme's ``approval_key`` as they saw it."""

    seen: Code = ""


class ActiveFilter(Schema):
    active: bool | None = None


class RuleCheckIn(Input):
    text: RuleText = ""
    required: Bool = True


class ProblemOut(Schema):
    line: int
    column: int
    message: str
    text: str


class RuleCheckOut(Schema):
    ok: bool
    problems: list[ProblemOut]


class PreviewParams(Schema):
    date: datetime.date | None = None
    sample: int = Field(SAMPLE, ge=0, le=SAMPLE_MAX)


class SampleRow(Schema):
    name: str
    id_masked: str
    area: str


class PreviewCounts(Schema):
    granted: int
    stopped: int
    unchanged: int
    opted_out: int


class PreviewOut(Schema):
    programme: int
    period: str
    date: datetime.date | None
    rule_version: int | None
    counts: PreviewCounts
    samples: dict[str, list[SampleRow]]


class OnDate(Schema):
    date: datetime.date | None = None


class NodeOut(Schema):
    kind: str
    text: str
    holds: bool
    detail: str
    sentence: str = ""  # what a clerk can say to the resident ("aged 79, not yet 80")
    children: list[NodeOut]


class CertificateFactsOut(Schema):
    type: str
    days_to_expiry: int | None
    valid: bool
    renewal_due: bool


class FactsOut(Schema):
    age: int
    sex: str
    status: str
    area: str
    tags: list[str]
    household_size: int
    lives_alone: bool
    certificates: list[CertificateFactsOut]
    holds: list[str]


class EntitlementOut(Schema):
    period: str
    status: str
    status_label: str
    granted_at: datetime.datetime | None
    stopped_at: datetime.datetime | None


class WhyOut(Schema):
    programme: int
    resident: int
    date: datetime.date | None
    period: str
    eligible: bool
    outcome: str
    grant: NodeOut | None
    stop: NodeOut | None
    facts: FactsOut
    opted_out: str | None
    entitlement: EntitlementOut | None


class AnswerIn(Input):
    answer: Literal[ANSWERS]  # type: ignore[valid-type]


class AnswerProgramme(Schema):
    name: str
    policy: str
    kind: str
    mode: str


class AnswerOut(Schema):
    programme: AnswerProgramme
    period: str
    status: str
    status_label: str
    amount: str | None
    opted_out: bool
    changed: bool | None = None


# ---- writing the response ------------------------------------------------------------------------


def _run(run: ProgrammeRun) -> dict:
    return {
        "id": run.pk,
        "programme": run.programme_id,
        "status": run.status,
        "status_label": str(run.get_status_display()),
        "phase": run.phase,
        "phase_label": str(run.get_phase_display()),
        "period": run.period,
        "scan_date": run.scan_date,
        "trigger": run.trigger,
        "started_by": run.started_by.username if run.started_by_id else None,
        "rule_version": run.rule_version.number if run.rule_version_id else None,
        "queued_at": run.queued_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "seconds": run.seconds,
        "counts": {
            "granted": run.granted,
            "stopped": run.stopped,
            "unchanged": run.unchanged,
            "cases_opened": run.cases_opened,
            "notified": run.notified,
        },
        "error": run.error,
        "url": reverse("api:run", args=[run.pk]),
        "finished": run.status in (RunStatus.DONE, RunStatus.FAILED),
    }


def _programme(p: Programme, *, full: bool = False) -> dict:
    data = {
        "id": p.pk,
        "code": p.code,
        "name": p.name,
        "department": p.department.code,
        "kind": p.kind,
        "mode": p.mode,
        "period": p.period,
        "amount": str(p.amount) if p.amount is not None else None,
        "is_active": p.is_active,
        "version": p.version,
        "url": reverse("api:programme", args=[p.pk]),
    }
    if full:
        data.update(
            {
                "policy": p.policy,
                "service": p.service.code if p.service_id else None,
                "certificate_type": p.certificate_type.code if p.certificate_type_id else None,
                "handler": p.handler.username if p.handler_id else None,
                "grant_rule": p.grant_rule,
                "stop_rule": p.stop_rule,
                "payment_method": p.payment_method,
                "payment_timing": p.payment_timing,
                "signature": p.signature,
                "pays_money": p.pays_money,
                "awaits_approval": p.awaits_approval,
                "approval_key": actions.approval_key(p),
                "changed_by": p.changed_by.username if p.changed_by_id else None,
                "changed_at": p.changed_at,
                "approved_by": p.approved_by.username if p.approved_by_id else None,
                "approved_at": p.approved_at,
            }
        )
    return data


def _fetch(pk: int) -> Programme:
    return Programme.objects.select_related(
        "department", "service", "certificate_type", "handler", "changed_by", "approved_by"
    ).get(pk=pk)


def _rule_error(exc: rules.RuleError) -> ApiError:
    message = _("The programme's stored rules no longer compile: %(error)s") % {"error": str(exc)}
    return ApiError(409, "invalid_rule", message, "grant_rule")


# ---- reading a programme -------------------------------------------------------------------------


def _lookup(model, code: str | None, field: str, *, required: bool = False):
    code = (code or "").strip()
    if not code:
        if required:
            raise field_error(field, _("This field is required."), "required")
        return None
    found = model.objects.filter(code=code).first()
    if found is None:
        raise field_error(field, _("Unknown code “%(code)s”.") % {"code": code}, f"unknown_{field}")
    return found


def _rule(value: str | None, field: str, *, required: bool) -> str:
    text_ = value or ""
    problems = rule_problems(text_, required=required)
    if problems:
        raise ValidationError(
            {field: [ValidationError(p.text, code="invalid_rule") for p in problems]}
        )
    return text_.strip()


def _amount(value: str | None):
    if value is None or value == "":
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount < 0 or amount >= Decimal("1e8"):
        raise field_error("amount", _('Give the amount as a string of yuan, e.g. "50.00".'))
    return amount.quantize(Decimal("0.01"))


def _code(value: str | None, current: Programme | None) -> str:
    code = (value or "").strip()
    if not code:
        raise field_error("code", _("This field is required."), "required")
    if not SLUG.fullmatch(code):
        raise field_error("code", _("Use letters, digits, hyphens and underscores only."))
    taken = Programme.objects.filter(code=code)
    if current is not None:
        taken = taken.exclude(pk=current.pk)
    if taken.exists():
        raise field_error("code", _("Another programme has this code."), "duplicate")
    return code


def _handler(value: str | None):
    name = (value or "").strip()
    if not name:
        return None
    handler = get_user_model().objects.filter(username=name, is_active=True).first()
    if handler is None:
        raise field_error("handler", _("No such member of staff."), "unknown_handler")
    return handler


def _read_programme(data: ProgrammeIn, current: Programme | None) -> dict:
    """The fields of a programme; on a change, missing fields keep their value. Everything is
    read (and every rule checked) before the action writes anything."""
    sent = data.model_fields_set

    def given(name: str) -> bool:
        return current is None or name in sent

    fields: dict = {}
    if given("code"):
        fields["code"] = _code(data.code, current)
    if given("name"):
        name = (data.name or "").strip()
        if not name:
            raise field_error("name", _("This field is required."), "required")
        fields["name"] = name
    if given("department"):
        fields["department"] = _lookup(Department, data.department, "department", required=True)
    if given("service"):
        fields["service"] = _lookup(Service, data.service, "service")
    if given("certificate_type"):
        fields["certificate_type"] = _lookup(
            CertificateType, data.certificate_type, "certificate_type"
        )
    if given("handler"):
        fields["handler"] = _handler(data.handler)
    if given("policy"):
        fields["policy"] = data.policy or ""
    for name, default in (("kind", Kind.GRANT), ("mode", Mode.NOTIFY), ("period", Period.ONCE)):
        if given(name):
            fields[name] = getattr(data, name) or default
    if given("amount"):
        fields["amount"] = _amount(data.amount)
    if given("is_active") and data.is_active is not None:
        fields["is_active"] = data.is_active  # a new programme starts switched off
    for name in ("payment_method", "payment_timing", "signature"):
        if given(name):
            fields[name] = (getattr(data, name) or "").strip()
    if given("grant_rule"):
        fields["grant_rule"] = _rule(data.grant_rule, "grant_rule", required=True)
    if given("stop_rule"):
        fields["stop_rule"] = _rule(data.stop_rule, "stop_rule", required=False)
    if current is not None:  # the action receives the whole programme, as the form sends it
        for name in (
            *("code", "name", "department", "service", "certificate_type", "handler"),
            *("policy", "kind", "mode", "period", "amount", "is_active"),
            *("payment_method", "payment_timing", "signature"),
            *("grant_rule", "stop_rule"),
        ):
            fields.setdefault(name, getattr(current, name))
    _check_combination(fields)
    return fields


def _check_combination(fields: dict) -> None:
    if fields.get("kind") == Kind.RENEWAL:
        for name in ("certificate_type", "service", "handler"):
            if not fields.get(name):
                raise field_error(name, _("A renewal programme needs this."), "required")
    if fields.get("mode") == Mode.OFFER and fields.get("kind") != Kind.GRANT:
        raise field_error("mode", _("Only a programme that grants a benefit can offer it."))


# ---- programmes ----------------------------------------------------------------------------------


@router.get(
    "/programmes/", response={200: ProgrammeList, **errors(401, 403)}, url_name="programmes"
)
def programmes(request: HttpRequest, filters: Query[ActiveFilter]):
    """Programmes, active first."""
    access.require_read(request.user)
    rows = Programme.objects.select_related("department").order_by("-is_active", "name", "id")
    if filters.active is not None:
        rows = rows.filter(is_active=filters.active)
    return {"programmes": [_programme(p) for p in rows]}


@router.post(
    "/programmes/",
    response={201: ProgrammeEnvelope, **errors(401, 403)},
    url_name="programmes-create",
)
def programme_create(request: HttpRequest, payload: ProgrammeIn):
    """A new programme (administrators): its rules are checked before anything is written."""
    access.require_change(request.user)
    fields = _read_programme(payload, None)
    saved = actions.do_save_programme(None, actor=request.user, **fields)
    return Status(201, {"programme": _programme(_fetch(saved.pk), full=True)})


@router.get(
    "/programmes/{pk}/",
    response={200: ProgrammeEnvelope, **errors(401, 403, 404)},
    url_name="programme",
)
def programme(request: HttpRequest, pk: QueryId):
    """A programme with its rule versions and its last 20 runs."""
    p = access.access_programme(request.user, pk)
    versions = [
        {
            "number": v.number,
            "grant_rule": v.grant_rule,
            "stop_rule": v.stop_rule,
            "created_at": v.created_at,
            "created_by": v.created_by.username if v.created_by_id else None,
        }
        for v in p.versions.select_related("created_by").order_by("-number")
    ]
    runs = p.runs.select_related("started_by", "rule_version").order_by("-queued_at", "-id")
    data = _programme(p, full=True)
    data["versions"] = versions
    data["runs"] = [_run(r) for r in runs[:20]]
    return {"programme": data}


@router.patch(
    "/programmes/{pk}/",
    response={200: ProgrammeEnvelope, **errors(401, 403, 404)},
    url_name="programme-change",
)
def programme_change(request: HttpRequest, pk: QueryId, payload: ProgrammeIn):
    """Change the fields given; a rule change makes a new rule version."""
    current = access.access_programme(request.user, pk, for_change=True)
    fields = _read_programme(payload, current)
    saved = actions.do_save_programme(current, actor=request.user, **fields)
    return {"programme": _programme(_fetch(saved.pk), full=True)}


@router.post(
    "/programmes/{pk}/approval/",
    response={200: ProgrammeEnvelope, **errors(401, 403, 404, 409)},
    url_name="programme-approval",
)
def programme_approval(request: HttpRequest, pk: QueryId, payload: ApprovalIn):
    """The second person's approval of a programme that pays money (maker-checker): 409
    ``same_person`` for the person who made the last change, ``changed`` when ``seen`` is not
    the programme's current ``approval_key``, ``not_needed`` when it pays nothing."""
    current = access.access_programme(request.user, pk, for_change=True)
    try:
        actions.do_approve_programme(current, actor=request.user, seen=payload.seen)
    except ValidationError as exc:
        raise ApiError(409, exc.code or "invalid", exc.messages[0]) from None
    return {"programme": _programme(_fetch(current.pk), full=True)}


# ---- rules ---------------------------------------------------------------------------------------


@router.post(
    "/rules/check/", response={200: RuleCheckOut, **errors(401, 403)}, url_name="rules-check"
)
def check(request: HttpRequest, payload: RuleCheckIn):
    """Check a rule's text. An invalid rule is a fine request: its problems are the answer."""
    access.require_change(request.user)
    problems = rule_problems(payload.text, required=payload.required)
    return {
        "ok": not problems,
        "problems": [
            {"line": p.line, "column": p.column, "message": p.message, "text": p.text}
            for p in problems
        ],
    }


# ---- preview, runs -------------------------------------------------------------------------------


@router.get(
    "/programmes/{pk}/preview/",
    response={200: PreviewOut, **errors(401, 403, 404, 409)},
    url_name="programme-preview",
)
def preview(request: HttpRequest, pk: QueryId, params: Query[PreviewParams]):
    """A dry run: how many a run would grant, stop and leave, with samples; writes nothing."""
    access.require_run(request.user)
    p = access.access_programme(request.user, pk)
    try:
        result = actions.preview(p, on=params.date, sample=params.sample)
    except rules.RuleError as exc:
        raise _rule_error(exc) from None
    except RunError as exc:
        raise ApiError(409, "cannot_run", str(exc)) from None
    samples = {
        name: [
            {k: v for k, v in row.items() if k in ("name", "id_masked", "area")}
            for row in result.sample_rows(request.user, name)
        ]
        for name in ("granted", "stopped")
    }
    return {
        "programme": p.pk,
        "period": result.period,
        "date": result.on,
        "rule_version": result.version,
        "counts": {
            "granted": result.granted,
            "stopped": result.stopped,
            "unchanged": result.unchanged,
            "opted_out": result.opted_out,
        },
        "samples": samples,
    }


@router.post(
    "/programmes/{pk}/runs/",
    response={202: RunEnvelope, **errors(401, 403, 404, 409)},
    url_name="programme-runs",
)
def start_run(request: HttpRequest, pk: QueryId, response: HttpResponse):
    """Start a run now: 202 with the run to follow (GET its url until it is finished)."""
    access.require_run(request.user)
    p = access.access_programme(request.user, pk)
    try:
        run = actions.do_queue_run(p, actor=request.user, trigger=Trigger.API)
    except ValidationError as exc:
        raise ApiError(409, exc.code or "cannot_run", exc.messages[0]) from None
    run = ProgrammeRun.objects.select_related("started_by", "rule_version").get(pk=run.pk)
    response["Location"] = reverse("api:run", args=[run.pk])
    return Status(202, {"run": _run(run)})


@router.get(
    "/programmes/{pk}/runs/",
    response={200: RunPage, **errors(401, 403, 404)},
    url_name="programme-run-list",
)
def run_list(request: HttpRequest, pk: QueryId, params: Query[PageParams]):
    """A programme's runs, newest first, a page at a time."""
    p = access.access_programme(request.user, pk)
    rows = p.runs.select_related("started_by", "rule_version")
    page, after = keyset_page(rows, field="queued_at", limit=params.limit, after=params.after)
    return {"results": [_run(r) for r in page], "next": after or None}


@router.get("/runs/{pk}/", response={200: RunEnvelope, **errors(401, 403, 404)}, url_name="run")
def run(request: HttpRequest, pk: QueryId):
    """A run as it goes: ``finished`` once it is done or failed."""
    return {"run": _run(access.access_run(request.user, pk))}


# ---- why / why not -------------------------------------------------------------------------------


def _node(node, shown=None) -> dict | None:
    if node is None:
        return None
    children = node.children or ()
    shown_children = shown.children if shown is not None else (None,) * len(children)
    return {
        "kind": node.kind,
        "text": node.text,
        "holds": bool(node.holds),
        "detail": str(node.detail) if getattr(node, "detail", None) else "",
        "sentence": shown.sentence if shown is not None else "",
        "children": [_node(c, s) for c, s in zip(children, shown_children, strict=True)],
    }


def _facts(f) -> dict:
    return {
        "age": f.age,
        "sex": f.sex,
        "status": f.status,
        "area": f.area,
        "tags": sorted(f.tags),
        "household_size": f.household_size,
        "lives_alone": f.lives_alone,
        "certificates": [
            {
                "type": c.type,
                "days_to_expiry": c.days_to_expiry,
                "valid": c.valid,
                "renewal_due": c.renewal_due,
            }
            for c in f.certificates
        ],
        "holds": sorted(f.holds),
    }


@router.get(
    "/programmes/{pk}/why/{resident_pk}/",
    response={200: WhyOut, **errors(401, 403, 404, 409)},
    url_name="programme-why",
)
def why(request: HttpRequest, pk: QueryId, resident_pk: QueryId, params: Query[OnDate]):
    """Why a resident is (not) eligible: each condition with the facts behind it."""
    p = access.explainable_programme(request.user, pk)
    resident = access.explainable_resident(request.user, resident_pk)
    try:
        found = explain(p, resident, on=params.date)
    except rules.RuleError as exc:
        raise _rule_error(exc) from None
    log_access(request.user, resident, AccessAction.VIEW, f"why: {p.code}")
    ent = found.entitlement
    return {
        "programme": p.pk,
        "resident": resident.pk,
        "date": found.on,
        "period": found.period,
        "eligible": bool(found.eligible),
        "outcome": str(found.outcome),
        "grant": _node(found.grant, found.grant_shown),
        "stop": _node(found.stop, found.stop_shown),
        "facts": _facts(found.facts),
        "opted_out": found.opted_out.reason if found.opted_out else None,
        "entitlement": {
            "period": ent.period,
            "status": ent.status,
            "status_label": str(ent.get_status_display()),
            "granted_at": ent.granted_at,
            "stopped_at": ent.stopped_at,
        }
        if ent
        else None,
    }


# ---- the residents' answer -----------------------------------------------------------------------


def _answer(entitlement, changed: bool | None) -> dict:
    p = Programme.objects.get(pk=entitlement.programme_id)
    opted_out = OptOut.objects.filter(programme=p, resident_id=entitlement.resident_id).exists()
    data = {
        "programme": {"name": p.name, "policy": p.policy, "kind": p.kind, "mode": p.mode},
        "period": entitlement.period,
        "status": entitlement.status,
        "status_label": str(entitlement.get_status_display()),
        "amount": str(entitlement.amount) if entitlement.amount is not None else None,
        "opted_out": opted_out,
    }
    if changed is not None:
        data["changed"] = changed
    return data


@router.get(
    "/answers/{token}/",
    response={200: AnswerOut, **errors(404)},
    auth=None,
    url_name="answer",
)
def answer(request: HttpRequest, token: QueryText):
    """A resident's entitlement by the token of their link; unknown tokens are 404."""
    return _answer(access_entitlement(token), None)


@router.post(
    "/answers/{token}/",
    response={200: AnswerOut, **errors(404)},
    auth=None,
    url_name="answer-post",
)
def answer_post(request: HttpRequest, token: QueryText, payload: AnswerIn):
    """The resident's answer: accept, decline, opt out or opt back in."""
    entitlement = access_entitlement(token)
    changed = do_answer(entitlement, payload.answer)
    entitlement.refresh_from_db()
    return _answer(entitlement, changed)
