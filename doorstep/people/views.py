"""Registry screens. Thin: access through ``access_resident`` / ``visible_to``, writes through
the actions, htmx requests get the partial template of the same page."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from doorstep.core.htmx import render_page
from doorstep.staff.roles import EDIT_RESIDENTS, IMPORT_RESIDENTS, VIEW_RESIDENTS, can
from doorstep.staff.scoping import covers

from . import uploads
from .access import access_resident
from .actions import do_delete_certificate, do_import_residents, do_reveal, log_access
from .choices import AccessAction
from .forms import (
    CertificateForm,
    ImportForm,
    ResidentFilterForm,
    ResidentForm,
    add_action_errors,
    too_large_message,
)
from .importer import ImportFileError
from .models import Resident
from .search import search_q, search_residents

PAGE_SIZE = 25
ERRORS_SHOWN = 200
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
@vary_on_headers("HX-Request")
def resident_search(request: HttpRequest) -> HttpResponse:
    _require(request.user, VIEW_RESIDENTS)
    query = request.GET.get("q", "").strip()[:40]
    context = {
        "q": query,
        "results": list(search_residents(request.user, query)) if query else [],
        "understood": bool(query) and search_q(query) is not None,
    }
    return render_page(request, "people/search.html", "people/_search_results.html", context)


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
    value = do_reveal(resident, actor=request.user, what=what)
    context = {"resident": resident, "what": what, "value": value}
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


def _run_import(request: HttpRequest, token: str, *, valid_only: bool) -> dict:
    """Import a stored upload; keep the file only while "import the valid rows" is on offer."""
    claimed = uploads.claim(request, token)
    if claimed is None:
        return {
            "file_error": _("This upload is no longer available. Please upload the file again.")
        }
    path, filename = claimed
    try:
        with open(path, "rb") as stream:
            batch, result = do_import_residents(
                stream, actor=request.user, filename=filename, valid_only=valid_only
            )
    except ImportFileError as exc:
        uploads.discard(request, token)
        return {"file_error": str(exc)}
    offer = not result.written and 0 < result.rejected < result.total
    if not offer:
        uploads.discard(request, token)
    return {
        "batch": batch,
        "result": result,
        "errors": result.errors[:ERRORS_SHOWN],
        "token": token if offer else None,
    }


def _import_context(**extra) -> dict:
    return {
        "max_upload": settings.DOORSTEP_IMPORT_MAX_UPLOAD,
        "too_large": too_large_message(),
        **extra,
    }


@login_required
def resident_import(request: HttpRequest) -> HttpResponse:
    _require(request.user, IMPORT_RESIDENTS)
    context = _import_context()
    if request.method == "POST" and _too_large(request):
        context.update(form=ImportForm(), file_error=context["too_large"])
    else:
        form = ImportForm(request.POST or None, request.FILES or None)
        context["form"] = form
        if request.method == "POST" and form.is_valid():
            uploads.discard_all(request)
            token = uploads.save(request, form.cleaned_data["file"])
            context.update(_run_import(request, token, valid_only=False))
    return render_page(request, "people/import.html", "people/_import_panel.html", context)


@login_required
@require_POST
def resident_import_valid(request: HttpRequest) -> HttpResponse:
    _require(request.user, IMPORT_RESIDENTS)
    context = _import_context(form=ImportForm())
    context.update(_run_import(request, request.POST.get("token", ""), valid_only=True))
    return render_page(request, "people/import.html", "people/_import_panel.html", context)
