"""Blank forms and samples: PDF, JPEG or PNG by content, under a size limit."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from doorstep.catalogue.actions import do_create_draft
from doorstep.catalogue.files import validate_document
from doorstep.catalogue.models import Material

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"0" * 64


@pytest.mark.parametrize(
    "name, content",
    [
        ("form.pdf", b"just some text, not a PDF"),
        ("form.pdf", PNG),
        ("x.exe", b"MZ\x90\x00"),
        ("a.png", b""),
    ],
)
def test_not_a_document_is_refused(name, content):
    with pytest.raises(ValidationError):
        validate_document(SimpleUploadedFile(name, content))


@pytest.mark.parametrize(
    "name, content",
    [("sample.png", PNG), ("form.PDF", PDF), ("a.jpg", b"\xff\xd8\xff\xe0" + b"0" * 20)],
)
def test_real_documents_accepted(name, content):
    validate_document(SimpleUploadedFile(name, content))


def test_too_large_refused(settings):
    settings.DOORSTEP_CATALOGUE_MAX_FILE = 100
    with pytest.raises(ValidationError, match="larger"):
        validate_document(SimpleUploadedFile("big.png", PNG + b"0" * 200))


def test_material_full_clean_checks_files(dibao, personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    draft = do_create_draft(dibao, actor=personas.admin)
    bad = Material(version=draft, name="申请表", blank_form=SimpleUploadedFile("f.pdf", b"text"))
    with pytest.raises(ValidationError) as err:
        bad.full_clean()
    assert "blank_form" in err.value.message_dict
    good = Material(version=draft, name="申请表", sample=SimpleUploadedFile("s.png", PNG))
    good.full_clean()
    good.save()
    assert good.sample.name.endswith(".png")
