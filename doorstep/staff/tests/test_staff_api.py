"""The staff page's JSON twin: same actions, same scoping, the one error shape."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from doorstep.staff.choices import Role, StaffEventKind
from doorstep.staff.models import RoleGrant, StaffEvent

User = get_user_model()


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


NEW = {
    "username": "new_clerk",
    "name": "新人",
    "password": "Qinduankou-2026",
    "role": "clerk",
    "area": "420105006001",
}


@pytest.fixture
def street_admin(personas):
    from doorstep.places.models import Area

    user = User.objects.create_user("street_admin", password="pw")
    RoleGrant.objects.create(
        user=user, role=Role.ADMINISTRATOR, area=Area.objects.get(code="420105006")
    )
    return user


def test_the_administrator_lists_creates_grants_and_resets(client, personas):
    client.force_login(personas.administrator)
    listed = client.get(reverse("api:staff-list"), {"q": "clerk_a"}).json()
    assert [s["username"] for s in listed] == ["clerk_a"]
    created = post(client, reverse("api:staff-create"), NEW)
    assert created.status_code == 201
    body = created.json()
    assert body["grants"][0]["area"] == "420105006001" and "password" not in body
    pk = body["id"]
    granted = post(
        client,
        reverse("api:staff-grant", args=[pk]),
        {"role": "grid_worker", "area": "420105006001"},
    )
    assert granted.status_code == 201 and len(granted.json()["grants"]) == 2
    disabled = post(client, reverse("api:staff-active", args=[pk]), {"active": False})
    assert disabled.json()["active"] is False
    reset = post(client, reverse("api:staff-password", args=[pk]))
    assert User.objects.get(pk=pk).check_password(reset.json()["password"])
    assert list(StaffEvent.objects.order_by("pk").values_list("kind", flat=True)) == [
        StaffEventKind.CREATED,
        StaffEventKind.GRANTED,
        StaffEventKind.DISABLED,
        StaffEventKind.PASSWORD_RESET,
    ]


@pytest.mark.parametrize(
    ("change", "status", "code", "field"),
    [
        ({"username": "clerk_a"}, 409, "duplicate", None),
        ({"password": "12345678"}, 400, "password_entirely_numeric", None),
        ({"password": "short"}, 400, "password_too_short", None),
        ({"role": "overlord"}, 400, "invalid", "role"),
        ({"area": "999999"}, 400, "invalid", "area"),
        ({"role": "reviewer"}, 400, "department", None),
        ({"username": None}, 400, "invalid", "username"),
    ],
)
def test_bad_input_gets_the_error_shape_and_changes_nothing(
    client, personas, change, status, code, field
):
    client.force_login(personas.administrator)
    before = User.objects.count()
    response = post(client, reverse("api:staff-create"), {**NEW, **change})
    assert response.status_code == status, response.json()
    body = response.json()
    assert body["message"]
    if code not in ("password_entirely_numeric",):
        assert body["code"] == code
    if field:
        assert body["field"] == field
    assert User.objects.count() == before
    assert not StaffEvent.objects.exists()


def test_a_street_administrator_cannot_reach_outside(client, personas, street_admin):
    client.force_login(street_admin)
    names = {s["username"] for s in client.get(reverse("api:staff-list")).json()}
    assert "clerk_a" in names and "clerk_b" not in names and "district_lead" not in names
    outside = post(client, reverse("api:staff-create"), {**NEW, "area": "420105001001"})
    assert outside.status_code == 400 and outside.json()["code"] == "area_outside"
    other = personas.clerk_b.pk
    assert post(client, reverse("api:staff-password", args=[other])).status_code == 404
    assert (
        post(client, reverse("api:staff-active", args=[other]), {"active": False}).status_code
        == 404
    )
    assert User.objects.get(pk=other).is_active
    assert not StaffEvent.objects.exists()


@pytest.mark.parametrize("persona", ["clerk_a", "district_lead", "street_lead", "outsider"])
def test_everybody_else_gets_nothing(client, personas, persona):
    client.force_login(getattr(personas, persona))
    assert client.get(reverse("api:staff-list")).status_code == 403
    assert post(client, reverse("api:staff-create"), NEW).status_code == 403
    assert not User.objects.filter(username="new_clerk").exists()


def test_anonymous_gets_401(client, personas):
    assert client.get(reverse("api:staff-list")).status_code == 401
