"""The written mediation agreement (人民调解协议书) as PDF through WeasyPrint, from the dispute's
recorded outcome: parties, facts and responsibilities, terms, how / where / when to perform,
signature blocks for every party and the mediator, the committee's seal block, and the
statement that it takes effect on signature and seal (art. 29). WeasyPrint, the CJK font check
and the "cannot print here" error are the catalogue's (``doorstep.catalogue.pdf``)."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from doorstep.catalogue.pdf import PdfUnavailable, problem, render

from .choices import Outcome
from .models import Dispute

__all__ = ["PdfUnavailable", "agreement_context", "render_agreement_pdf"]


def agreement_context(dispute: Dispute) -> dict:
    mediator = dispute.mediator
    return {
        "dispute": dispute,
        "parties": list(dispute.parties.all()),
        "mediator": mediator.get_full_name() or mediator.get_username(),
        "committee": dispute.area.name,
        "printed_on": timezone.localdate(),
    }


def render_agreement_pdf(dispute: Dispute) -> bytes:
    """The agreement's PDF. Raises ``PdfUnavailable`` when WeasyPrint's libraries or a Chinese
    font are missing, ``ValueError`` when the dispute has no written agreement."""
    if dispute.outcome != Outcome.WRITTEN:
        raise ValueError("no written agreement")
    reason = problem()
    if reason:
        raise PdfUnavailable(reason)
    html = render_to_string("disputes/pdf/agreement.html", agreement_context(dispute))
    return render(html, base_url=settings.BASE_DIR.as_uri() + "/", stylesheet="css/pdf-case.css")
