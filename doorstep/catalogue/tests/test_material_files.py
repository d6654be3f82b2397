"""Blank forms and samples are served by the app (``/media/`` is not served): only the files of a
published guide, with the content type their bytes prove and a Content-Disposition."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from doorstep.catalogue.actions import do_create_draft, do_publish
from doorstep.catalogue.models import Material

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"0" * 64


@pytest.fixture
def forms(dibao, personas, settings, tmp_path):
    """A published version of 最低生活保障 whose 申请表 has a blank form and a sample, and a
    draft after it with a file of its own."""
    settings.MEDIA_ROOT = tmp_path
    draft = do_create_draft(dibao, actor=personas.admin)
    material = Material.objects.create(
        version=draft,
        name="申请表",
        position=99,
        blank_form=SimpleUploadedFile("form.pdf", PDF),
        sample=SimpleUploadedFile("sample.png", PNG),
    )
    do_publish(draft, actor=personas.admin)
    later = do_create_draft(dibao, actor=personas.admin)
    unpublished = later.materials.get(name="申请表")
    return material, unpublished


def file_url(material, kind: str) -> str:
    code = material.version.service.code
    return reverse("catalogue-material-file", args=[code, material.pk, kind])


@pytest.mark.parametrize(
    ("kind", "content_type", "body", "ext"),
    [("blank-form", "application/pdf", PDF, "pdf"), ("sample", "image/png", PNG, "png")],
)
def test_files_are_served_with_type_and_disposition(client, forms, kind, content_type, body, ext):
    material, _draft = forms
    response = client.get(file_url(material, kind))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == (
        f'inline; filename="mz-001-{material.pk}-{kind}.{ext}"'
    )
    assert b"".join(response.streaming_content) == body


def test_the_guide_and_the_api_link_to_the_app_not_to_media(client, forms):
    material, _draft = forms
    page = client.get(reverse("catalogue-guide", args=["mz-001"])).content.decode()
    assert file_url(material, "blank-form") in page and file_url(material, "sample") in page
    assert "/media/" not in page
    data = client.get("/api/v1/services/mz-001/").json()
    row = next(m for m in data["materials"] if m["name"] == "申请表")
    assert (row["blank_form"], row["sample"]) == (
        file_url(material, "blank-form"),
        file_url(material, "sample"),
    )


def test_files_of_a_draft_or_unknown_are_404(client, forms):
    material, draft_material = forms
    assert draft_material.blank_form  # copied into the draft
    assert client.get(file_url(draft_material, "blank-form")).status_code == 404
    code = material.version.service.code
    for args in ([code, material.pk, "other"], [code, 999999, "sample"], ["nope", 1, "sample"]):
        url = reverse("catalogue-material-file", args=args)
        assert client.get(url).status_code == 404


def test_a_file_that_is_no_longer_a_document_is_not_served(client, forms):
    # Say someone put HTML in place of the form on disk: it is not served, not even as text.
    material, _draft = forms
    with open(material.blank_form.path, "wb") as replaced:
        replaced.write(b"<html><script>alert(1)</script></html>")
    assert client.get(file_url(material, "blank-form")).status_code == 404


def test_a_missing_file_is_404(client, forms):
    material, _draft = forms
    material.sample.storage.delete(material.sample.name)
    assert client.get(file_url(material, "sample")).status_code == 404


def test_only_get(client, forms):
    material, _draft = forms
    assert client.post(file_url(material, "sample")).status_code == 405
