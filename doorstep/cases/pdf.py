"""Printable case documents (receipt, 容缺 notice, one-time notice, supplementary notice,
notice to correct, refusal) as PDF through WeasyPrint, each with the receipt number and a QR
code (segno) to the public tracking page.

The PDF is rendered from the ``CaseDocument`` snapshot (its items, reason, dates), so a reprint
says what the paper said the day it was handed over. WeasyPrint, the CJK font check and the
"cannot print here" error are the catalogue's (``doorstep.catalogue.pdf``), shared on purpose.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from doorstep.catalogue.choices import MaterialForm, Necessity
from doorstep.catalogue.pdf import PdfUnavailable, problem, render

from .choices import AgentKind, DocumentKind, MaterialState

__all__ = [
    "DOCUMENT_RELATED",
    "PdfUnavailable",
    "problem",
    "qr_code",
    "render_document_pdf",
    "tracking_url",
]

# What a view should ``select_related`` on the CaseDocument it prints: one query, not six.
DOCUMENT_RELATED = (
    "issued_by",
    "case__resident",
    "case__service",
    "case__version",
    "case__department",
)

TRACK_FALLBACK_PATH = "/cases/track/"
# 10 px per module: a version-3 code at 32 mm is near 300 dpi, crisp on any office printer.
QR_SCALE = 10
QR_BORDER = 4


def tracking_url(request, receipt: str) -> str:
    """The absolute address of the public tracking page for ``receipt``, for the QR code.

    ``DOORSTEP_PUBLIC_URL`` wins when set: a PDF printed from behind the office proxy must still
    point at the address residents can reach. Without it the request's host is used; with
    neither, a site-relative path (better than a wrong host)."""
    try:
        path = reverse("cases-track")
    except NoReverseMatch:
        path = TRACK_FALLBACK_PATH
    path = f"{path}?{urlencode({'receipt': receipt})}"
    base = (getattr(settings, "DOORSTEP_PUBLIC_URL", "") or "").rstrip("/")
    if base:
        return base + path
    if request is not None:
        return request.build_absolute_uri(path)
    return path


def qr_code(url: str) -> segno.QRCode:
    """The QR code printed on every document (medium error correction survives a fold)."""
    return segno.make(url, error="m")


def _qr_data_uri(url: str) -> str:
    # PNG rather than SVG: the printed code stays one image in the PDF, which tests can read
    # back module by module and compare with the URL's code.
    return qr_code(url).png_data_uri(scale=QR_SCALE, border=QR_BORDER)


@dataclass(frozen=True)
class Item:
    """One material as listed on the paper, with its labels in the active language."""

    name: str
    originals: int
    copies: int
    necessity: str
    state: str
    form: str
    reason: str


def _label(choices, value) -> str:
    return str(choices(value).label) if value in choices.values else str(value or "")


def _items(rows: list[dict], forms: dict[str, str]) -> list[Item]:
    return [
        Item(
            name=str(row.get("name", "")),
            originals=int(row.get("originals") or 0),
            copies=int(row.get("copies") or 0),
            necessity=_label(Necessity, row.get("necessity")),
            state=_label(MaterialState, row.get("state")),
            form=_label(MaterialForm, row.get("form") or forms.get(row.get("name"))),
            reason=str(row.get("reason") or ""),
        )
        for row in rows or []
    ]


def _forms(document) -> dict[str, str]:
    """Material name → form (paper, electronic), for a 容缺 notice whose snapshot lacks it.
    The case's service version is published, hence immutable: reading it now is reading it as
    it was on the day of the notice."""
    rows = document.items or []
    if document.kind != DocumentKind.PENDING or all(row.get("form") for row in rows):
        return {}
    names = [row.get("name") for row in rows]
    return dict(document.case.version.materials.filter(name__in=names).values_list("name", "form"))


def _person(user) -> str:
    return user.get_full_name() or user.get_username()


def _first_notice(document) -> datetime.date | None:
    """The day of the one-time notice a supplementary notice adds to (printed beside it)."""
    first = (
        document.case.documents.filter(kind=DocumentKind.NOTICE, issued_at__lte=document.issued_at)
        .order_by("issued_at", "pk")
        .values_list("issued_at", flat=True)
        .first()
    )
    return timezone.localdate(first) if first else None


def document_context(document, *, tracking_url: str) -> dict:
    """What the templates print: everything comes from the document's snapshot and its case."""
    case = document.case
    version = case.version
    context = {
        "document": document,
        "kind": DocumentKind(document.kind),
        "case": case,
        "resident": case.resident,
        "service": case.service,
        "version": version,
        "department": case.department,
        "clerk": _person(document.issued_by),
        "issued_on": timezone.localdate(document.issued_at),
        "accepted_on": case.accepted_on or timezone.localdate(document.issued_at),
        "limit_days": case.limit_days or version.promised_limit_days,
        "items": _items(document.items, _forms(document)),
        "agent": case if case.agent_kind != AgentKind.SELF else None,
        "tracking_url": tracking_url,
        "qr_uri": _qr_data_uri(tracking_url),
    }
    if document.kind == DocumentKind.SUPPLEMENT:
        context["first_notice_on"] = _first_notice(document)
    return context


def render_document_pdf(document, *, tracking_url: str) -> bytes:
    """The PDF of one ``CaseDocument``; ``tracking_url`` is what the QR code encodes.

    Raises ``PdfUnavailable`` (with a message saying what to install) when WeasyPrint's
    libraries or a Chinese font are missing on this machine."""
    reason = problem()
    if reason:
        raise PdfUnavailable(reason)
    context = document_context(document, tracking_url=tracking_url)
    html = render_to_string(f"cases/pdf/{document.kind}.html", context)
    # Nothing is fetched: the QR is inline and the fonts are the system's.
    return render(html, base_url=settings.BASE_DIR.as_uri() + "/", stylesheet="css/pdf-case.css")
