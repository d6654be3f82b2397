"""The written agreement as PDF, read back from the bytes with pypdf: the parties, the facts
and responsibilities, the terms, how / where / when to perform, the signature and seal blocks
and the statement that it takes effect on signature and seal. Served only to those who may see
the dispute. The rendered PDF is left in ``test-artifacts/`` for a human to look at."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from conftest import ARTIFACTS
from doorstep.catalogue import pdf as catalogue_pdf
from doorstep.disputes import pdf

from .conftest import WRITTEN

pytestmark = pytest.mark.django_db


@pytest.fixture
def printable():
    catalogue_pdf.cjk_fonts.cache_clear()
    reason = catalogue_pdf.problem()
    if reason:
        pytest.skip(reason)
    yield
    catalogue_pdf.cjk_fonts.cache_clear()


def read(data: bytes, name: str) -> str:
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"dispute-{name}.pdf").write_bytes(data)
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def test_the_agreement_says_what_was_agreed(printable, agreed):
    dispute = agreed()
    with translation.override("zh-hans"):
        text = read(pdf.render_agreement_pdf(dispute), "agreement-zh")
    for expected in (
        dispute.number,
        "张景林",
        "李秀英",
        WRITTEN["responsibility"],
        WRITTEN["terms"],
        WRITTEN["performance_how"],
        WRITTEN["performance_where"],
        "吴刚",  # the mediator's signature block
    ):
        assert re.sub(r"\s+", "", expected) in text, expected
    assert "138****5678" in text and "13812345678" not in text


def test_the_agreement_in_english_names_its_legal_effect(printable, agreed):
    dispute = agreed()
    with translation.override("en"):
        text = read(pdf.render_agreement_pdf(dispute), "agreement-en")
    assert "takeseffect" in text and "judicialconfirmation" in text
    assert "Sealofthepeople'smediationcommittee" in text


def test_the_pdf_view_checks_access(printable, client, agreed, personas):
    dispute = agreed()
    url = reverse("disputes-agreement-pdf", args=[dispute.pk])
    client.force_login(personas.mediator_a)
    response = client.get(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    client.force_login(personas.mediator_b)
    assert client.get(url).status_code == 404


def test_no_pdf_without_written_agreement(mediated):
    with pytest.raises(ValueError):
        pdf.render_agreement_pdf(mediated())
