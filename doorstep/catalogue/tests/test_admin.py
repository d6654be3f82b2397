from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from doorstep.catalogue.choices import VersionStatus
from doorstep.catalogue.models import ServiceVersion


def test_admin_new_draft_then_publish(client, personas, dibao):
    client.force_login(personas.admin)
    response = client.post(
        reverse("admin:catalogue_service_changelist"),
        {"action": "new_draft", ACTION_CHECKBOX_NAME: [dibao.pk]},
        follow=True,
    )
    assert response.status_code == 200
    draft = ServiceVersion.objects.get(service=dibao, status=VersionStatus.DRAFT)
    assert (
        client.get(reverse("admin:catalogue_serviceversion_change", args=[draft.pk])).status_code
        == 200
    )
    client.post(
        reverse("admin:catalogue_serviceversion_changelist"),
        {"action": "publish", ACTION_CHECKBOX_NAME: [draft.pk]},
        follow=True,
    )
    draft.refresh_from_db()
    assert draft.status == VersionStatus.PUBLISHED
    assert ServiceVersion.objects.filter(service=dibao, status=VersionStatus.RETIRED).count() == 1


def test_published_version_is_read_only_in_admin(client, personas, dibao):
    client.force_login(personas.admin)
    version = dibao.published_version()
    url = reverse("admin:catalogue_serviceversion_change", args=[version.pk])
    response = client.get(url)
    assert response.status_code == 200 and 'name="purpose"' not in response.content.decode()
    client.post(url, {"purpose": "changed"})
    version.refresh_from_db()
    assert version.purpose != "changed"


@pytest.mark.parametrize("persona", ["clerk_a", "district_lead", "outsider"])
def test_staff_without_admin_rights_get_nothing(client, personas, catalogue, persona):
    client.force_login(getattr(personas, persona))
    response = client.get(reverse("admin:catalogue_service_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_anonymous_redirected(client, catalogue):
    response = client.get(reverse("admin:catalogue_serviceversion_changelist"))
    assert response.status_code == 302
