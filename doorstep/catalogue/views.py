"""Public guides (办事指南): no login, phone first. And their JSON twins (``api_*``)."""

from __future__ import annotations

import segno
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import pdf
from .access import access_published_version
from .models import Department, LifeEvent, ServiceVersion
from .search import MAX_QUERY, QueryTooLong, search_services

ELDERLY_COOKIE = "doorstep_elderly"


def is_elderly(request: HttpRequest) -> bool:
    return request.COOKIES.get(ELDERLY_COOKIE) == "1"


def _page(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    context["elderly"] = is_elderly(request)
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
        try:
            context["results"] = search_services(query)
        except QueryTooLong:
            context["results"], context["too_long"] = [], True
    return _page(request, "catalogue/index.html", context)


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
    return {
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


@require_POST
def elderly(request: HttpRequest) -> HttpResponse:
    """Switch the elderly mode (适老化: bigger text) on or off; kept in a cookie for a year."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("catalogue-index")
    response = HttpResponseRedirect(target)
    if request.POST.get("on") == "1":
        response.set_cookie(ELDERLY_COOKIE, "1", max_age=365 * 86400, samesite="Lax")
    else:
        response.delete_cookie(ELDERLY_COOKIE, samesite="Lax")
    return response


# ---- JSON ----


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


@require_GET
def api_list(request: HttpRequest) -> JsonResponse:
    try:
        rows = search_services(
            request.GET.get("q", ""),
            department=request.GET.get("department", "")[:40],
            life_event=request.GET.get("life_event", "")[:40],
            limit=1000,
        )
    except QueryTooLong:
        return _error(400, "query_too_long", _("The search text is too long."))
    results = [
        {
            "code": code,
            "name": name,
            "department": dept,
            "url": reverse("catalogue-guide", args=[code]),
        }
        for code, name, dept in rows
    ]
    return JsonResponse({"count": len(results), "results": results})


def version_json(version: ServiceVersion) -> dict:
    return {
        "code": version.service.code,
        "name": version.service.name,
        "department": version.service.department.name,
        "version": version.number,
        "published_at": version.published_at.isoformat() if version.published_at else None,
        "type": version.type.name if version.type else None,
        "case_type": version.case_type,
        "legal_limit_days": version.legal_limit_days,
        "promised_limit_days": version.promised_limit_days,
        "fee": None
        if version.fee_free
        else {"amount": str(version.fee_amount), "basis": version.fee_basis},
        "purpose": version.purpose,
        "eligibility": version.eligibility,
        "conditions": version.conditions,
        "steps": version.step_list(),
        "places": version.places,
        "max_trips": version.max_trips,
        "enquiry_phone": version.enquiry_phone,
        "life_events": [e.code for e in version.life_events.all()],
        "materials": [
            {
                "name": m.name,
                "type": m.type,
                "form": m.form,
                "originals": m.originals,
                "copies": m.copies,
                "necessity": m.necessity,
                "source": m.source,
                "how_to_fill": m.how_to_fill,
                "blank_form": m.blank_form.url if m.blank_form else None,
                "sample": m.sample.url if m.sample else None,
            }
            for m in version.materials.all()
        ],
        "faq": [{"question": f.question, "answer": f.answer} for f in version.faqs.all()],
    }


@require_GET
def api_detail(request: HttpRequest, code: str) -> JsonResponse:
    from django.http import Http404

    try:
        version = access_published_version(code[:40])
    except Http404:
        return _error(404, "not_found", _("There is no published service with this code."))
    return JsonResponse(version_json(version), json_dumps_params={"ensure_ascii": False})
