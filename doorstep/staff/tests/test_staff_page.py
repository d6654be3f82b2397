"""The staff page: the district administrator manages accounts and role grants in the app; a
street's administrator only inside the street; everybody else gets nothing. Every change is
audited; bad input gets a Chinese message and changes nothing; a one-time password is shown
once and stored only as a hash."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from doorstep.staff.choices import Role, StaffEventKind
from doorstep.staff.models import RoleGrant, StaffEvent

User = get_user_model()
# Our own messages are compared through the catalogue (Chinese once the merge fills it);
# Django's own (password, username, choice) are Chinese already.
TAKEN = "The username %(username)s is already taken."
OUTSIDE = "You may grant roles only within your own area; %(area)s is outside it."
STREET = "420105006"  # 琴断口街道: community A is in it, community B is not


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def street_admin(personas):
    from doorstep.places.models import Area

    user = User.objects.create_user("street_admin", password="pw", first_name="街道管理员")
    RoleGrant.objects.create(user=user, role=Role.ADMINISTRATOR, area=Area.objects.get(code=STREET))
    return user


def _create(client, personas, **overrides):
    data = {
        "username": "new_clerk",
        "name": "新人",
        "password": "Qinduankou-2026",
        "role": Role.CLERK,
        "area": personas.area_a.pk,
        "department": "",
        **overrides,
    }
    return client.post(reverse("staff-create"), data, HTTP_ACCEPT_LANGUAGE="zh-hans")


# ---- who may use it --------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["admin", "administrator"])
def test_the_district_administrator_lists_and_searches_staff(client, personas, persona):
    client.force_login(getattr(personas, persona))
    body = client.get(reverse("staff-list")).content.decode()
    assert "王芳" in body and "赵敏" in body
    found = client.get(reverse("staff-list"), {"q": "clerk_b"}).content.decode()
    assert "李强" in found and "王芳" not in found


@pytest.mark.parametrize(
    "persona", ["clerk_a", "street_lead", "district_lead", "reviewer", "outsider"]
)
def test_everybody_else_gets_nothing(client, personas, persona):
    client.force_login(getattr(personas, persona))
    target = personas.clerk_b
    assert client.get(reverse("staff-list")).status_code == 403
    assert client.get(reverse("staff-detail", args=[target.pk])).status_code == 403
    assert _create(client, personas).status_code == 403
    response = client.post(reverse("staff-active", args=[target.pk]), {"active": "0"})
    assert response.status_code == 403
    assert client.post(reverse("staff-password", args=[target.pk])).status_code == 403
    target.refresh_from_db()
    assert target.is_active
    assert not User.objects.filter(username="new_clerk").exists()
    assert not StaffEvent.objects.exists()


def test_anonymous_is_sent_to_login(client, personas):
    response = client.get(reverse("staff-list"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_street_administrator_manages_only_the_street(client, personas, street_admin):
    client.force_login(street_admin)
    body = client.get(reverse("staff-list")).content.decode()
    assert "王芳" in body  # clerk A, community A, inside the street
    assert "李强" not in body  # clerk B, another street
    assert "赵敏" not in body  # the district lead
    for other in (personas.clerk_b, personas.district_lead, personas.admin):
        assert client.get(reverse("staff-detail", args=[other.pk])).status_code == 404
        response = client.post(reverse("staff-password", args=[other.pk]))
        assert response.status_code == 404
    assert client.get(reverse("staff-detail", args=[personas.clerk_a.pk])).status_code == 200


def test_superusers_are_not_managed_here(client, personas):
    client.force_login(personas.administrator)
    assert client.get(reverse("staff-detail", args=[personas.admin.pk])).status_code == 404


# ---- add, grant, withdraw ------------------------------------------------------------------


def test_add_an_account_with_its_first_role(client, personas):
    client.force_login(personas.administrator)
    response = _create(client, personas)
    user = User.objects.get(username="new_clerk")
    assert response.status_code == 302
    assert user.check_password("Qinduankou-2026") and user.first_name == "新人"
    assert list(user.role_grants.values_list("role", "area__code")) == [
        (Role.CLERK, "420105006001")
    ]
    event = StaffEvent.objects.get()
    assert (event.actor, event.user, event.kind) == (
        personas.administrator,
        user,
        StaffEventKind.CREATED,
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"username": "clerk_a"}, gettext(TAKEN) % {"username": "clerk_a"}),
        ({"username": "CLERK_A"}, gettext(TAKEN) % {"username": "CLERK_A"}),
        ({"password": "12345678"}, "密码"),
        ({"password": "short"}, "密码"),
        ({"username": "bad name!"}, "用户名"),
        ({"role": "overlord"}, "选择一个有效的选项"),
        ({"role": Role.REVIEWER}, gettext("A department reviewer needs a department.")),
    ],
)
def test_bad_input_is_refused_in_chinese_and_changes_nothing(client, personas, overrides, message):
    client.force_login(personas.administrator)
    before = User.objects.count()
    response = _create(client, personas, **overrides)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert User.objects.count() == before
    assert not StaffEvent.objects.exists()


def test_granting_outside_ones_own_area_is_refused(client, personas, street_admin):
    client.force_login(street_admin)
    response = _create(client, personas, area=personas.area_b.pk)
    assert response.status_code == 400
    assert gettext(OUTSIDE) % {"area": "晴川第一社区"} in response.content.decode()
    assert not User.objects.filter(username="new_clerk").exists()
    # and on an existing account of the street
    response = client.post(
        reverse("staff-grant", args=[personas.clerk_a.pk]),
        {"role": Role.CLERK, "area": personas.area_b.pk},
    )
    assert response.status_code == 400
    assert not personas.clerk_a.role_grants.filter(area=personas.area_b).exists()


def test_the_area_list_offers_only_ones_own_areas(client, personas, street_admin):
    client.force_login(street_admin)
    body = client.get(reverse("staff-create")).content.decode()
    assert "七里一村社区" in body
    assert "晴川第一社区" not in body


def test_grant_and_withdraw_a_role(client, personas):
    client.force_login(personas.administrator)
    clerk = personas.clerk_a
    response = client.post(
        reverse("staff-grant", args=[clerk.pk]),
        {"role": Role.GRID_WORKER, "area": personas.area_a.pk},
    )
    assert response.status_code == 302
    grant = clerk.role_grants.get(role=Role.GRID_WORKER)
    again = client.post(
        reverse("staff-grant", args=[clerk.pk]),
        {"role": Role.GRID_WORKER, "area": personas.area_a.pk},
    )
    assert again.status_code == 400
    already = gettext("%(name)s already holds this role in %(area)s.")
    assert already % {"name": "王芳", "area": "七里一村社区"} in again.content.decode()
    client.post(reverse("staff-revoke", args=[clerk.pk, grant.pk]))
    assert not clerk.role_grants.filter(role=Role.GRID_WORKER).exists()
    kinds = list(StaffEvent.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == [StaffEventKind.GRANTED, StaffEventKind.REVOKED]


def test_a_grant_of_another_account_cannot_be_withdrawn_through_this_one(client, personas):
    client.force_login(personas.administrator)
    other = personas.clerk_b.role_grants.get()
    response = client.post(reverse("staff-revoke", args=[personas.clerk_a.pk, other.pk]))
    assert response.status_code == 404
    assert RoleGrant.objects.filter(pk=other.pk).exists()


# ---- disable, reset ------------------------------------------------------------------------


def test_disable_and_enable(client, personas):
    client.force_login(personas.administrator)
    clerk = personas.clerk_a
    client.post(reverse("staff-active", args=[clerk.pk]), {"active": "0"})
    clerk.refresh_from_db()
    assert not clerk.is_active
    client.post(reverse("staff-active", args=[clerk.pk]), {"active": "1"})
    clerk.refresh_from_db()
    assert clerk.is_active
    kinds = list(StaffEvent.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == [StaffEventKind.DISABLED, StaffEventKind.ENABLED]


def test_one_cannot_disable_oneself(client, personas):
    me = personas.administrator
    client.force_login(me)
    response = client.post(reverse("staff-active", args=[me.pk]), {"active": "0"}, follow=True)
    me.refresh_from_db()
    assert me.is_active
    assert gettext("You cannot disable your own account.") in response.content.decode()


def test_reset_shows_a_one_time_password_once_and_stores_only_its_hash(client, personas, caplog):
    client.force_login(personas.administrator)
    clerk = personas.clerk_a
    with caplog.at_level(logging.DEBUG):
        response = client.post(reverse("staff-password", args=[clerk.pk]))
    assert response.status_code == 200
    assert "no-store" in response.get("Cache-Control", "")
    password = response.context["one_time_password"]
    assert len(password) >= 12 and password in response.content.decode()
    clerk.refresh_from_db()
    assert clerk.check_password(password) and password not in clerk.password
    assert password not in caplog.text
    event = StaffEvent.objects.get()
    assert event.kind == StaffEventKind.PASSWORD_RESET
    assert password not in str(event.__dict__)
    later = client.get(reverse("staff-detail", args=[clerk.pk])).content.decode()
    assert password not in later


def test_the_nav_links_the_staff_page_for_administrators_only(client, personas):
    client.force_login(personas.administrator)
    assert 'id="nav-staff"' in client.get(reverse("staff-list")).content.decode()
    client.force_login(personas.clerk_a)
    assert 'id="nav-staff"' not in client.get(reverse("home")).content.decode()


def test_an_administrator_cannot_change_their_own_roles(client, personas):
    """The administrator role sees no residents: it must not grant itself a clerk's role."""
    me = personas.administrator
    client.force_login(me)
    response = client.post(
        reverse("staff-grant", args=[me.pk]), {"role": Role.CLERK, "area": personas.area_a.pk}
    )
    assert response.status_code == 400
    assert gettext("Another administrator must change your own roles.") in response.content.decode()
    own = me.role_grants.get()
    client.post(reverse("staff-revoke", args=[me.pk, own.pk]))
    assert list(me.role_grants.values_list("role", flat=True)) == [Role.ADMINISTRATOR]
    assert not StaffEvent.objects.exists()


def test_every_mistake_of_the_form_is_shown_at_once(client, personas):
    client.force_login(personas.administrator)
    response = _create(client, personas, username="clerk_a", password="123")
    body = response.content.decode()
    assert response.status_code == 400
    assert gettext(TAKEN) % {"username": "clerk_a"} in body
    assert "密码" in body  # Django's own, in Chinese: too short
    assert not StaffEvent.objects.exists()
