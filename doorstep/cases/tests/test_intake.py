"""Intake at the desk: the checklist, the four outcomes, 容缺 rules, the one-time notice that
cannot quietly grow, proxies, trips, notifications and idempotent submission."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from doorstep.cases.actions import (
    do_accept,
    do_add_to_notice,
    do_intake,
    do_receive_materials,
    do_record_trip,
)
from doorstep.cases.materials import checklist
from doorstep.cases.models import Case, CaseDocument, CaseMaterial
from doorstep.notify.models import Message

from .conftest import TODAY


def code_of(exc: ValidationError, field: str) -> str:
    return exc.error_dict[field][0].code


def nothing_written() -> bool:
    return not Case.objects.exists() and not CaseMaterial.objects.exists()


@pytest.fixture
def certified(resident):
    """The resident holds a valid disability certificate on record."""
    from doorstep.people.models import Certificate, CertificateType

    return Certificate.objects.create(
        resident=resident,
        type=CertificateType.objects.get(code="disability"),
        number="42010519500307001X",
        issued_on=datetime.date(2020, 1, 1),
        expires_on=datetime.date(2030, 1, 1),
    )


def test_a_certificate_on_record_is_ticked_and_never_asked_for(
    make_case, materials, certified, frozen
):
    case = make_case("notice", provided=[materials.id_card.pk])
    states = dict(case.materials.values_list("material_id", "state"))
    assert states[materials.disability.pk] == "on_file"
    notice = case.documents.get()
    assert notice.kind == "notice"
    assert "残疾人证" not in [i["name"] for i in notice.items]
    assert case.materials.get(material=materials.disability).certificate == certified


def test_an_expired_certificate_does_not_count(resident, service, certified, frozen):
    certified.expires_on = TODAY - datetime.timedelta(days=1)
    certified.issued_on = datetime.date(2010, 1, 1)
    certified.save()
    items = {i.material.name: i.on_file for i in checklist(resident, service.published_version())}
    assert items["残疾人证"] is None


def test_accept_prints_a_receipt_with_the_due_date(make_case, frozen):
    case = make_case("accept")
    assert case.status == "accepted"
    assert case.due_on == datetime.date(2026, 12, 15)
    receipt = case.documents.get()
    assert (receipt.kind, receipt.due_on) == ("receipt", case.due_on)
    assert case.receipt.startswith("20261201-")
    assert Message.objects.filter(idempotency_key=f"case:{case.pk}:accepted").count() == 1


def test_accept_with_a_material_missing_is_refused_and_writes_nothing(make_case, materials, frozen):
    with pytest.raises(ValidationError) as caught:
        make_case("accept", provided=[materials.id_card.pk, materials.form.pk])
    assert code_of(caught.value, "provided") == "materials_missing"
    assert "残疾人证" in str(caught.value)
    assert nothing_written()


def test_accept_pending_only_for_materials_that_may_follow(make_case, materials, frozen):
    with pytest.raises(ValidationError) as caught:
        make_case(
            "accept_pending",
            provided=[materials.id_card.pk, materials.disability.pk],
            pending=[materials.form.pk, materials.proof.pk],
        )
    assert code_of(caught.value, "pending") == "not_deferrable"
    assert nothing_written()


def test_accept_pending_needs_a_deadline_within_the_promised_limit(make_case, frozen):
    with pytest.raises(ValidationError) as caught:
        make_case("accept_pending", pending_deadline=None)
    assert code_of(caught.value, "pending_deadline") == "required"
    with pytest.raises(ValidationError) as caught:
        make_case("accept_pending", pending_deadline=datetime.date(2026, 12, 16))
    assert code_of(caught.value, "pending_deadline") == "deadline_out_of_range"
    with pytest.raises(ValidationError):
        make_case("accept_pending", pending_deadline=TODAY - datetime.timedelta(days=1))
    assert nothing_written()
    case = make_case("accept_pending", pending_deadline=datetime.date(2026, 12, 15))
    assert case.status == "accepted"
    assert case.pending_deadline == datetime.date(2026, 12, 15)
    assert case.documents.get().kind == "pending"
    assert [i["name"] for i in case.documents.get().items] == ["相关证明材料"]


def test_plain_accept_cannot_leave_materials_pending(make_case, materials, frozen):
    with pytest.raises(ValidationError) as caught:
        make_case("accept", provided=materials.required)  # proof (later) neither given nor ticked
    assert code_of(caught.value, "provided") == "materials_missing"


def test_the_one_time_notice_lists_everything_missing(make_case, materials, frozen):
    case = make_case("notice", provided=[materials.id_card.pk])
    notice = case.documents.get()
    assert [i["name"] for i in notice.items] == ["残疾人证", "申请表", "相关证明材料"]
    assert case.status == "awaiting_materials"
    assert case.due_on is None  # not accepted: no clock yet
    key = f"case:{case.pk}:notice:{notice.pk}"
    assert "申请表" in Message.objects.get(idempotency_key=key).body


def test_a_notice_with_nothing_missing_is_refused(make_case, materials, frozen):
    with pytest.raises(ValidationError) as caught:
        make_case("notice", provided=[*materials.required, materials.proof.pk])
    assert code_of(caught.value, "outcome") == "nothing_missing"


def test_a_later_notice_may_only_add_and_only_with_a_reason(make_case, personas, materials, frozen):
    case = make_case("notice", provided=[materials.id_card.pk, materials.form.pk])
    with pytest.raises(ValidationError) as caught:
        do_add_to_notice(case, actor=personas.clerk_a, materials=[materials.id_card.pk], reason="")
    assert code_of(caught.value, "reason") == "reason_required"
    with pytest.raises(ValidationError) as caught:
        do_add_to_notice(
            case, actor=personas.clerk_a, materials=[materials.disability.pk], reason="x"
        )
    assert code_of(caught.value, "materials") == "already_listed"
    assert case.documents.count() == 1
    supplement = do_add_to_notice(
        case, actor=personas.clerk_a, materials=[materials.id_card.pk], reason="身份证已过期"
    )
    assert supplement.kind == "supplement"
    assert supplement.reason == "身份证已过期"
    assert [i["name"] for i in supplement.items] == ["居民身份证"]
    row = case.materials.get(material=materials.id_card)
    assert (row.state, row.added_reason, row.notice) == ("missing", "身份证已过期", supplement)


def test_the_resident_returns_once_and_the_case_is_accepted(make_case, personas, materials, frozen):
    case = make_case("notice", provided=[materials.id_card.pk])
    assert case.trips == 0  # the visit that took the case in is no trip back
    do_receive_materials(
        case,
        actor=personas.clerk_a,
        provided=[materials.disability.pk, materials.form.pk, materials.proof.pk],
    )
    receipt = do_accept(case, actor=personas.clerk_a)
    case.refresh_from_db()
    assert (case.status, case.trips, receipt.kind) == ("accepted", 1, "receipt")
    # The service promises at most one trip (最多跑一次): the notice cost the resident a second.
    assert case.too_many_trips
    assert Case.objects.too_many_trips().filter(pk=case.pk).exists()


def test_too_many_trips_are_flagged(make_case, personas, frozen):
    case = make_case("accept")
    assert not case.too_many_trips
    do_record_trip(case, actor=personas.clerk_a, note="来签字")
    case.refresh_from_db()
    assert case.trips == 1  # came back once: the promise of one trip is broken
    assert case.too_many_trips
    assert list(Case.objects.too_many_trips()) == [case]


def test_accept_after_a_notice_still_needs_everything(make_case, personas, materials, frozen):
    case = make_case("notice", provided=[materials.id_card.pk])
    with pytest.raises(ValidationError) as caught:
        do_accept(case, actor=personas.clerk_a)
    assert code_of(caught.value, "provided") == "materials_missing"
    case.refresh_from_db()
    assert case.status == "awaiting_materials"


def test_refusal_needs_a_reason(make_case, frozen):
    with pytest.raises(ValidationError) as caught:
        make_case("refuse", reason="  ")
    assert code_of(caught.value, "reason") == "reason_required"
    assert nothing_written()
    case = make_case("refuse", reason="不符合申请条件")
    assert case.status == "refused"
    assert case.documents.get().kind == "refusal"
    assert case.closed_at is not None


def test_a_proxy_needs_the_residents_consent(make_case, frozen):
    with pytest.raises(ValidationError) as caught:
        make_case("accept", agent_kind="family", agent_name="张小林", consent=False)
    assert code_of(caught.value, "consent") == "consent_required"
    with pytest.raises(ValidationError) as caught:
        make_case("accept", agent_kind="family", agent_name=" ", consent=True)
    assert code_of(caught.value, "agent_name") == "required"
    assert nothing_written()
    case = make_case(
        "accept", agent_kind="family", agent_name="张小林", agent_relation="儿子", consent=True
    )
    assert (case.agent_kind, case.agent_name, case.consent) == ("family", "张小林", True)


def test_the_clerk_as_proxy_is_recorded_by_name(make_case, personas, frozen):
    case = make_case("accept", agent_kind="clerk", consent=True, in_person=False)
    assert case.agent_name == personas.clerk_a.first_name
    assert case.trips == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("provided", ["x"]), ("provided", [999999]), ("pending", [None])],
)
def test_bad_material_ids_are_refused(make_case, field, value, frozen):
    with pytest.raises(ValidationError):
        make_case("accept_pending" if field == "pending" else "accept", **{field: value})
    assert nothing_written()


def test_an_unknown_outcome_is_refused(make_case, frozen):
    with pytest.raises(ValidationError) as caught:
        make_case("maybe")
    assert code_of(caught.value, "outcome") == "invalid"


def test_a_service_without_a_published_version_cannot_be_taken_in(make_case, service, frozen):
    service.is_active = False
    service.save()
    with pytest.raises(ValidationError) as caught:
        make_case("accept")
    assert code_of(caught.value, "service") == "service_unavailable"


@pytest.mark.parametrize("who", ["clerk_b", "grid_a", "street_lead", "reviewer", "outsider"])
def test_only_a_desk_over_the_residents_area_takes_in(make_case, personas, who, frozen):
    with pytest.raises(PermissionDenied):
        make_case("accept", actor=getattr(personas, who))
    assert nothing_written()


def test_the_same_key_twice_makes_one_case(make_case, personas, resident, service, frozen):
    first = make_case("accept", idempotency_key="tap-1")
    again = do_intake(
        actor=personas.clerk_a,
        resident=resident,
        service=service,
        outcome="accept",
        provided=[],  # a retry's body is not even looked at once the key is known
        idempotency_key="tap-1",
    )
    assert (again.case.pk, again.created) == (first.pk, False)
    assert again.document.kind == "receipt"
    assert Case.objects.count() == 1
    assert CaseDocument.objects.count() == 1
    other = make_case("accept", idempotency_key="tap-2")
    assert other.pk != first.pk


def test_the_same_key_from_two_clerks_makes_two_cases(make_case, personas, frozen):
    from doorstep.staff.choices import Role
    from doorstep.staff.models import RoleGrant

    RoleGrant.objects.create(user=personas.clerk_b, role=Role.CLERK, area=personas.area_a)
    a = make_case("accept", idempotency_key="same")
    b = make_case("accept", idempotency_key="same", actor=personas.clerk_b)
    assert a.pk != b.pk


@pytest.mark.django_db(transaction=True)
def test_a_double_tap_racing_in_makes_one_case(make_case, personas):
    """Two requests with one key arrive together (flaky Wi-Fi retry): one case."""
    if connection.vendor == "sqlite":
        pytest.skip("the in-memory SQLite test database locks whole tables; raced on PostgreSQL")
    barrier = threading.Barrier(2)
    made: list[int] = []
    errors: list[Exception] = []

    def tap() -> None:
        try:
            barrier.wait(timeout=10)
            made.append(make_case("accept", idempotency_key="double-tap").pk)
        except Exception as exc:  # pragma: no cover - shown in the assertion
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=tap) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    assert len(made) == 2 and made[0] == made[1]
    assert Case.objects.count() == 1


def test_a_receipt_number_drawn_twice_is_drawn_again(make_case, monkeypatch, frozen):
    from doorstep.cases.actions import intake

    first = make_case("accept")
    draws = iter([first.receipt, "20261201-QQQQQQQQ"])
    monkeypatch.setattr(intake, "new_receipt", lambda day: next(draws))
    second = make_case("accept")
    assert second.receipt == "20261201-QQQQQQQQ"
    assert Case.objects.count() == 2
    message = Message.objects.get(idempotency_key=f"case:{second.pk}:accepted")
    assert "20261201-QQQQQQQQ" in message.body
    assert second.documents.count() == 1 and second.events.count() == 2


def test_intake_reads_and_checks_before_it_writes(make_case, materials, frozen):
    """A failing check leaves no trace, and a good intake writes in one short transaction."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        make_case("accept", idempotency_key="tap-1")
    sql = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    # After the first write, only writes (and the savepoint's own statements) follow.
    first_write = next(i for i, verb in enumerate(sql) if verb == "INSERT")
    assert set(sql[first_write:]) <= {"INSERT", "SAVEPOINT", "RELEASE"}
    # The key is not looked up first: the unique constraint refuses a second case.
    reads = [q["sql"] for q in queries.captured_queries[:first_write]]
    assert not [q for q in reads if '"cases_case"' in q.split(" WHERE ")[0]]
