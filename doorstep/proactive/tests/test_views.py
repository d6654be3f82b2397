"""The programme pages: list, form with live rule check, programme page (versions, preview, run
now, history), a run's live progress, why / why not, and the resident record's section.

The fixtures here (``world``) are shared by the other UI test modules."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

import pytest
from django.urls import reverse

from doorstep.proactive.models import Entitlement, Programme, ProgrammeRun, RuleVersion

RULE = 'age >= 80 && status == "active"'
STOP = 'status == "deceased"'


@dataclass
class World:
    personas: object
    programme: object
    old_a: object  # 85, in clerk A's community: granted
    young_a: object  # 79, in clerk A's community: not granted
    old_b: object  # 86, in clerk B's community


@pytest.fixture
def world(personas, make_resident, make_programme, frozen) -> World:
    programme = make_programme(
        "elderly-80",
        RULE,
        STOP,
        name="高龄津贴",
        period="monthly",
        policy="年满80周岁按月发放。",
        amount="50.00",
    )
    old_a = make_resident("王老太", birth=datetime.date(1941, 5, 1))
    young_a = make_resident("李大爷", birth=datetime.date(1947, 6, 15))
    old_b = make_resident("赵奶奶", area=personas.compound_b, birth=datetime.date(1940, 2, 2))
    return World(personas, programme, old_a, young_a, old_b)


@pytest.fixture
def ran(world):
    """The programme run once (by the schedule), so old_a and old_b hold it."""
    from doorstep.proactive import actions

    return actions.do_run_programme(world.programme)


def logged_in(client, user):
    client.force_login(user)
    return client


def form_data(**overrides) -> dict:
    from doorstep.catalogue.models import Department

    data = {
        "code": "elderly-90",
        "name": "九十岁补贴",
        "department": Department.objects.get(code="mz").pk,
        "kind": "grant",
        "mode": "notify",
        "period": "monthly",
        "amount": "100",
        "policy": "年满90周岁。",
        "grant_rule": "age >= 90",
        "stop_rule": "",
        "is_active": "on",
    }
    data.update(overrides)
    return data


# ---- list ------------------------------------------------------------------------------------


def test_list_shows_programmes_with_their_last_run(
    client, world, ran, django_assert_max_num_queries
):
    logged_in(client, world.personas.admin)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("proactive:list"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "高龄津贴" in text
    assert "2 granted, 0 stopped, 0 unchanged" in text
    assert reverse("proactive:create") in text


def test_the_district_lead_reads_the_list_but_may_not_create(client, world):
    logged_in(client, world.personas.district_lead)
    response = client.get(reverse("proactive:list"))
    assert response.status_code == 200
    assert reverse("proactive:create") not in response.content.decode()
    assert client.get(reverse("proactive:create")).status_code == 403


def test_the_navigation_shows_programmes_only_to_those_who_may_read_them(client, world):
    url = reverse("proactive:list")
    assert url in logged_in(client, world.personas.admin).get("/").content.decode()
    assert url in logged_in(client, world.personas.district_lead).get("/").content.decode()
    assert url in logged_in(client, world.personas.administrator).get("/").content.decode()
    assert url not in logged_in(client, world.personas.clerk_a).get("/").content.decode()
    assert url not in logged_in(client, world.personas.reviewer).get("/").content.decode()


# ---- create, edit, live check ----------------------------------------------------------------


def test_create_a_programme(client, world):
    logged_in(client, world.personas.admin)
    response = client.post(reverse("proactive:create"), form_data())
    programme = Programme.objects.get(code="elderly-90")
    assert response.status_code == 302
    assert response["Location"] == reverse("proactive:detail", args=[programme.pk])
    assert programme.version == 1
    assert list(programme.versions.values_list("number", "grant_rule")) == [(1, "age >= 90")]


def test_a_rule_with_a_typo_is_refused_with_its_position_and_nothing_is_written(client, world):
    logged_in(client, world.personas.admin)
    response = client.post(
        reverse("proactive:create"), form_data(grant_rule='age >= 90 &&\nstatus = "active"')
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert re.search(r"line 2, column \d+", text)
    assert not Programme.objects.filter(code="elderly-90").exists()
    assert RuleVersion.objects.count() == 1


def test_an_unknown_fact_is_refused(client, world):
    logged_in(client, world.personas.admin)
    response = client.post(reverse("proactive:create"), form_data(grant_rule="agee >= 90"))
    assert response.status_code == 400
    assert "line 1, column 1" in response.content.decode()
    assert "agee" in response.content.decode()


def test_an_empty_grant_rule_is_refused_an_empty_stop_rule_is_not(client, world):
    logged_in(client, world.personas.admin)
    response = client.post(reverse("proactive:create"), form_data(grant_rule="  "))
    assert response.status_code == 400
    assert not Programme.objects.filter(code="elderly-90").exists()


def test_a_renewal_programme_needs_its_certificate_type_service_and_handler(client, world):
    logged_in(client, world.personas.admin)
    response = client.post(reverse("proactive:create"), form_data(kind="renewal"))
    assert response.status_code == 400
    text = response.content.decode()
    assert "needs the certificate type" in text
    assert not Programme.objects.filter(code="elderly-90").exists()


def test_a_duplicate_code_is_refused(client, world):
    logged_in(client, world.personas.admin)
    response = client.post(reverse("proactive:create"), form_data(code="elderly-80"))
    assert response.status_code == 400
    assert Programme.objects.filter(code="elderly-80").count() == 1


def test_changing_the_rule_writes_a_new_version(client, world):
    logged_in(client, world.personas.admin)
    p = world.programme
    url = reverse("proactive:edit", args=[p.pk])
    assert client.get(url).status_code == 200
    data = form_data(code=p.code, name=p.name, grant_rule="age >= 81", stop_rule=STOP)
    response = client.post(url, data)
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.version == 2 and p.grant_rule == "age >= 81"
    assert list(p.versions.order_by("number").values_list("number", "grant_rule")) == [
        (1, RULE),
        (2, "age >= 81"),
    ]
    detail = client.get(reverse("proactive:detail", args=[p.pk])).content.decode()
    assert 'id="version-1"' in detail and 'id="version-2"' in detail
    assert "age &gt;= 81" in detail and "age &gt;= 80" in detail


def test_an_invalid_edit_changes_nothing(client, world):
    logged_in(client, world.personas.admin)
    p = world.programme
    data = form_data(code=p.code, name="新名字", grant_rule="age >= ")
    response = client.post(reverse("proactive:edit", args=[p.pk]), data)
    assert response.status_code == 400
    p.refresh_from_db()
    assert (p.name, p.grant_rule, p.version) == ("高龄津贴", RULE, 1)


def test_the_live_check_shows_the_problem_under_the_field(client, world):
    logged_in(client, world.personas.admin)
    url = reverse("proactive:check-rule")
    response = client.post(url, {"field": "grant_rule", "grant_rule": 'age >= 80 && "低保" in tag'})
    assert response.status_code == 200
    text = response.content.decode()
    assert "line 1, column" in text
    assert "^" in text  # the caret under the column
    ok = client.post(url, {"field": "grant_rule", "grant_rule": "age >= 80"})
    assert "The rule is valid." in ok.content.decode()
    empty_stop = client.post(url, {"field": "stop_rule", "stop_rule": ""})
    assert "error" not in empty_stop.content.decode()
    empty_grant = client.post(url, {"field": "grant_rule", "grant_rule": ""})
    assert 'class="error"' in empty_grant.content.decode()


def test_the_live_check_is_for_administrators_only(client, world):
    url = reverse("proactive:check-rule")
    for who in ("district_lead", "clerk_a"):
        logged_in(client, getattr(world.personas, who))
        assert client.post(url, {"grant_rule": "age > 1"}).status_code == 403
    assert client.get(url).status_code == 405


def test_the_form_has_the_fact_reference(client, world, make_tag):
    make_tag("test-tag", "测试标签")
    logged_in(client, world.personas.admin)
    text = client.get(reverse("proactive:create")).content.decode()
    assert 'id="fact-reference"' in text
    assert "household_size" in text and "test-tag" in text and "elderly-80" in text


# ---- the programme page, preview, run --------------------------------------------------------


def test_detail_shows_policy_rules_and_history(client, world, ran, django_assert_max_num_queries):
    logged_in(client, world.personas.district_lead)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("proactive:detail", args=[world.programme.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "年满80周岁按月发放" in text
    assert 'id="run-history"' in text
    assert reverse("proactive:run", args=[ran.pk]) in text
    assert "#version-1" in text
    # A district lead reads; running and changing are not theirs.
    assert 'id="run-now"' not in text and 'id="edit-programme"' not in text


def test_preview_counts_and_writes_nothing(client, world):
    logged_in(client, world.personas.admin)
    url = reverse("proactive:preview", args=[world.programme.pk])
    response = client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="preview-granted">2<' in text
    assert world.old_a.id_masked in text
    assert not Entitlement.objects.exists() and not ProgrammeRun.objects.exists()
    # The full page, for a browser without htmx.
    assert "<html" in client.get(url).content.decode()


def test_preview_on_a_date(client, world):
    logged_in(client, world.personas.admin)
    url = reverse("proactive:preview", args=[world.programme.pk])
    # On 2028-01-01 李大爷 (born 1947-06-15) is 80 too.
    response = client.get(url, {"on": "2028-01-01"}, HTTP_HX_REQUEST="true")
    assert 'id="preview-granted">3<' in response.content.decode()


@pytest.mark.parametrize("bad", ["2026-13-01", "yesterday", "1800-01-01", "2026-02-30"])
def test_preview_with_a_bad_date_says_so(client, world, bad):
    logged_in(client, world.personas.admin)
    url = reverse("proactive:preview", args=[world.programme.pk])
    response = client.get(url, {"on": bad})
    assert response.status_code == 400
    assert 'id="preview-error"' in response.content.decode()
    # In the page, through htmx (which swaps only 2xx answers), the error takes the counts' place.
    response = client.get(url, {"on": bad}, HTTP_HX_REQUEST="true")
    assert 'id="preview-error"' in response.content.decode()
    assert 'id="preview-granted"' not in response.content.decode()


def test_preview_needs_the_run_permission(client, world):
    logged_in(client, world.personas.district_lead)
    url = reverse("proactive:preview", args=[world.programme.pk])
    assert client.get(url).status_code == 403


def test_run_now_queues_a_run_and_shows_its_progress(client, world):
    from doorstep.proactive import actions

    logged_in(client, world.personas.admin)
    response = client.post(
        reverse("proactive:run-now", args=[world.programme.pk]), {"confirm": "yes"}
    )
    run = ProgrammeRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("proactive:run", args=[run.pk])
    assert run.status == "queued" and run.trigger == "ui" and run.started_by == world.personas.admin
    page = client.get(response["Location"]).content.decode()
    progress = reverse("proactive:run-progress", args=[run.pk])
    assert f'hx-get="{progress}"' in page and 'hx-trigger="every 1s"' in page
    # The worker runs it; the next poll shows it finished, and stops polling.
    actions.do_run_programme(world.programme, run=run)
    fragment = client.get(progress).content.decode()
    assert 'data-status="done"' in fragment
    assert "every 1s" not in fragment
    assert 'id="run-granted">2<' in fragment


def test_run_now_asks_first_and_needs_the_permission(client, world):
    url = reverse("proactive:run-now", args=[world.programme.pk])
    logged_in(client, world.personas.admin)
    assert client.get(url).status_code == 200  # the confirmation page
    assert client.post(url).status_code == 200  # not confirmed: asked again
    assert client.put(url).status_code == 405
    logged_in(client, world.personas.district_lead)
    assert client.post(url, {"confirm": "yes"}).status_code == 403
    assert client.get(url).status_code == 403
    assert not ProgrammeRun.objects.exists()


def test_a_district_lead_may_follow_a_run(client, world, ran):
    logged_in(client, world.personas.district_lead)
    assert client.get(reverse("proactive:run", args=[ran.pk])).status_code == 200
    assert client.get(reverse("proactive:run-progress", args=[ran.pk])).status_code == 200


# ---- why / why not ---------------------------------------------------------------------------


def test_why_not_explains_condition_by_condition(client, world, django_assert_max_num_queries):
    logged_in(client, world.personas.clerk_a)
    url = reverse("proactive:why", args=[world.programme.pk, world.young_a.pk])
    with django_assert_max_num_queries(21):  # explain(): a fixed number, not one per condition
        response = client.get(url)
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="grant-tree"' in text
    assert "✗" in text and "✓" in text
    assert "79" in text  # "age 79 < 80", or however the detail words it
    assert 'id="outcome"' in text


def test_why_shows_the_current_entitlement(client, world, ran):
    logged_in(client, world.personas.clerk_a)
    url = reverse("proactive:why", args=[world.programme.pk, world.old_a.pk])
    text = client.get(url).content.decode()
    assert "Granted" in text and "2026-12" in text


def test_why_is_logged_on_the_residents_record(client, world):
    from doorstep.people.models import AccessLog

    logged_in(client, world.personas.clerk_a)
    client.get(reverse("proactive:why", args=[world.programme.pk, world.young_a.pk]))
    assert AccessLog.objects.filter(resident=world.young_a, actor=world.personas.clerk_a).exists()


def test_why_with_a_bad_date_says_so(client, world):
    logged_in(client, world.personas.clerk_a)
    url = reverse("proactive:why", args=[world.programme.pk, world.young_a.pk])
    assert client.get(url, {"on": "2026-02-31"}).status_code == 400


def test_why_on_a_later_date(client, world):
    logged_in(client, world.personas.clerk_a)
    url = reverse("proactive:why", args=[world.programme.pk, world.young_a.pk])
    response = client.get(url, {"on": "2028-01-01"})
    assert response.status_code == 200
    assert "2028-01-01" in response.content.decode()


def test_why_search_finds_residents_of_the_clerks_area_only(client, world):
    logged_in(client, world.personas.clerk_a)
    url = reverse("proactive:why-search", args=[world.programme.pk])
    text = client.get(url, {"q": "李大爷"}, HTTP_HX_REQUEST="true").content.decode()
    assert reverse("proactive:why", args=[world.programme.pk, world.young_a.pk]) in text
    text = client.get(url, {"q": "赵奶奶"}, HTTP_HX_REQUEST="true").content.decode()
    assert reverse("proactive:why", args=[world.programme.pk, world.old_b.pk]) not in text
    assert "No resident in your areas" in text


def test_the_resident_record_lists_programmes(client, world, ran):
    logged_in(client, world.personas.clerk_a)
    record = client.get(reverse("people-detail", args=[world.old_a.pk])).content.decode()
    section = reverse("proactive:resident", args=[world.old_a.pk])
    assert section in record
    fragment = client.get(section, HTTP_HX_REQUEST="true").content.decode()
    assert "高龄津贴" in fragment
    assert reverse("proactive:why", args=[world.programme.pk, world.old_a.pk]) in fragment
    # Without an entitlement, the programme is offered as a "why not" link.
    other = client.get(
        reverse("proactive:resident", args=[world.young_a.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert reverse("proactive:why", args=[world.programme.pk, world.young_a.pk]) in other


# ---- programmes that cannot run --------------------------------------------------------------


@pytest.fixture
def broken(make_programme, world):
    """A programme whose stored rule no longer compiles (written around the actions)."""
    return make_programme("broken", "agee >= 80", name="坏规则")


def test_a_rule_that_no_longer_compiles_is_said_on_preview_and_why(client, world, broken):
    logged_in(client, world.personas.admin)
    response = client.get(reverse("proactive:preview", args=[broken.pk]))
    assert response.status_code == 400
    assert "agee" in response.content.decode()
    response = client.get(reverse("proactive:why", args=[broken.pk, world.old_a.pk]))
    assert response.status_code == 400
    assert 'id="why-problem"' in response.content.decode()


def test_a_renewal_programme_without_a_published_service_cannot_preview(
    client, world, make_programme, make_certificate_type
):
    from doorstep.catalogue.models import Department, Service

    service = Service.objects.create(
        code="renew-test", name="残疾人证换领", department=Department.objects.get(code="mz")
    )
    programme = make_programme(
        "renew",
        'certificates.exists(c, c.type == "disab" && c.renewal_due)',
        kind="renewal",
        certificate_type=make_certificate_type("disab", "测试证", window=90),
        service=service,
        handler=world.personas.clerk_a,
    )
    logged_in(client, world.personas.admin)
    response = client.get(reverse("proactive:preview", args=[programme.pk]))
    assert response.status_code == 400
    assert "no published version" in response.content.decode()
    api = client.get(reverse("api:programme-preview", args=[programme.pk]))
    assert api.status_code == 409 and api.json()["code"] == "cannot_run", api.content


def test_an_inactive_programme_does_not_run(client, world):
    Programme.objects.filter(pk=world.programme.pk).update(is_active=False)
    logged_in(client, world.personas.admin)
    response = client.post(
        reverse("proactive:run-now", args=[world.programme.pk]), {"confirm": "yes"}, follow=True
    )
    assert "not active" in response.content.decode()
    api = client.post(
        reverse("api:programme-runs", args=[world.programme.pk]), "{}", "application/json"
    )
    assert api.status_code == 409 and api.json()["code"] == "inactive"
    assert not ProgrammeRun.objects.exists()


def test_the_api_says_when_stored_rules_no_longer_compile(client, world, broken):
    logged_in(client, world.personas.admin)
    response = client.get(reverse("api:programme-why", args=[broken.pk, world.old_a.pk]))
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_rule"
    assert client.get(reverse("api:programme-preview", args=[broken.pk])).status_code == 409


# ---- a renewal programme, through the pages --------------------------------------------------


@pytest.fixture
def renewal(personas, department, holidays, make_programme, make_certificate_type):
    """A renewal programme of a published 民政 matter, for 残疾人证 within 365 days of expiry."""
    from doorstep.catalogue.actions import do_create_draft, do_publish
    from doorstep.catalogue.models import Material, Service, ServiceType

    service = Service.objects.create(code="cjrz-hz", name="残疾人证换领", department=department)
    draft = do_create_draft(service, actor=personas.admin)
    draft.promised_limit_days, draft.legal_limit_days, draft.max_trips = 10, 20, 1
    draft.type = ServiceType.objects.get_or_create(code="S01", defaults={"name": "行政给付"})[0]
    draft.places = ["compound_desk"]
    draft.save()
    Material.objects.create(
        version=draft, position=0, name="居民身份证", type="other", form="paper",
        necessity="required", source="government",
    )  # fmt: skip
    do_publish(draft, actor=personas.admin)
    return make_programme(
        "disab-renewal",
        'status == "active"',
        name="残疾人证无感续证",
        kind="renewal",
        service=service,
        certificate_type=make_certificate_type("disab", "残疾人证（二代）", window=365),
        handler=personas.clerk_a,
    )


def test_a_renewal_programme_through_the_pages(
    client, personas, frozen, renewal, make_resident, make_certificate
):
    from doorstep.proactive import actions

    holder = make_resident("甲", birth=datetime.date(1960, 1, 1))
    expires = datetime.date(2027, 3, 1)  # 90 days after the tests' today: due
    make_certificate(holder, renewal.certificate_type, expires_on=expires)
    run = actions.do_run_programme(renewal)
    entitlement = Entitlement.objects.get()
    assert entitlement.case is not None

    client.force_login(personas.admin)
    progress = client.get(reverse("proactive:run-progress", args=[run.pk])).content.decode()
    assert 'id="run-cases">1<' in progress
    detail = client.get(reverse("proactive:detail", args=[renewal.pk])).content.decode()
    assert "残疾人证（二代）" in detail and "from 365 days before expiry" in detail

    client.force_login(personas.clerk_a)
    why = client.get(reverse("proactive:why", args=[renewal.pk, holder.pk]))
    assert why.status_code == 200
    assert "Renewal case opened" in why.content.decode()
    section = client.get(
        reverse("proactive:resident", args=[holder.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "残疾人证无感续证" in section and "Renewal case opened" in section

    client.logout()
    public = client.get(reverse("proactive:answer", args=[entitlement.token])).content.decode()
    assert "Your renewal has been started" in public
    assert entitlement.case.receipt in public
