"""The mediation file's documents, with the cases app's safety rules: a declared too large
upload is refused before its body is read, only PDF/JPEG/PNG by their bytes, clean names, CSRF
still checked, served only through the access-checked view; the checklist counts them."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from doorstep.cases.tests.test_attachment_safety import PDF, too_large
from doorstep.disputes.checklist import checklist
from doorstep.disputes.models import DisputeAttachment

pytestmark = pytest.mark.django_db


@pytest.fixture
def dispute(make_dispute, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return make_dispute()


def scan(name: str = "申请书.pdf", data: bytes = PDF):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_too_large_refused_unread(personas, dispute):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.mediator_a)
    client.get(reverse("disputes-detail", args=[dispute.pk]))
    url = reverse("disputes-attach", args=[dispute.pk])
    response = client.post(url, {"file": scan(), "kind": "application"}, **too_large())
    assert response.status_code == 302
    assert "too large" in " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert not DisputeAttachment.objects.exists()


def test_csrf_checked_then_attached_and_counted(personas, dispute):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.mediator_a)
    url = reverse("disputes-attach", args=[dispute.pk])
    assert client.post(url, {"file": scan(), "kind": "application"}).status_code == 403
    client.get(reverse("disputes-detail", args=[dispute.pk]))
    token = client.cookies["csrftoken"].value
    response = client.post(
        url, {"file": scan("a<b>.html"), "kind": "application", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    attachment = DisputeAttachment.objects.get()
    assert attachment.original_name == "a_b_.pdf" and attachment.content_type == "application/pdf"
    items = {item.code: item.state for item in checklist(dispute)}
    assert items["application"] == "in"
    got = client.get(reverse("disputes-attachment", args=[dispute.pk, attachment.pk]))
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
    assert "attachment" in got["Content-Disposition"]


def test_bad_type_refused(client, personas, dispute):
    client.force_login(personas.mediator_a)
    url = reverse("disputes-attach", args=[dispute.pk])
    client.post(url, {"file": scan("x.pdf", b"<html>"), "kind": "id"})
    assert not DisputeAttachment.objects.exists()


def test_wrong_persona_cannot_fetch(client, personas, dispute):
    client.force_login(personas.mediator_a)
    client.post(reverse("disputes-attach", args=[dispute.pk]), {"file": scan(), "kind": "id"})
    attachment = DisputeAttachment.objects.get()
    url = reverse("disputes-attachment", args=[dispute.pk, attachment.pk])
    for who in ("mediator_b", "outsider", "clerk_a", "grid_a", "reviewer"):
        client.force_login(getattr(personas, who))
        assert client.get(url).status_code == 404
        response = client.post(
            reverse("disputes-attach", args=[dispute.pk]), {"file": scan(), "kind": "id"}
        )
        assert response.status_code == 404
    assert DisputeAttachment.objects.count() == 1
