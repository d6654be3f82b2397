"""Matters filed by another system (Open311 batch services): filing, the clerk's queue and the
application's page, declining with an SMS, taking in at intake (linked in the intake's own
transaction, never twice), and the applicant's contact kept encrypted.

A city platform's account (``system``) holds a clerk's grant over community A, as an API key's
user does; clerk A takes its applications in, clerk B (another community) must see nothing.
"""

from __future__ import annotations

import re
import threading

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from doorstep.cases.actions import (
    ApplicationChanged,
    do_decline_application,
    do_file_application,
    do_intake,
    do_reveal_application_phone,
    remote_version,
)
from doorstep.cases.models import Case, CaseEvent, RemoteApplication
from doorstep.notify.models import Message
from doorstep.people.models import AccessLog

from .conftest import NOW

PHONE = "13912345678"
CONTACT = {
    "first_name": "建国",
    "last_name": "龚",
    "phone": PHONE,
    "email": "gong.jianguo@example.cn",
    "account_id": "wh-0042",
    "device_id": "device-7f3a",
}
DESCRIPTION = "我父亲是二级肢体残疾，想申请困难残疾人生活补贴。\n请社区联系我。"
ID_NUMBER = re.compile(r"\d{17}[\dXx]")


@pytest.fixture(autouse=True)
def _time(frozen):
    """Every test here runs at the suite's fixed time (Tuesday 2026-12-01 10:00)."""


@pytest.fixture
def system(personas, django_user_model):
    """A city platform's account: HANDLE_CASES over community A, as an Open311 key's user."""
    from doorstep.staff.choices import Role
    from doorstep.staff.models import RoleGrant

    user = django_user_model.objects.create_user("city-platform", first_name="武汉城市服务平台")
    RoleGrant.objects.create(user=user, role=Role.CLERK, area=personas.area_a)
    return user


@pytest.fixture
def file(system, service, materials, personas):
    """file(**overrides): an application through the real action."""

    def make(**kw):
        kw.setdefault("actor", system)
        kw.setdefault("service", service)
        kw.setdefault("compound", personas.compound_a)
        kw.setdefault("description", DESCRIPTION)
        kw.setdefault("attributes", {"relation": "父子", f"material-{materials.proof.pk}": "有"})
        kw.setdefault("contact", dict(CONTACT))
        kw.setdefault("labels", {"relation": "与申请人的关系"})
        return do_file_application(**kw)

    return make


@pytest.fixture
def application(file):
    return file()


def fresh(application) -> RemoteApplication:
    return RemoteApplication.objects.get(pk=application.pk)


def written() -> tuple[int, ...]:
    return (
        RemoteApplication.objects.count(),
        Case.objects.count(),
        CaseEvent.objects.count(),
        Message.objects.count(),
    )


def flashed(response) -> str:
    return " | ".join(str(m) for m in get_messages(response.wsgi_request))


def code_of(exc: ValidationError, field: str) -> str:
    return exc.error_dict[field][0].code


# ---- filing ----------------------------------------------------------------------------------


def test_filing_puts_the_matter_in_the_waiting_room(application, system, service, materials):
    app = fresh(application)
    assert app.status == "pending" and app.case is None
    assert (app.service, app.filed_by, app.filed_at) == (service, system, NOW)
    assert app.area_code == "420105006001001" and app.compound.kind == "compound"
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", app.token)
    assert app.description == DESCRIPTION.strip()
    assert app.attributes == {"relation": "父子", f"material-{materials.proof.pk}": "有"}
    # The question as asked: the caller's wording, and a material's own name for its code.
    assert app.answers() == [("与申请人的关系", ["父子"]), ("相关证明材料", ["有"])]
    assert app.contact == CONTACT
    assert (app.applicant, app.applicant_masked, app.phone_masked) == (
        "龚建国",
        "龚**",
        "139****5678",
    )


def test_each_application_gets_its_own_token(file):
    assert file().token != file().token


def test_a_phone_is_normalised_and_lists_of_answers_are_kept(file):
    app = file(
        contact={"phone": "+86 139-1234-5678", "first_name": "John", "last_name": "Smith"},
        attributes={"days": ["周一", "周三"]},
        labels=None,
    )
    assert fresh(app).phone == PHONE and app.applicant == "John Smith"
    assert fresh(app).answers() == [("days", ["周一", "周三"])]


def test_a_matter_not_done_online_or_by_proxy_cannot_be_filed(file, service):
    from doorstep.catalogue.models import ServiceVersion

    assert remote_version(service) is not None
    # Published versions are immutable through the catalogue; the test edits the row itself.
    published = ServiceVersion.objects.filter(pk=service.published_version().pk)
    published.update(places=["compound_desk", "community"])
    assert remote_version(service) is None
    with pytest.raises(ValidationError) as caught:
        file()
    assert code_of(caught.value, "service") == "service_unavailable"
    published.update(places=["online"])
    service.is_active = False
    service.save(update_fields=["is_active"])
    with pytest.raises(ValidationError):
        file(service=service)
    assert written() == (0, 0, 0, 0)


def test_an_account_without_a_grant_over_the_compound_files_nothing(file, personas):
    with pytest.raises(PermissionDenied):
        file(compound=personas.compound_b)  # community B: not the platform's
    for who in ("outsider", "grid_a", "street_lead", "reviewer"):  # none handles cases in A
        with pytest.raises(PermissionDenied):
            file(actor=getattr(personas, who))
    assert written() == (0, 0, 0, 0)


def test_a_matter_is_filed_for_a_compound_not_a_wider_area(file, personas):
    with pytest.raises(ValidationError) as caught:
        file(compound=personas.area_a)
    assert code_of(caught.value, "compound") == "invalid"
    assert written() == (0, 0, 0, 0)


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"description": "长" * 4001}, "description"),
        ({"contact": {**CONTACT, "phone": "12345"}}, "phone"),
        ({"contact": {**CONTACT, "email": "not-an-address"}}, "email"),
        ({"contact": {**CONTACT, "last_name": "名" * 41}}, "last_name"),
        ({"attributes": {"note": "字" * 2001}}, "attributes"),
        ({"attributes": {"": "无题"}}, "attributes"),
        ({"attributes": {"days": ["一"] * 51}}, "attributes"),
        ({"attributes": {"nested": {"a": 1}}}, "attributes"),
    ],
)
def test_bad_input_gets_a_clear_error_and_writes_nothing(file, overrides, field):
    with pytest.raises(ValidationError) as caught:
        file(**overrides)
    assert field in caught.value.error_dict
    assert caught.value.error_dict[field][0].message
    assert written() == (0, 0, 0, 0)


def test_a_description_of_exactly_4000_characters_is_kept(file):
    assert len(fresh(file(description="长" * 4000)).description) == 4000


def test_the_contact_is_stored_encrypted(application):
    table = RemoteApplication._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [application.pk])
        row = " ".join(str(value) for value in cursor.fetchone())
    for secret in (PHONE, "龚", "建国", "gong.jianguo", "wh-0042", "device-7f3a"):
        assert secret not in row
    assert fresh(application).contact["phone"] == PHONE  # and it reads back


# ---- who sees what ---------------------------------------------------------------------------


def test_visible_to_follows_the_case_grants(application, personas):
    def sees(who) -> bool:
        user = getattr(personas, who)
        return RemoteApplication.objects.visible_to(user).filter(pk=application.pk).exists()

    for who in ("clerk_a", "street_lead", "district_lead", "admin"):
        assert sees(who), who
    for who in ("clerk_b", "grid_a", "reviewer", "mediator_a", "outsider", "administrator"):
        assert not sees(who), who


def test_the_queue_lists_pending_applications_oldest_first(client, personas, file, frozen):
    first = file()
    frozen.shift(3600)
    second = file(contact={"phone": "13800138000", "first_name": "秀英", "last_name": "李"})
    client.force_login(personas.clerk_a)
    response = client.get(reverse("cases-applications"))
    assert response.status_code == 200
    assert [a.pk for a in response.context["page"].object_list] == [first.pk, second.pk]
    page = response.content.decode()
    assert "龚**" in page and "139****5678" in page and "困难残疾人生活补贴" in page
    assert PHONE not in page and "龚建国" not in page and "13800138000" not in page
    assert personas.compound_a.name in page


def test_the_queue_costs_the_same_queries_however_long(
    client, personas, file, django_assert_max_num_queries
):
    file()
    client.force_login(personas.clerk_a)
    client.get(reverse("cases-applications"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("cases-applications"))
    for _ in range(4):
        file()
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(reverse("cases-applications"))


def test_taken_in_and_declined_applications_leave_the_queue(client, personas, application):
    do_decline_application(application, actor=personas.clerk_a, reason="请到社区现场办理")
    client.force_login(personas.clerk_a)
    response = client.get(reverse("cases-applications"))
    assert list(response.context["page"].object_list) == []


def test_a_clerk_of_another_community_sees_nothing(client, personas, application):
    client.force_login(personas.clerk_b)
    response = client.get(reverse("cases-applications"))
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == []
    assert "139****5678" not in response.content.decode()
    assert client.get(reverse("cases-application", args=[application.pk])).status_code == 404
    missing = client.get(reverse("cases-application", args=[application.pk + 1000]))
    assert missing.status_code == 404  # alike: no telling "not yours" from "not there"


@pytest.mark.parametrize("who", ["outsider", "reviewer", "mediator_a", "grid_a"])
def test_staff_without_case_grants_get_nothing(client, personas, application, who):
    client.force_login(getattr(personas, who))
    assert client.get(reverse("cases-applications")).status_code == 403
    assert client.get(reverse("cases-application", args=[application.pk])).status_code == 404


def test_nobody_logged_in_is_sent_to_log_in(client, application):
    for url in (
        reverse("cases-applications"),
        reverse("cases-application", args=[application.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
    response = client.post(reverse("cases-application-decline", args=[application.pk]))
    assert response.status_code == 302 and fresh(application).status == "pending"


def test_the_page_shows_what_was_sent_and_offers_matching_residents(
    client, personas, application, make_resident, service
):
    same_phone = make_resident("龚建国", mobile=PHONE)
    make_resident("李秀英", area=personas.compound_b, mobile=PHONE)  # community B: not offered
    client.force_login(personas.clerk_a)
    response = client.get(reverse("cases-application", args=[application.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "我父亲是二级肢体残疾" in page and "与申请人的关系" in page and "父子" in page
    assert "139****5678" in page and PHONE not in page
    assert [hit.pk for hit in response.context["matches"]] == [same_phone.pk]
    take_in = reverse("cases-intake-form", args=[same_phone.pk, service.code])
    assert f"{take_in}?application={application.pk}" in page
    assert response.context["decline_form"] is not None


def test_a_lead_who_only_views_cases_may_read_but_not_act(client, personas, application):
    client.force_login(personas.street_lead)
    response = client.get(reverse("cases-application", args=[application.pk]))
    assert response.status_code == 200
    assert not response.context["may_act"] and response.context["decline_form"] is None
    response = client.post(
        reverse("cases-application-decline", args=[application.pk]), {"reason": "不办"}
    )
    assert response.status_code == 403 and fresh(application).status == "pending"


def test_the_clerk_searches_the_registry_by_posting(client, personas, application, make_resident):
    other = make_resident("龚小明", mobile="13700001111")
    client.force_login(personas.clerk_a)
    url = reverse("cases-application", args=[application.pk])
    response = client.post(url, {"q": "13700001111"})
    assert [hit.pk for hit in response.context["results"]] == [other.pk]
    assert client.get(url, {"q": "13700001111"}).status_code == 400  # a full number by GET


# ---- revealing the phone ---------------------------------------------------------------------


def test_the_full_phone_needs_a_reason_and_is_logged(client, personas, application):
    client.force_login(personas.clerk_a)  # may reveal (demo persona)
    url = reverse("cases-application-reveal", args=[application.pk])
    assert client.post(url, {"reason": " "}).status_code == 400
    assert not AccessLog.objects.exists()
    response = client.post(url, {"reason": "电话通知来社区办理"})
    assert response.status_code == 200 and PHONE in response.content.decode()
    log = AccessLog.objects.get()
    assert (log.actor, log.action) == (personas.clerk_a, "reveal_phone")
    assert str(application.pk) in log.detail and "电话通知来社区办理" in log.detail
    assert PHONE not in log.detail


def test_no_full_phone_without_the_permission_or_the_area(client, personas, application):
    with pytest.raises(PermissionDenied):
        do_reveal_application_phone(application, actor=personas.street_lead, reason="查看")
    client.force_login(personas.clerk_b)
    url = reverse("cases-application-reveal", args=[application.pk])
    assert client.post(url, {"reason": "查看"}).status_code == 404
    assert not AccessLog.objects.exists()


# ---- declining -------------------------------------------------------------------------------


def test_declining_tells_the_applicant_by_sms_signed_by_the_community(
    client, personas, application
):
    client.force_login(personas.clerk_a)
    url = reverse("cases-application-decline", args=[application.pk])
    response = client.post(url, {"reason": "该事项需本人到社区现场办理"})
    assert response.status_code == 302 and response["Location"] == reverse("cases-applications")
    app = fresh(application)
    assert (app.status, app.decided_by, app.decided_at) == ("declined", personas.clerk_a, NOW)
    assert app.decline_reason == "该事项需本人到社区现场办理" and app.case is None
    message = Message.objects.get()
    assert message.idempotency_key == f"application:{app.pk}:declined"
    assert (message.channel, message.address, message.resident) == ("sms", PHONE, None)
    assert "该事项需本人到社区现场办理" in message.body and personas.area_a.name in message.body
    assert "困难残疾人生活补贴" in message.body and "2026-12-01" in message.body
    assert PHONE not in message.body and PHONE[-4:] not in message.body
    assert not ID_NUMBER.search(message.body)
    assert "龚" not in message.body  # nothing the other system sent is quoted back


def test_a_decline_needs_a_reason(client, personas, application):
    client.force_login(personas.clerk_a)
    response = client.post(
        reverse("cases-application-decline", args=[application.pk]), {"reason": "   "}
    )
    assert response.status_code == 400
    assert response.context["decline_form"].errors
    with pytest.raises(ValidationError) as caught:
        do_decline_application(application, actor=personas.clerk_a, reason="")
    assert code_of(caught.value, "reason") == "reason_required"
    assert fresh(application).status == "pending" and not Message.objects.exists()


def test_only_a_pending_application_is_declined(personas, application, make_case):
    do_decline_application(application, actor=personas.clerk_a, reason="请到社区现场办理")
    with pytest.raises(ApplicationChanged):
        do_decline_application(application, actor=personas.clerk_a, reason="再次")
    stale = RemoteApplication.objects.get(pk=application.pk)
    stale.status = "pending"  # as a page read before the first decline
    with pytest.raises(ApplicationChanged):
        do_decline_application(stale, actor=personas.clerk_a, reason="再次")
    assert fresh(application).decline_reason == "请到社区现场办理"
    assert Message.objects.count() == 1


def test_a_clerk_of_another_community_cannot_decline(client, personas, application):
    with pytest.raises(PermissionDenied):
        do_decline_application(application, actor=personas.clerk_b, reason="不办")
    client.force_login(personas.clerk_b)
    response = client.post(
        reverse("cases-application-decline", args=[application.pk]), {"reason": "不办"}
    )
    assert response.status_code == 404 and fresh(application).status == "pending"


def test_without_a_mobile_number_the_decline_goes_by_email_or_not_at_all(file, personas):
    by_mail = file(contact={"phone": "027-84561234", "email": "a@example.cn"})
    do_decline_application(by_mail, actor=personas.clerk_a, reason="请到社区现场办理")
    assert Message.objects.get().channel == "email"
    silent = file(contact={})
    do_decline_application(silent, actor=personas.clerk_a, reason="请到社区现场办理")
    assert Message.objects.count() == 1 and fresh(silent).status == "declined"


# ---- taken in at intake ----------------------------------------------------------------------


def test_intake_takes_the_application_in_with_its_case(make_case, personas, application):
    case = make_case("accept", application=application)
    app = fresh(application)
    assert (app.status, app.case, app.decided_by, app.decided_at) == (
        "taken_in",
        case,
        personas.clerk_a,
        NOW,
    )
    assert application.status == "taken_in" and application.case == case  # the caller's copy
    created = case.events.get(kind="created")
    assert created.data["application"] == application.pk


def test_the_link_is_written_in_the_intakes_transaction(make_case, application, monkeypatch):
    """If linking fails, the case is not written either: one transaction."""
    from doorstep.cases.actions import intake

    def refuse(*args, **kwargs):
        raise ApplicationChanged()

    monkeypatch.setattr(intake, "claim_for_case", refuse)
    with pytest.raises(ApplicationChanged):
        make_case("accept", application=application)
    assert written() == (1, 0, 0, 0) and fresh(application).status == "pending"


def test_a_second_intake_of_the_same_application_fails_and_writes_nothing(
    make_case, personas, application
):
    stale = RemoteApplication.objects.get(pk=application.pk)  # read by a second clerk's page
    first = make_case("accept", application=application)
    before = written()
    # The second clerk's intake read the application while it was still pending: the
    # status-guarded update inside the transaction finds it taken and undoes everything.
    with pytest.raises(ApplicationChanged):
        make_case("accept", application=stale, idempotency_key="second-clerk")
    assert written() == before
    # Read afresh, it is refused before anything is planned.
    with pytest.raises(ApplicationChanged):
        make_case("accept", application=fresh(application), idempotency_key="third")
    assert written() == before
    assert fresh(application).case == first


@pytest.mark.django_db(transaction=True)
def test_two_clerks_racing_to_take_it_in_make_one_case(make_case, personas, file, make_resident):
    """Both pages read the application pending and both intakes start: one case, one link."""
    if connection.vendor == "sqlite":
        pytest.skip("the in-memory SQLite test database locks whole tables; raced on PostgreSQL")
    from doorstep.staff.choices import Role
    from doorstep.staff.models import RoleGrant

    RoleGrant.objects.create(user=personas.clerk_b, role=Role.CLERK, area=personas.area_a)
    application = file()
    barrier = threading.Barrier(2)
    made: list[int] = []
    errors: list[Exception] = []

    def take_in(clerk) -> None:
        try:
            mine = RemoteApplication.objects.get(pk=application.pk)
            barrier.wait(timeout=10)
            made.append(make_case("accept", actor=clerk, application=mine).pk)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=take_in, args=(c,)) for c in (personas.clerk_a, personas.clerk_b)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(made) == 1 and len(errors) == 1, errors
    assert isinstance(errors[0], ApplicationChanged)
    assert Case.objects.count() == 1 and fresh(application).case_id == made[0]


def test_a_retried_intake_answers_with_the_first_case(make_case, application):
    first = make_case("accept", application=application, idempotency_key="tap")
    again = make_case("accept", application=application, idempotency_key="tap")
    assert again.pk == first.pk and Case.objects.count() == 1


def test_intake_refuses_an_application_for_another_matter_or_area(
    make_case, personas, application, service, make_resident
):
    from doorstep.catalogue.models import Service

    other = Service.objects.create(code="other", name="其他事项", department=service.department)
    with pytest.raises(ValidationError) as caught:
        do_intake(
            actor=personas.clerk_a,
            resident=make_resident("龚建国"),
            service=other,
            outcome="accept",
            application=application,
        )
    assert "application" in caught.value.error_dict or "service" in caught.value.error_dict
    from doorstep.cases.actions.applications import check_for_intake

    with pytest.raises(ValidationError) as caught:
        check_for_intake(application, actor=personas.clerk_a, service=other)
    assert code_of(caught.value, "application") == "application_service"
    resident_b = make_resident("李秀英", area=personas.compound_b)
    with pytest.raises(PermissionDenied):
        make_case("accept", actor=personas.clerk_b, resident=resident_b, application=application)
    assert Case.objects.count() == 0 and fresh(application).status == "pending"


def test_a_declined_application_cannot_be_taken_in(make_case, personas, application):
    do_decline_application(application, actor=personas.clerk_a, reason="请到社区现场办理")
    with pytest.raises(ApplicationChanged):
        make_case("accept", application=application)
    assert Case.objects.count() == 0


def test_the_intake_page_carries_the_application_through_its_form(
    client, personas, application, resident, service, materials
):
    client.force_login(personas.clerk_a)
    url = reverse("cases-intake-form", args=[resident.pk, service.code])
    page = client.get(url, {"application": application.pk})
    assert page.status_code == 200
    assert page.context["application"] == application
    assert f'name="application" value="{application.pk}"' in page.content.decode()
    response = client.post(
        url,
        {
            "outcome": "accept",
            "provided": [*materials.required, materials.proof.pk],
            "agent_kind": "self",
            "idempotency_key": page.context["form"].initial["idempotency_key"],
            "application": application.pk,
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "cases-detail", args=[case.pk]
    )
    assert fresh(application).case == case
    detail = client.get(reverse("cases-detail", args=[case.pk])).content.decode()
    assert reverse("cases-application", args=[application.pk]) in detail
    # Taken in: the intake link now sends the clerk back to the application's page.
    again = client.get(url, {"application": application.pk})
    assert again.status_code == 302
    assert again["Location"] == reverse("cases-application", args=[application.pk])


def test_the_intake_page_will_not_carry_someone_elses_application(
    client, personas, application, make_resident, service
):
    resident_b = make_resident("李秀英", area=personas.compound_b)
    client.force_login(personas.clerk_b)
    url = reverse("cases-intake-form", args=[resident_b.pk, service.code])
    assert client.get(url, {"application": application.pk}).status_code == 404
    assert client.get(url, {"application": "x"}).status_code == 404


def test_the_json_intake_takes_the_application_in(
    client, personas, application, resident, service, materials
):
    import json

    client.force_login(personas.clerk_a)
    body = {
        "resident": resident.pk,
        "service": service.code,
        "outcome": "accept",
        "provided": [*materials.required, materials.proof.pk],
        "application": application.pk,
    }
    url = reverse("api:cases")
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    assert fresh(application).case_id == response.json()["id"]
    again = client.post(url, json.dumps(body), content_type="application/json")
    assert again.status_code == 409 and again.json()["field"] == "application"
    assert Case.objects.count() == 1


# ---- where clerks see it ---------------------------------------------------------------------


def test_the_home_page_shows_the_clerk_how_many_wait(client, personas, file):
    file()
    file()
    client.force_login(personas.clerk_a)
    response = client.get(reverse("home"))
    assert response.context["panels"]["cases_desk"]["applications"] == 2
    page = response.content.decode()
    assert 'id="home-applications"' in page and reverse("cases-applications") in page
    client.force_login(personas.clerk_b)
    response = client.get(reverse("home"))
    assert response.context["panels"]["cases_desk"]["applications"] == 0
    assert 'id="home-applications"' not in response.content.decode()
    assert 'id="nav-applications"' in response.content.decode()  # the queue is in the menu


def test_the_flash_after_a_decline(client, personas, application):
    client.force_login(personas.clerk_a)
    response = client.post(
        reverse("cases-application-decline", args=[application.pk]),
        {"reason": "请到社区现场办理"},
    )
    assert "declined" in flashed(response)
