from __future__ import annotations

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from doorstep.catalogue import pdf


@pytest.fixture
def fonts():
    pdf.cjk_fonts.cache_clear()
    if not pdf.cjk_fonts():
        pytest.skip("no CJK font installed (fc-list :lang=zh is empty): install fonts-noto-cjk")
    yield
    pdf.cjk_fonts.cache_clear()


def test_guide_pdf_contains_the_chinese_name(client, dibao, fonts):
    response = client.get(reverse("catalogue-guide-pdf", args=["mz-001"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "最低生活保障" in text
    assert "居民身份证" in text


def test_no_cjk_font_is_a_clear_503(client, dibao, monkeypatch):
    monkeypatch.setattr(pdf, "cjk_fonts", lambda: ())
    response = client.get(reverse("catalogue-guide-pdf", args=["mz-001"]))
    assert response.status_code == 503
    assert "no Chinese font is installed" in response.content.decode()


def test_no_pango_is_a_clear_503(client, dibao, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def broken(name, *args, **kwargs):
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", broken)
    response = client.get(reverse("catalogue-guide-pdf", args=["mz-001"]))
    assert response.status_code == 503
    assert "Pango" in response.content.decode()


def test_admin_warned_when_no_font(client, personas, catalogue, monkeypatch):
    monkeypatch.setattr(pdf, "cjk_fonts", lambda: ())
    client.force_login(personas.admin)
    response = client.get(reverse("admin:catalogue_service_changelist"))
    assert "no Chinese font is installed" in response.content.decode()
