"""Need screens: my worklist, the area list, registration (with the same-problem offer), the need
page and its actions, the proactive-governance list, and the outside body's page by its link.

Thin: single needs through ``access_need`` (404 alike for missing and not yours), lists through
``visible_to``, every write through ``actions``. A write that fails (stale page, illegal step,
bad input) leaves the need as it was and says why on the need page.
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
from django.views.decorators.http import require_POST

from doorstep.cases.actions.attachments import clean_name
from doorstep.cases.models import Case
from doorstep.core.filtersets import narrowing
from doorstep.core.throttle import Throttle, client_address
from doorstep.feedback.choices import SubjectKind
from doorstep.feedback.models import Callback
from doorstep.people.access import access_resident
from doorstep.staff.roles import HANDLE_NEEDS, REVIEW_CASES, REVIEW_NEEDS, VIEW_NEEDS, can
from doorstep.staff.scoping import area_prefixes, prefix_q
from doorstep.visits.access import access_visit

from . import actions
from .access import access_need, access_pending_handoff
from .choices import Decision, EventKind, HandoffStatus, Level, NeedStatus, OwnerKind, Source
from .filters import NeedFilterSet
from .forms import (
    AnswerForm,
    CallbackForm,
    ExtensionDecisionForm,
    ExtensionForm,
    ExternalForm,
    FlagForm,
    HandOnForm,
    PhotoForm,
    ProgressForm,
    ReasonForm,
    RefuseForm,
    RegisterForm,
    add_action_errors,
    split_receiver,
)
from .metrics import found_first_by_area, level_history
from .models import GovernanceItem, Need, NeedHandoff

PAGE_SIZE = 25
LIST_RELATED = ("category", "compound", "owner_user", "owner_department", "owner_external")
# The outside body's page: wrong links from one address, and writes through one link.
LINK_GUESSES = Throttle("need-link-guess", limit=20, window=600)
LINK_WRITES = Throttle("need-link-write", limit=30, window=3600)
# What the outside body sees of the need's history: no staff names, no notes of the community.
EXTERNAL_EVENTS = [EventKind.HANDOFF_ACCEPTED, EventKind.PROGRESS, EventKind.TRANSITION]


def _require(user, *capabilities: str) -> None:
    if not any(can(user, c) for c in capabilities):
        raise PermissionDenied


# ---- lists -----------------------------------------------------------------------------------


def _listed(needs):
    return needs.select_related(*LIST_RELATED).order_by("feedback_due_at", "id")


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """My worklist: what I own, what my department owns, what is handed to me to accept."""
    _require(request.user, HANDLE_NEEDS, VIEW_NEEDS, REVIEW_CASES)
    user, now = request.user, timezone.now()
    visible = Need.objects.visible_to(user).open()
    context = {
        "owned": list(_listed(visible.owned_by(user))[:100]),
        "department": list(_listed(visible.owned_by_departments(user))[:100]),
        "awaiting": list(_listed(visible.awaiting(user))[:100]),
        "untaken": list(_listed(_untaken(user, visible))[:100]),
        "now": now,
    }
    return render(request, "needs/mine.html", context)


def _untaken(user, visible):
    """Needs other systems filed in the areas where ``user`` handles needs, not yet taken."""
    return visible.untaken().filter(prefix_q("area_code", area_prefixes(user, HANDLE_NEEDS)))


# Filters the list page has no field for, set by the dashboard's "needs behind a figure".
NARROWING = ("area", "registered_from", "registered_to", "closed_from", "closed_to")


@login_required
def area_list(request: HttpRequest) -> HttpResponse:
    _require(request.user, VIEW_NEEDS, REVIEW_NEEDS)
    visible = Need.objects.visible_to(request.user)
    filters = NeedFilterSet(
        request.GET or None, queryset=visible.select_related(*LIST_RELATED), request=request
    )
    page = Paginator(filters.qs.order_by("-created_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "form": filters.form,
        "page": page,
        "now": timezone.now(),
        "found_first": found_first_by_area(visible),
        "narrowing": narrowing(filters.form, NARROWING),
    }
    return render(request, "needs/list.html", context)


@login_required
def governance(request: HttpRequest) -> HttpResponse:
    """主动治理: the recurring problems proposed for the community to own."""
    _require(request.user, VIEW_NEEDS, REVIEW_NEEDS)
    items = (
        GovernanceItem.objects.visible_to(request.user)
        .select_related("category", "compound")
        .order_by("status", "-created_at")
    )
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "needs/governance.html", {"page": page})


# ---- registration ----------------------------------------------------------------------------


@login_required
def register(request: HttpRequest) -> HttpResponse:
    """Register a need. Open needs of the category in the compound are offered first as the
    same problem: join one, or register it as new."""
    _require(request.user, HANDLE_NEEDS)
    resident = None
    resident_pk = request.GET.get("resident") or request.POST.get("resident")
    if resident_pk:
        resident = access_resident(request.user, resident_pk, related=())
    visit = None
    visit_pk = request.GET.get("visit") or request.POST.get("visit")
    if visit_pk:
        visit = access_visit(request.user, visit_pk)
    form = RegisterForm(
        request.POST or None,
        request.FILES or None,
        user=request.user,
        initial=_from_visit(visit, request.GET.get("finding")) if visit else None,
    )
    candidates: list[Need] = []
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = dict(form.cleaned_data)
            data["photos"] = data.get("photos") or []
            try:
                done = actions.do_register_need(
                    actor=request.user, resident=resident, visit=visit, **data
                )
            except ValidationError as exc:
                add_action_errors(form, exc)
            else:
                if done.need is not None:
                    return _registered(request, done)
                candidates, status = done.candidates, 200
    context = {"form": form, "resident": resident, "visit": visit, "candidates": candidates}
    return render(request, "needs/register.html", context, status=status)


def _from_visit(visit, finding_pk: str | None) -> dict:
    """The form filled from the visit that found the need (and the finding, when given)."""
    building = visit.household.building
    initial = {"compound": building.compound, "building": building, "source": Source.VISIT}
    finding = visit.findings.filter(pk=finding_pk).first() if str(finding_pk).isdigit() else None
    if finding is not None:
        initial["description"] = finding.description
    return initial


def _registered(request: HttpRequest, done: actions.Registered) -> HttpResponse:
    if done.joined:
        messages.success(
            request,
            _("The resident was added to need #%(n)s, the same problem.") % {"n": done.need.pk},
        )
    else:
        messages.success(request, _("Need #%(n)s registered.") % {"n": done.need.pk})
    if done.governance is not None:
        messages.info(
            request,
            _("This problem keeps coming back here: it is proposed for proactive governance."),
        )
    return redirect("needs-detail", pk=done.need.pk)


# ---- the need page ---------------------------------------------------------------------------


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    need = access_need(request.user, pk)
    return render(request, "needs/detail.html", _detail_context(request.user, need))


def _detail_context(user, need: Need) -> dict:
    now = timezone.now()
    events = list(need.events.select_related("actor"))
    handoffs = list(need.handoffs.select_related("to_user", "to_department", "to_external", "by"))
    pending = next((h for h in handoffs if h.status == HandoffStatus.PENDING), None)
    act, review = actions.may_act(user, need), actions.may_review(user, need)
    receive = pending is not None and actions.may_receive(user, pending)
    verbs = [t for t in actions.available_verbs(user, need) if t.verb in actions.SIMPLE_VERBS]
    revision = {"revision": need.revision}
    receivers = actions.receivers(need) if (act and pending is None) or receive else {}
    open_ = need.is_open
    return {
        "need": need,
        "now": now,
        "overdue": need.is_overdue(now),
        "events": events,
        "handoffs": handoffs,
        "pending": pending,
        "levels": level_history(need, events),
        "photos": list(need.photos.all()),
        "callbacks": list(Callback.objects.of(SubjectKind.NEED, need.pk).select_related("by")),
        "supporters": list(need.supporters.select_related("resident")),
        "may_act": act,
        "may_review": review,
        "may_receive": receive,
        "verbs": [(t, ReasonForm(initial=revision, auto_id=f"id_{t.verb}_%s")) for t in verbs],
        "hand_on_form": HandOnForm(initial=revision, receivers=receivers, auto_id="id_ho_%s")
        if act and open_ and pending is None
        else None,
        "refuse_form": RefuseForm(receivers=receivers, auto_id="id_refuse_%s") if receive else None,
        "extension_form": ExtensionForm(initial=revision, auto_id="id_ext_%s")
        if act
        and need.status in (NeedStatus.NEW, NeedStatus.IN_PROGRESS, NeedStatus.WAITING)
        and need.extension_asked_at is None
        else None,
        "extension_decision_form": ExtensionDecisionForm(initial=revision, auto_id="id_extd_%s")
        if review and need.extension_asked_at is not None
        else None,
        "answer_form": AnswerForm(initial=revision, auto_id="id_answer_%s")
        if act and need.status in (NeedStatus.NEW, NeedStatus.IN_PROGRESS, NeedStatus.WAITING)
        else None,
        "callback_form": CallbackForm(initial=revision, auto_id="id_cb_%s")
        if act and need.status == NeedStatus.ANSWERED
        else None,
        "reopen_form": ReasonForm(initial=revision, auto_id="id_reopen_%s")
        if act and need.status == NeedStatus.CLOSED
        else None,
        "flag_form": FlagForm(auto_id="id_flag_%s") if review else None,
        "photo_form": PhotoForm(auto_id="id_photo_%s") if act and open_ else None,
        "progress_form": ProgressForm(auto_id="id_progress_%s") if act and open_ else None,
    }


def _flash_errors(request: HttpRequest, form: forms.Form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else None
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


def _submit(
    request: HttpRequest, need: Need, form: forms.Form, act: Callable[[dict], str]
) -> HttpResponse:
    """Run ``act`` with the form's data; success or the reasons it failed go on the need page.
    ``NeedChanged`` and ``InvalidTransition`` are ValidationErrors with the clerk's message."""
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
    return redirect("needs-detail", pk=need.pk)


def _status_message(need: Need) -> str:
    return _("Need #%(n)s is now “%(status)s”.") % {
        "n": need.pk,
        "status": NeedStatus(need.status).label,
    }


def _target(need: Need, value: str):
    kind, pk = split_receiver(value)
    if kind not in OwnerKind.values:
        raise ValidationError(_("Choose who should take the need on."))
    return kind, actions.resolve_target(need, kind, pk)


@login_required
@require_POST
def hand_on(request: HttpRequest, pk: int) -> HttpResponse:
    need = access_need(request.user, pk)
    form = HandOnForm(request.POST, receivers=actions.receivers(need))

    def act(data: dict) -> str:
        kind, target = _target(need, data["to"])
        actions.do_hand_on(need, actor=request.user, to_kind=kind, target=target,
                           reason=data["reason"], revision=data["revision"])  # fmt: skip
        return _("Handed on to %(to)s: waiting for them to accept.") % {"to": target}

    return _submit(request, need, form, act)


@login_required
@require_POST
def accept_handoff(request: HttpRequest, pk: int) -> HttpResponse:
    need, handoff = access_pending_handoff(request.user, pk)

    def act(data: dict) -> str:
        actions.do_accept_handoff(handoff, actor=request.user)
        return _("You now own need #%(n)s.") % {"n": need.pk}

    return _submit(request, need, forms.Form(request.POST), act)


@login_required
@require_POST
def refuse_handoff(request: HttpRequest, pk: int) -> HttpResponse:
    need, handoff = access_pending_handoff(request.user, pk)
    form = RefuseForm(request.POST, receivers=actions.receivers(need))

    def act(data: dict) -> str:
        if not actions.may_receive(request.user, handoff):
            raise PermissionDenied
        redirect_to = _target(need, data["not_ours"]) if data["not_ours"] else None
        actions.do_refuse_handoff(handoff, actor=request.user, reason=data["reason"],
                                  redirect=redirect_to)  # fmt: skip
        return _("Refused.")

    return _submit(request, need, form, act)


@login_required
@require_POST
def transition(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    need = access_need(request.user, pk)

    def act(data: dict) -> str:
        actions.do_transition(need, verb, actor=request.user, reason=data["reason"],
                              revision=data["revision"])  # fmt: skip
        return _status_message(need)

    return _submit(request, need, ReasonForm(request.POST), act)


@login_required
@require_POST
def extension(request: HttpRequest, pk: int) -> HttpResponse:
    need = access_need(request.user, pk)

    def act(data: dict) -> str:
        actions.do_ask_extension(need, actor=request.user, hours=data["hours"],
                                 reason=data["reason"], revision=data["revision"])  # fmt: skip
        return _("More time asked for: a reviewer will decide.")

    return _submit(request, need, ExtensionForm(request.POST), act)


@login_required
@require_POST
def extension_decision(request: HttpRequest, pk: int) -> HttpResponse:
    need = access_need(request.user, pk)

    def act(data: dict) -> str:
        actions.do_decide_extension(need, actor=request.user, grant=data["grant"],
                                    reason=data["reason"], revision=data["revision"])  # fmt: skip
        return _("Extension granted.") if data["grant"] else _("Extension refused.")

    return _submit(request, need, ExtensionDecisionForm(request.POST), act)


@login_required
@require_POST
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    need = access_need(request.user, pk)

    def act(data: dict) -> str:
        case = None
        if data["decision"] == Decision.CASE:
            receipt = data["case"].strip().upper()
            case = Case.objects.visible_to(request.user).filter(receipt=receipt).first()
        dispute = None
        if data["decision"] == Decision.DISPUTE:
            dispute = actions.dispute_for(need, data["dispute"])
        actions.do_answer(need, actor=request.user, decision=data["decision"],
                          answer=data["answer"], case=case, dispute=dispute,
                          revision=data["revision"])  # fmt: skip
        return _status_message(need)

    return _submit(request, need, AnswerForm(request.POST), act)


@login_required
@require_POST
def callback(request: HttpRequest, pk: int) -> HttpResponse:
    need = access_need(request.user, pk)

    form = CallbackForm(request.POST)

    def act(data: dict) -> str:
        actions.do_callback(need, actor=request.user, called=form.called(),
                            revision=data["revision"])  # fmt: skip
        return _("Callback recorded.") + " " + _status_message(need)

    return _submit(request, need, form, act)


@login_required
@require_POST
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    need = access_need(request.user, pk)

    def act(data: dict) -> str:
        actions.do_reopen(need, actor=request.user, reason=data["reason"],
                          revision=data["revision"])  # fmt: skip
        return _status_message(need)

    return _submit(request, need, ReasonForm(request.POST), act)


@login_required
@require_POST
def flag(request: HttpRequest, pk: int) -> HttpResponse:
    need = access_need(request.user, pk)

    def act(data: dict) -> str:
        actions.do_decide_flag(need, actor=request.user, flagged=data["flagged"],
                               reasons=data["reasons"])  # fmt: skip
        return _("Decision recorded.")

    return _submit(request, need, FlagForm(request.POST), act)


@login_required
@require_POST
def add_photo(request: HttpRequest, pk: int) -> HttpResponse:
    need = access_need(request.user, pk)

    def act(data: dict) -> str:
        photo = actions.do_add_photo(need, actor=request.user, upload=data["file"])
        return _("%(name)s added.") % {"name": photo.original_name}

    return _submit(request, need, PhotoForm(request.POST, request.FILES), act)


@login_required
@require_POST
def progress(request: HttpRequest, pk: int) -> HttpResponse:
    need = access_need(request.user, pk)

    def act(data: dict) -> str:
        actions.do_post_progress(need, actor=request.user, text=data["text"])
        return _("Progress noted.")

    return _submit(request, need, ProgressForm(request.POST), act)


@login_required
def photo(request: HttpRequest, pk: int, photo_pk: int) -> HttpResponse:
    """A photo, only to those who may see its need; always downloaded, never shown inline."""
    need = access_need(request.user, pk)
    return _photo_response(need, photo_pk)


def _photo_response(need: Need, photo_pk: int) -> HttpResponse:
    item = get_object_or_404(need.photos, pk=photo_pk)
    try:
        handle = item.file.open("rb")
    except OSError:
        raise Http404 from None
    name = clean_name(item.original_name, item.content_type)
    return FileResponse(handle, content_type=item.content_type, as_attachment=True, filename=name)


# ---- the outside body's page -----------------------------------------------------------------


def external(request: HttpRequest, token: str) -> HttpResponse:
    """The outside body's page, by the link in its message (no login): the one need the link
    names; accept or refuse it, report progress, answer. Wrong links are throttled. The link is
    the key: the page is never cached and never sends its address to another site as a referrer."""
    response = _external(request, token)
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store"
    return response


def _external(request: HttpRequest, token: str) -> HttpResponse:
    address = client_address(request)
    if LINK_GUESSES.blocked(address):
        return render(request, "needs/external.html", {"throttled": True}, status=429)
    handoff = actions.handoff_for_token(token)
    if handoff is None:
        LINK_GUESSES.hit(address)
        return render(request, "needs/external.html", {"gone": True}, status=404)
    need = handoff.need
    form = ExternalForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if LINK_WRITES.blocked(token):
            return render(request, "needs/external.html", {"throttled": True}, status=429)
        LINK_WRITES.hit(token)
        status = 400
        if form.is_valid():
            try:
                text = _external_act(handoff, form.cleaned_data)
            except ValidationError as exc:
                add_action_errors(form, exc)
            else:
                messages.success(request, text)
                return redirect("needs-external", token=token)
    handoff = actions.handoff_for_token(token) or handoff
    need = Need.objects.select_related("category", "compound", "building").get(pk=need.pk)
    context = {
        "need": need,
        "handoff": handoff,
        "form": form,
        "owns": handoff.status == HandoffStatus.ACCEPTED,
        "events": list(need.events.filter(kind__in=EXTERNAL_EVENTS)),
        "level": Level(need.level),
    }
    return render(request, "needs/external.html", context, status=status)


def _external_act(handoff: NeedHandoff, data: dict) -> str:
    body = handoff.to_external
    action, text = data["action"], data["text"]
    pending = handoff.status == HandoffStatus.PENDING
    if action == "accept" and pending:
        actions.do_accept_handoff(handoff, actor=None)
        return _("Accepted: the need is now yours.")
    if action == "refuse" and pending:
        actions.do_refuse_handoff(handoff, actor=None, reason=text)
        return _("Refused: the community has been told.")
    if pending:
        raise ValidationError(_("Accept the need first."))
    need = Need.objects.get(pk=handoff.need_id)
    if action == "progress":
        actions.do_post_progress(need, body_name=body.name, text=text)
        return _("Progress noted.")
    if action == "answer":
        actions.do_answer(need, actor=None, decision=data["decision"] or Decision.RESOLVED,
                          answer=text, body_name=body.name)  # fmt: skip
        return _("Answer sent: the community will call the resident back.")
    raise ValidationError(_("This need was already answered."))
