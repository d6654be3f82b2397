"""The JSON endpoints: intake (idempotent), lists with filters and pages, the case, the
checklist, transitions, materials, notices, files and the public tracking lookup; for each, the
personas who must get nothing; bad input that must write nothing; CSRF on session writes."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from doorstep.cases.actions import do_receive_materials, do_transition
from doorstep.cases.models import Attachment, Case, CaseDocument, CaseEvent, CaseMaterial

from .conftest import SHANGHAI

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def as_(client: Client, user) -> Client:
    if user is not None:
        client.force_login(user)
    return client


def post(client: Client, url: str, body=None, **extra):
    data = body if isinstance(body, str | bytes) else json.dumps(body or {})
    return client.post(url, data, content_type="application/json", **extra)


def counts() -> tuple[int, ...]:
    return (
        Case.objects.count(),
        CaseMaterial.objects.count(),
        CaseEvent.objects.count(),
        CaseDocument.objects.count(),
        Attachment.objects.count(),
    )


def assert_error(response, status: int, code: str | None = None, field: str | None = None):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"code", "message", "field"} and body["message"]
    if code is not None:
        assert body["code"] == code
    if field is not None:
        assert body["field"] == field
    return body


NAMES = {
    "cases": "api:cases",
    "case": "api:case",
    "transition": "api:case-transition",
    "materials": "api:case-materials",
    "accept": "api:case-accept",
    "notice": "api:case-notice",
    "attachments": "api:case-attachments",
    "checklist": "api:cases-checklist",
    "track": "api:cases-track",
}


def url(name: str, *args) -> str:
    return reverse(NAMES[name], args=args)


@pytest.fixture
def intake_body(resident, service, materials):
    def make(**overrides):
        body = {
            "resident": resident.pk,
            "service": service.code,
            "outcome": "accept",
            "provided": [*materials.required, materials.proof.pk],
        }
        body.update(overrides)
        return body

    return make


@pytest.fixture
def resident_b(make_resident, personas):
    return make_resident("王小红", area=personas.compound_b)


@pytest.fixture
def clerk(client, personas, frozen):
    # Logged in on the frozen clock: a session begun on the machine's clock could have expired
    # by the frozen time (the machine a year behind it).
    return as_(client, personas.clerk_a)


# ---- intake ----------------------------------------------------------------------------------


def test_intake_accepts_and_returns_the_case_and_its_receipt(clerk, intake_body, frozen):
    response = post(clerk, url("cases"), intake_body())
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get()
    assert body["id"] == case.pk and body["receipt"] == case.receipt
    assert body["status"]["code"] == "accepted" and body["status"]["label"] == "Accepted"
    assert body["status"]["colour"].startswith("#")
    assert body["clock"]["code"] == "green"
    assert body["due_on"] == "2026-12-15" and body["remaining_working_days"] == 10
    assert (body["trips"], body["max_trips"], body["too_many_trips"]) == (0, 1, False)
    document = case.documents.get()
    assert body["document"]["id"] == document.pk and body["document"]["kind"] == "receipt"
    assert body["document"]["pdf_url"] == reverse("cases-document-pdf", args=[case.pk, document.pk])


@pytest.mark.parametrize(
    "outcome, extra, status, kind",
    [
        ("notice", {"provided": "id_only"}, "awaiting_materials", "notice"),
        ("refuse", {"reason": "不属于本事项办理范围"}, "refused", "refusal"),
        (
            "accept_pending",
            {"provided": "required", "pending": "proof", "pending_deadline": "2026-12-04"},
            "accepted",
            "pending",
        ),
    ],
)
def test_intake_outcomes(clerk, intake_body, materials, frozen, outcome, extra, status, kind):
    ids = {
        "id_only": [materials.id_card.pk],
        "required": materials.required,
        "proof": [materials.proof.pk],
    }
    body = intake_body(outcome=outcome, **{k: ids.get(v, v) for k, v in extra.items()})
    response = post(clerk, url("cases"), body)
    assert response.status_code == 201, response.content
    assert response.json()["status"]["code"] == status
    assert response.json()["document"]["kind"] == kind
    assert Case.objects.get().documents.get().kind == kind


def test_intake_with_an_agent_records_consent(clerk, intake_body, frozen):
    agent = {"kind": "family", "name": "张小林", "phone": "13800001234", "relation": "儿子"}
    refused = post(clerk, url("cases"), intake_body(agent=agent))
    assert_error(refused, 400, "consent_required", "consent")
    assert not Case.objects.exists()
    response = post(clerk, url("cases"), intake_body(agent={**agent, "consent": True}))
    assert response.status_code == 201
    case = Case.objects.get()
    assert (case.agent_kind, case.agent_name, case.consent) == ("family", "张小林", True)


def test_the_same_key_twice_makes_one_case(clerk, intake_body, frozen):
    first = post(clerk, url("cases"), intake_body(), HTTP_IDEMPOTENCY_KEY="tap-1")
    again = post(clerk, url("cases"), intake_body(), HTTP_IDEMPOTENCY_KEY="tap-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Case.objects.count() == 1
    # A new key is a new matter.
    other = post(clerk, url("cases"), intake_body(), HTTP_IDEMPOTENCY_KEY="tap-2")
    assert other.status_code == 201 and Case.objects.count() == 2


def test_the_key_may_come_in_the_body(clerk, intake_body, frozen):
    first = post(clerk, url("cases"), intake_body(idempotency_key="body-1"))
    again = post(clerk, url("cases"), intake_body(idempotency_key="body-1"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and Case.objects.count() == 1


def test_two_clerks_with_the_same_key_make_two_cases(
    client, personas, intake_body, resident_b, frozen
):
    a = post(as_(client, personas.clerk_a), url("cases"), intake_body(), HTTP_IDEMPOTENCY_KEY="k")
    client.logout()
    b = post(
        as_(client, personas.clerk_b),
        url("cases"),
        intake_body(resident=resident_b.pk),
        HTTP_IDEMPOTENCY_KEY="k",
    )
    client.logout()
    admin = post(as_(client, personas.admin), url("cases"), intake_body(), HTTP_IDEMPOTENCY_KEY="k")
    assert (a.status_code, b.status_code, admin.status_code) == (201, 201, 201)
    assert len({a.json()["id"], b.json()["id"], admin.json()["id"]}) == 3
    assert Case.objects.count() == 3


@pytest.mark.parametrize(
    "who, status, code",
    [
        (None, 401, "not_authenticated"),
        ("outsider", 404, "not_found"),
        ("clerk_b", 404, "not_found"),  # the resident is not in their areas
        ("reviewer", 404, "not_found"),  # reviewers do not see the registry
        # They may see the resident but not take matters in: 404, as on the intake page.
        ("street_lead", 404, "not_found"),
        ("grid_a", 404, "not_found"),
    ],
)
def test_intake_by_the_wrong_persona(client, personas, intake_body, frozen, who, status, code):
    as_(client, who and getattr(personas, who))
    response = post(client, url("cases"), intake_body(), HTTP_IDEMPOTENCY_KEY="x")
    assert_error(response, status, code)
    assert counts() == (0, 0, 0, 0, 0)


def test_anonymous_gets_401_json_not_a_redirect(client, intake_body, frozen):
    for response in (
        client.get(url("cases")),
        client.get(url("checklist")),
        client.get(url("case", 1)),
        post(client, url("transition", 1), {"verb": "start"}),
    ):
        assert_error(response, 401, "not_authenticated")


BAD_INTAKE = [
    ({"resident": "abc"}, "resident", "invalid"),
    ({"resident": None}, "resident", "invalid"),
    ({"resident": 1.5}, "resident", "invalid"),
    ({"resident": 2**63}, "resident", "out_of_range"),
    ({"resident": "1"}, "resident", "invalid"),
    ({"service": "mz-\x00"}, "service", "nul"),
    ({"resident": True}, "resident", "invalid"),
    ({"service": "no-such-service"}, "service", "unknown_service"),
    ({"service": ["mz-test"]}, "service", "invalid"),
    ({"outcome": "maybe"}, "outcome", "invalid"),
    ({"provided": "12"}, "provided", "invalid"),  # a string where a list belongs
    ({"provided": ["x"]}, "provided", "invalid"),
    ({"provided": [1.5]}, "provided", "invalid"),
    ({"provided": [True]}, "provided", "invalid"),
    ({"provided": [999999]}, "provided", "invalid"),  # not on this service's list
    ({"pending": {"a": 1}}, "pending", "invalid"),
    ({"pending_deadline": "2026-13-01"}, "pending_deadline", "invalid"),
    ({"pending_deadline": "01/12/2026"}, "pending_deadline", "invalid"),
    ({"pending_deadline": 20261201}, "pending_deadline", "invalid"),
    ({"reason": "原" * 2001}, "reason", "too_long"),
    ({"reason": 42}, "reason", "invalid"),
    ({"in_person": "yes"}, "in_person", "invalid"),
    ({"agent": "family"}, "agent", "invalid"),
    ({"agent": {"kind": "family", "name": "张" * 41, "consent": True}}, "agent.name", "too_long"),
    ({"agent": {"kind": "robot", "consent": True}}, "agent.kind", "invalid"),
    ({"agent": {"kind": "family", "name": "张三", "consent": "yes"}}, "agent.consent", "invalid"),
    ({"idempotency_key": "k" * 65}, "idempotency_key", "too_long"),
    ({"outcome": "refuse", "reason": "  "}, "reason", "reason_required"),
]


@pytest.mark.parametrize("overrides, field, code", BAD_INTAKE)
def test_bad_intake_input_is_a_400_and_writes_nothing(
    clerk, intake_body, frozen, overrides, field, code
):
    response = post(clerk, url("cases"), intake_body(**overrides))
    assert_error(response, 400, code, field)
    assert counts() == (0, 0, 0, 0, 0)


@pytest.mark.parametrize("raw", ["{nope", "[1, 2]", '"text"', "null", b"\xff\xfe"])
def test_a_body_that_is_not_a_json_object_is_a_400(clerk, frozen, raw):
    assert_error(post(clerk, url("cases"), raw), 400, "bad_json")
    assert counts() == (0, 0, 0, 0, 0)


def test_an_unlisted_method_is_a_json_405(clerk):
    response = clerk.delete(url("cases"))
    assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET, POST"


# ---- CSRF ------------------------------------------------------------------------------------


def test_session_writes_need_the_csrf_token(personas, intake_body, frozen):
    from django.conf import settings

    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.clerk_a)
    assert client.get(url("cases")).status_code == 200  # reads need no token
    refused = post(client, url("cases"), intake_body())
    assert_error(refused, 403, "csrf_failed")
    wrong = "B" * 32
    client.cookies[settings.CSRF_COOKIE_NAME] = "A" * 32
    assert_error(post(client, url("cases"), intake_body(), HTTP_X_CSRFTOKEN=wrong), 403)
    assert counts() == (0, 0, 0, 0, 0)
    accepted = post(client, url("cases"), intake_body(), HTTP_X_CSRFTOKEN="A" * 32)
    assert accepted.status_code == 201
    assert Case.objects.count() == 1


def test_anonymous_posts_are_401_even_with_csrf_enforced(intake_body, frozen):
    client = Client(enforce_csrf_checks=True)
    assert_error(post(client, url("cases"), intake_body()), 401, "not_authenticated")


# ---- lists -----------------------------------------------------------------------------------


def test_the_list_shows_visible_cases_with_a_pinned_number_of_queries(
    client, personas, make_case, resident_b, django_assert_num_queries, frozen
):
    mine = [make_case("accept"), make_case("notice")]
    make_case("accept", actor=personas.clerk_b, resident=resident_b)
    from doorstep.workdays import calendar

    # As if the holiday seed had committed: a real process then reads the table once, not per row.
    calendar._settle()
    as_(client, personas.clerk_a)
    client.get(url("cases"))  # warm the holiday table cache
    with django_assert_num_queries(4):  # session, user, grants, cases
        body = client.get(url("cases")).json()
    assert [r["id"] for r in body["results"]] == [c.pk for c in reversed(mine)]
    assert body["next"] is None
    first = body["results"][1]
    assert first["service"] == {"code": "mz-test", "name": "困难残疾人生活补贴"}
    assert first["resident"]["name"] == "张景林" and first["handler"]
    for _n in range(4):
        make_case("accept")
    with django_assert_num_queries(4):  # the same with three times the rows: no N+1
        assert len(client.get(url("cases")).json()["results"]) == 6


@pytest.mark.parametrize(
    "who, visible", [("clerk_a", 1), ("street_lead", 1), ("district_lead", 2), ("clerk_b", 1),
                     ("outsider", 0), ("reviewer", 0), ("grid_a", 0)]
)  # fmt: skip
def test_each_persona_lists_only_their_cases(
    client, personas, make_case, resident_b, frozen, who, visible
):
    a = make_case("accept")
    b = make_case("accept", actor=personas.clerk_b, resident=resident_b)
    ids = {r["id"] for r in as_(client, getattr(personas, who)).get(url("cases")).json()["results"]}
    assert len(ids) == visible
    if who in ("clerk_a", "street_lead"):
        assert ids == {a.pk}
    if who == "clerk_b":
        assert ids == {b.pk}


def test_pages_follow_the_cursor_and_the_limit_is_capped(clerk, make_case, frozen):
    made = [make_case("accept") for _n in range(5)]
    newest_first = [c.pk for c in reversed(made)]
    seen, after = [], ""
    while True:
        body = clerk.get(url("cases"), {"limit": 2, "after": after}).json()
        seen += [r["id"] for r in body["results"]]
        if not body["next"]:
            break
        after = body["next"]
    assert seen == newest_first
    assert len(clerk.get(url("cases"), {"limit": 10_000}).json()["results"]) == 5


def test_list_filters(client, personas, make_case, materials, frozen):
    on_time = make_case("accept")
    waiting = make_case("notice")
    paused = make_case("accept")
    do_transition(paused, "request_materials", actor=personas.clerk_a, reason="补正材料")
    two_trips = make_case("notice")
    do_receive_materials(
        two_trips,
        actor=personas.clerk_a,
        provided=[materials.disability.pk, materials.form.pk, materials.proof.pk],
    )
    forwarded = make_case("accept")
    do_transition(forwarded, "forward", actor=personas.clerk_a)
    as_(client, personas.clerk_a)

    def ids(**params) -> set[int]:
        response = client.get(url("cases"), params)
        assert response.status_code == 200, response.content
        return {r["id"] for r in response.json()["results"]}

    assert ids(status="awaiting_materials") == {waiting.pk, paused.pk, two_trips.pk}
    assert ids(status="accepted,forwarded") == {on_time.pk, forwarded.pk}
    assert ids(clock="paused") == {paused.pk}
    assert ids(trips="1") == {two_trips.pk}
    assert ids(trips="0") == ids()
    assert ids(receipt=waiting.receipt.lower()) == {waiting.pk}
    assert ids(clock="overdue") == set()
    frozen.move_to(datetime.datetime(2026, 12, 14, 10, 0, tzinfo=SHANGHAI))
    client.force_login(personas.clerk_a)  # days on, the idle session has ended
    assert ids(clock="due_soon") == {on_time.pk, forwarded.pk}
    frozen.move_to(datetime.datetime(2026, 12, 16, 10, 0, tzinfo=SHANGHAI))
    client.force_login(personas.clerk_a)  # two weeks on, the session has expired
    assert ids(clock="overdue") == {on_time.pk, forwarded.pk}
    client.force_login(personas.reviewer)
    assert ids(queue="1") == {forwarded.pk}


@pytest.mark.parametrize(
    "params, field",
    [
        ({"status": "lost"}, "status"),
        ({"clock": "purple"}, "clock"),
        ({"after": "not-a-cursor"}, "after"),
        ({"limit": "many"}, "limit"),
        ({"receipt": "R" * 21}, "receipt"),
    ],
)
def test_bad_list_parameters_are_400(clerk, frozen, params, field):
    assert_error(clerk.get(url("cases"), params), 400, field=field)


# ---- one case --------------------------------------------------------------------------------


def test_the_case_detail(client, personas, make_case, frozen):
    case = make_case("accept", agent_kind="family", agent_name="张小林",
                     agent_phone="13800001234", consent=True)  # fmt: skip
    body = as_(client, personas.clerk_a).get(url("case", case.pk)).json()
    assert body["status"] == {"code": "accepted", "label": "Accepted", "colour": "#0b5cad"}
    assert body["clock"]["code"] == "green" and body["due_on"] == "2026-12-15"
    assert body["revision"] == case.revision
    assert body["agent"]["phone"] == "138****1234"
    assert "13800001234" not in json.dumps(body, ensure_ascii=False)
    states = {m["name"]: m["state"]["code"] for m in body["materials"]}
    assert states["申请表"] == "provided" and states["代办人身份证及委托书"] == "not_needed"
    assert [d["kind"] for d in body["documents"]] == ["receipt"]
    assert [e["kind"]["code"] for e in body["events"]] == ["created", "transition"]
    verbs = {v["verb"] for v in body["verbs"]}
    assert verbs == {"start", "request_materials", "forward", "complete", "withdraw", "suspend"}
    assert body["may_handle"] is True and body["may_review"] is False


@pytest.mark.parametrize(
    "who, status", [(None, 401), ("outsider", 404), ("clerk_b", 404), ("reviewer", 404),
                    ("grid_a", 404)]
)  # fmt: skip
def test_the_wrong_persona_cannot_read_a_case(client, personas, make_case, frozen, who, status):
    case = make_case("accept")
    assert_error(as_(client, who and getattr(personas, who)).get(url("case", case.pk)), status)


def test_a_street_lead_reads_but_has_no_verbs(client, personas, make_case, frozen):
    case = make_case("accept")
    body = as_(client, personas.street_lead).get(url("case", case.pk)).json()
    assert body["id"] == case.pk and body["verbs"] == [] and body["may_handle"] is False


def test_a_reviewer_sees_a_case_once_forwarded_with_the_department_verbs(
    client, personas, make_case, frozen
):
    case = make_case("accept")
    as_(client, personas.reviewer)
    assert client.get(url("case", case.pk)).status_code == 404
    do_transition(case, "forward", actor=personas.clerk_a)
    body = client.get(url("case", case.pk)).json()
    assert {v["verb"] for v in body["verbs"]} == {"approve", "return", "reject"}
    assert body["forwarded_to"]["code"] == "mz"


def test_a_missing_case_is_404(clerk):
    assert_error(clerk.get(url("case", 987654)), 404, "not_found")


# ---- checklist -------------------------------------------------------------------------------


def test_the_checklist_marks_certificates_on_file(clerk, resident, service, frozen, holidays):
    from doorstep.people.models import Certificate, CertificateType

    Certificate.objects.create(
        resident=resident,
        type=CertificateType.objects.get(code="disability"),
        number="X1",
        issued_on=datetime.date(2020, 1, 1),
        expires_on=datetime.date(2030, 1, 1),
    )
    response = clerk.get(url("checklist"), {"resident": resident.pk, "service": service.code})
    assert response.status_code == 200, response.content
    body = response.json()
    items = {m["name"]: m for m in body["materials"]}
    assert items["残疾人证"]["on_file"] == {"type": "残疾人证", "expires_on": "2030-01-01"}
    assert items["居民身份证"]["on_file"] is None
    assert items["相关证明材料"]["may_follow"] and items["代办人身份证及委托书"]["optional"]
    assert body["promised_limit_days"] == 10 and body["due_on_if_accepted_today"] == "2026-12-15"
    assert "X1" not in response.content.decode()  # the certificate's number stays in the registry


@pytest.mark.parametrize(
    "who, params, status, code",
    [
        (None, {}, 401, "not_authenticated"),
        ("clerk_b", {}, 404, "not_found"),
        ("outsider", {}, 404, "not_found"),
        ("reviewer", {}, 404, "not_found"),
        ("clerk_a", {"service": "nope"}, 400, "unknown_service"),
        ("clerk_a", {"resident": "x"}, 400, "invalid"),
        ("clerk_a", {"resident": ""}, 400, "invalid"),
        ("clerk_a", {"resident": "1.5"}, 400, "invalid"),
        ("clerk_a", {"resident": str(2**63)}, 400, "out_of_range"),
    ],
)
def test_the_checklist_refuses(client, personas, resident, service, frozen, who, params, status,
                               code):  # fmt: skip
    query = {"resident": resident.pk, "service": service.code, **params}
    response = as_(client, who and getattr(personas, who)).get(url("checklist"), query)
    assert_error(response, status, code)


# ---- transitions -----------------------------------------------------------------------------


def test_forward_approve_complete(client, personas, make_case, frozen):
    case = make_case("accept")
    as_(client, personas.clerk_a)
    response = post(client, url("transition", case.pk), {"verb": "forward", "department": "mz",
                                                         "revision": case.revision})  # fmt: skip
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["event"]["to"] == "forwarded" and body["case"]["status"]["code"] == "forwarded"
    assert body["case"]["revision"] == case.revision + 1
    client.force_login(personas.reviewer)
    approved = post(client, url("transition", case.pk), {"verb": "approve"})
    assert (
        approved.status_code == 200 and approved.json()["case"]["status"]["code"] == "in_progress"
    )
    client.force_login(personas.clerk_a)
    missing = post(client, url("transition", case.pk), {"verb": "complete"})
    assert missing.status_code == 400 and missing.json()["code"] == "required"
    result = {"result": "granted", "delivery": "mail", "tracking_no": "SF1234567890",
              "certificate_no": "鄂残补字2026第12号"}  # fmt: skip
    done = post(client, url("transition", case.pk), {"verb": "complete", "completion": result})
    assert done.json()["case"]["status"]["code"] == "completed"
    assert done.json()["case"]["result"]["code"] == "granted"
    assert done.json()["event"]["data"]["tracking_no"] == "SF1234567890"
    case.refresh_from_db()
    assert case.status == "completed" and case.forwarded_to.code == "mz"
    assert (case.delivery, case.tracking_no) == ("mail", "SF1234567890")


def test_request_materials_stops_the_clock(clerk, make_case, materials, frozen):
    case = make_case("accept")
    response = post(clerk, url("transition", case.pk), {
        "verb": "request_materials", "reason": "证明材料不清晰", "materials": [materials.proof.pk],
    })  # fmt: skip
    assert response.status_code == 200, response.content
    body = response.json()["case"]
    assert body["clock"]["code"] == "paused"
    assert {m["name"]: m["state"]["code"] for m in body["materials"]}["相关证明材料"] == "missing"


def test_a_stale_revision_is_409_changed(clerk, make_case, personas, frozen):
    case = make_case("accept")
    old = case.revision
    do_transition(case, "start", actor=personas.clerk_a)
    response = post(clerk, url("transition", case.pk), {"verb": "complete", "revision": old})
    assert_error(response, 409, "changed")
    case.refresh_from_db()
    assert case.status == "in_progress"


@pytest.mark.parametrize(
    "body, status, code, field",
    [
        ({"verb": "approve"}, 403, "forbidden", None),  # the department's verb
        ({"verb": "accept"}, 409, "invalid_transition", None),
        ({"verb": "notify"}, 409, "invalid_transition", None),
        ({"verb": "withdraw"}, 400, "reason_required", "reason"),
        ({"verb": "fly"}, 400, "invalid", "verb"),
        ({"verb": ["start"]}, 400, "invalid", "verb"),
        ({}, 400, "required", "verb"),
        ({"verb": "start", "revision": True}, 400, "invalid", "revision"),
        ({"verb": "start", "revision": 1e400}, 400, "bad_json", None),
        ({"verb": "forward", "department": "nowhere"}, 400, "unknown_department", "department"),
        ({"verb": "start", "revision": "latest"}, 400, "invalid", "revision"),
        ({"verb": "request_materials", "reason": "x", "materials": "1,2"}, 400, "invalid",
         "materials"),
        ({"verb": "request_materials", "reason": "x", "materials": [424242]}, 400, "invalid",
         "materials"),
        ({"verb": "withdraw", "reason": "x" * 2001}, 400, "too_long", "reason"),
    ],
)  # fmt: skip
def test_refused_transitions_change_nothing(clerk, make_case, frozen, body, status, code, field):
    case = make_case("accept")
    before = counts()
    assert_error(post(clerk, url("transition", case.pk), body), status, code, field)
    assert counts() == before
    assert Case.objects.get().status == "accepted"
    assert Case.objects.get().revision == case.revision


@pytest.mark.parametrize(
    "who, status", [(None, 401), ("outsider", 404), ("clerk_b", 404), ("reviewer", 404),
                    ("street_lead", 403), ("district_lead", 403)]
)  # fmt: skip
def test_the_wrong_persona_cannot_transition(client, personas, make_case, frozen, who, status):
    case = make_case("accept")
    before = counts()
    as_(client, who and getattr(personas, who))
    assert_error(post(client, url("transition", case.pk), {"verb": "start"}), status)
    assert counts() == before and Case.objects.get().status == "accepted"


def test_a_clerk_cannot_take_the_department_side(client, personas, make_case, frozen):
    case = make_case("accept")
    do_transition(case, "forward", actor=personas.clerk_a)
    as_(client, personas.clerk_a)
    assert_error(post(client, url("transition", case.pk), {"verb": "approve"}), 403, "forbidden")


# ---- materials, notice, attachments ----------------------------------------------------------


def test_the_resident_returns_and_is_accepted_in_one_request(clerk, make_case, materials, frozen):
    case = make_case("notice")
    body = {
        "provided": [materials.disability.pk, materials.form.pk, materials.proof.pk],
        "then": "accept",
        "revision": case.revision,
    }
    response = post(clerk, url("materials", case.pk), body)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["document"]["kind"] == "receipt"
    assert data["case"]["status"]["code"] == "accepted" and data["case"]["trips"] == 1
    assert data["case"]["too_many_trips"] is True  # the service allows one trip


def test_materials_without_accept_only_record_them(clerk, make_case, materials, frozen):
    case = make_case("notice")
    response = post(clerk, url("materials", case.pk), {"provided": [materials.form.pk],
                                                       "in_person": False})  # fmt: skip
    assert response.status_code == 200
    assert response.json()["document"] is None
    case.refresh_from_db()
    assert case.status == "awaiting_materials" and case.trips == 0


def test_a_failed_accept_rolls_back_the_materials_too(clerk, make_case, materials, frozen):
    case = make_case("notice")
    before = counts()
    body = {"provided": [materials.form.pk], "then": "accept"}  # still missing two
    assert_error(post(clerk, url("materials", case.pk), body), 400, "materials_missing")
    assert counts() == before
    case.refresh_from_db()
    assert case.trips == 0 and case.status == "awaiting_materials"
    assert case.materials.get(material=materials.form).state == "missing"


@pytest.mark.parametrize(
    "body, code, field",
    [
        ({"provided": "3"}, "invalid", "provided"),
        ({"provided": [1], "then": "yes"}, "invalid", "then"),
        ({"provided": [1], "then": True}, "invalid", "then"),
        ({"provided": []}, "required", "provided"),
        ({"provided": [1], "pending_deadline": "soon"}, "invalid", "pending_deadline"),
    ],
)
def test_bad_materials_input(clerk, make_case, frozen, body, code, field):
    case = make_case("notice")
    before = counts()
    assert_error(post(clerk, url("materials", case.pk), body), 400, code, field)
    assert counts() == before


def test_a_later_notice_needs_a_reason(clerk, make_case, materials, frozen):
    case = make_case("notice")
    body = {"materials": [materials.id_card.pk]}
    assert_error(post(clerk, url("notice", case.pk), body), 400, "reason_required", "reason")
    response = post(clerk, url("notice", case.pk), {**body, "reason": "复印件不清晰"})
    assert response.status_code == 201, response.content
    assert response.json()["document"]["kind"] == "supplement"
    assert case.documents.filter(kind="supplement").count() == 1


@pytest.mark.parametrize(
    "who, status", [(None, 401), ("outsider", 404), ("clerk_b", 404), ("reviewer", 404),
                    ("street_lead", 403)]
)  # fmt: skip
def test_the_wrong_persona_cannot_add_materials_or_notices(
    client, personas, make_case, materials, frozen, who, status
):
    case = make_case("notice")
    before = counts()
    as_(client, who and getattr(personas, who))
    given = post(client, url("materials", case.pk), {"provided": [materials.form.pk]})
    noticed = post(client, url("notice", case.pk), {"materials": [materials.id_card.pk],
                                                    "reason": "漏告知"})  # fmt: skip
    assert_error(given, status)
    assert_error(noticed, status)
    assert counts() == before


def upload(client: Client, case: Case, content: bytes = PDF, **data):
    file = SimpleUploadedFile("scan.pdf", content, content_type="application/pdf")
    return client.post(url("attachments", case.pk), {"file": file, **data})


def test_attach_a_scan_to_a_material(clerk, make_case, materials, frozen, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = make_case("accept")
    response = upload(clerk, case, material=materials.form.pk)
    assert response.status_code == 201, response.content
    attachment = Attachment.objects.get()
    assert response.json()["material"] == materials.form.pk
    assert attachment.material.material == materials.form
    assert attachment.content_type == "application/pdf"
    detail = clerk.get(url("case", case.pk)).json()
    assert [a["id"] for a in detail["attachments"]] == [attachment.pk]
    assert detail["attachments"][0]["material"] == materials.form.pk
    assert clerk.get(detail["attachments"][0]["url"]).status_code == 200


@pytest.mark.parametrize(
    "content, data, code, field",
    [
        (b"MZ\x90\x00 not a scan", {}, "bad_type", "file"),
        (PDF, {"material": "abc"}, "invalid", "material"),
        (PDF, {"material": "424242"}, "invalid", "material"),
    ],
)
def test_bad_attachments_are_refused(
    clerk, make_case, frozen, settings, tmp_path, content, data, code, field
):
    settings.MEDIA_ROOT = tmp_path
    case = make_case("accept")
    before = counts()
    assert_error(upload(clerk, case, content, **data), 400, code, field)
    assert counts() == before and not list(tmp_path.rglob("*.pdf"))


def test_a_post_without_a_file_is_refused(clerk, make_case, frozen):
    case = make_case("accept")
    assert_error(post(clerk, url("attachments", case.pk), {}), 400, "required", "file")


@pytest.mark.parametrize(
    "who, status", [(None, 401), ("outsider", 404), ("clerk_b", 404), ("reviewer", 404),
                    ("street_lead", 403)]
)  # fmt: skip
def test_the_wrong_persona_cannot_attach(
    client, personas, make_case, frozen, settings, tmp_path, who, status
):
    settings.MEDIA_ROOT = tmp_path
    case = make_case("accept")
    as_(client, who and getattr(personas, who))
    assert_error(upload(client, case), status)
    assert not Attachment.objects.exists()


# ---- public tracking -------------------------------------------------------------------------


@pytest.fixture
def tracked(frozen, make_case, make_resident, materials):
    resident = make_resident("欧阳晓燕", mobile="13912345678")
    return make_case("notice", resident=resident, provided=[materials.id_card.pk])


def track(client: Client, receipt: str, digits: str):
    return client.get(url("track"), {"receipt": receipt, "phone_last4": digits})


def test_tracking_shows_status_and_what_is_missing_without_personal_data(client, tracked, frozen):
    response = track(client, tracked.receipt.lower(), "5678")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["receipt"] == tracked.receipt and body["initials"] == "OYXY"
    assert body["status"]["code"] == "awaiting_materials"
    assert set(body["outstanding"]) == {"残疾人证", "申请表", "相关证明材料"}
    assert [t["label"] for t in body["timeline"]] == ["Taken in", "Awaiting materials"]
    text = response.content.decode()
    resident = tracked.resident
    for secret in (resident.name, "欧阳", resident.phone, resident.phone_masked,
                   resident.id_number(), resident.id_masked, "clerk", "王芳"):  # fmt: skip
        assert secret not in text
    assert not response.cookies  # cookie-less


def test_wrong_receipt_and_wrong_digits_look_the_same(client, tracked, frozen):
    wrong_digits = track(client, tracked.receipt, "0000")
    wrong_receipt = track(client, "20261201-AAAAAA", "5678")
    assert_error(wrong_digits, 404, "not_found")
    assert wrong_digits.content == wrong_receipt.content


def test_ten_failures_from_one_address_are_throttled(client, tracked, frozen):
    for _n in range(10):
        assert track(client, tracked.receipt, "0000").status_code == 404
    throttled = track(client, tracked.receipt, "5678")  # even the right answer, for a while
    assert_error(throttled, 429, "throttled")
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert track(other, tracked.receipt, "5678").status_code == 200
    frozen.shift(datetime.timedelta(minutes=11))  # the window has passed
    assert track(client, tracked.receipt, "5678").status_code == 200


@pytest.mark.parametrize(
    "params, field",
    [
        ({}, "receipt"),
        ({"receipt": "X"}, "digits"),
        ({"receipt": "X", "phone_last4": "12a4"}, "digits"),
        ({"receipt": "X", "phone_last4": "12345"}, "digits"),
        ({"receipt": "X" * 31, "phone_last4": "1234"}, "receipt"),
    ],
)
def test_malformed_tracking_queries_are_400_and_not_counted(client, db, params, field):
    for _n in range(11):
        assert_error(client.get(url("track"), params), 400, field=field)
    assert track(client, "20261201-AAAAAA", "1234").status_code == 404  # not throttled


def test_the_page_and_the_api_share_one_failure_count(client, tracked, frozen):
    for _n in range(10):
        track(client, tracked.receipt, "0000")
    page = client.post(reverse("cases-track"), {"receipt": tracked.receipt, "digits": "5678"})
    assert page.status_code == 429


def test_tracking_is_read_only(client, db):
    assert_error(client.post(url("track")), 405, "method_not_allowed")
