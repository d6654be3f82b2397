"""Attachments: an upload too large by its declared size is refused before its body is read (the
page after checking CSRF itself, the API with 413 ``too_large``), and stored names are cleaned
(no ``evil.html``, no right-to-left override, no control characters, a safe ending)."""

from __future__ import annotations

import io

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from doorstep.cases.actions.attachments import clean_name, max_bytes
from doorstep.cases.models import Attachment

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class Unread(io.BytesIO):
    """A request body that fails the test if anything reads it."""

    def read(self, *args, **kwargs):
        raise AssertionError("the body of a too large upload was read")

    readline = read


def too_large(**extra) -> dict:
    """Headers declaring a body larger than any attachment may be, with a body nobody may read."""
    return {"CONTENT_LENGTH": str(max_bytes() + 10 * 2**20), "wsgi.input": Unread(), **extra}


def scan(name: str = "scan.pdf", data: bytes = PDF):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.fixture
def case(make_case, frozen, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return make_case("accept")


# ---- declared size -------------------------------------------------------------------------


def test_the_page_refuses_a_declared_too_large_upload_unread(personas, case):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.clerk_a)
    # With the CSRF cookie set, a CSRF check would read the form, i.e. the body: it must not.
    client.get(reverse("cases-detail", args=[case.pk]))
    assert "csrftoken" in client.cookies
    response = client.post(reverse("cases-attach", args=[case.pk]), {"file": scan()}, **too_large())
    assert response.status_code == 302
    assert "too large" in " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert not Attachment.objects.exists()


def test_the_page_still_checks_csrf(personas, case):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.clerk_a)
    url = reverse("cases-attach", args=[case.pk])
    assert client.post(url, {"file": scan()}).status_code == 403
    assert not Attachment.objects.exists()
    client.get(reverse("cases-detail", args=[case.pk]))  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(url, {"file": scan(), "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and Attachment.objects.count() == 1


@pytest.mark.parametrize("who", ["clerk_b", "outsider", "reviewer"])
def test_the_wrong_persona_gets_nothing_even_when_too_large(client, personas, case, who):
    client.force_login(getattr(personas, who))
    response = client.post(reverse("cases-attach", args=[case.pk]), {"file": scan()}, **too_large())
    assert response.status_code == 404
    assert not Attachment.objects.exists()


def test_the_api_answers_413_too_large_unread(client, personas, case):
    client.force_login(personas.clerk_a)
    url = reverse("api:case-attachments", args=[case.pk])
    response = client.post(url, {"file": scan()}, **too_large())
    assert response.status_code == 413
    assert response.json() == {
        "code": "too_large",
        "message": response.json()["message"],
        "field": "file",
    }
    assert not Attachment.objects.exists()


def test_an_api_upload_of_a_normal_size_still_works(client, personas, case):
    client.force_login(personas.clerk_a)
    url = reverse("api:case-attachments", args=[case.pk])
    assert client.post(url, {"file": scan()}).status_code == 201


def test_a_bad_content_length_is_not_a_500(client, personas, case):
    client.force_login(personas.clerk_a)
    url = reverse("api:case-attachments", args=[case.pk])
    response = client.post(url, {"file": scan()}, CONTENT_LENGTH="many")
    assert response.status_code < 500


# ---- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content_type", "cleaned"),
    [
        ("evil.html", "application/pdf", "evil.pdf"),
        ("evil.HTML", "image/png", "evil.png"),
        ("invoice\u202efdp.exe", "application/pdf", "invoicefdp.pdf"),
        ("身份证\u200b正面.JPEG", "image/jpeg", "身份证正面.jpeg"),
        ("../../etc/passwd", "image/png", "passwd.png"),
        ("C:\\Users\\a\\scan.pdf", "application/pdf", "scan.pdf"),
        ("a\x00b\r\nc.pdf", "application/pdf", "abc.pdf"),
        ('x<y>:"|?*.png', "image/png", "x_y______.png"),
        ("   ", "application/pdf", "scan.pdf"),
        (".htaccess", "image/png", "htaccess.png"),
        ("scan", "image/jpeg", "scan.jpg"),
        ("a" * 300 + ".pdf", "application/pdf", "a" * 100 + ".pdf"),
    ],
)
def test_clean_name(name, content_type, cleaned):
    assert clean_name(name, content_type) == cleaned


def test_the_stored_and_served_name_is_cleaned(client, personas, case):
    client.force_login(personas.clerk_a)
    client.post(reverse("cases-attach", args=[case.pk]), {"file": scan("evil\u202elmth.html")})
    attachment = Attachment.objects.get()
    assert attachment.original_name == "evillmth.pdf"
    assert attachment.file.name.endswith(".pdf") and "evil" not in attachment.file.name
    response = client.get(reverse("cases-attachment", args=[case.pk, attachment.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="evillmth.pdf"'


def test_a_name_stored_before_cleaning_is_cleaned_when_served(client, personas, case):
    client.force_login(personas.clerk_a)
    client.post(reverse("cases-attach", args=[case.pk]), {"file": scan()})
    attachment = Attachment.objects.get()
    Attachment.objects.filter(pk=attachment.pk).update(original_name="evil\u202ehtml.exe")
    response = client.get(reverse("cases-attachment", args=[case.pk, attachment.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="evilhtml.pdf"'
