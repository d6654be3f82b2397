"""Dispute screens: the mediator's list, registration, the dispute page and its actions, the
agreement's PDF and the file's documents.

Thin: single disputes through ``access_dispute`` (404 alike for missing and not yours), lists
through ``visible_to``, every write through ``actions``. A write that fails (illegal step, bad
input) leaves the dispute as it was and says why on the dispute page; a write the user may not
make answers 403.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from doorstep.cases.actions.attachments import clean_name, declared_too_large, too_large_message
from doorstep.core.filtersets import narrowing
from doorstep.staff.roles import MEDIATE_DISPUTES, VIEW_DISPUTES, can

from . import actions
from . import pdf as dispute_pdf
from .access import access_dispute, may_lead, may_mediate
from .checklist import checklist
from .choices import TRANSITIONS, Outcome, RequestStatus
from .filters import DisputeFilterSet
from .forms import (
    AttachForm,
    CallbackForm,
    CloseForm,
    ExtendForm,
    MediatorDecisionForm,
    MediatorRequestForm,
    NoticeForm,
    OutcomeForm,
    PartyForm,
    RegisterForm,
    RiskForm,
    SessionForm,
)
from .models import Dispute
from .serialize import load_detail

PAGE_SIZE = 25


def _require(user, *capabilities: str) -> None:
    if not any(can(user, c) for c in capabilities):
        raise PermissionDenied


# ---- list and registration -------------------------------------------------------------------


def listed(disputes):
    return disputes.select_related("area", "mediator").prefetch_related("parties")


# Filters the list page has no field for, set by the dashboard's "disputes behind a figure".
NARROWING = ("area", "outcome_from", "outcome_to")


@login_required
def dispute_list(request: HttpRequest) -> HttpResponse:
    _require(request.user, VIEW_DISPUTES, MEDIATE_DISPUTES)
    visible = listed(Dispute.objects.visible_to(request.user)).order_by("due_on", "-id")
    filters = DisputeFilterSet(request.GET or None, queryset=visible, request=request)
    page = Paginator(filters.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": filters.form,
        "page": page,
        "today": timezone.localdate(),
        "may_register": can(request.user, MEDIATE_DISPUTES),
        "narrowing": narrowing(filters.form, NARROWING),
    }
    return render(request, "disputes/list.html", context)


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
def register(request: HttpRequest) -> HttpResponse:
    _require(request.user, MEDIATE_DISPUTES)
    data = request.POST or None
    form = RegisterForm(data, user=request.user)
    parties = [PartyForm(data, prefix=f"p{n}") for n in (1, 2)]
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and all(p.is_valid() for p in parties):
            try:
                dispute = actions.do_register_dispute(
                    actor=request.user,
                    parties=[p.spec() for p in parties],
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                _split_errors(form, parties, exc)
            else:
                messages.success(
                    request, _("Dispute %(number)s registered.") % {"number": dispute.number}
                )
                return redirect("disputes-detail", pk=dispute.pk)
    context = {"form": form, "parties": parties}
    return render(request, "disputes/register.html", context, status=status)


def _split_errors(form: forms.Form, parties: list[PartyForm], exc: ValidationError) -> None:
    """Put the action's errors beside their fields: ``parties.1.phone`` on party 2's phone."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        if field.startswith("parties."):
            _p, n, name = [*field.split("."), "", ""][:3]
            target = parties[int(n)] if n.isdigit() and int(n) < len(parties) else form
            target.add_error(name if name in target.fields else None, errors)
        else:
            form.add_error(field if field in form.fields else None, errors)


# ---- the dispute page ------------------------------------------------------------------------


@login_required
def dispute_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = load_detail(access_dispute(request.user, pk))
    return render(request, "disputes/detail.html", _context(request.user, dispute))


def _context(user, dispute: Dispute) -> dict:
    mediate = may_mediate(user, dispute)
    lead = may_lead(user, dispute.area_code)
    parties = list(dispute.parties.all())
    open_ = dispute.is_open
    pending = next(
        (r for r in dispute.mediator_requests.all() if r.status == RequestStatus.PENDING), None
    )
    verbs = actions.available_verbs(user, dispute)
    return {
        "dispute": dispute,
        "today": timezone.localdate(),
        "overdue": dispute.is_overdue(),
        "parties": parties,
        "all_acknowledged": bool(parties) and all(p.acknowledged for p in parties),
        "sessions": list(dispute.sessions.all()),
        "events": list(dispute.events.all()),
        "attachments": list(dispute.attachments.all()),
        "requests": list(dispute.mediator_requests.all()),
        "checklist": checklist(dispute),
        "may_mediate": mediate,
        "written": dispute.outcome == Outcome.WRITTEN,
        "party_form": PartyForm(prefix="party") if mediate and open_ else None,
        "notice_form": NoticeForm() if mediate and open_ else None,
        "session_form": SessionForm() if mediate and open_ else None,
        "risk_form": RiskForm(initial={"level": dispute.risk})
        if mediate and dispute.status != "closed"
        else None,
        "outcome_form": OutcomeForm(initial={"effective_on": timezone.localdate()})
        if mediate and open_
        else None,
        "extend_form": ExtendForm(parties=parties) if mediate and open_ else None,
        "callback_form": CallbackForm() if mediate and dispute.status == "agreement" else None,
        "close_forms": [(TRANSITIONS[v], CloseForm(prefix=v)) for v in verbs],
        "request_form": MediatorRequestForm(parties=parties)
        if mediate and open_ and pending is None
        else None,
        "decision_form": MediatorDecisionForm(mediators=actions.mediators_for(dispute.area_code))
        if lead and pending is not None
        else None,
        "pending_request": pending,
        "attach_form": AttachForm() if mediate else None,
    }


def _flash_errors(request: HttpRequest, form: forms.Form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else None
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


def _submit(
    request: HttpRequest, dispute: Dispute, form: forms.Form, act: Callable[[dict], str]
) -> HttpResponse:
    """Run ``act`` with the form's data; success or the reasons it failed go on the page."""
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
    return redirect("disputes-detail", pk=dispute.pk)


def _writer(form_class, act, *, form_kwargs=None):
    """A POST view: access the dispute, read ``form_class``, run ``act(request, dispute, data,
    **url_kwargs)``, which returns the success message."""

    @login_required
    @require_POST
    def view(request: HttpRequest, pk: int, **kwargs) -> HttpResponse:
        dispute = access_dispute(request.user, pk)
        if not may_mediate(request.user, dispute) and not may_lead(request.user, dispute.area_code):
            raise PermissionDenied
        extra = form_kwargs(dispute) if form_kwargs else {}
        form = form_class(request.POST, **extra)
        return _submit(request, dispute, form, lambda data: act(request, dispute, data, **kwargs))

    return view


def _add_party(request, dispute, data) -> str:
    party = actions.do_add_party(dispute, actor=request.user, spec=form_spec(data))
    return _("%(name)s added as a party.") % {"name": party.name}


def form_spec(data: dict) -> actions.PartySpec:
    return actions.PartySpec(
        name=data["name"], phone=data["phone"], address=data["address"], id_number=data["id_number"]
    )


def _notice(request, dispute, data, party_pk: int) -> str:
    party = actions.do_acknowledge_notice(
        dispute, actor=request.user, party_id=party_pk, signed_by=data["signed_by"]
    )
    return _("%(name)s acknowledged the notice of rights and duties.") % {"name": party.name}


def _session(request, dispute, data) -> str:
    actions.do_add_session(dispute, actor=request.user, **data)
    return _("Session recorded.")


def _risk(request, dispute, data) -> str:
    told = actions.do_flag_risk(dispute, actor=request.user, **data)
    if told:
        return _("Risk flagged; told: %(who)s.") % {"who": "、".join(told)}
    return _("Risk updated.")


def _outcome(request, dispute, data) -> str:
    actions.do_record_outcome(dispute, actor=request.user, **data)
    return _("Outcome recorded.")


def _extend(request, dispute, data) -> str:
    actions.do_extend_deadline(dispute, actor=request.user, **data)
    return _("The target is now %(date)s.") % {"date": dispute.due_on.isoformat()}


def _callback(request, dispute, data) -> str:
    actions.do_record_callback(dispute, actor=request.user, **data)
    return _("Callback recorded.")


def _close(request, dispute, data, verb: str) -> str:
    actions.do_transition(dispute, verb, actor=request.user, reason=data["reason"])
    return _("The file is closed.")


def _request(request, dispute, data) -> str:
    actions.do_request_mediator(
        dispute, actor=request.user, party_id=data["party"], reason=data["reason"]
    )
    return _("The request for another mediator is recorded; a committee lead decides.")


def _decide(request, dispute, data) -> str:
    actions.do_decide_mediator_request(
        dispute,
        actor=request.user,
        grant=data["grant"],
        new_mediator=data["mediator"],
        note=data["note"],
    )
    return _("Decision recorded.")


def _parties(dispute):
    return {"parties": list(dispute.parties.all())}


def _mediators(dispute):
    return {"mediators": actions.mediators_for(dispute.area_code)}


add_party = _writer(lambda data: PartyForm(data, prefix="party"), _add_party)
acknowledge = _writer(NoticeForm, _notice)
add_session = _writer(SessionForm, _session)
flag_risk = _writer(RiskForm, _risk)
record_outcome = _writer(OutcomeForm, _outcome)
extend = _writer(ExtendForm, _extend, form_kwargs=_parties)
record_callback = _writer(CallbackForm, _callback)
request_mediator = _writer(MediatorRequestForm, _request, form_kwargs=_parties)
decide_mediator = _writer(MediatorDecisionForm, _decide, form_kwargs=_mediators)


@login_required
@require_POST
def close(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    if verb not in ("close", "withdraw"):
        raise Http404
    dispute = access_dispute(request.user, pk)
    if not may_mediate(request.user, dispute):
        raise PermissionDenied
    form = CloseForm(request.POST, prefix=verb)
    return _submit(request, dispute, form, lambda data: _close(request, dispute, data, verb))


# ---- documents -------------------------------------------------------------------------------


# CSRF-exempt only so that the declared size is checked before anything reads the body (the
# CSRF check reads the form); ``_attach`` then checks CSRF as the middleware would.
@csrf_exempt
@login_required
@require_POST
def attach(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = access_dispute(request.user, pk)
    if declared_too_large(request):
        messages.error(request, too_large_message())
        return redirect("disputes-detail", pk=dispute.pk)
    return _attach(request, dispute)


@csrf_protect
def _attach(request: HttpRequest, dispute: Dispute) -> HttpResponse:
    if not may_mediate(request.user, dispute):
        raise PermissionDenied
    form = AttachForm(request.POST, request.FILES)

    def act(data: dict) -> str:
        added = actions.do_attach_document(
            dispute, actor=request.user, upload=data["file"], kind=data["kind"]
        )
        return _("%(name)s attached.") % {"name": added.original_name}

    return _submit(request, dispute, form, act)


@login_required
def attachment(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    """A scanned document, only to those who may see its dispute; always downloaded."""
    dispute = access_dispute(request.user, pk)
    item = get_object_or_404(dispute.attachments, pk=attachment_pk)
    try:
        handle = item.file.open("rb")
    except OSError:
        raise Http404 from None
    name = clean_name(item.original_name, item.content_type)
    return FileResponse(handle, content_type=item.content_type, as_attachment=True, filename=name)


@login_required
def agreement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = access_dispute(request.user, pk)
    if dispute.outcome != Outcome.WRITTEN:
        raise Http404
    try:
        data = dispute_pdf.render_agreement_pdf(dispute)
    except dispute_pdf.PdfUnavailable as exc:
        context = {"reason": str(exc), "dispute": dispute}
        return render(request, "disputes/pdf_unavailable.html", context, status=503)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{dispute.number}.pdf"'
    return response
