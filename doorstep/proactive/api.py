"""JSON endpoints for programmes: list and detail (and create / change for administrators), the
rule check, the preview, starting a run and following it, why / why not for one resident, and
the residents' answer by the token in their link.

The same access as the pages (``access``), the same actions, ``doorstep.core.jsonapi``'s one
error shape. A request is read strictly before anything is written: a wrong type, a bad date or
an invalid rule is a 400 naming the field, and nothing changes.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from doorstep.catalogue.models import Department, Service
from doorstep.core.jsonapi import (
    api_view,
    error,
    invalid,
    ok,
    read_body,
    read_bool,
    read_choice,
    read_date,
    read_int,
    read_text,
)
from doorstep.people.actions import log_access
from doorstep.people.choices import AccessAction
from doorstep.people.models import CertificateType
from doorstep.rules import rules

from . import access, actions
from .choices import Kind, Mode, Period, RunStatus, Trigger
from .forms import RULE_MAX, rule_problems
from .models import OptOut, Programme, ProgrammeRun
from .runs import RunError
from .views import ANSWERS, SAMPLE, _entitlement, _sample, _sample_rows, do_answer
from .why import explain

SAMPLE_MAX = 100
SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _run(run: ProgrammeRun | None) -> dict | None:
    if run is None:
        return None
    return {
        "id": run.pk,
        "programme": run.programme_id,
        "status": run.status,
        "status_label": str(run.get_status_display()),
        "phase": run.phase,
        "phase_label": str(run.get_phase_display()),
        "period": run.period,
        "scan_date": _iso(run.scan_date),
        "trigger": run.trigger,
        "started_by": run.started_by.username if run.started_by_id else None,
        "rule_version": run.rule_version.number if run.rule_version_id else None,
        "queued_at": _iso(run.queued_at),
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "seconds": run.seconds,
        "counts": {
            "granted": run.granted,
            "stopped": run.stopped,
            "unchanged": run.unchanged,
            "cases_opened": run.cases_opened,
            "notified": run.notified,
        },
        "error": run.error,
        "url": reverse("proactive:api-run", args=[run.pk]),
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
        "url": reverse("proactive:api-programme", args=[p.pk]),
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
            }
        )
    return data


# ---- programmes ------------------------------------------------------------------------------


@api_view(["GET", "POST"])
def programmes(request: HttpRequest) -> JsonResponse:
    if request.method == "POST":
        access.require_change(request.user)
        fields = _read_programme(read_body(request), None)
        with transaction.atomic():
            saved = actions.do_save_programme(None, actor=request.user, **fields)
        return ok({"programme": _programme(_fetch(saved.pk), full=True)}, status=201)
    access.require_read(request.user)
    rows = Programme.objects.select_related("department").order_by("-is_active", "name", "id")
    if "active" in request.GET:
        active = request.GET["active"]
        if active not in ("true", "false"):
            raise invalid("active", _("Give true or false."))
        rows = rows.filter(is_active=active == "true")
    return ok({"programmes": [_programme(p) for p in rows]})


def _fetch(pk: int) -> Programme:
    return Programme.objects.select_related(
        "department", "service", "certificate_type", "handler"
    ).get(pk=pk)


@api_view(["GET", "POST"])
def programme(request: HttpRequest, pk: int) -> JsonResponse:
    if request.method == "POST":
        current = access.access_programme(request.user, pk, for_change=True)
        fields = _read_programme(read_body(request), current)
        with transaction.atomic():
            saved = actions.do_save_programme(current, actor=request.user, **fields)
        return ok({"programme": _programme(_fetch(saved.pk), full=True)})
    p = access.access_programme(request.user, pk)
    versions = [
        {
            "number": v.number,
            "grant_rule": v.grant_rule,
            "stop_rule": v.stop_rule,
            "created_at": _iso(v.created_at),
            "created_by": v.created_by.username if v.created_by_id else None,
        }
        for v in p.versions.select_related("created_by").order_by("-number")
    ]
    runs = p.runs.select_related("started_by", "rule_version").order_by("-queued_at", "-id")
    data = _programme(p, full=True)
    data["versions"] = versions
    data["runs"] = [_run(r) for r in runs[:20]]
    return ok({"programme": data})


def _lookup(model, value: object, field: str, *, required: bool = False):
    code = read_text(value, field, max_length=40, required=required).strip()
    if not code:
        return None
    found = model.objects.filter(code=code).first()
    if found is None:
        raise invalid(field, _("Unknown code “%(code)s”.") % {"code": code}, f"unknown_{field}")
    return found


def _rule(value: object, field: str, *, required: bool) -> str:
    text = read_text(value, field, max_length=RULE_MAX, required=False)
    problems = rule_problems(text, required=required)
    if problems:
        raise ValidationError(
            {field: [ValidationError(p.text, code="invalid_rule") for p in problems]}
        )
    return text.strip()


def _read_programme(data: dict, current: Programme | None) -> dict:
    """The fields of a programme from a JSON body; on a change, missing fields keep their
    value. Everything is read (and every rule checked) before the action writes anything."""
    from django.contrib.auth import get_user_model

    def given(name: str) -> bool:
        return current is None or name in data

    fields: dict = {}
    if given("code"):
        code = read_text(data.get("code"), "code", max_length=40, required=True).strip()
        if not SLUG.fullmatch(code):
            raise invalid("code", _("Use letters, digits, hyphens and underscores only."))
        taken = Programme.objects.filter(code=code)
        if current is not None:
            taken = taken.exclude(pk=current.pk)
        if taken.exists():
            raise invalid("code", _("Another programme has this code."), "duplicate")
        fields["code"] = code
    if given("name"):
        fields["name"] = read_text(data.get("name"), "name", max_length=100, required=True).strip()
    if given("department"):
        fields["department"] = _lookup(
            Department, data.get("department"), "department", required=True
        )
    if given("service"):
        fields["service"] = _lookup(Service, data.get("service"), "service")
    if given("certificate_type"):
        fields["certificate_type"] = _lookup(
            CertificateType, data.get("certificate_type"), "certificate_type"
        )
    if given("handler"):
        name = read_text(data.get("handler"), "handler", max_length=150).strip()
        handler = None
        if name:
            handler = get_user_model().objects.filter(username=name, is_active=True).first()
            if handler is None:
                raise invalid("handler", _("No such member of staff."), "unknown_handler")
        fields["handler"] = handler
    if given("policy"):
        fields["policy"] = read_text(data.get("policy"), "policy", max_length=10000)
    for name, choices, default in (
        ("kind", Kind.values, Kind.GRANT),
        ("mode", Mode.values, Mode.NOTIFY),
        ("period", Period.values, Period.ONCE),
    ):
        if given(name):
            fields[name] = read_choice(data.get(name, default), name, choices)
    if given("amount"):
        fields["amount"] = _amount(data.get("amount"))
    if given("is_active"):
        fields["is_active"] = read_bool(data.get("is_active"), "is_active", default=True)
    if given("grant_rule"):
        fields["grant_rule"] = _rule(data.get("grant_rule"), "grant_rule", required=True)
    if given("stop_rule"):
        fields["stop_rule"] = _rule(data.get("stop_rule"), "stop_rule", required=False)
    if current is not None:  # the action receives the whole programme, as the form sends it
        for name in ("code", "name", "department", "service", "certificate_type", "handler"):
            fields.setdefault(name, getattr(current, name))
        for name in ("policy", "kind", "mode", "period", "amount", "is_active"):
            fields.setdefault(name, getattr(current, name))
        fields.setdefault("grant_rule", current.grant_rule)
        fields.setdefault("stop_rule", current.stop_rule)
    _check_combination(fields)
    return fields


def _amount(value: object):
    from decimal import Decimal, InvalidOperation

    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise invalid("amount", _('Give the amount as a string of yuan, e.g. "50.00".'))
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount < 0 or amount >= Decimal("1e8"):
        raise invalid("amount", _('Give the amount as a string of yuan, e.g. "50.00".'))
    return amount.quantize(Decimal("0.01"))


def _check_combination(fields: dict) -> None:
    if fields.get("kind") == Kind.RENEWAL:
        for name in ("certificate_type", "service", "handler"):
            if not fields.get(name):
                raise invalid(name, _("A renewal programme needs this."), "required")
    if fields.get("mode") == Mode.OFFER and fields.get("kind") != Kind.GRANT:
        raise invalid("mode", _("Only a programme that grants a benefit can offer it."))


# ---- rules -----------------------------------------------------------------------------------


@api_view(["POST"])
def check(request: HttpRequest) -> JsonResponse:
    """{"text": "...", "required": true} → {"ok": bool, "problems": [{line, column, message}]}.
    An invalid rule is a fine request: its problems are the answer."""
    access.require_change(request.user)
    data = read_body(request)
    text = read_text(data.get("text"), "text", max_length=RULE_MAX)
    required = read_bool(data.get("required"), "required", default=True)
    problems = rule_problems(text, required=required)
    return ok(
        {
            "ok": not problems,
            "problems": [
                {"line": p.line, "column": p.column, "message": p.message, "text": p.text}
                for p in problems
            ],
        }
    )


# ---- preview, runs ---------------------------------------------------------------------------


def _rule_error(exc: rules.RuleError) -> JsonResponse:
    problems = [
        {"line": p.line, "column": p.column, "message": str(p.message)} for p in exc.problems
    ]
    return error(
        409,
        "invalid_rule",
        _("The programme's stored rules no longer compile: %(error)s") % {"error": str(exc)},
        {"grant_rule": [p["message"] for p in problems]},
    )


@api_view(["GET"], statuses={"cannot_run": 409})
def preview(request: HttpRequest, pk: int) -> JsonResponse:
    access.require_run(request.user)
    p = access.access_programme(request.user, pk)
    on = read_date(request.GET.get("date"), "date")
    sample = read_int(request.GET.get("sample"), "sample")
    if sample is None:
        sample = SAMPLE
    if sample > SAMPLE_MAX:
        raise invalid("sample", _("At most %(n)d.") % {"n": SAMPLE_MAX}, "too_large")
    try:
        result = actions.preview(p, on=on, sample=sample)
    except rules.RuleError as exc:
        return _rule_error(exc)
    except RunError as exc:
        return error(409, "cannot_run", str(exc))
    counts = {
        "granted": result.granted,
        "stopped": result.stopped,
        "unchanged": result.unchanged,
        "opted_out": result.opted_out,
    }
    return ok(
        {
            "programme": p.pk,
            "period": result.period,
            "date": _iso(result.on),
            "rule_version": result.version,
            "counts": counts,
            "samples": {
                name: [
                    {k: v for k, v in row.items() if k in ("name", "id_masked", "area")}
                    for row in _sample_rows(request.user, _sample(result, name))
                ]
                for name in ("granted", "stopped")
            },
        }
    )


@api_view(["POST"], statuses={"inactive": 409})
def runs(request: HttpRequest, pk: int) -> JsonResponse:
    """Start a run now: 202 with the run to follow (GET its url until status is done or
    failed)."""
    access.require_run(request.user)
    p = access.access_programme(request.user, pk)
    read_body(request)  # nothing to read yet, but a body must be a JSON object when given
    with transaction.atomic():
        run = actions.do_queue_run(p, actor=request.user, trigger=Trigger.API)
    run = ProgrammeRun.objects.select_related("started_by", "rule_version").get(pk=run.pk)
    response = ok({"run": _run(run)}, status=202)
    response["Location"] = reverse("proactive:api-run", args=[run.pk])
    return response


@api_view(["GET"])
def run(request: HttpRequest, pk: int) -> JsonResponse:
    r = access.access_run(request.user, pk)
    data = _run(r)
    data["finished"] = r.status in (RunStatus.DONE, RunStatus.FAILED)
    return ok({"run": data})


# ---- why / why not ---------------------------------------------------------------------------


def _node(node) -> dict | None:
    if node is None:
        return None
    return {
        "kind": node.kind,
        "text": node.text,
        "holds": bool(node.holds),
        "detail": str(node.detail) if getattr(node, "detail", None) else "",
        "children": [_node(c) for c in (node.children or ())],
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


@api_view(["GET"])
def why(request: HttpRequest, pk: int, resident_pk: int) -> JsonResponse:
    p = access.explainable_programme(request.user, pk)
    resident = access.explainable_resident(request.user, resident_pk)
    on = read_date(request.GET.get("date"), "date")
    try:
        found = explain(p, resident, on=on)
    except rules.RuleError as exc:
        return _rule_error(exc)
    log_access(request.user, resident, AccessAction.VIEW, f"why: {p.code}")
    ent = found.entitlement
    return ok(
        {
            "programme": p.pk,
            "resident": resident.pk,
            "date": _iso(found.on),
            "period": found.period,
            "eligible": bool(found.eligible),
            "outcome": str(found.outcome),
            "grant": _node(found.grant),
            "stop": _node(found.stop),
            "facts": _facts(found.facts),
            "opted_out": found.opted_out.reason if found.opted_out else None,
            "entitlement": {
                "period": ent.period,
                "status": ent.status,
                "status_label": str(ent.get_status_display()),
                "granted_at": _iso(ent.granted_at),
                "stopped_at": _iso(ent.stopped_at),
            }
            if ent
            else None,
        }
    )


# ---- the residents' answer -------------------------------------------------------------------


@api_view(["GET", "POST"], login=False)
def answer(request: HttpRequest, token: str) -> JsonResponse:
    """The resident's entitlement by the token of their link (GET), or their answer (POST
    {"answer": "accept" | "decline" | "opt_out" | "opt_in"}). Unknown tokens: 404."""
    entitlement = _entitlement(token)
    changed = None
    if request.method == "POST":
        choice = read_choice(read_body(request).get("answer"), "answer", ANSWERS)
        changed = bool(do_answer(entitlement, choice))
        entitlement.refresh_from_db()
    p = Programme.objects.get(pk=entitlement.programme_id)
    opt_out = OptOut.objects.filter(programme=p, resident_id=entitlement.resident_id).first()
    data = {
        "programme": {"name": p.name, "policy": p.policy, "kind": p.kind, "mode": p.mode},
        "period": entitlement.period,
        "status": entitlement.status,
        "status_label": str(entitlement.get_status_display()),
        "amount": str(entitlement.amount) if entitlement.amount is not None else None,
        "opted_out": opt_out is not None,
    }
    if changed is not None:
        data["changed"] = changed
    return ok(data)


urlpatterns = [
    path("programmes/", programmes, name="api-programmes"),
    path("programmes/<int:pk>/", programme, name="api-programme"),
    path("programmes/<int:pk>/preview/", preview, name="api-preview"),
    path("programmes/<int:pk>/runs/", runs, name="api-runs"),
    path("programmes/<int:pk>/why/<int:resident_pk>/", why, name="api-why"),
    path("rules/check/", check, name="api-check"),
    path("runs/<int:pk>/", run, name="api-run"),
    path("r/<str:token>/", answer, name="api-answer"),
]
