"""JSON endpoints for cases: intake at the desk, transitions, materials, notices, files, lists
and the public tracking lookup. The staff tablet app uses them with its session (and the
``X-CSRFToken`` header on writes); residents' apps use only ``track``.

Every write is one call of an action in ``cases.actions`` (or two in one transaction), after the
request has been read strictly: a wrong type, an unknown service or department or an oversize
string is a 400 before anything is written. Errors are ``doorstep.core.jsonapi``'s one shape;
``changed`` (someone else changed the case) and ``invalid_transition`` are 409, a case the user
may see but not act on is 403, one they may not see is 404.
"""

from __future__ import annotations

import base64
import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.catalogue.choices import VersionStatus
from doorstep.catalogue.models import Department, Service, ServiceVersion
from doorstep.core import phone
from doorstep.core.jsonapi import (
    api_view,
    error,
    invalid,
    ok,
    read_body,
    read_bool,
    read_choice,
    read_date,
    read_ids,
    read_int,
    read_text,
)
from doorstep.core.prepared import Prepared, int_marker, str_marker
from doorstep.people.access import access_resident
from doorstep.people.models import Resident
from doorstep.staff.roles import VIEW_RESIDENTS
from doorstep.staff.scoping import area_prefixes

from . import actions, attachments, clock, intake, tracking
from .access import access_case
from .choices import (
    OUTSTANDING,
    PAUSED,
    TRANSITIONS,
    AgentKind,
    CaseStatus,
    Clock,
    DocumentKind,
    EventKind,
    MaterialState,
    Outcome,
)
from .forms import TrackForm
from .materials import checklist as material_checklist
from .models import Attachment, Case, CaseDocument, CaseEvent, CaseMaterial, reviewer_grants

STATUSES = {"changed": 409, "invalid_transition": 409}
REASON_MAX = 2000  # a reason or note is a few sentences; the notice prints it whole
KEY_MAX = 64  # Case.idempotency_key: longer keys are refused, never cut (two would merge)
LIMIT_DEFAULT, LIMIT_MAX = 25, 100
CLOCK_FILTERS = ("overdue", "due_soon", "paused")
# Event details staff may read in the API: what the case page shows. The agent's phone, which
# the "created" event also records, stays out.
EVENT_DATA = ("outcome", "agent_kind", "department", "materials", "added", "trips", "name")


# ---- reading the request ---------------------------------------------------------------------


# What intake reads of the service, its published version and its department.
INTAKE_VERSION_FIELDS = (
    "service_id",
    "status",
    "published_at",
    "promised_limit_days",
    "max_trips",
    "service__code",
    "service__name",
    "service__is_active",
    "service__department__code",
    "service__department__name",
)


def _published(variant, code):
    return (
        ServiceVersion.objects.filter(service__code=code, status=VersionStatus.PUBLISHED)
        .select_related("service__department")
        .only(*INTAKE_VERSION_FIELDS)
        .order_by()[:1]
    )


_PUBLISHED = Prepared(_published, (str_marker(),))  # every intake reads it: compiled once


def _service_version(value: object) -> tuple[Service, ServiceVersion | None]:
    """The service named by ``value`` and its published version (None when there is none), in
    one query."""
    code = read_text(value, "service", max_length=40, required=True).strip()
    found = _PUBLISHED.run(code)
    if found:
        return found[0].service, found[0]
    return _service(code), None


def _service(value: object) -> Service:
    code = read_text(value, "service", max_length=40, required=True)
    service = Service.objects.filter(code=code.strip()).select_related("department").first()
    if service is None:
        raise invalid("service", _("No such service."), "unknown_service")
    return service


def _department(value: object) -> Department | None:
    code = read_text(value, "department", max_length=40).strip()
    if not code:
        return None
    department = Department.objects.filter(code=code).first()
    if department is None:
        raise invalid("department", _("No such department."), "unknown_department")
    return department


def _agent(value: object) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid("agent", _("Give the agent as an object."))
    return {
        "agent_kind": read_text(value.get("kind"), "agent_kind", max_length=8) or AgentKind.SELF,
        "agent_name": read_text(value.get("name"), "agent_name", max_length=40),
        "agent_phone": read_text(value.get("phone"), "agent_phone", max_length=20),
        "agent_relation": read_text(value.get("relation"), "agent_relation", max_length=20),
        "consent": read_bool(value.get("consent"), "consent", default=False),
    }


def _idempotency_key(request: HttpRequest, data: dict) -> str:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        key = data.get("idempotency_key")
    return read_text(key, "idempotency_key", max_length=KEY_MAX).strip()


# ---- writing the response --------------------------------------------------------------------


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


def _pdf_url(document: CaseDocument) -> str:
    return reverse("cases-document-pdf", args=[document.case_id, document.pk])


def _document(document: CaseDocument | None) -> dict | None:
    if document is None:
        return None
    return {
        "id": document.pk,
        "kind": document.kind,
        "label": str(DocumentKind(document.kind).label),
        "issued_at": document.issued_at,
        "due_on": document.due_on,
        "deadline": document.deadline,
        "reason": document.reason,
        "pdf_url": _pdf_url(document),
    }


def case_summary(case: Case, today: datetime.date) -> dict:
    """A case as lists show it. Needs ``service``, ``department``, ``forwarded_to``,
    ``resident`` and ``handler`` loaded with it (``SUMMARY_RELATED``)."""
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
        "remaining_working_days": None if case.is_closed else clock.remaining_days(case, today),
        "pending_deadline": case.pending_deadline,
        "trips": case.trips,
        "max_trips": case.max_trips,
        "too_many_trips": case.too_many_trips,
        "revision": case.revision,
    }


SUMMARY_RELATED = ("service", "department", "forwarded_to", "resident", "handler")


def _material(row: CaseMaterial) -> dict:
    cert = row.certificate
    return {
        "id": row.material_id,  # the id that ``provided``, ``pending`` and ``materials`` take
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


def case_detail(case: Case, user, today: datetime.date) -> dict:
    """Everything the case page shows, and what this user may do next. ``case`` comes with
    ``SUMMARY_RELATED`` loaded (as ``access_case`` gives it); its lists are read here."""
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
        "attachments": [
            {
                "id": a.pk,
                "name": a.original_name,
                "content_type": a.content_type,
                "size": a.size,
                "material": a.material.material_id if a.material else None,
                "uploaded_at": a.uploaded_at,
                "url": reverse("cases-attachment", args=[case.pk, a.pk]),
            }
            for a in case.attachments.all()
        ],
        "verbs": [
            {"verb": t.verb, "label": str(t.label), "needs_reason": t.needs_reason, "side": t.side}
            for t in actions.available_verbs(user, case)
        ],
        "may_handle": actions.may_handle(user, case),
        "may_review": actions.may_review(user, case),
    }


def _after_write(request: HttpRequest, pk: int, status: int = 200, **extra) -> JsonResponse:
    """The case as the write left it, read afresh (the action worked on its own locked copy)."""
    case = Case.objects.select_related(*SUMMARY_RELATED).get(pk=pk)
    detail = case_detail(case, request.user, timezone.localdate())
    return ok({**extra, "case": detail}, status=status)


# ---- intake and lists ------------------------------------------------------------------------


@api_view(["GET", "POST"], statuses=STATUSES)
def cases(request: HttpRequest) -> JsonResponse:
    if request.method == "POST":
        return _intake(request)
    return _list(request)


# What intake and its acceptance message read of the resident (the rest is never loaded).
INTAKE_RESIDENT_FIELDS = ("name", "area_code", "phone", "notify_channel")


def _resident(prefixes, pk):
    scope = None if prefixes is None else list(prefixes)
    return (
        Resident.objects.in_prefixes(scope)
        .filter(pk=pk)
        .only(*INTAKE_RESIDENT_FIELDS)
        .order_by()[:1]
    )


_RESIDENT = Prepared(_resident, (int_marker(),))  # compiled once per area scope


def _intake_resident(user, pk: int) -> Resident:
    """The resident a matter is taken in for: one indexed read inside the user's areas, without
    the joins the record page needs; 404 alike when missing or not theirs. (Whether the user
    may take matters in there is ``do_intake``'s check: 403.)"""
    prefixes = area_prefixes(user, VIEW_RESIDENTS)
    found = _RESIDENT.run(pk, variant=None if prefixes is None else tuple(prefixes))
    if not found:
        raise Http404
    return found[0]


def _intake(request: HttpRequest) -> JsonResponse:
    """Take in a matter. The same idempotency key from the same clerk answers 200 with the case
    the first request made, so a double tap or a retried request makes one case."""
    data = read_body(request)
    resident = _intake_resident(
        request.user, read_int(data.get("resident"), "resident", required=True)
    )
    service, version = _service_version(data.get("service"))
    fields = {
        "version": version,
        "outcome": read_choice(data.get("outcome"), "outcome", Outcome.values),
        "provided": read_ids(data.get("provided"), "provided"),
        "pending": read_ids(data.get("pending"), "pending"),
        "pending_deadline": read_date(data.get("pending_deadline"), "pending_deadline"),
        "reason": read_text(data.get("reason"), "reason", max_length=REASON_MAX),
        "in_person": read_bool(data.get("in_person"), "in_person", default=True),
        "idempotency_key": _idempotency_key(request, data),
        **_agent(data.get("agent")),
    }
    taken = intake.do_intake(actor=request.user, resident=resident, service=service, **fields)
    case = (
        Case.objects.select_related(*SUMMARY_RELATED).get(pk=taken.case.pk)
        if not taken.created
        else taken.case
    )
    body = {
        **case_summary(case, timezone.localdate()),
        "document": _document(taken.document),
    }
    return ok(body, status=201 if taken.created else 200)


def _cursor(case: Case) -> str:
    raw = f"{case.created_at.isoformat()}|{case.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _after_cursor(value: str) -> Q:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        stamp, pk = raw.split("|")
        at, pk = datetime.datetime.fromisoformat(stamp), int(pk)
    except (ValueError, UnicodeDecodeError):
        raise invalid("after", _("This page marker is not valid; start again.")) from None
    return Q(created_at__lt=at) | Q(created_at=at, pk__lt=pk)


def _filtered(request: HttpRequest, today: datetime.date):
    params, user = request.GET, request.user
    cases = Case.objects.visible_to(user)
    if params.get("status"):
        wanted = params["status"].split(",")
        for status in wanted:
            read_choice(status, "status", CaseStatus.values)
        cases = cases.filter(status__in=wanted)
    if params.get("clock"):
        kind = read_choice(params["clock"], "clock", CLOCK_FILTERS)
        if kind == "overdue":
            cases = cases.overdue(today)
        elif kind == "due_soon":
            cases = cases.due_soon(today)
        else:
            cases = cases.filter(status__in=PAUSED, paused_since__isnull=False)
    if params.get("too_many_trips") in ("1", "true"):
        cases = cases.too_many_trips()
    if params.get("receipt"):
        receipt = read_text(params["receipt"], "receipt", max_length=20)
        cases = cases.filter(receipt=receipt.strip().upper())
    if params.get("queue") in ("1", "true"):
        # A reviewer's queue: cases waiting for a decision of a department they review for.
        cases = cases.filter(status=CaseStatus.FORWARDED)
        if not user.is_superuser:
            cases = cases.filter(forwarded_to_id__in={d for d, _code in reviewer_grants(user)})
    return cases


def _list(request: HttpRequest) -> JsonResponse:
    """Visible cases, newest first, a page at a time (keyset: ``next`` is the ``after`` of the
    next page, so pages stay stable while new cases arrive)."""
    today = timezone.localdate()
    limit = read_int(request.GET.get("limit"), "limit") or LIMIT_DEFAULT
    limit = min(max(limit, 1), LIMIT_MAX)
    cases = _filtered(request, today)
    if request.GET.get("after"):
        cases = cases.filter(_after_cursor(request.GET["after"]))
    rows = list(cases.select_related(*SUMMARY_RELATED).order_by("-created_at", "-pk")[: limit + 1])
    page, more = rows[:limit], len(rows) > limit
    return ok(
        {
            "results": [case_summary(c, today) for c in page],
            "next": _cursor(page[-1]) if more else None,
        }
    )


@api_view(["GET"], statuses=STATUSES)
def case(request: HttpRequest, pk: int) -> JsonResponse:
    found = access_case(request.user, pk)
    return ok(case_detail(found, request.user, timezone.localdate()))


@api_view(["GET"], statuses=STATUSES)
def checklist(request: HttpRequest) -> JsonResponse:
    """The materials an intake screen ticks for ``resident`` and ``service``: those issued by
    government that the resident already holds come with the certificate, pre-ticked."""
    resident = access_resident(
        request.user, read_int(request.GET.get("resident"), "resident", required=True)
    )
    service = _service(request.GET.get("service"))
    version = service.published_version()
    if version is None or not service.is_active:
        raise invalid("service", _("This service cannot be taken in now."), "service_unavailable")
    today = timezone.localdate()
    items = material_checklist(resident, version, today)
    return ok(
        {
            "service": _named(service),
            "version": version.number,
            "promised_limit_days": version.promised_limit_days,
            "due_on_if_accepted_today": clock.add_working_days(today, version.promised_limit_days),
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
    )


# ---- writes on one case ----------------------------------------------------------------------


@api_view(["POST"], statuses=STATUSES)
def transition(request: HttpRequest, pk: int) -> JsonResponse:
    found = access_case(request.user, pk)
    data = read_body(request)
    verb = read_choice(data.get("verb"), "verb", TRANSITIONS, code="unknown_verb")
    event = actions.do_transition(
        found,
        verb,
        actor=request.user,
        reason=read_text(data.get("reason"), "reason", max_length=REASON_MAX),
        revision=read_int(data.get("revision"), "revision"),
        department=_department(data.get("department")),
        materials=read_ids(data.get("materials"), "materials"),
    )
    return _after_write(request, pk, event=_event(event))


@api_view(["POST"], statuses=STATUSES)
def materials(request: HttpRequest, pk: int) -> JsonResponse:
    """The resident came back with materials; with ``accept`` the case is accepted at once (in
    the same transaction: if it cannot be accepted, the materials are not recorded either)."""
    found = access_case(request.user, pk)
    data = read_body(request)
    provided = read_ids(data.get("provided"), "provided")
    accept = read_bool(data.get("accept"), "accept", default=False)
    pending = read_ids(data.get("pending"), "pending")
    deadline = read_date(data.get("pending_deadline"), "pending_deadline")
    in_person = read_bool(data.get("in_person"), "in_person", default=True)
    revision = read_int(data.get("revision"), "revision")
    document = None
    with transaction.atomic():
        if provided or not accept:
            found = actions.do_receive_materials(
                found, actor=request.user, provided=provided, in_person=in_person, revision=revision
            )
            revision = None  # checked once; the accept below follows the write just made
        if accept:
            document = actions.do_accept(
                found,
                actor=request.user,
                pending=pending,
                pending_deadline=deadline,
                revision=revision,
            )
    return _after_write(request, pk, document=_document(document))


@api_view(["POST"], statuses=STATUSES)
def notice(request: HttpRequest, pk: int) -> JsonResponse:
    found = access_case(request.user, pk)
    data = read_body(request)
    document = actions.do_add_to_notice(
        found,
        actor=request.user,
        materials=read_ids(data.get("materials"), "materials"),
        reason=read_text(data.get("reason"), "reason", max_length=REASON_MAX),
        revision=read_int(data.get("revision"), "revision"),
    )
    return _after_write(request, pk, status=201, document=_document(document))


@api_view(["POST"], statuses=STATUSES)
def attach(request: HttpRequest, pk: int) -> JsonResponse:
    """A scanned material (multipart: ``file``, and ``material``, the material's id)."""
    found = access_case(request.user, pk)
    material_id = read_int(request.POST.get("material"), "material")
    row = None
    if material_id is not None:
        row = found.materials.filter(material_id=material_id).values_list("pk", flat=True).first()
        if row is None:
            raise invalid("material", _("No such material on this case."))
    attachment = attachments.do_add_attachment(
        found, actor=request.user, upload=request.FILES.get("file"), material_id=row
    )
    return ok(
        {
            "id": attachment.pk,
            "name": attachment.original_name,
            "content_type": attachment.content_type,
            "size": attachment.size,
            "material": material_id,
        },
        status=201,
    )


# ---- public tracking -------------------------------------------------------------------------


@api_view(["GET"], login=False)
def track(request: HttpRequest) -> JsonResponse:
    """A resident's view of their case, by receipt number and the last four digits of their
    mobile: the tracking page's lookup, privacy rule and throttle (one failure counter for the
    page and the API, so neither doubles the guesses), answered in JSON. Wrong receipt and wrong
    digits give the same 404; after ten wrong tries from one address, 429 for ten minutes."""
    form = TrackForm(
        {"receipt": request.GET.get("receipt", ""), "digits": request.GET.get("phone_last4", "")}
    )
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    key = tracking.failure_key(request)
    if tracking.throttled(key):
        response = error(429, "throttled", _("Too many wrong tries. Try again in ten minutes."))
        response["Retry-After"] = str(tracking.TRACK_WINDOW)
        return response
    found = tracking.public_case(form.cleaned_data["receipt"], form.cleaned_data["digits"])
    if found is None:
        tracking.count_failure(key)
        return error(404, "not_found", _("No case matches this receipt number and phone."))
    outstanding = found.materials.filter(state__in=sorted(OUTSTANDING)).select_related("material")
    return ok(
        {
            "receipt": found.receipt,
            "service": found.service.name,
            "initials": found.resident.name_initials.upper(),
            "status": _label(CaseStatus, found.status),
            "clock": _label(Clock, found.clock(timezone.localdate())),
            "accepted_on": found.accepted_on,
            "due_on": found.due_on,
            "pending_deadline": found.pending_deadline,
            "outstanding": [row.material.name for row in outstanding.order_by("position", "pk")],
            "timeline": [
                {**item, "label": str(item["label"])} for item in tracking.public_timeline(found)
            ],
        }
    )


urlpatterns = [
    path("cases/", cases, name="cases-api-cases"),
    path("cases/<int:pk>/", case, name="cases-api-case"),
    path("cases/<int:pk>/transitions/", transition, name="cases-api-transition"),
    path("cases/<int:pk>/materials/", materials, name="cases-api-materials"),
    path("cases/<int:pk>/notice/", notice, name="cases-api-notice"),
    path("cases/<int:pk>/attachments/", attach, name="cases-api-attachments"),
    path("checklist/", checklist, name="cases-api-checklist"),
    path("track/", track, name="cases-api-track"),
]
