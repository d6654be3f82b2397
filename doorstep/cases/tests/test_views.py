"""The staff screens of cases: intake at the desk, the case page and each of its forms, the case
list and the review queue. Every view with the persona it is for and the ones it is not for;
every bad input leaves the case as it was."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from doorstep.cases.actions import do_transition
from doorstep.cases.models import Attachment, Case, CaseDocument, CaseEvent

from .conftest import TODAY

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _time(frozen):
    """Every test here runs at the suite's fixed time (Tuesday 2026-12-01 10:00)."""


def flashed(response) -> str:
    return " | ".join(str(m) for m in get_messages(response.wsgi_request))


def detail_url(case) -> str:
    return reverse("cases-detail", args=[case.pk])


def act(client, case, verb: str, **data):
    data.setdefault("revision", case.revision)
    return client.post(reverse("cases-transition", args=[case.pk, verb]), data)


def fresh(case) -> Case:
    return Case.objects.get(pk=case.pk)


def unchanged(case, before: Case) -> bool:
    after = fresh(case)
    return (after.status, after.revision, after.trips) == (
        before.status,
        before.revision,
        before.trips,
    )


@pytest.fixture
def resident_b(make_resident, personas):
    return make_resident("李秀英", area=personas.compound_b)


@pytest.fixture
def case_b(make_case, personas, resident_b):
    return make_case("accept", actor=personas.clerk_b, resident=resident_b)


@pytest.fixture
def other_department(db):
    from doorstep.catalogue.models import Department

    return Department.objects.get_or_create(code="rs-test", defaults={"name": "人社测试局"})[0]


# ---- intake ----------------------------------------------------------------------------------


def intake_url(resident, service) -> str:
    return reverse("cases-intake-form", args=[resident.pk, service.code])


def intake_data(materials, outcome: str, **extra) -> dict:
    data = {
        "provided": [materials.id_card.pk, materials.disability.pk, materials.proof.pk],
        "agent_kind": "self",
        "outcome": outcome,
        "idempotency_key": "k-" + outcome,
    }
    data.update(extra)
    return data


def test_the_clerk_picks_a_service_for_a_resident(client, personas, resident, service):
    client.force_login(personas.clerk_a)
    response = client.get(reverse("cases-intake"), {"resident": resident.pk, "q": "残疾"})
    assert response.status_code == 200
    body = response.content.decode()
    assert service.name in body
    assert intake_url(resident, service) in body
    # Typing narrows the list; htmx gets only the results.
    none = client.get(
        reverse("cases-intake"), {"resident": resident.pk, "q": "低保"}, HTTP_HX_REQUEST="true"
    )
    assert service.name not in none.content.decode()
    assert "<html" not in none.content.decode()


def test_intake_starts_from_a_resident(client, personas, service):
    client.force_login(personas.clerk_a)
    response = client.get(reverse("cases-intake"))
    assert response.status_code == 302
    assert response["Location"] == reverse("people-search")


def test_the_resident_record_offers_a_new_case_to_clerks_only(client, personas, resident):
    link = f"{reverse('cases-intake')}?resident={resident.pk}"
    client.force_login(personas.clerk_a)
    assert link in client.get(reverse("people-detail", args=[resident.pk])).content.decode()
    client.force_login(personas.street_lead)
    assert link not in client.get(reverse("people-detail", args=[resident.pk])).content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [("outsider", 403), ("reviewer", 403), ("street_lead", 403), ("grid_a", 403), ("clerk_b", 404)],
)
def test_intake_pages_are_for_the_residents_clerks(
    client, personas, resident, service, who, status
):
    client.force_login(getattr(personas, who))
    assert client.get(reverse("cases-intake"), {"resident": resident.pk}).status_code == status
    assert client.get(intake_url(resident, service)).status_code == status
    post = client.post(intake_url(resident, service), {"outcome": "accept"})
    assert post.status_code == status
    assert not Case.objects.exists()


def test_intake_pages_need_a_login(client, resident, service):
    for response in (
        client.get(reverse("cases-intake"), {"resident": resident.pk}),
        client.get(intake_url(resident, service)),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_intake_of_a_missing_resident_or_service_is_404(client, personas, resident, service):
    client.force_login(personas.clerk_a)
    assert client.get(reverse("cases-intake"), {"resident": "nope"}).status_code == 404
    assert client.get(reverse("cases-intake"), {"resident": 999999}).status_code == 404
    missing = reverse("cases-intake-form", args=[resident.pk, "no-such-service"])
    assert client.get(missing).status_code == 404


def test_a_certificate_on_file_is_ticked_and_never_asked_for(
    client, personas, resident, service, materials
):
    from doorstep.people.actions import do_save_certificate
    from doorstep.people.models import CertificateType

    do_save_certificate(
        resident,
        actor=personas.clerk_a,
        type=CertificateType.objects.get(code="disability"),
        number="42010519500307123X",
        issued_on=datetime.date(2020, 1, 1),
        expires_on=datetime.date(2030, 1, 1),
    )
    client.force_login(personas.clerk_a)
    body = client.get(intake_url(resident, service)).content.decode()
    assert "On file: 残疾人证 No. 42010519500307123X, valid to 2030-01-01" in body
    assert f'name="provided" value="{materials.disability.pk}"' not in body
    assert f'name="provided" value="{materials.id_card.pk}"' in body
    assert f'name="pending" value="{materials.proof.pk}"' in body  # may follow (容缺)
    assert f'name="pending" value="{materials.form.pk}"' not in body  # a key material


def test_intake_with_a_missing_material_issues_the_notice(
    client, personas, resident, service, materials, holidays
):
    client.force_login(personas.clerk_a)
    response = client.post(intake_url(resident, service), intake_data(materials, "notice"))
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(case)
    assert case.status == "awaiting_materials"
    assert case.handler == personas.clerk_a
    page = client.get(detail_url(case)).content.decode()
    notice = case.documents.get()
    assert notice.kind == "notice"
    assert "One-time notice (一次性告知书)" in page
    assert reverse("cases-document-pdf", args=[case.pk, notice.pk]) in page
    assert "申请表" in page


def test_a_double_submit_makes_one_case(client, personas, resident, service, materials, holidays):
    client.force_login(personas.clerk_a)
    data = intake_data(materials, "accept", provided=[*materials.required, materials.proof.pk])
    first = client.post(intake_url(resident, service), data)
    second = client.post(intake_url(resident, service), data)
    assert Case.objects.count() == 1
    assert first["Location"] == second["Location"] == detail_url(Case.objects.get())
    assert "already sent" in flashed(second)
    # A new form (a new key) is a new case.
    client.post(intake_url(resident, service), {**data, "idempotency_key": "another"})
    assert Case.objects.count() == 2


def test_the_form_carries_a_fresh_key_each_time_it_is_shown(client, personas, resident, service):
    client.force_login(personas.clerk_a)
    keys = [
        client.get(intake_url(resident, service)).context["form"]["idempotency_key"].value()
        for _ in range(2)
    ]
    assert all(len(k) == 32 for k in keys) and keys[0] != keys[1]


def test_a_refusal_without_reason_comes_back_with_the_ticks(
    client, personas, resident, service, materials, holidays
):
    client.force_login(personas.clerk_a)
    response = client.post(intake_url(resident, service), intake_data(materials, "refuse"))
    assert response.status_code == 400
    body = response.content.decode()
    assert "A refusal needs a reason." in body
    assert f'value="{materials.id_card.pk}" id="provided-{materials.id_card.pk}" checked' in body
    assert f'value="{materials.form.pk}" id="provided-{materials.form.pk}" >' in body
    assert 'value="k-refuse"' in body  # the same key, so a retry is still one case
    assert not Case.objects.exists()


def test_accepting_with_a_material_missing_is_refused(
    client, personas, resident, service, materials, holidays
):
    client.force_login(personas.clerk_a)
    response = client.post(intake_url(resident, service), intake_data(materials, "accept"))
    assert response.status_code == 400
    assert "These materials are missing: 申请表" in response.content.decode()
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"pending_deadline": "2026-13-45"}, "Enter a valid date."),
        ({"provided": ["999999"]}, "Select a valid choice."),
        ({"provided": ["x"]}, "Select a valid choice."),
        ({"outcome": "approve"}, "Select a valid choice."),
        ({"outcome": ""}, "This field is required."),
        ({"agent_kind": "family"}, "Record the resident"),
        ({"agent_kind": "family", "consent": "on"}, "Give the agent"),
        ({"pending_deadline": "2027-06-01"}, "The deadline must lie between today"),
    ],
)
def test_bad_intake_input_changes_nothing(
    client, personas, resident, service, materials, holidays, extra, message
):
    client.force_login(personas.clerk_a)
    data = intake_data(
        materials,
        "accept_pending",
        provided=materials.required,
        pending=[materials.proof.pk],
        pending_deadline="2026-12-04",
    )
    data.update(extra)
    response = client.post(intake_url(resident, service), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Case.objects.exists()


def test_intake_errors_are_translated(client, personas, resident, service, materials, holidays):
    client.force_login(personas.clerk_a)
    data = intake_data(materials, "accept_pending", pending_deadline="2026-13-45")
    response = client.post(intake_url(resident, service), data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert "输入一个有效的日期。" in response.content.decode()


def test_accept_with_materials_to_follow_and_a_proxy(
    client, personas, resident, service, materials, holidays
):
    client.force_login(personas.clerk_a)
    data = intake_data(
        materials,
        "accept_pending",
        provided=materials.required,
        pending=[materials.proof.pk],
        pending_deadline="2026-12-08",
        agent_kind="family",
        agent_name="张小林",
        agent_relation="儿子",
        consent="on",
    )
    assert client.post(intake_url(resident, service), data).status_code == 302
    case = Case.objects.get()
    assert (case.status, case.agent_kind, case.agent_name, case.consent) == (
        "accepted",
        "family",
        "张小林",
        True,
    )
    assert case.pending_deadline == datetime.date(2026, 12, 8)
    assert case.materials.get(material=materials.proof).state == "pending"
    page = client.get(detail_url(case)).content.decode()
    assert "张小林 (儿子)" in page and "resident's consent recorded" in page


# ---- the case page ---------------------------------------------------------------------------


def test_the_case_page_for_its_clerk(client, personas, make_case):
    case = make_case("accept")
    client.force_login(personas.clerk_a)
    response = client.get(detail_url(case))
    assert response.status_code == 200
    body = response.content.decode()
    assert case.receipt in body
    assert "Accepted" in body and "On time" in body
    assert "2026-12-15" in body and "10 working days left" in body  # 10 working days on
    assert case.resident.id_masked in body
    assert case.resident.id_number() not in body
    assert 'id="act-forward"' in body and 'id="act-complete"' in body
    assert "Acceptance receipt (受理回执)" in body


def test_the_case_page_flags_too_many_trips(client, personas, make_case):
    from doorstep.cases.actions import do_record_trip

    case = make_case("accept")
    do_record_trip(case, actor=personas.clerk_a)
    client.force_login(personas.clerk_a)
    body = client.get(detail_url(case)).content.decode()
    assert "came back 1 time (0 allowed)" in body and "more trips than the service allows" in body


@pytest.mark.parametrize("who", ["clerk_b", "outsider", "reviewer", "grid_a"])
def test_others_get_nothing_of_the_case(client, personas, make_case, who):
    case = make_case("accept")
    client.force_login(getattr(personas, who))
    assert client.get(detail_url(case)).status_code == 404
    assert act(client, case, "complete").status_code == 404
    assert fresh(case).status == "accepted"


def test_the_case_page_needs_a_login(client, make_case):
    case = make_case("accept")
    response = client.get(detail_url(case))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    response = act(client, case, "complete")
    assert response.status_code == 302 and fresh(case).status == "accepted"


def test_the_street_lead_views_but_does_not_act(client, personas, make_case):
    """A lead does not carry the case; their one verb on it is supervision (督办)."""
    case = make_case("accept")
    client.force_login(personas.street_lead)
    body = client.get(detail_url(case)).content.decode()
    assert case.receipt in body
    assert body.count('id="act-') == 1 and 'id="act-supervision"' in body
    assert act(client, case, "complete").status_code == 403
    note = client.post(reverse("cases-note", args=[case.pk]), {"text": "看过"})
    assert note.status_code == 403
    trip = client.post(reverse("cases-trip", args=[case.pk]), {"revision": case.revision})
    assert trip.status_code == 403
    assert unchanged(case, case)
    assert not case.events.filter(kind="note").exists()


def test_the_reviewer_sees_only_cases_forwarded_to_their_department(
    client, personas, make_case, other_department
):
    mine, theirs = make_case("accept"), make_case("accept")
    do_transition(mine, "forward", actor=personas.clerk_a)
    do_transition(theirs, "forward", actor=personas.clerk_a, department=other_department)
    client.force_login(personas.reviewer)
    body = client.get(detail_url(mine)).content.decode()
    assert 'id="act-approve"' in body and 'id="act-return"' in body and 'id="act-reject"' in body
    assert 'id="act-complete"' not in body
    assert client.get(detail_url(theirs)).status_code == 404


# ---- transitions -----------------------------------------------------------------------------


def test_forward_defaults_to_the_service_department(client, personas, make_case):
    case = make_case("accept")
    client.force_login(personas.clerk_a)
    page = client.get(detail_url(case)).content.decode()
    assert f'<option value="{case.department_id}" selected>' in page
    response = act(client, case, "forward", department=case.department_id)
    assert response.status_code == 302 and response["Location"] == detail_url(case)
    case.refresh_from_db()
    assert (case.status, case.forwarded_to_id) == ("forwarded", case.department_id)
    assert "Forwarded to department" in flashed(response)


def test_forward_to_another_department(client, personas, make_case, other_department):
    case = make_case("accept")
    client.force_login(personas.clerk_a)
    act(client, case, "forward", department=other_department.pk)
    assert fresh(case).forwarded_to == other_department
    before = fresh(case)
    response = act(client, before, "resubmit", department="999999")  # not a department at all
    assert "Select a valid choice" in flashed(response) and unchanged(case, before)


@pytest.mark.parametrize("verb", ["withdraw", "request_materials"])
def test_a_transition_needing_a_reason_without_one_changes_nothing(
    client, personas, make_case, verb
):
    case = make_case("accept")
    client.force_login(personas.clerk_a)
    response = act(client, case, verb, reason="   ")
    assert response.status_code == 302
    assert "Give a reason" in flashed(response)
    assert unchanged(case, case)


def test_a_tampered_verb_changes_nothing(client, personas, make_case):
    case = make_case("accept")
    client.force_login(personas.clerk_a)
    response = act(client, case, "delete_everything")
    assert response.status_code == 302 and "Unknown action" in flashed(response)
    assert act(client, case, "approve").status_code == 403  # the department's, not the desk's
    notify = act(client, case, "notify")  # not from this state
    assert "cannot be" in flashed(notify)
    assert unchanged(case, case)


def test_a_stale_page_changes_nothing(client, personas, make_case):
    case = make_case("accept")
    stale = case.revision
    do_transition(case, "start", actor=personas.clerk_a)  # someone else, a moment ago
    before = fresh(case)
    client.force_login(personas.clerk_a)
    response = act(client, case, "complete", revision=stale)
    assert response.status_code == 302
    assert "Someone else changed this case" in flashed(response)
    assert unchanged(case, before)
    for bad in ("", "abc", "0"):
        response = act(client, case, "complete", revision=bad)
        assert "out of date" in flashed(response)
        assert unchanged(case, before)


def test_transitions_are_posted_only(client, personas, make_case):
    case = make_case("accept")
    client.force_login(personas.clerk_a)
    assert client.get(reverse("cases-transition", args=[case.pk, "complete"])).status_code == 405


def test_the_reviewer_approves_returns_and_rejects(client, personas, make_case):
    approved, returned, rejected = (make_case("accept") for _ in range(3))
    for case in (approved, returned, rejected):
        do_transition(case, "forward", actor=personas.clerk_a)
    client.force_login(personas.reviewer)
    act(client, approved, "approve")
    assert fresh(approved).status == "in_progress"
    before = fresh(returned)
    assert "Give a reason" in flashed(act(client, returned, "return", reason=""))
    assert unchanged(returned, before)
    act(client, returned, "return", reason="申请表缺少签名")
    assert fresh(returned).status == "returned"
    assert returned.documents.filter(kind="correction", reason="申请表缺少签名").exists()
    act(client, rejected, "reject", reason="不符合补贴条件")
    assert fresh(rejected).status == "refused"


def test_request_materials_lists_them(client, personas, make_case, materials):
    case = make_case("accept")
    client.force_login(personas.clerk_a)
    act(client, case, "request_materials", reason="证明已过期", materials=[materials.proof.pk])
    case.refresh_from_db()
    assert case.status == "awaiting_materials" and case.paused_since == TODAY
    assert case.materials.get(material=materials.proof).state == "missing"
    body = client.get(detail_url(case)).content.decode()
    assert "Clock stopped: waiting for the resident" in body
    assert "Record and restart the clock" in body


# ---- the resident comes back -----------------------------------------------------------------


def receive(client, case, **data):
    data.setdefault("revision", case.revision)
    data.setdefault("in_person", "on")
    return client.post(reverse("cases-materials", args=[case.pk]), data)


def test_the_resident_returns_and_the_case_is_accepted(client, personas, make_case, materials):
    case = make_case("notice")  # only the ID card was brought
    client.force_login(personas.clerk_a)
    page = client.get(detail_url(case)).content.decode()
    assert 'id="act-receive"' in page and "Record and accept" in page
    assert 'id="act-accept"' not in page  # key materials are missing: not acceptable as is
    response = receive(
        client,
        case,
        provided=[materials.disability.pk, materials.form.pk, materials.proof.pk],
        then="accept",
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "accepted" and case.trips == 1 and case.due_on is not None
    assert case.documents.order_by("pk").last().kind == "receipt"


def test_receiving_then_failing_to_accept_records_nothing(client, personas, make_case, materials):
    case = make_case("notice")
    before = fresh(case)
    client.force_login(personas.clerk_a)
    response = receive(client, case, provided=[materials.proof.pk], then="accept")
    assert "These materials are missing" in flashed(response)
    assert unchanged(case, before)
    assert case.materials.get(material=materials.proof).state == "missing"


def test_receiving_with_materials_to_follow(client, personas, make_case, materials):
    case = make_case("notice")
    client.force_login(personas.clerk_a)
    data = {
        "provided": [materials.disability.pk, materials.form.pk],
        "pending": [materials.proof.pk],
        "then": "accept",
    }
    bad = receive(client, case, **data, pending_deadline="someday")
    assert "Enter a valid date." in flashed(bad) and unchanged(case, case)
    receive(client, case, **data, pending_deadline="2026-12-08")
    case.refresh_from_db()
    assert case.status == "accepted" and case.pending_deadline == datetime.date(2026, 12, 8)
    assert case.documents.order_by("pk").last().kind == "pending"


def test_receiving_bad_input_changes_nothing(client, personas, make_case, materials):
    case = make_case("notice")
    client.force_login(personas.clerk_a)
    for provided in ([], ["999999"], [str(materials.id_card.pk)]):  # the last one is in already
        response = receive(client, case, provided=provided)
        assert flashed(response)
        assert unchanged(case, case)


def test_receiving_alone_counts_the_trip(client, personas, make_case, materials):
    case = make_case("notice")
    client.force_login(personas.clerk_a)
    response = receive(client, case, provided=[materials.form.pk])
    assert "Materials recorded." in flashed(response)
    case.refresh_from_db()
    assert case.status == "awaiting_materials" and case.trips == 1


def test_the_accept_form(client, personas, make_case, materials):
    case = make_case("notice", provided=materials.required)  # only the proof (容缺) is missing
    client.force_login(personas.clerk_a)
    assert 'id="act-accept"' in client.get(detail_url(case)).content.decode()
    url = reverse("cases-accept", args=[case.pk])
    response = client.post(url, {"revision": case.revision, "pending": [materials.proof.pk]})
    assert "Give the date the materials must follow by." in flashed(response)
    assert unchanged(case, case)
    client.post(
        url,
        {
            "revision": case.revision,
            "pending": [materials.proof.pk],
            "pending_deadline": "2026-12-04",
        },
    )
    assert fresh(case).status == "accepted"


def test_a_later_notice_needs_its_reason(client, personas, make_case, materials):
    case = make_case("notice")  # the application form is missing; the proxy letter not needed
    client.force_login(personas.clerk_a)
    url = reverse("cases-add-notice", args=[case.pk])
    before = fresh(case)
    response = client.post(url, {"revision": case.revision, "materials": [materials.proxy.pk]})
    assert "Everything missing must be told in one notice" in flashed(response)
    assert unchanged(case, before)
    response = client.post(url, {"revision": case.revision, "materials": ["999999"]})
    assert "Select a valid choice" in flashed(response)
    response = client.post(
        url,
        {"revision": case.revision, "materials": [materials.proxy.pk], "reason": "需代办人身份证"},
    )
    assert "Supplementary notice" in flashed(response)
    row = case.materials.get(material=materials.proxy)
    assert (row.state, row.added_reason) == ("missing", "需代办人身份证")
    assert case.documents.filter(kind="supplement").count() == 1


def test_a_trip_is_counted(client, personas, make_case):
    case = make_case("accept")
    client.force_login(personas.clerk_a)
    url = reverse("cases-trip", args=[case.pk])
    client.post(url, {"revision": case.revision, "note": "来签字"})
    assert fresh(case).trips == 1
    client.post(url, {"revision": case.revision})  # the page before that trip: stale
    assert fresh(case).trips == 1


def test_notes(client, personas, make_case):
    case = make_case("accept")
    client.force_login(personas.clerk_a)
    empty = client.post(reverse("cases-note", args=[case.pk]), {"text": "  "})
    assert "Write the note." in flashed(empty)
    client.post(reverse("cases-note", args=[case.pk]), {"text": "已电话联系"})
    assert case.events.filter(kind="note", reason="已电话联系").exists()
    client.force_login(personas.clerk_b)
    assert client.post(reverse("cases-note", args=[case.pk]), {"text": "x"}).status_code == 404


# ---- files -----------------------------------------------------------------------------------


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)


def test_attachments_are_checked_and_served_to_those_who_see_the_case(
    client, personas, make_case, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    case = make_case("accept")
    client.force_login(personas.clerk_a)
    url = reverse("cases-attach", args=[case.pk])
    bad = client.post(url, {"file": upload("scan.png", b"MZ not an image", "image/png")})
    assert "Only PDF, JPEG and PNG" in flashed(bad)
    assert "Choose a file" in flashed(client.post(url, {}))
    assert "Select a valid choice" in flashed(
        client.post(url, {"file": upload("a.png", PNG), "material": "999999"})
    )
    assert not Attachment.objects.exists()
    row = case.materials.first()
    client.post(url, {"file": upload("身份证.png", PNG), "material": row.pk})
    attachment = Attachment.objects.get()
    assert (attachment.content_type, attachment.material) == ("image/png", row)
    download = reverse("cases-attachment", args=[case.pk, attachment.pk])
    assert download in client.get(detail_url(case)).content.decode()
    response = client.get(download)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == PNG
    for who in ("clerk_b", "outsider", "reviewer"):
        client.force_login(getattr(personas, who))
        assert client.get(download).status_code == 404
        assert client.post(url, {"file": upload("x.png", PNG)}).status_code == 404
    client.logout()
    assert client.get(download).status_code == 302
    assert Attachment.objects.count() == 1


def test_an_attachment_of_another_case_is_404(client, personas, make_case, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    mine, other = make_case("accept"), make_case("accept")
    client.force_login(personas.clerk_a)
    client.post(reverse("cases-attach", args=[other.pk]), {"file": upload("a.png", PNG)})
    attachment = Attachment.objects.get()
    assert client.get(reverse("cases-attachment", args=[mine.pk, attachment.pk])).status_code == 404


# ---- documents -------------------------------------------------------------------------------


def test_document_pdf(client, personas, make_case, monkeypatch):
    from doorstep.cases import pdf

    case = make_case("notice")
    document = case.documents.get()
    seen = {}

    def fake(doc, *, tracking_url):
        seen.update(doc=doc, url=tracking_url)
        return b"%PDF-1.4 fake"

    monkeypatch.setattr(pdf, "render_document_pdf", fake)
    url = reverse("cases-document-pdf", args=[case.pk, document.pk])
    client.force_login(personas.clerk_a)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content == b"%PDF-1.4 fake"
    assert seen["doc"] == document
    assert seen["url"] == f"http://testserver/cases/track/?receipt={case.receipt}"
    for who in ("clerk_b", "outsider", "reviewer"):
        client.force_login(getattr(personas, who))
        assert client.get(url).status_code == 404
    other = make_case("accept").documents.get()
    client.force_login(personas.clerk_a)
    assert client.get(reverse("cases-document-pdf", args=[case.pk, other.pk])).status_code == 404


def test_document_pdf_unavailable_is_a_503(client, personas, make_case, monkeypatch):
    from doorstep.cases import pdf
    from doorstep.catalogue.pdf import PdfUnavailable

    def unavailable(doc, *, tracking_url):
        raise PdfUnavailable("No Chinese font is installed.")

    monkeypatch.setattr(pdf, "render_document_pdf", unavailable)
    case = make_case("accept")
    client.force_login(personas.clerk_a)
    response = client.get(reverse("cases-document-pdf", args=[case.pk, case.documents.get().pk]))
    assert response.status_code == 503
    assert "No Chinese font is installed." in response.content.decode()


# ---- lists -----------------------------------------------------------------------------------


def test_the_case_list_shows_the_clerks_cases_only(client, personas, make_case, case_b):
    mine = make_case("accept")
    client.force_login(personas.clerk_a)
    body = client.get(reverse("cases-list")).content.decode()
    assert mine.receipt in body and case_b.receipt not in body
    client.force_login(personas.district_lead)
    body = client.get(reverse("cases-list")).content.decode()
    assert mine.receipt in body and case_b.receipt in body


@pytest.mark.parametrize("who", ["outsider", "grid_a"])
def test_the_case_list_is_not_for_others(client, personas, make_case, who):
    make_case("accept")
    client.force_login(getattr(personas, who))
    assert client.get(reverse("cases-list")).status_code == 403


def test_the_case_list_needs_a_login(client, db):
    response = client.get(reverse("cases-list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_case_list_filters(client, personas, make_case, materials):
    from doorstep.cases.actions import do_record_trip

    accepted, waiting = make_case("accept"), make_case("notice")
    paused = make_case("accept")
    do_transition(paused, "request_materials", actor=personas.clerk_a, reason="补材料")
    travelled = make_case("accept")
    do_record_trip(travelled, actor=personas.clerk_a)
    overdue = make_case("accept")
    Case.objects.filter(pk=overdue.pk).update(
        due_on=TODAY - datetime.timedelta(days=1), warn_on=TODAY - datetime.timedelta(days=3)
    )
    due_soon = make_case("accept")
    Case.objects.filter(pk=due_soon.pk).update(due_on=TODAY, warn_on=TODAY)
    client.force_login(personas.clerk_a)

    def listed(**params) -> set[str]:
        response = client.get(reverse("cases-list"), params)
        return {c.receipt for c in response.context["page"].object_list}

    assert listed(status="awaiting_materials") == {waiting.receipt, paused.receipt}
    assert listed(clock="paused") == {paused.receipt}
    assert listed(clock="overdue") == {overdue.receipt}
    assert listed(clock="due_soon") == {due_soon.receipt}
    assert listed(trips="on") == {travelled.receipt}
    assert listed(receipt=accepted.receipt.lower()) == {accepted.receipt}
    assert listed(receipt=accepted.receipt[-6:]) == {accepted.receipt}
    assert len(listed()) == 6
    assert len(listed(status="nonsense")) == 6  # a bad filter filters nothing, and says so
    assert client.get(reverse("cases-list"), {"page": "x"}).status_code == 200


def test_the_case_list_does_not_query_per_row(
    client, personas, make_case, django_assert_num_queries, other_department
):
    def make_some(n: int) -> None:
        for _ in range(n):
            case = make_case("accept")
            do_transition(case, "forward", actor=personas.clerk_a, department=other_department)

    make_some(2)
    client.force_login(personas.clerk_a)
    client.get(reverse("cases-list"))  # warm the session and the holiday table
    with CaptureQueriesContext(connection) as two:
        assert len(client.get(reverse("cases-list")).context["page"].object_list) == 2
    make_some(4)
    with django_assert_num_queries(len(two.captured_queries)):
        response = client.get(reverse("cases-list"))
    assert len(response.context["page"].object_list) == 6
    rows = response.content.decode().split('id="case-list"')[1]
    assert rows.count(other_department.name) == 6


def test_the_review_queue(client, personas, make_case, other_department, holidays):
    later, sooner, theirs = make_case("accept"), make_case("accept"), make_case("accept")
    not_forwarded = make_case("accept")
    Case.objects.filter(pk=sooner.pk).update(due_on=TODAY + datetime.timedelta(days=3))
    for case in (later, sooner):
        do_transition(fresh(case), "forward", actor=personas.clerk_a)
    do_transition(theirs, "forward", actor=personas.clerk_a, department=other_department)
    client.force_login(personas.reviewer)
    response = client.get(reverse("cases-queue"))
    assert response.status_code == 200
    assert [c.pk for c in response.context["page"].object_list] == [sooner.pk, later.pk]
    body = response.content.decode()
    assert theirs.receipt not in body and not_forwarded.receipt not in body
    do_transition(fresh(sooner), "approve", actor=personas.reviewer)
    response = client.get(reverse("cases-queue"))
    assert [c.pk for c in response.context["page"].object_list] == [later.pk]


@pytest.mark.parametrize("who", ["clerk_a", "street_lead", "outsider"])
def test_the_review_queue_is_for_reviewers(client, personas, who, db):
    client.force_login(getattr(personas, who))
    assert client.get(reverse("cases-queue")).status_code == 403


def test_the_navigation_offers_cases_by_role(client, personas):
    client.force_login(personas.clerk_a)
    body = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("cases-list")}"' in body and reverse("cases-queue") not in body
    client.force_login(personas.reviewer)
    body = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("cases-queue")}"' in body
    assert f'href="{reverse("cases-list")}"' not in body


def test_events_and_documents_are_listed_on_the_case_page(client, personas, make_case):
    case = make_case("accept")
    do_transition(case, "forward", actor=personas.clerk_a)
    client.force_login(personas.clerk_a)
    body = client.get(detail_url(case)).content.decode()
    assert body.count('class="timeline-what"') == CaseEvent.objects.filter(case=case).count()
    assert CaseDocument.objects.filter(case=case).count() == 1
    assert "Forwarded to department" in body


def test_the_list_shows_the_areas_figures_trips_included(client, personas, make_case, frozen):
    from doorstep.cases.actions import do_record_trip

    case = make_case("accept")
    make_case("accept")
    do_record_trip(case, actor=personas.clerk_a, note="来签字")
    client.force_login(personas.clerk_a)
    html = client.get("/cases/").content.decode()
    assert "More trips than promised" in html
    assert "50% kept the trip promise" in html
    assert "0.50" in html  # average trips back: (1 + 0) / 2
    client.force_login(personas.clerk_b)
    html = client.get("/cases/").content.decode()
    assert "kept the trip promise" not in html  # no cases in clerk B's areas


def test_an_event_without_a_member_of_staff_reads_as_the_system(client, personas, make_case):
    """Events written by the system (a programme's run, a sweep) have no actor."""
    from doorstep.cases.models import CaseEvent

    case = make_case()
    CaseEvent.objects.create(case=case, actor=None, kind="note", reason="opened by a programme")
    client.force_login(personas.clerk_a)
    response = client.get(detail_url(case))
    assert response.status_code == 200
    assert "the system" in response.content.decode()
