"""Every programme page and endpoint, against those who must get nothing from it: anonymous
visitors (sent to log in; 401 in the API), the outsider with no role, the clerk of another
community, and the department reviewer (no view of the registry). Nothing is written by any
refused request."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from doorstep.proactive import actions
from doorstep.proactive.models import Entitlement, OptOut, Programme, ProgrammeRun, RuleVersion
from doorstep.proactive.tests import test_views as shared
from doorstep.proactive.tests.test_views import RULE, form_data

world, ran = shared.world, shared.ran  # the shared fixtures

PROGRAMME_LEVEL = ["outsider", "reviewer", "clerk_b", "clerk_a", "grid_a", "street_lead"]


def pages(w, run) -> list[tuple[str, str, dict]]:
    """(method, url, data) of every staff page about programmes as a whole."""
    p = w.programme.pk
    return [
        ("get", reverse("proactive:list"), {}),
        ("get", reverse("proactive:create"), {}),
        ("post", reverse("proactive:create"), form_data()),
        ("post", reverse("proactive:check-rule"), {"grant_rule": RULE}),
        ("get", reverse("proactive:detail", args=[p]), {}),
        ("get", reverse("proactive:edit", args=[p]), {}),
        ("post", reverse("proactive:edit", args=[p]), form_data(code="elderly-80")),
        ("get", reverse("proactive:preview", args=[p]), {}),
        ("get", reverse("proactive:run-now", args=[p]), {}),
        ("post", reverse("proactive:run-now", args=[p]), {"confirm": "yes"}),
        ("get", reverse("proactive:preview-export", args=[p]), {}),
        ("post", reverse("proactive:switch", args=[p]), {"active": "off"}),
        ("post", reverse("proactive:approve", args=[p]), {"seen": "x"}),
        ("get", reverse("proactive:run-export", args=[run.pk]), {}),
        ("get", reverse("proactive:run", args=[run.pk]), {}),
        ("get", reverse("proactive:run-progress", args=[run.pk]), {}),
    ]


def apis(w, run) -> list[tuple[str, str, dict | None]]:
    p = w.programme.pk
    return [
        ("get", reverse("api:programmes"), None),
        ("post", reverse("api:programmes"), {"code": "x", "name": "x"}),
        ("get", reverse("api:programme", args=[p]), None),
        ("patch", reverse("api:programme", args=[p]), {"name": "x"}),
        ("post", reverse("api:rules-check"), {"text": RULE}),
        ("get", reverse("api:programme-preview", args=[p]), None),
        ("post", reverse("api:programme-runs", args=[p]), {}),
        ("get", reverse("api:programme-run-list", args=[p]), None),
        ("get", reverse("api:run", args=[run.pk]), None),
    ]


def snapshot() -> tuple:
    return (
        Programme.objects.count(),
        RuleVersion.objects.count(),
        ProgrammeRun.objects.count(),
        Entitlement.objects.count(),
        OptOut.objects.count(),
        list(Programme.objects.values_list("name", "version", "is_active", "approved_by")),
    )


def call(client, method, url, data, *, api=False):
    if api:
        if method == "get":
            return client.get(url)
        send = getattr(client, method)
        return send(url, json.dumps(data or {}), content_type="application/json")
    return getattr(client, method)(url, data)


def test_anonymous_is_sent_to_log_in(client, world, ran):
    before = snapshot()
    for method, url, data in pages(world, ran):
        response = call(client, method, url, data)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    assert snapshot() == before


def test_anonymous_gets_401_from_the_api(client, world, ran):
    before = snapshot()
    for method, url, data in apis(world, ran):
        response = call(client, method, url, data, api=True)
        assert response.status_code == 401, url
        assert response.json()["code"] == "not_authenticated"
    assert snapshot() == before


@pytest.mark.parametrize("who", PROGRAMME_LEVEL)
def test_staff_without_the_right_get_403_from_programme_pages(client, world, ran, who):
    client.force_login(getattr(world.personas, who))
    before = snapshot()
    for method, url, data in pages(world, ran):
        assert call(client, method, url, data).status_code == 403, (who, url)
    assert snapshot() == before


@pytest.mark.parametrize("who", PROGRAMME_LEVEL)
def test_staff_without_the_right_get_403_from_the_api(client, world, ran, who):
    client.force_login(getattr(world.personas, who))
    before = snapshot()
    for method, url, data in apis(world, ran):
        response = call(client, method, url, data, api=True)
        assert response.status_code == 403, (who, url)
        assert response.json()["code"] == "forbidden"
    assert snapshot() == before


def test_the_district_lead_reads_but_does_not_write(client, world, ran):
    client.force_login(world.personas.district_lead)
    before = snapshot()
    for method, url, data in pages(world, ran):
        expected = 200 if method == "get" and "/new/" not in url and "/edit/" not in url else 403
        if "/preview/" in url or url.endswith(("/run/", "/export/")):
            expected = 403
        assert call(client, method, url, data).status_code == expected, url
    for method, url, data in apis(world, ran):
        expected = 200 if method == "get" and "/preview/" not in url else 403
        assert call(client, method, url, data, api=True).status_code == expected, url
    assert snapshot() == before


def test_the_administrator_role_reads_changes_and_runs(client, world, ran):
    """Not a superuser: the administrator role's capabilities open every programme page."""
    client.force_login(world.personas.administrator)
    assert not world.personas.administrator.is_superuser
    for method, url, data in pages(world, ran):
        response = call(client, method, url, data)
        assert response.status_code in (200, 302), (url, response.status_code)
    for method, url, data in apis(world, ran):
        response = call(client, method, url, data, api=True)
        assert response.status_code not in (401, 403), url  # (a create with fields missing: 400)
    assert Programme.objects.filter(code="elderly-90").exists()  # created through the form
    # Its edit above changed what the programme pays: it runs once a second person approves.
    programme = Programme.objects.get(pk=world.programme.pk)
    assert programme.awaits_approval and not programme.is_active  # switched off above
    actions.do_set_active(programme, actor=world.personas.administrator, active=True)
    actions.do_approve_programme(
        programme, actor=world.personas.admin, seen=actions.approval_key(programme)
    )
    call(client, "post", reverse("proactive:run-now", args=[programme.pk]), {"confirm": "yes"})
    assert ProgrammeRun.objects.filter(started_by=world.personas.administrator).exists()


def test_django_model_permissions_open_nothing(client, world, ran, django_user_model):
    """One permission model: a staff account holding Django's programme permissions, and no
    role, is refused like any account without the capability."""
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("perms", password="pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="proactive"))
    client.force_login(user)
    before = snapshot()
    for method, url, data in pages(world, ran):
        assert call(client, method, url, data).status_code == 403, url
    for method, url, data in apis(world, ran):
        assert call(client, method, url, data, api=True).status_code == 403, url
    assert reverse("proactive:list") not in client.get("/").content.decode()
    assert snapshot() == before


def test_a_missing_programme_or_run_is_404(client, world):
    client.force_login(world.personas.admin)
    for url in (
        reverse("proactive:detail", args=[999999]),
        reverse("proactive:edit", args=[999999]),
        reverse("proactive:preview", args=[999999]),
        reverse("proactive:run", args=[999999]),
        reverse("proactive:run-progress", args=[999999]),
        reverse("proactive:why-search", args=[999999]),
        reverse("proactive:why", args=[999999, world.old_a.pk]),
        reverse("proactive:why", args=[world.programme.pk, 999999]),
        reverse("proactive:resident", args=[999999]),
        "/programmes/99999999999999999999999/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("proactive:run-now", args=[999999])).status_code == 404
    for url in (
        reverse("api:programme", args=[999999]),
        reverse("api:programme-preview", args=[999999]),
        reverse("api:run", args=[999999]),
        reverse("api:programme-why", args=[999999, world.old_a.pk]),
        reverse("api:programme-why", args=[world.programme.pk, 999999]),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"


# ---- why / why not: by the resident's area ---------------------------------------------------


def resident_urls(w) -> list[tuple[str, bool]]:
    p, r = w.programme.pk, w.old_a.pk
    return [
        (reverse("proactive:why", args=[p, r]), False),
        (reverse("proactive:resident", args=[r]), False),
        (reverse("api:programme-why", args=[p, r]), True),
    ]


def test_why_pages_send_anonymous_to_log_in(client, world):
    for url, api in resident_urls(world):
        response = client.get(url)
        assert response.status_code == (401 if api else 302), url
    search = client.get(reverse("proactive:why-search", args=[world.programme.pk]))
    assert search.status_code == 302


@pytest.mark.parametrize("who", ["outsider", "reviewer", "administrator"])
def test_why_pages_refuse_staff_who_see_no_residents(client, world, who):
    from doorstep.people.models import AccessLog

    client.force_login(getattr(world.personas, who))
    for url, _api in resident_urls(world):
        assert client.get(url).status_code == 403, url
    search = client.get(reverse("proactive:why-search", args=[world.programme.pk]), {"q": "王"})
    assert search.status_code == 403
    assert not AccessLog.objects.filter(resident=world.old_a).exclude(action="create").exists()


def test_why_pages_hide_a_resident_of_another_area(client, world):
    from doorstep.people.models import AccessLog

    client.force_login(world.personas.clerk_b)
    for url, api in resident_urls(world):
        response = client.get(url)
        assert response.status_code == 404, url
        if api:
            assert response.json()["code"] == "not_found"
    search = reverse("proactive:why-search", args=[world.programme.pk])
    found = client.get(search, {"q": "王老太"}).content.decode()
    assert reverse("proactive:why", args=[world.programme.pk, world.old_a.pk]) not in found
    assert not AccessLog.objects.filter(resident=world.old_a, actor=world.personas.clerk_b).exists()


@pytest.mark.parametrize("who", ["clerk_a", "grid_a", "street_lead", "district_lead", "admin"])
def test_staff_who_see_the_resident_may_ask_why(client, world, who):
    client.force_login(getattr(world.personas, who))
    for url, _api in resident_urls(world):
        assert client.get(url).status_code == 200, url


# ---- the public page: the token is the key ---------------------------------------------------


def test_unknown_tokens_are_404_alike(client, world, ran):
    for token in ("0" * 32, "not-a-token", "A" * 32, "0" * 33):
        assert client.get(reverse("proactive:answer", args=[token])).status_code == 404
        assert (
            client.post(
                reverse("proactive:answer", args=[token]), {"answer": "opt_out"}
            ).status_code
            == 404
        )
        assert client.get(reverse("api:answer", args=[token])).status_code == 404
        response = client.post(
            reverse("api:answer", args=[token]),
            json.dumps({"answer": "opt_out"}),
            content_type="application/json",
        )
        assert response.status_code == 404
    assert not OptOut.objects.exists()
