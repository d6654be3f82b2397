"""The catalogue in JSON: search the public services, read one service's published guide. Public:
no login, no cookie."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from doorstep.core.rest.errors import errors
from doorstep.core.rest.types import QueryText

from .access import access_published_version
from .models import ServiceVersion
from .search import QueryTooLong, search_services, suggest

router = Router(tags=["catalogue"])


class ServiceFilters(Schema):
    q: QueryText = Field("", max_length=5000)
    department: QueryText = Field("", max_length=40)
    life_event: QueryText = Field("", max_length=40)


class ServiceRow(Schema):
    code: str
    name: str
    department: str
    url: str


class ServiceList(Schema):
    count: int
    results: list[ServiceRow]
    suggestions: list[ServiceRow] = Field(
        default_factory=list, description="Close services when nothing matches (did you mean)."
    )


class Fee(Schema):
    amount: str
    basis: str


class MaterialOut(Schema):
    name: str
    type: str
    form: str
    originals: int
    copies: int
    necessity: str
    source: str
    how_to_fill: str
    blank_form: str | None
    sample: str | None


class Faq(Schema):
    question: str
    answer: str


class ServiceGuide(Schema):
    code: str
    name: str
    department: str
    version: int
    published_at: str | None
    type: str | None
    case_type: str
    legal_limit_days: int | None
    promised_limit_days: int | None
    fee: Fee | None
    purpose: str
    eligibility: str
    conditions: str
    steps: list[str]
    places: list[str]
    max_trips: int | None
    enquiry_phone: str
    life_events: list[str]
    materials: list[MaterialOut]
    faq: list[Faq]


@router.get("/", response={200: ServiceList, **errors()}, auth=None, url_name="services")
def services(request: HttpRequest, filters: Query[ServiceFilters]):
    """Public services matching the search text, department and life event codes."""
    try:
        rows = search_services(
            filters.q,
            department=filters.department,
            life_event=filters.life_event,
            limit=1000,
        )
    except QueryTooLong:
        raise ValidationError(
            {"q": ValidationError(_("The search text is too long."), code="query_too_long")}
        ) from None
    results = _rows(rows)
    suggestions = _rows(suggest(filters.q)) if filters.q.strip() and not rows else []
    return {"count": len(results), "results": results, "suggestions": suggestions}


def _rows(rows) -> list[dict]:
    return [
        {"code": c, "name": n, "department": d, "url": reverse("catalogue-guide", args=[c])}
        for c, n, d in rows
    ]


def _file_url(version: ServiceVersion, material, kind: str) -> str:
    """The app's URL of a material's file (/media/ is not served)."""
    return reverse("catalogue-material-file", args=[version.service.code, material.pk, kind])


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
                "blank_form": _file_url(version, m, "blank-form") if m.blank_form else None,
                "sample": _file_url(version, m, "sample") if m.sample else None,
            }
            for m in version.materials.all()
        ],
        "faq": [{"question": f.question, "answer": f.answer} for f in version.faqs.all()],
    }


@router.get("/{code}/", response={200: ServiceGuide, **errors(404)}, auth=None, url_name="service")
def service(request: HttpRequest, code: QueryText):
    """A service's published guide; 404 when there is no published service with this code."""
    return version_json(access_published_version(code[:40]))
