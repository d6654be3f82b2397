"""Public guides (办事指南): no login, phone first. Their JSON is ``catalogue.api``."""

from __future__ import annotations

import segno
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET

from . import offers as offered
from . import pdf
from .access import access_published_version
from .files import sniff
from .models import Department, LifeEvent, ServiceVersion
from .search import MAX_QUERY, QueryTooLong, search_services, searchable, suggest


def _page(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    # Elderly mode is read by base.html on every page (doorstep.core.elderly).
    return render(request, template, context, status=status)


def _browse_context() -> dict:
    return {
        "departments": Department.objects.filter(services__is_active=True).distinct(),
        "life_events": LifeEvent.objects.all(),
    }


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[: MAX_QUERY * 2]
    context = {"query": query, **_browse_context()}
    if query.strip():
        context.update(_search(query))
    return _page(request, "catalogue/index.html", context)


def _search(query: str) -> dict:
    """The results of the search box; when there are none, why, or close guides."""
    try:
        results = search_services(query)
    except QueryTooLong:
        return {"results": [], "too_long": True, "max_query": MAX_QUERY}
    if results:
        return {"results": results}
    if not searchable(query):
        return {"results": [], "unsearchable": True}
    return {"results": [], "suggestions": suggest(query)}


@require_GET
def department(request: HttpRequest, code: str) -> HttpResponse:
    dept = get_object_or_404(Department, code=code)
    results = search_services("", department=code, limit=1000)
    return _page(request, "catalogue/browse.html", {"heading": dept.name, "results": results})


@require_GET
def life_event(request: HttpRequest, code: str) -> HttpResponse:
    event = get_object_or_404(LifeEvent, code=code)
    results = search_services("", life_event=code, limit=1000)
    return _page(request, "catalogue/browse.html", {"heading": event.name, "results": results})


def _guide_url(request: HttpRequest, code: str) -> str:
    return request.build_absolute_uri(reverse("catalogue-guide", args=[code]))


def _guide_context(request: HttpRequest, version: ServiceVersion) -> dict:
    url = _guide_url(request, version.service.code)
    qr = segno.make(url, error="m")
    offers = offered.offers_for(version.service)
    return {
        "offers": offers,
        "centre_groups": offered.centre_groups(version),
        "place_labels": offered.place_labels(version, offers),
        "version": version,
        "service": version.service,
        "materials": list(version.materials.all()),
        "faqs": list(version.faqs.all()),
        "guide_url": url,
        "qr": qr,
    }


@require_GET
def guide(request: HttpRequest, code: str) -> HttpResponse:
    version = access_published_version(code)
    context = _guide_context(request, version)
    context["qr_svg"] = context["qr"].svg_inline(scale=4, dark="#111418", border=2)
    return _page(request, "catalogue/guide.html", context)


@require_GET
def guide_pdf(request: HttpRequest, code: str) -> HttpResponse:
    version = access_published_version(code)
    context = _guide_context(request, version)
    context["qr_uri"] = context["qr"].svg_data_uri(scale=4, border=2)
    html = render_to_string("catalogue/guide_pdf.html", context, request=request)
    try:
        data = pdf.render(
            html, base_url=request.build_absolute_uri("/"), stylesheet="css/pdf-guide.css"
        )
    except pdf.PdfUnavailable as exc:
        return _page(request, "catalogue/pdf_unavailable.html", {"reason": str(exc)}, status=503)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="guide-{version.service.code}.pdf"'
    return response


# The two files a material may carry, by the name the URL gives them.
MATERIAL_FILES = {"blank-form": "blank_form", "sample": "sample"}
CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg"}
EXTENSIONS = {"pdf": "pdf", "png": "png", "jpeg": "jpg"}


@require_GET
def material_file(request: HttpRequest, code: str, pk: int, kind: str) -> HttpResponse:
    """A blank form or filled sample of a published guide's material. Served by the app, not
    from /media/ (which is not served at all): only files of a public guide, with the content
    type their first bytes prove, never a type a browser would run (no HTML, no SVG)."""
    if kind not in MATERIAL_FILES:
        raise Http404("no such file")
    version = access_published_version(code)
    material = get_object_or_404(version.materials.all(), pk=pk)
    field = getattr(material, MATERIAL_FILES[kind])
    if not field:
        raise Http404("no such file")
    try:
        handle = field.open("rb")
    except OSError:
        raise Http404("no such file") from None
    detected = sniff(handle.read(16))
    handle.seek(0)
    if detected is None:  # validated on upload; a file changed on disk since is not served
        handle.close()
        raise Http404("no such file")
    return FileResponse(
        handle,
        content_type=CONTENT_TYPES[detected],
        filename=f"{version.service.code}-{material.pk}-{kind}.{EXTENSIONS[detected]}",
    )
