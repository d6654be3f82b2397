"""A member of staff changes their own password; after an administrator's reset to a one-time
password they must, before anything else. Mistakes get Django's Chinese messages and change
nothing; the page needs a login; the JSON API (token auth) is not held up by a due change."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from django.utils.translation import ngettext

from doorstep.api.actions import do_create_api_key
from doorstep.staff import actions
from doorstep.staff.choices import StaffEventKind
from doorstep.staff.models import PasswordChangeDue, StaffEvent

User = get_user_model()
CHANGE = "/staff/me/password/"
NEW = "Qinduankou-2026!"
# Our own message, compared through the catalogue (Chinese once the merge fills it); Django's
# own (wrong old password, too common, mismatch) are Chinese already.
SHORT = "This password is too short: it must have at least %(min_length)d character."


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


def _change(client, old="pw", new=NEW, again=None):
    data = {"old_password": old, "new_password1": new, "new_password2": again or new}
    return client.post(CHANGE, data, HTTP_ACCEPT_LANGUAGE="zh-hans")


def _hash(user) -> str:
    return User.objects.get(pk=user.pk).password


def test_the_urls():
    assert reverse("staff-password-change") == CHANGE
    assert reverse("staff-password-change-done") == CHANGE + "done/"


def test_the_header_links_the_change_page(client, personas):
    client.force_login(personas.clerk_a)
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f'href="{CHANGE}"' in page


def test_change_works_and_is_audited(client, personas):
    clerk = personas.clerk_a
    client.force_login(clerk)
    page = client.get(CHANGE, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200 and 'id="password-change-form"' in page.content.decode()
    response = _change(client)
    assert response.status_code == 302 and response["Location"] == CHANGE + "done/"
    clerk.refresh_from_db()
    assert clerk.check_password(NEW)
    # Still signed in (the session follows the new hash).
    assert client.get(reverse("home")).status_code == 200
    event = StaffEvent.objects.get()
    assert (event.kind, event.actor, event.user) == (StaffEventKind.PASSWORD_CHANGED, clerk, clerk)
    done = client.get(CHANGE + "done/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert done.status_code == 200


def test_wrong_old_password_changes_nothing(client, personas):
    clerk = personas.clerk_a
    client.force_login(clerk)
    before = _hash(clerk)
    response = _change(client, old="not-my-password")
    assert response.status_code == 200
    assert "你的旧密码不正确" in response.content.decode()
    assert _hash(clerk) == before
    assert not StaffEvent.objects.exists()


@pytest.mark.parametrize(
    ("new", "again", "says"),
    [
        ("abc", None, SHORT),
        ("password", None, "这个密码太常见了"),
        (NEW, NEW + "x", "输入的两个密码不一致"),
    ],
)
def test_weak_or_mismatched_new_password_changes_nothing(client, personas, new, again, says):
    clerk = personas.clerk_a
    client.force_login(clerk)
    before = _hash(clerk)
    response = _change(client, new=new, again=again)
    assert response.status_code == 200
    if says == SHORT:
        says = ngettext(SHORT, SHORT.replace("character.", "characters."), 8) % {"min_length": 8}
    assert says in response.content.decode()
    assert _hash(clerk) == before
    assert not StaffEvent.objects.exists()


def test_the_page_needs_a_login(client, personas):
    response = client.get(CHANGE)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    response = client.post(CHANGE, {"old_password": "pw", "new_password1": NEW})
    assert response.status_code == 302
    assert User.objects.get(pk=personas.clerk_a.pk).check_password("pw")


def test_one_changes_only_ones_own_password(client, personas):
    """The form has no account field: whoever is signed in changes their own, nobody else's."""
    client.force_login(personas.clerk_b)
    before = _hash(personas.clerk_a)
    client.post(CHANGE, {"user": personas.clerk_a.pk, "old_password": "pw", "new_password1": NEW,
                         "new_password2": NEW})  # fmt: skip
    assert _hash(personas.clerk_a) == before
    assert User.objects.get(pk=personas.clerk_b.pk).check_password(NEW)


def _reset(client, personas) -> str:
    client.force_login(personas.administrator)
    response = client.post(reverse("staff-password", args=[personas.clerk_a.pk]))
    client.logout()
    return response.context["one_time_password"]


def test_after_a_reset_the_holder_must_change_it_first(client, personas):
    one_time = _reset(client, personas)
    clerk = personas.clerk_a
    assert PasswordChangeDue.objects.filter(user=clerk).exists()
    response = client.post(reverse("login"), {"username": "clerk_a", "password": one_time})
    assert response.status_code == 302
    # Every page leads to the change page until it is done.
    for url in (reverse("home"), reverse("cases-list"), reverse("staff-list")):
        assert client.get(url)["Location"] == CHANGE
    htmx = client.get(reverse("home"), HTTP_HX_REQUEST="true")
    assert htmx["HX-Redirect"] == CHANGE
    page = client.get(CHANGE, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200 and 'id="password-change-due"' in page.content.decode()
    # A mistake keeps it due.
    assert _change(client, old=one_time, new="abc").status_code == 200
    assert client.get(reverse("home"))["Location"] == CHANGE
    assert _change(client, old=one_time).status_code == 302
    assert not PasswordChangeDue.objects.filter(user=clerk).exists()
    assert client.get(reverse("home")).status_code == 200
    kinds = list(StaffEvent.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == [StaffEventKind.PASSWORD_RESET, StaffEventKind.PASSWORD_CHANGED]


def test_a_due_change_still_lets_one_log_out(client, personas):
    one_time = _reset(client, personas)
    client.post(reverse("login"), {"username": "clerk_a", "password": one_time})
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] != CHANGE
    assert client.get(reverse("home")).status_code == 200  # the residents' home, signed out


def test_others_are_not_held_up_by_someone_elses_reset(client, personas):
    _reset(client, personas)
    client.force_login(personas.clerk_b)
    assert client.get(reverse("cases-list")).status_code == 200


def test_the_api_is_unaffected(client, personas):
    _reset(client, personas)
    _key, secret = do_create_api_key(user=personas.clerk_a, name="tablet")
    response = client.get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    # Even on a session whose change is due, the API answers in its own way, not a redirect.
    client.force_login(User.objects.get(pk=personas.clerk_a.pk))
    assert client.get(reverse("home"))["Location"] == CHANGE
    assert client.get("/api/v1/cases/").status_code == 200


def test_the_action_refuses_a_weak_password(personas):
    from django.core.exceptions import ValidationError

    before = _hash(personas.clerk_a)
    with pytest.raises(ValidationError):
        actions.do_change_own_password(user=personas.clerk_a, password="abc")
    assert _hash(personas.clerk_a) == before
