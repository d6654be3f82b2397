"""Registry screens. Thin: access through ``access_resident`` / ``visible_to``, writes through
the actions, htmx requests get the partial template of the same page."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from doorstep.core.htmx import render_page
from doorstep.staff.roles import EDIT_RESIDENTS, IMPORT_RESIDENTS, VIEW_RESIDENTS, can
from doorstep.staff.scoping import covers

from . import uploads
from .access import access_resident
from .actions import (
    do_delete_certificate,
    do_import_valid_rows,
    do_queue_import,
    do_reveal,
    log_access,
)
from .choices import AccessAction, ImportPhase
from .forms import (
    CertificateForm,
    ImportForm,
    ResidentFilterForm,
    ResidentForm,
    add_action_errors,
    too_large_message,
)
from .models import ImportBatch, Resident
from .register_template import build_register_template
from .search import read_query, search_q, search_residents

PAGE_SIZE = 25
ERRORS_SHOWN = 200
RECENT_IMPORTS = 5
REVEALABLE = {"id", "phone"}


def _require(user, capability: str) -> None:
    if not can(user, capability):
        raise PermissionDenied


@login_required
def resident_list(request: HttpRequest) -> HttpResponse:
    _require(request.user, VIEW_RESIDENTS)
    form = ResidentFilterForm(request.GET or None, user=request.user)
    residents = (
        Resident.objects.visible_to(request.user)
        .select_related("area")
        .prefetch_related("tags")
        .order_by("name", "id")
    )
    if form.is_valid():
        residents = form.apply(residents)
    page = Paginator(residents, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "people/list.html", {"form": form, "page": page})


@login_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def resident_search(request: HttpRequest) -> HttpResponse:
    _require(request.user, VIEW_RESIDENTS)
    query, refused = read_query(request)
    context = {
        "q": query,
        "refused": refused,
        "results": list(search_residents(request.user, query)) if query else [],
        "understood": bool(query) and search_q(query) is not None,
    }
    return render_page(
        request,
        "people/search.html",
        "people/_search_results.html",
        context,
        status=400 if refused else 200,
    )


@login_required
def resident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    resident = access_resident(request.user, pk)
    log_access(request.user, resident, AccessAction.VIEW)
    context = {
        "resident": resident,
        "tags": list(resident.tags.all()),
        "certificates": list(resident.certificates.select_related("type")),
        "access_log": list(resident.access_logs.select_related("actor")[:10]),
        "may_edit": covers(request.user, EDIT_RESIDENTS, resident.area_code),
        "may_reveal": request.user.has_perm("people.reveal_id_number"),
    }
    return render(request, "people/detail.html", context)


@login_required
@require_POST
def resident_reveal(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    if what not in REVEALABLE:
        raise Http404
    resident = access_resident(request.user, pk)
    context = {"resident": resident, "what": what, "may_reveal": True}
    try:
        context["value"] = do_reveal(
            resident, actor=request.user, what=what, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        context["reveal_error"] = exc.message_dict["reason"][0]
        return render_page(
            request, "people/reveal.html", "people/_reveal_form.html", context, status=400
        )
    return render_page(request, "people/reveal.html", "people/_revealed.html", context)


@login_required
def resident_create(request: HttpRequest) -> HttpResponse:
    _require(request.user, EDIT_RESIDENTS)
    form = ResidentForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            resident = form.save(actor=request.user)
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            return redirect("people-detail", pk=resident.pk)
    return render(request, "people/form.html", {"form": form, "resident": None})


@login_required
def resident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    resident = access_resident(request.user, pk, for_write=True)
    form = ResidentForm(request.POST or None, user=request.user, resident=resident)
    if request.method == "POST" and form.is_valid():
        try:
            form.save(actor=request.user)
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            return redirect("people-detail", pk=resident.pk)
    return render(request, "people/form.html", {"form": form, "resident": resident})


def _certificate(resident: Resident, certificate_pk: int | None):
    if certificate_pk is None:
        return None
    return get_object_or_404(resident.certificates.select_related("type"), pk=certificate_pk)


@login_required
def certificate_edit(request: HttpRequest, pk: int, cert: int | None = None) -> HttpResponse:
    resident = access_resident(request.user, pk, for_write=True)
    certificate = _certificate(resident, cert)
    form = CertificateForm(request.POST or None, certificate=certificate)
    if request.method == "POST" and form.is_valid():
        try:
            form.save(resident, actor=request.user)
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            return redirect("people-detail", pk=resident.pk)
    context = {"form": form, "resident": resident, "certificate": certificate}
    return render(request, "people/certificate_form.html", context)


@login_required
def certificate_delete(request: HttpRequest, pk: int, cert: int) -> HttpResponse:
    resident = access_resident(request.user, pk, for_write=True)
    certificate = _certificate(resident, cert)
    if request.method == "POST":
        do_delete_certificate(certificate, actor=request.user)
        return redirect("people-detail", pk=resident.pk)
    context = {"resident": resident, "certificate": certificate}
    return render(request, "people/certificate_delete.html", context)


def _too_large(request: HttpRequest) -> bool:
    """Refuse an oversize upload from its Content-Length, before the body is stored."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > settings.DOORSTEP_IMPORT_MAX_UPLOAD + 64 * 1024


def _import_context(**extra) -> dict:
    return {
        "max_upload": settings.DOORSTEP_IMPORT_MAX_UPLOAD,
        "too_large": too_large_message(),
        **extra,
    }


@login_required
def resident_import(request: HttpRequest) -> HttpResponse:
    """Upload a register: it is stored encrypted and imported by a background task; the
    browser goes to the import's page, which shows its progress and then its result."""
    _require(request.user, IMPORT_RESIDENTS)
    context = _import_context(
        recent=ImportBatch.objects.filter(actor=request.user)[:RECENT_IMPORTS]
    )
    if request.method == "POST" and _too_large(request):
        context.update(form=ImportForm(), file_error=context["too_large"])
    else:
        form = ImportForm(request.POST or None, request.FILES or None)
        context["form"] = form
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            token = uploads.save(upload)
            batch = do_queue_import(token, actor=request.user, filename=upload.name)
            return _to_batch(request, batch)
    return render_page(request, "people/import.html", "people/_import_panel.html", context)


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    """The register template (XLSX) to fill in and upload."""
    _require(request.user, IMPORT_RESIDENTS)
    response = HttpResponse(
        build_register_template(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="register-template.xlsx"'
    return response


def _to_batch(request: HttpRequest, batch: ImportBatch) -> HttpResponse:
    url = reverse("people-import-batch", args=[batch.pk])
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _my_import(request: HttpRequest, pk: int) -> ImportBatch:
    """An import is seen by the staff member who made it, and nobody else."""
    _require(request.user, IMPORT_RESIDENTS)
    return get_object_or_404(ImportBatch, pk=pk, actor=request.user)


def _batch_context(batch: ImportBatch, **extra) -> dict:
    percent = 0
    if batch.phase == ImportPhase.WRITING and batch.to_do:
        percent = min(100, 100 * batch.done // batch.to_do)
    return {
        "batch": batch,
        "errors": batch.errors[:ERRORS_SHOWN],
        "percent": percent,
        **extra,
    }


@login_required
def import_batch(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _my_import(request, pk)
    return render(request, "people/import_batch.html", _batch_context(batch))


@login_required
@never_cache
def import_batch_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The import page's progress box; it asks again every second (htmx ``every 1s``) until
    the import is finished."""
    batch = _my_import(request, pk)
    return render(request, "people/_import_batch.html", _batch_context(batch))


@login_required
@require_POST
def import_batch_valid_rows(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _my_import(request, pk)
    try:
        queued = do_import_valid_rows(batch, actor=request.user)
    except ValidationError as exc:
        context = _batch_context(batch, file_error=exc.messages[0])
        return render(request, "people/import_batch.html", context)
    return _to_batch(request, queued)
