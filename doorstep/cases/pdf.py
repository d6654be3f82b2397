"""Printable case documents (receipt, 容缺 notice, one-time notice, supplementary notice,
notice to correct, refusal) as PDF through WeasyPrint, each with the receipt number and a QR
code (segno) to the public tracking page. To be written (issue 4)."""

from __future__ import annotations


def render_document_pdf(document, *, tracking_url: str) -> bytes:
    """The PDF of one ``CaseDocument``; ``tracking_url`` is what the QR code encodes."""
    raise NotImplementedError
