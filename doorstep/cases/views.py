"""Case screens: intake at the desk, the case page and its actions, the case list, the
department's review queue, and the public tracking page.

Thin: single cases through ``access_case`` (404 alike for missing and not yours), lists through
``visible_to``, every write through ``actions``. A write that fails (stale page, illegal step,
bad input) leaves the case as it was and says why on the case page; a write the user may not
make answers 403.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import F, prefetch_related_objects
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from doorstep.catalogue.choices import Necessity
from doorstep.catalogue.models import Service
from doorstep.catalogue.pdf import PdfUnavailable
from doorstep.catalogue.search import QueryTooLong, search_services
from doorstep.core.filtersets import narrowing
from doorstep.core.htmx import render_page
from doorstep.core.ids import pk_or_404
from doorstep.core.names import masked_name
from doorstep.core.throttle import client_address
from doorstep.people.access import access_resident
from doorstep.staff.roles import HANDLE_CASES, REVIEW_CASES, VIEW_CASES, can
from doorstep.workdays.calendar import add_working_days, is_provisional

from . import actions, clock, materials, tracking
from . import pdf as case_pdf
from .access import access_application, access_case, access_intake_resident
from .actions.attachments import clean_name, declared_too_large
from .actions.attachments import too_large_message as attachment_too_large_message
from .choices import (
    OUTSTANDING,
    TRANSITIONS,
    CaseStatus,
    EventKind,
    ExtensionStatus,
    MaterialState,
)
from .filters import CaseFilterSet
from .forms import (
    AcceptForm,
    AttachmentForm,
    DecideExtensionForm,
    ExtensionForm,
    IntakeForm,
    NoteForm,
    NoticeForm,
    ReceiveForm,
    SupervisionForm,
    TrackForm,
    TransitionForm,
    TripForm,
    add_action_errors,
)
from .metrics import case_figures
from .models import Case, CaseDocument, Extension, RemoteApplication

PAGE_SIZE = 25
DANGER_VERBS = frozenset({"refuse", "reject", "return", "withdraw", "suspend"})
# The usual next steps, shown open; the others sit folded under their name.
PRIMARY_VERBS = frozenset(
    {"start", "forward", "approve", "resubmit", "supply", "complete", "resume"}
)


def _require(user, *capabilities: str) -> None:
    if not any(can(user, c) for c in capabilities):
        raise PermissionDenied


# ---- intake ----------------------------------------------------------------------------------


@login_required
@vary_on_headers("HX-Request")
def intake_pick(request: HttpRequest) -> HttpResponse:
    """Step 1 of intake: which matter the resident came for."""
    _require(request.user, HANDLE_CASES)
    if not request.GET.get("resident"):
        messages.info(request, _("Find the resident first, then start a new case from the record."))
        return redirect("people-search")
    resident = access_intake_resident(request.user, request.GET["resident"])
    query = request.GET.get("q", "").strip()[:50]
    try:
        services = search_services(query, limit=50)
    except QueryTooLong:
        services = []
    context = {"resident": resident, "q": query, "services": services}
    return render_page(request, "cases/intake_pick.html", "cases/_services.html", context)


def _intake_application(request: HttpRequest) -> RemoteApplication | None:
    """The application from another system that this intake answers, from the link (GET) or
    the form's hidden field (POST); 404 when the clerk may not see it."""
    data = request.POST if request.method == "POST" else request.GET
    pk = data.get("application")
    return access_application(request.user, pk) if pk else None


@login_required
def intake_form(request: HttpRequest, resident_pk: int, service_code: str) -> HttpResponse:
    """Step 2 of intake: the materials checklist, who brought the matter, and the outcome;
    with ``application``, the intake answers that application from another system."""
    _require(request.user, HANDLE_CASES)
    resident = access_intake_resident(request.user, resident_pk)
    service = (
        Service.objects.public().select_related("department").filter(code=service_code).first()
    )
    if service is None:
        raise Http404
    application = _intake_application(request)
    if request.method != "POST" and application is not None and not application.is_pending:
        messages.info(request, _("This application has already been taken in or declined."))
        return redirect("cases-application", pk=application.pk)
    version = service.published_version()
    today = timezone.localdate()
    due_on = add_working_days(today, version.promised_limit_days)
    items = materials.checklist(resident, version, today)
    prefetch_related_objects([i.on_file for i in items if i.on_file is not None], "type")
    initial = {"application": application.pk} if application is not None else None
    form = IntakeForm(request.POST or None, items=items, initial=initial)
    deadline = form.fields["pending_deadline"]
    deadline.widget.attrs.update(min=today.isoformat(), max=due_on.isoformat())
    deadline.help_text = _("For materials to follow: no later than %(due)s.") % {
        "due": due_on.isoformat()
    }
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            fields = {**form.cleaned_data}
            del fields["application"]  # read above, through the access check
            try:
                taken = actions.do_intake(
                    actor=request.user,
                    resident=resident,
                    service=service,
                    application=application,
                    **fields,
                )
            except ValidationError as exc:
                add_action_errors(form, exc)
            else:
                if application is not None and taken.created:
                    messages.info(request, _("The application from another system is taken in."))
                return _taken_in(request, taken)
    context = {
        "resident": resident,
        "service": service,
        "version": version,
        "form": form,
        "due_on": due_on,
        "due_provisional": is_provisional(today, due_on),
        "application": application,
    }
    return render(request, "cases/intake.html", context, status=status)


def _taken_in(request: HttpRequest, taken: actions.Intake) -> HttpResponse:
    case = taken.case
    if not taken.created:
        messages.info(request, _("This form was already sent: here is the case it made."))
    elif taken.document is not None:
        messages.success(
            request,
            _("Case %(receipt)s: %(document)s issued. Print it for the resident.")
            % {"receipt": case.receipt, "document": taken.document.get_kind_display()},
        )
    return redirect("cases-detail", pk=case.pk)


# ---- the case page ---------------------------------------------------------------------------


def _with_materials(case: Case) -> Case:
    case.material_rows = list(
        case.materials.select_related("material", "certificate__type").order_by("position", "pk")
    )
    for row in case.material_rows:
        row.colour = MaterialState(row.state).colour
    return case


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _with_materials(access_case(request.user, pk))
    return render(request, "cases/detail.html", _detail_context(request.user, case))


def _detail_context(user, case: Case) -> dict:
    today = timezone.localdate()
    handle, review = actions.may_handle(user, case), actions.may_review(user, case)
    verbs = {t.verb: t for t in actions.available_verbs(user, case)}
    outstanding = [r for r in case.material_rows if r.state in OUTSTANDING]
    documents = list(case.documents.select_related("issued_by"))
    events = list(case.events.select_related("actor"))
    open_ = not case.is_closed
    awaiting_notice = case.status == CaseStatus.AWAITING_MATERIALS and case.accepted_on is None
    days_left = clock.remaining_days(case, today) if open_ else None
    # Accepting as it stands only works when whatever is outstanding may follow (容缺).
    acceptable = "accept" in verbs and all(
        r.material.necessity == Necessity.LATER for r in outstanding
    )
    transitions = [
        TransitionForm(case=case, transition=t, auto_id=f"id_{verb}_%s")
        for verb, t in verbs.items()
        if verb != "accept"  # its own form, with materials to follow
    ]
    return {
        **_oversight_context(user, case, handle=handle, review=review),
        "case": case,
        "clock": case.clock(today),
        "days_left": days_left,
        "days_over": -days_left if days_left is not None and days_left < 0 else 0,
        "materials": case.material_rows,
        "outstanding": outstanding,
        "documents": documents,
        "latest": documents[-1] if documents else None,
        "events": events,
        # The application from another system that the case answers (intake noted it).
        "application_pk": next(
            (e.data.get("application") for e in events if e.kind == EventKind.CREATED), None
        ),
        "attachments": list(case.attachments.select_related("uploaded_by", "material__material")),
        "may_handle": handle,
        "may_review": review,
        "transitions": transitions,
        "danger_verbs": DANGER_VERBS,
        "primary_verbs": PRIMARY_VERBS,
        "accept_form": AcceptForm(case=case, auto_id="id_accept_%s") if acceptable else None,
        "receive_form": ReceiveForm(case=case, auto_id="id_receive_%s")
        if handle and open_ and outstanding
        else None,
        "then_accept": "accept" in verbs,
        "then_supply": case.status == CaseStatus.AWAITING_MATERIALS
        and case.accepted_on is not None,
        "notice_form": NoticeForm(case=case, auto_id="id_notice_%s")
        if handle and awaiting_notice
        else None,
        "trip_form": TripForm(case=case, auto_id="id_trip_%s") if handle and open_ else None,
        "note_form": NoteForm(auto_id="id_note_%s") if handle or review else None,
        "attach_form": AttachmentForm(case=case, auto_id="id_attach_%s")
        if handle or review
        else None,
    }


def _oversight_context(user, case: Case, *, handle: bool, review: bool) -> dict:
    """Extensions (延期) and supervision (督办): what the page shows and the forms this user
    may use. Whoever asked for an extension sees it waiting, never a form to decide it."""
    extensions = list(case.extensions.select_related("requested_by", "decided_by"))
    pending = next((e for e in extensions if e.status == ExtensionStatus.PENDING), None)
    extendable = not case.is_closed and case.accepted_on is not None
    may_ask = extendable and pending is None and actions.may_ask_extension(user, case)
    may_decide = (
        pending is not None
        and pending.requested_by_id != user.pk
        and actions.may_decide_extension(user, case)
    )
    lead = actions.may_lead(user, case)
    return {
        "extensions": extensions,
        "pending_extension": pending,
        "extension_form": ExtensionForm(case=case, auto_id="id_extend_%s") if may_ask else None,
        "decide_form": DecideExtensionForm(case=case, auto_id="id_decide_%s")
        if may_decide
        else None,
        "supervision_form": SupervisionForm(case=case, auto_id="id_supervise_%s")
        if lead and (case.supervised or not case.is_closed)
        else None,
    }


def _flash_errors(request: HttpRequest, form: forms.Form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else None
        for error in errors:
            if label and field != "revision":
                messages.error(request, f"{label}: {error}")
            else:
                messages.error(request, error)


def _submit(
    request: HttpRequest, case: Case, form: forms.Form, act: Callable[[dict], str]
) -> HttpResponse:
    """Run ``act`` with the form's data; success or the reasons it failed go on the case page.
    ``CaseChanged`` and ``InvalidTransition`` are ValidationErrors with the clerk's message."""
    if not form.is_valid():
        _flash_errors(request, form)
    else:
        try:
            text = act(form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, text)
    return redirect("cases-detail", pk=case.pk)


def _status_message(case: Case) -> str:
    return _("Case %(receipt)s is now “%(status)s”.") % {
        "receipt": case.receipt,
        "status": CaseStatus(case.status).label,
    }


@login_required
@require_POST
def transition(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    case = _with_materials(access_case(request.user, pk))
    t = TRANSITIONS.get(verb)
    if t is None:
        messages.error(request, _("Unknown action “%(verb)s”.") % {"verb": verb[:20]})
        return redirect("cases-detail", pk=case.pk)
    form = TransitionForm(request.POST, case=case, transition=t)

    def act(data: dict) -> str:
        actions.do_transition(
            case,
            verb,
            actor=request.user,
            reason=data["reason"],
            revision=data["revision"],
            department=data["department"],
            materials=data["materials"],
            completion=form.completion() if verb == "complete" else None,
        )
        return _status_message(case)

    return _submit(request, case, form, act)


@login_required
@require_POST
def request_extension(request: HttpRequest, pk: int) -> HttpResponse:
    case = access_case(request.user, pk)
    form = ExtensionForm(request.POST, case=case)

    def act(data: dict) -> str:
        actions.do_request_extension(
            case,
            actor=request.user,
            days=data["days"],
            reason=data["reason"],
            revision=data["revision"],
        )
        return _("Extension asked for: it waits for approval.")

    return _submit(request, case, form, act)


@login_required
@require_POST
def decide_extension(request: HttpRequest, pk: int, extension_pk: int) -> HttpResponse:
    case = access_case(request.user, pk)
    extension = get_object_or_404(Extension, pk=extension_pk, case=case)
    form = DecideExtensionForm(request.POST, case=case)

    def act(data: dict) -> str:
        done = actions.do_decide_extension(
            extension,
            actor=request.user,
            approve=data["approve"],
            note=data["note"],
            revision=data["revision"],
        )
        if data["approve"]:
            return _("Extension approved: the case is now due on %(date)s.") % {
                "date": done.due_after.isoformat()
            }
        return _("Extension not approved.")

    return _submit(request, case, form, act)


@login_required
@require_POST
def supervise(request: HttpRequest, pk: int) -> HttpResponse:
    case = access_case(request.user, pk)
    form = SupervisionForm(request.POST, case=case)

    def act(data: dict) -> str:
        actions.do_set_supervision(
            case,
            actor=request.user,
            on=data["on"],
            reason=data["reason"],
            revision=data["revision"],
        )
        if data["on"]:
            return _("The case is now under supervision (督办).")
        return _("Supervision lifted.")

    return _submit(request, case, form, act)


@login_required
@require_POST
def receive_materials(request: HttpRequest, pk: int) -> HttpResponse:
    """The resident came back with materials; optionally accept (or resume) in the same go.
    One transaction: if the acceptance fails, the materials are not recorded either."""
    case = _with_materials(access_case(request.user, pk))
    form = ReceiveForm(request.POST, case=case)

    def act(data: dict) -> str:
        received = actions.do_receive_materials(
            case,
            actor=request.user,
            provided=data["provided"],
            in_person=data["in_person"],
            revision=data["revision"],
            then=data["then"],
            pending=data["pending"],
            pending_deadline=data["pending_deadline"],
        )
        if data["then"]:
            return _status_message(received.case)
        return _("Materials recorded.")

    return _submit(request, case, form, act)


@login_required
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    case = _with_materials(access_case(request.user, pk))
    form = AcceptForm(request.POST, case=case)

    def act(data: dict) -> str:
        actions.do_accept(
            case,
            actor=request.user,
            pending=data["pending"],
            pending_deadline=data["pending_deadline"],
            revision=data["revision"],
        )
        return _status_message(case)

    return _submit(request, case, form, act)


@login_required
@require_POST
def add_to_notice(request: HttpRequest, pk: int) -> HttpResponse:
    case = _with_materials(access_case(request.user, pk))
    form = NoticeForm(request.POST, case=case)

    def act(data: dict) -> str:
        document = actions.do_add_to_notice(
            case,
            actor=request.user,
            materials=data["materials"],
            reason=data["reason"],
            revision=data["revision"],
        )
        return _("%(document)s issued.") % {"document": document.get_kind_display()}

    return _submit(request, case, form, act)


@login_required
@require_POST
def record_trip(request: HttpRequest, pk: int) -> HttpResponse:
    case = access_case(request.user, pk)
    form = TripForm(request.POST, case=case)

    def act(data: dict) -> str:
        done = actions.do_record_trip(
            case, actor=request.user, note=data["note"], revision=data["revision"]
        )
        return _("Trip recorded: %(n)s so far.") % {"n": done.trips}

    return _submit(request, case, form, act)


@login_required
@require_POST
def add_note(request: HttpRequest, pk: int) -> HttpResponse:
    case = access_case(request.user, pk)

    def act(data: dict) -> str:
        actions.do_add_note(case, actor=request.user, text=data["text"])
        return _("Note added.")

    return _submit(request, case, NoteForm(request.POST), act)


# CSRF-exempt only so that the declared size is checked before anything reads the body (the
# CSRF check reads the form); ``_attach`` then checks CSRF as the middleware would.
@csrf_exempt
@login_required
@require_POST
def attach(request: HttpRequest, pk: int) -> HttpResponse:
    case = access_case(request.user, pk)
    if declared_too_large(request):
        messages.error(request, attachment_too_large_message())
        return redirect("cases-detail", pk=case.pk)
    return _attach(request, case)


@csrf_protect
def _attach(request: HttpRequest, case: Case) -> HttpResponse:
    case = _with_materials(case)
    form = AttachmentForm(request.POST, request.FILES, case=case)

    def act(data: dict) -> str:
        added = actions.do_add_attachment(
            case, actor=request.user, upload=data["file"], material_id=data["material"]
        )
        return _("%(name)s attached.") % {"name": added.original_name}

    return _submit(request, case, form, act)


@login_required
def attachment(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    """A scanned file, only to those who may see its case; always downloaded, never shown
    inline from our origin."""
    case = access_case(request.user, pk)
    item = get_object_or_404(case.attachments, pk=attachment_pk)
    try:
        handle = item.file.open("rb")
    except OSError:
        raise Http404 from None
    # Cleaned again on the way out: rows stored before names were cleaned keep their name.
    name = clean_name(item.original_name, item.content_type)
    return FileResponse(handle, content_type=item.content_type, as_attachment=True, filename=name)


@login_required
def document_pdf(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    case = access_case(request.user, pk)
    document: CaseDocument = get_object_or_404(
        case.documents.select_related("issued_by"), pk=document_pk
    )
    document.case = case  # the relations access_case already fetched
    try:
        data = case_pdf.render_document_pdf(
            document, tracking_url=case_pdf.tracking_url(request, case.receipt)
        )
    except PdfUnavailable as exc:
        context = {"reason": str(exc), "case": case}
        return render(request, "cases/pdf_unavailable.html", context, status=503)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{case.receipt}-{document.kind}.pdf"'
    return response


# ---- lists -----------------------------------------------------------------------------------


# Filters the page has no field for, set by the dashboard's "cases behind a figure" links.
NARROWING = ("area", "accepted", "due_from", "due_to", "closed_from", "closed_to")


def _listed(cases):
    return cases.select_related("resident", "service", "forwarded_to")


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    _require(request.user, VIEW_CASES, REVIEW_CASES)
    visible = _listed(Case.objects.visible_to(request.user)).order_by("-created_at", "-id")
    filters = CaseFilterSet(request.GET or None, queryset=visible, request=request)
    form = filters.form
    # A bad filter (a whole ID number, a date that is no date) filters nothing and says so by
    # its field; the export link is offered only for filters that are right.
    valid = not filters.is_bound or filters.is_valid()
    page = Paginator(filters.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    figures = case_figures(request.user)
    context = {"form": form, "page": page, "figures": figures, "valid": valid,
               "narrowing": narrowing(filters.form, NARROWING)}  # fmt: skip
    return render(request, "cases/list.html", context)


@login_required
@vary_on_headers("HX-Request")
def resident_cases(request: HttpRequest, resident_pk: int) -> HttpResponse:
    """A resident's cases that the user may see, newest first: the section of the resident's
    page (loaded by htmx) or a page of its own."""
    _require(request.user, VIEW_CASES)
    resident = access_resident(request.user, pk_or_404(resident_pk), related=("area",))
    cases = _listed(Case.objects.visible_to(request.user).filter(resident=resident))
    page = Paginator(cases.order_by("-created_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"resident": resident, "page": page}
    return render_page(request, "cases/resident.html", "cases/_resident_cases.html", context)


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """Cases forwarded to the reviewer's departments (inside their grants' areas, which
    ``visible_to`` already scopes), the one due first on top."""
    _require(request.user, REVIEW_CASES)
    cases = Case.objects.visible_to(request.user).review_queue(request.user)
    cases = _listed(cases).order_by(F("due_on").asc(nulls_last=True), "forwarded_at", "id")
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/queue.html", {"page": page})


# ---- public tracking -------------------------------------------------------------------------


def track(request: HttpRequest) -> HttpResponse:
    """Receipt number and the last 4 digits of the resident's mobile: status, what is still
    needed, the due date, and the applicant named the Chinese way (龚*). No login; guessing
    is throttled."""
    initial = {"receipt": request.GET.get("receipt", "").strip()[:30]}
    form = TrackForm(request.POST or None, initial=initial)
    context: dict = {"form": form}
    status = 200
    if request.method == "POST":
        address = client_address(request)
        if tracking.GUESSES.blocked(address):
            context["throttled"] = True
            return render(request, "cases/track.html", context, status=429)
        status = 400
        if form.is_valid():
            case = tracking.public_case(form.cleaned_data["receipt"], form.cleaned_data["digits"])
            if case is None:
                tracking.GUESSES.hit(address)
                context["not_found"], status = True, 404
            else:
                status = 200
                context.update(_public_context(case))
                via = "receipt" if request.GET.get("receipt") else "tracking"
                context["rate_url"] = tracking.rating_link(case, via)
    return render(request, "cases/track.html", context, status=status)


def _public_context(case: Case) -> dict:
    today = timezone.localdate()
    return {
        "case": case,
        "applicant": masked_name(case.resident.name),
        "timeline": tracking.public_timeline(case),
        "still_needed": list(
            case.materials.filter(state__in=sorted(OUTSTANDING))
            .select_related("material")
            .order_by("position", "pk")
        ),
        "clock": case.clock(today),
    }
