"""Needs filed by another system (source ``api``, issue 15): owned by the system's account until
a person takes them; the staff handling needs in the need's community may, and the first of
them to move it becomes its owner (首接负责). Filing one tells the community's own staff in
their inbox; the public-space categories and ``Need.objects.public()``.

The system's account ("hotline") is a grid worker of community A by its role grant, so it is
also the proof that the filer is not told of its own need."""

from __future__ import annotations

import importlib
import json
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from doorstep.needs import actions
from doorstep.needs.choices import EventKind, NeedStatus, OwnerKind
from doorstep.needs.models import Need, NeedCategory, NeedOwnership
from doorstep.notify.models import InboxItem
from doorstep.staff.choices import Role
from doorstep.staff.models import RoleGrant

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(personas, django_user_model):
    system = django_user_model.objects.create_user("hotline", first_name="12345热线")
    RoleGrant.objects.create(user=system, role=Role.GRID_WORKER, area=personas.area_a)
    # A community lead by a grant on the compound itself: told, and (reviewing needs there)
    # the only one told of a sensitive need.
    lead = django_user_model.objects.create_user("lead_a")
    RoleGrant.objects.create(user=lead, role=Role.COMMUNITY_LEAD, area=personas.compound_a)
    # Community A's staff whose account is switched off: never told.
    gone = django_user_model.objects.create_user("gone_a", is_active=False)
    RoleGrant.objects.create(user=gone, role=Role.CLERK, area=personas.area_a)
    return SimpleNamespace(system=system, lead=lead, gone=gone)


@pytest.fixture
def remote_need(make_need, world):
    def make(**kw):
        return make_need(actor=world.system, source="api", source_ref="12345-0001", **kw)

    return make


def _told(need) -> set[str]:
    rows = InboxItem.objects.filter(key=f"need:{need.pk}:filed").select_related("recipient")
    return {item.recipient.username for item in rows}


# ---- taking it on ----------------------------------------------------------------------------


def test_a_clerk_of_the_community_takes_it_by_starting_it(remote_need, personas, world):
    need = remote_need()
    assert need.untaken and need.owner_user == world.system
    assert Need.objects.untaken().filter(pk=need.pk).exists()
    assert actions.may_act(personas.clerk_a, need) and actions.may_act(personas.grid_a, need)
    assert [t.verb for t in actions.available_verbs(personas.clerk_a, need)] == [
        "start", "pause", "answer",
    ]  # fmt: skip

    event = actions.do_transition(need, "start", actor=personas.clerk_a)

    need.refresh_from_db()
    assert need.status == NeedStatus.IN_PROGRESS and event.actor == personas.clerk_a
    assert (need.owner_kind, need.owner_user) == (OwnerKind.USER, personas.clerk_a)
    assert not need.untaken and not Need.objects.untaken().exists()
    spells = list(
        NeedOwnership.objects.filter(need=need)
        .order_by("since", "id")
        .values_list("user__username", "until")
    )
    # the system's spell ended the moment the clerk took it on
    assert spells == [("hotline", timezone.now()), ("clerk_a", None)]
    kinds = list(need.events.values_list("kind", "actor__username"))
    assert kinds == [(EventKind.CREATED, "hotline"), (EventKind.TAKEN, "clerk_a"),
                     (EventKind.TRANSITION, "clerk_a")]  # fmt: skip
    # Taken: the rest of the community is back to the ordinary rule (only the owner acts).
    assert not actions.may_act(personas.grid_a, need)
    with pytest.raises(PermissionDenied):
        actions.do_transition(need, "pause", actor=personas.grid_a, reason="等居民回电")


def test_answering_first_also_takes_it(remote_need, personas):
    need = remote_need()
    actions.do_answer(need, actor=personas.grid_a, decision="resolved", answer="已修复路灯")
    need.refresh_from_db()
    assert need.owner_user == personas.grid_a and need.status == NeedStatus.ANSWERED
    assert need.events.filter(kind=EventKind.TAKEN, actor=personas.grid_a).count() == 1


def test_the_system_moving_its_own_need_does_not_take_it(remote_need, world):
    need = remote_need()
    actions.do_transition(need, "start", actor=world.system)
    need.refresh_from_db()
    assert need.untaken and need.owner_user == world.system
    assert not need.events.filter(kind=EventKind.TAKEN).exists()


def test_another_communitys_staff_may_not(remote_need, personas):
    need = remote_need()
    for who in (personas.clerk_b, personas.grid_b, personas.district_lead, personas.outsider):
        assert not actions.may_act(who, need), who
        with pytest.raises(PermissionDenied):
            actions.do_transition(need, "start", actor=who)
    need.refresh_from_db()
    assert need.status == NeedStatus.NEW and need.untaken


def test_a_need_a_person_registered_stays_theirs(make_need, personas):
    need = make_need(actor=personas.grid_a)  # a visit: a person owns it from the start
    assert not need.untaken and not actions.may_act(personas.clerk_a, need)


def test_the_page_shows_it_and_takes_it(client, remote_need, personas):
    need = remote_need()
    client.force_login(personas.clerk_a)
    mine = client.get(reverse("needs-mine")).content.decode()
    assert 'id="untaken"' in mine and f'data-need="{need.pk}"' in mine
    assert "need-untaken" in client.get(reverse("needs-list")).content.decode()
    page = client.get(reverse("needs-detail", args=[need.pk])).content.decode()
    assert "need-untaken" in page and 'id="act-start"' in page

    url = reverse("needs-transition", args=[need.pk, "start"])
    assert client.post(url, {"revision": need.revision}).status_code == 302
    need.refresh_from_db()
    assert need.owner_user == personas.clerk_a
    page = client.get(reverse("needs-detail", args=[need.pk])).content.decode()
    assert "need-untaken" not in page
    assert 'id="untaken"' not in client.get(reverse("needs-mine")).content.decode()


def test_the_page_gives_another_community_nothing(client, remote_need, personas):
    need = remote_need()
    client.force_login(personas.clerk_b)
    assert client.get(reverse("needs-detail", args=[need.pk])).status_code == 404
    url = reverse("needs-transition", args=[need.pk, "start"])
    assert client.post(url, {"revision": need.revision}).status_code == 404
    assert f'data-need="{need.pk}"' not in client.get(reverse("needs-mine")).content.decode()
    need.refresh_from_db()
    assert need.untaken and need.status == NeedStatus.NEW


# ---- the JSON API with an API key ------------------------------------------------------------


def _post(client, name, body, *args, **headers):
    return client.post(
        reverse(f"api:{name}", args=args), json.dumps(body), "application/json", **headers
    )


def test_the_json_api_with_a_key_files_an_untaken_need(
    client, personas, world, holidays, frozen, categories
):
    from doorstep.api.actions import do_create_api_key

    _key, secret = do_create_api_key(user=world.system, name="12345 hotline")
    body = {"kind": "report", "category": "lights", "description": "3栋门口路灯不亮",
            "compound": personas.compound_a.code, "raiser_name": "市民"}  # fmt: skip
    filed = _post(client, "needs-register", body, HTTP_X_API_KEY=secret)
    assert filed.status_code == 201, filed.content
    data = filed.json()["need"]
    assert data["source"]["code"] == "api" and data["untaken"] is True
    need = Need.objects.get(pk=data["id"])
    assert need.created_by == need.owner_user == world.system
    assert _told(need) == {"clerk_a", "grid_a", "lead_a"}

    client.force_login(personas.clerk_b)
    assert _post(client, "need-transition", {"verb": "start"}, need.pk).status_code == 404
    client.force_login(personas.clerk_a)
    done = _post(client, "need-transition", {"verb": "start"}, need.pk)
    assert done.status_code == 200, done.content
    assert done.json()["owner"]["id"] == personas.clerk_a.pk and done.json()["untaken"] is False


# ---- the inbox notice ------------------------------------------------------------------------


def test_the_notice_reaches_the_communitys_own_staff_only(remote_need, personas, world):
    need = remote_need()
    # Not: the street lead (a street-wide grant), the district lead (does not handle needs),
    # community B, the filing system itself, an account switched off.
    assert _told(need) == {"clerk_a", "grid_a", "lead_a"}
    item = InboxItem.objects.get(recipient=personas.clerk_a, key=f"need:{need.pk}:filed")
    assert item.url == reverse("needs-detail", args=[need.pk])
    assert f"#{need.pk}" in item.title and "12345热线" in item.body
    assert item.kind == "need_filed"


def test_a_sensitive_need_is_told_only_to_who_may_see_it(remote_need, personas):
    need = remote_need(sensitive=True)
    assert _told(need) == {"lead_a"}  # reviews needs there; clerks and grid workers cannot see it


def test_a_need_a_person_registered_tells_nobody(make_need, personas):
    make_need(actor=personas.clerk_a, source="desk")
    assert not InboxItem.objects.exists()


def test_a_registration_rolled_back_tells_nobody(remote_need, personas):
    """The notice is written in the registering transaction: a caller whose own transaction
    fails after registering (the Open311 view) leaves neither the need nor the notice."""
    with pytest.raises(RuntimeError), transaction.atomic():
        remote_need()
        assert InboxItem.objects.exists()  # nobody outside the transaction sees it yet
        raise RuntimeError
    assert not InboxItem.objects.exists() and not Need.objects.exists()


# ---- public ----------------------------------------------------------------------------------


def test_public_keeps_public_categories_and_leaves_out_sensitive_needs(make_need):
    shown = make_need(category="lights")
    also = make_need(category="environment")
    make_need(category="lights", sensitive=True)
    make_need(category="property")
    assert set(Need.objects.public()) == {shown, also}


# ---- the categories --------------------------------------------------------------------------

PUBLIC = {"environment", "facilities", "lights", "lifts", "rubbish", "roads", "noise", "drains"}


def test_the_seed_has_the_public_categories(categories):
    rows = {c.code: c for c in NeedCategory.objects.all()}
    assert {code for code, c in rows.items() if c.public} == PUBLIC
    assert (rows["lifts"].name, rows["lifts"].limit, rows["lifts"].unit) == (
        "电梯故障",
        24,
        "hours",
    )
    assert (rows["drains"].limit, rows["drains"].unit) == (7, "working_days")
    assert rows["drains"].position > rows["complex"].position  # after the older defaults


def test_the_data_migration_adds_only_what_is_missing(categories):
    """An older database: the public column just added (all False), none of the new codes, an
    administrator's own category already called 路灯照明, and a changed feedback time."""
    migration = importlib.import_module("doorstep.needs.migrations.0010_seed_public_categories")
    NeedCategory.objects.filter(code__in=PUBLIC - {"environment", "facilities"}).delete()
    NeedCategory.objects.update(public=False)
    NeedCategory.objects.create(code="streetlamps", name="路灯照明", limit=3, unit="working_days")
    NeedCategory.objects.filter(code="property").update(limit=5)

    migration.seed(django_apps, None)

    rows = {c.code: c for c in NeedCategory.objects.all()}
    assert "lights" not in rows and rows["streetlamps"].limit == 3  # the name was taken
    assert {code for code, c in rows.items() if c.public} == PUBLIC - {"lights"}
    assert rows["property"].limit == 5 and not rows["property"].public
    migration.seed(django_apps, None)  # again: nothing more
    assert NeedCategory.objects.count() == len(rows)
