"""Visit screens: the grid worker's worklist (due list, cached on the phone), logging a visit at
the door, one visit and its photos, the visit history, coverage, the red list and the rules.

Thin: households and visits through ``access_*`` (404 alike for missing and not yours), lists
through the queries' ``visible_to`` scoping, every write through ``actions``. Bad input leaves
everything as it was and says why beside the field.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstep.cases.actions.attachments import max_bytes, too_large_message
from doorstep.places.models import Household
from doorstep.staff.roles import LOG_VISITS, MANAGE_VISIT_RULES, VIEW_VISITS, can

from . import actions
from .access import access_household, access_visit
from .actions.photos import MAX_PHOTOS, declared_too_large, offline_photos_max_bytes
from .choices import Outcome
from .filters import DueFilterSet, SilentFilterSet, VisitFilterSet
from .forms import PhotoForm, RuleForm, VisitForm, add_action_errors
from .models import Visit, VisitRule
from .present import attach_page_details, due_row
from .queries import coverage, due_households, silence_days, silent_residents
from .scoping import may

PAGE_SIZE = 25
SERVICE_WORKER = Path(__file__).resolve().parent / "static" / "visits" / "sw.js"


def _require(user, capability: str) -> None:
    if not may(user, capability):
        raise PermissionDenied


def _page(request: HttpRequest, rows, size: int = PAGE_SIZE):
    return Paginator(rows, size).get_page(request.GET.get("page"))


def _filters(filterset, request: HttpRequest, rows):
    filters = filterset(request.GET or None, queryset=rows, request=request)
    if request.GET and not filters.is_valid():
        return filters, rows.none()
    return filters, filters.qs


@login_required
def worklist(request: HttpRequest) -> HttpResponse:
    """The due list, most overdue first, with the red list's count; saved on the phone by the
    page's script for when the connection drops."""
    _require(request.user, VIEW_VISITS)
    today = timezone.localdate()
    # The filters first: how far ahead to look ("within") shapes the query itself.
    filters = DueFilterSet(request.GET, queryset=Household.objects.none(), request=request)
    if filters.is_valid():
        within = filters.form.cleaned_data.get("within")
        rows = due_households(
            request.user, today=today, within=None if within is None else int(within)
        )
        rows = filters.filter_queryset(rows)
    else:
        rows = Household.objects.none()
    page = _page(request, rows)
    attach_page_details(page.object_list)
    context = {
        "filters": filters,
        "page": page,
        "rows": [due_row(h, today) for h in page.object_list],
        "silent": silent_residents(request.user).count(),
        "may_log": may(request.user, LOG_VISITS),
    }
    return render(request, "visits/worklist.html", context)


@login_required
def log(request: HttpRequest, household_pk: int) -> HttpResponse:
    """Log a visit at a household (a grid worker: one of their grids)."""
    household = access_household(request.user, household_pk, for_write=True)
    if request.method == "POST" and declared_too_large(request, MAX_PHOTOS):
        # Refused unread: the form again, saying why (nothing was logged).
        form = VisitForm(household=household)
        form.add_error(None, too_large_message())
        return render(request, "visits/log.html", _log_context(household, form), status=413)
    form = VisitForm(request.POST or None, request.FILES or None, household=household)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                logged = actions.do_log_visit(
                    actor=request.user, household=household, **form.action_kwargs()
                )
            except ValidationError as exc:
                add_action_errors(form, exc)
            else:
                if logged.created:
                    messages.success(request, _("Visit logged."))
                else:
                    messages.info(request, _("This visit was already logged; nothing was added."))
                return redirect("visits-detail", logged.visit.pk)
    return render(request, "visits/log.html", _log_context(household, form), status=status)


def _log_context(household: Household, form: VisitForm) -> dict:
    return {
        "household": household,
        "form": form,
        "photo_max_bytes": max_bytes(),
        "offline_photos_max_bytes": offline_photos_max_bytes(),
        "offline_photos_max_mb": offline_photos_max_bytes() // (1024 * 1024),
    }


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = access_visit(request.user, pk)
    context = {
        "visit": visit,
        "outcome": Outcome(visit.outcome),
        "met": visit.met.all(),
        "findings": visit.findings.all(),
        "photos": visit.photos.all(),
        "photo_form": PhotoForm() if visit.worker_id == request.user.pk else None,
    }
    return render(request, "visits/detail.html", context)


@login_required
@require_POST
def add_photo(request: HttpRequest, pk: int) -> HttpResponse:
    visit = access_visit(request.user, pk)
    if declared_too_large(request):
        messages.error(request, too_large_message())
        return redirect("visits-detail", pk)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            actions.do_add_photo(visit, actor=request.user, upload=form.cleaned_data["photo"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Photo added."))
    else:
        messages.error(request, _("Choose a photo."))
    return redirect("visits-detail", pk)


@login_required
def photo(request: HttpRequest, pk: int, photo_pk: int) -> HttpResponse:
    """A photo, decrypted, only to those who may see its visit; never cached by the browser
    or a proxy."""
    visit = access_visit(request.user, pk)
    item = get_object_or_404(visit.photos, pk=photo_pk)
    try:
        data = actions.read_photo(item)
    except (OSError, ValueError):
        raise Http404 from None
    response = HttpResponse(data, content_type=item.content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
def history(request: HttpRequest) -> HttpResponse:
    _require(request.user, VIEW_VISITS)
    rows = Visit.objects.visible_to(request.user).select_related(
        "household__building__compound", "worker"
    )
    filters, rows = _filters(VisitFilterSet, request, rows)
    page = _page(request, rows.with_counts().order_by("-visited_at", "-pk"))
    return render(request, "visits/history.html", {"filters": filters, "page": page})


@login_required
def coverage_page(request: HttpRequest) -> HttpResponse:
    _require(request.user, VIEW_VISITS)
    grids, communities, total = coverage(request.user)
    context = {"grids": grids, "communities": communities, "total": total}
    return render(request, "visits/coverage.html", context)


@login_required
def silent(request: HttpRequest) -> HttpResponse:
    _require(request.user, VIEW_VISITS)
    filters, rows = _filters(SilentFilterSet, request, silent_residents(request.user))
    rows = rows.select_related("household__building__compound").prefetch_related("tags")
    context = {"filters": filters, "page": _page(request, rows), "silence_days": silence_days()}
    return render(request, "visits/silent.html", context)


@login_required
def rules(request: HttpRequest) -> HttpResponse:
    manage = can(request.user, MANAGE_VISIT_RULES)
    if not (manage or may(request.user, VIEW_VISITS)):
        raise PermissionDenied
    form = RuleForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                actions.do_set_visit_rule(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_action_errors(form, exc)
            else:
                messages.success(request, _("Visit rule saved."))
                return redirect("visits-rules")
    context = {
        "rules": VisitRule.objects.select_related("tag", "updated_by"),
        "form": form if manage else None,
        "default_silence": silence_days(),
    }
    return render(request, "visits/rules.html", context, status=status)


@login_required
@require_POST
def remove_rule(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(VisitRule.objects.select_related("tag"), pk=pk)
    actions.do_remove_visit_rule(rule, actor=request.user)
    messages.success(request, _("Visit rule removed."))
    return redirect("visits-rules")


def service_worker(request: HttpRequest) -> HttpResponse:
    """The visit pages' service worker, from our static file, served under /visits/ so that
    its scope is the visit pages (a worker's scope is the folder it is served from)."""
    response = HttpResponse(SERVICE_WORKER.read_bytes(), content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    return response
