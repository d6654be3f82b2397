"""The Django admin is for administrators only; it never shows a full ID number."""

from __future__ import annotations

import pytest
from django.urls import reverse

ADMIN_PAGES = [
    "admin:people_resident_changelist",
    "admin:people_accesslog_changelist",
    "admin:people_importbatch_changelist",
    "admin:places_area_changelist",
    "admin:auth_user_changelist",
]


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_admin_sees_pages_without_full_id_numbers(client, personas, make_resident, page):
    resident = make_resident("张景林")
    client.force_login(personas.admin)
    response = client.get(reverse(page))
    assert response.status_code == 200
    if page == "admin:people_resident_changelist":
        body = response.content.decode()
        assert resident.id_masked in body
        assert resident.id_number() not in body


@pytest.mark.parametrize("persona", ["clerk_a", "district_lead", "reviewer", "outsider"])
def test_staff_without_admin_rights_get_nothing(client, personas, make_resident, persona):
    make_resident("张景林")
    client.force_login(getattr(personas, persona))
    response = client.get(reverse("admin:people_resident_changelist"))
    assert response.status_code == 302
    assert "张景林" not in response.content.decode()


def test_resident_change_page_shows_masked_id_only(client, personas, make_resident):
    resident = make_resident("张景林")
    client.force_login(personas.admin)
    response = client.get(reverse("admin:people_resident_change", args=[resident.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert resident.id_masked in body
    assert resident.id_number() not in body


def test_access_log_is_append_only_in_admin(client, personas, make_resident):
    from doorstep.people.models import AccessLog

    make_resident("张景林")
    entry = AccessLog.objects.first()
    client.force_login(personas.admin)
    response = client.post(
        reverse("admin:people_accesslog_delete", args=[entry.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert AccessLog.objects.filter(pk=entry.pk).exists()
