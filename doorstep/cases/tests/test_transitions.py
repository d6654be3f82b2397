"""Every allowed and every forbidden transition, who may take it, reasons, the event log, and
two members of staff acting on one case at once."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from doorstep.cases.actions import CaseChanged, InvalidTransition, do_transition
from doorstep.cases.choices import TRANSITIONS, CaseStatus
from doorstep.cases.models import Case, CaseEvent

# The specification, written out independently of choices.TRANSITIONS: for each state (and
# whether the case was already accepted), the verbs that may be taken from it.
EXPECTED: dict[tuple[str, bool], set[str]] = {
    ("draft", False): {"notify", "accept", "refuse", "withdraw"},
    ("awaiting_materials", False): {"accept", "refuse", "withdraw"},
    ("awaiting_materials", True): {"supply", "withdraw"},
    ("accepted", True): {
        "start",
        "request_materials",
        "forward",
        "complete",
        "withdraw",
        "suspend",
    },
    ("in_progress", True): {"request_materials", "forward", "complete", "withdraw", "suspend"},
    ("forwarded", True): {"approve", "return", "reject"},
    ("returned", True): {"resubmit", "withdraw"},
    ("suspended", True): {"resume", "withdraw"},
    ("completed", True): set(),
    ("refused", False): set(),
    ("refused", True): set(),
    ("withdrawn", False): set(),
    ("withdrawn", True): set(),
}
TARGET = {
    "notify": "awaiting_materials",
    "accept": "accepted",
    "refuse": "refused",
    "start": "in_progress",
    "request_materials": "awaiting_materials",
    "supply": "in_progress",
    "forward": "forwarded",
    "approve": "in_progress",
    "return": "returned",
    "resubmit": "forwarded",
    "reject": "refused",
    "complete": "completed",
    "withdraw": "withdrawn",
    "suspend": "suspended",
    "resume": "in_progress",
}
DEPARTMENT_VERBS = {"approve", "return", "reject"}


def test_the_specification_covers_every_state_and_verb():
    assert {s for s, _accepted in EXPECTED} == set(CaseStatus.values)
    assert set(TARGET) == set(TRANSITIONS)
    assert {v: t.target for v, t in TRANSITIONS.items()} == TARGET


def put(case: Case, status: str, accepted: bool) -> Case:
    """Put ``case`` in ``status`` directly (test setup only), with a running or no clock."""
    fields = {"status": status, "forwarded_to_id": case.department_id, "paused_since": None}
    if not accepted:
        fields.update(accepted_on=None, accepted_at=None, due_on=None, warn_on=None)
    elif status in ("awaiting_materials", "returned", "suspended"):
        fields["paused_since"] = case.accepted_on
    Case.objects.filter(pk=case.pk).update(**fields)
    case.refresh_from_db()
    return case


CASES = [(s, a, v) for (s, a) in EXPECTED for v in TRANSITIONS]


@pytest.mark.parametrize(("status", "accepted", "verb"), CASES)
def test_transition(make_case, personas, frozen, status, accepted, verb):
    case = put(make_case("accept"), status, accepted)
    actor = personas.reviewer if verb in DEPARTMENT_VERBS else personas.clerk_a
    events = CaseEvent.objects.filter(case=case).count()
    if verb in EXPECTED[(status, accepted)]:
        event = do_transition(case, verb, actor=actor, reason="理由")
        case.refresh_from_db()
        assert case.status == TARGET[verb]
        assert (event.from_status, event.to_status, event.actor) == (status, TARGET[verb], actor)
        assert CaseEvent.objects.filter(case=case).count() > events
    else:
        with pytest.raises(InvalidTransition) as caught:
            do_transition(case, verb, actor=actor, reason="理由")
        assert "cannot be" in str(caught.value) or "accepted" in str(caught.value)
        case.refresh_from_db()
        assert case.status == status
        assert CaseEvent.objects.filter(case=case).count() == events


def test_an_unknown_verb_is_refused(make_case, personas, frozen):
    case = make_case("accept")
    with pytest.raises(InvalidTransition):
        do_transition(case, "teleport", actor=personas.clerk_a)


@pytest.mark.parametrize("verb", ["complete", "forward", "withdraw"])
def test_the_department_cannot_take_the_desk_side_verbs(make_case, personas, frozen, verb):
    case = put(make_case("accept"), "in_progress", True)
    with pytest.raises(PermissionDenied):
        do_transition(case, verb, actor=personas.reviewer, reason="x")
    case.refresh_from_db()
    assert case.status == "in_progress"


@pytest.mark.parametrize("verb", ["approve", "return", "reject"])
def test_the_desk_cannot_decide_for_the_department(make_case, personas, frozen, verb):
    case = make_case("accept")
    do_transition(case, "forward", actor=personas.clerk_a)
    with pytest.raises(PermissionDenied):
        do_transition(case, verb, actor=personas.clerk_a, reason="x")
    case.refresh_from_db()
    assert case.status == "forwarded"


@pytest.mark.parametrize("who", ["clerk_b", "outsider", "street_lead", "district_lead", "grid_a"])
def test_staff_outside_the_desk_cannot_act(make_case, personas, frozen, who):
    case = make_case("accept")
    with pytest.raises(PermissionDenied):
        do_transition(case, "complete", actor=getattr(personas, who))
    case.refresh_from_db()
    assert case.status == "accepted"


def test_a_reviewer_of_another_department_cannot_decide(make_case, personas, frozen):
    from doorstep.catalogue.models import Department

    case = make_case("accept")
    other = Department.objects.create(code="cl", name="残联")
    do_transition(case, "forward", actor=personas.clerk_a, department=other)
    with pytest.raises(PermissionDenied):
        do_transition(case, "approve", actor=personas.reviewer)


@pytest.mark.parametrize("verb", ["withdraw", "request_materials"])
def test_a_reason_is_mandatory(make_case, personas, frozen, verb):
    case = make_case("accept")
    with pytest.raises(ValidationError) as caught:
        do_transition(case, verb, actor=personas.clerk_a, reason="   ")
    assert caught.value.error_dict["reason"][0].code == "reason_required"
    case.refresh_from_db()
    assert case.status == "accepted"
    assert case.events.filter(kind="transition", verb=verb).count() == 0


def test_the_event_records_who_when_from_to_and_why(make_case, personas, frozen):
    case = make_case("accept")
    do_transition(case, "forward", actor=personas.clerk_a)
    do_transition(case, "return", actor=personas.reviewer, reason="照片不清晰，请重新提交")
    event = case.events.filter(verb="return").get()
    assert event.actor == personas.reviewer
    assert (event.from_status, event.to_status) == ("forwarded", "returned")
    assert event.reason == "照片不清晰，请重新提交"
    assert event.at is not None


def test_a_failure_after_the_update_rolls_back_the_status_too(
    make_case, personas, frozen, monkeypatch
):
    from doorstep.cases.actions import transitions as actions

    case = make_case("accept")
    do_transition(case, "start", actor=personas.clerk_a)

    def broken(*args, **kwargs):
        raise RuntimeError("outbox down")

    monkeypatch.setattr(actions, "notify_resident", broken)
    with pytest.raises(RuntimeError):
        do_transition(case, "complete", actor=personas.clerk_a)
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.status == "in_progress"
    assert not fresh.events.filter(verb="complete").exists()


def test_a_stale_revision_is_told_the_case_changed(make_case, personas, frozen):
    case = make_case("accept")
    seen = case.revision
    do_transition(case, "start", actor=personas.clerk_a)
    stale = Case.objects.get(pk=case.pk)
    with pytest.raises(CaseChanged):
        do_transition(stale, "complete", actor=personas.clerk_a, revision=seen)
    assert Case.objects.get(pk=case.pk).status == "in_progress"


@pytest.mark.django_db(transaction=True)
def test_two_staff_at_once_one_wins_the_other_is_told(make_case, personas, django_db_blocker):
    """Two requests that both read revision N race to change the case: exactly one wins."""
    if connection.vendor == "sqlite":
        pytest.skip("the in-memory SQLite test database locks whole tables; raced on PostgreSQL")
    case = make_case("accept")
    seen = case.revision
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def act(name: str, verb: str, reason: str = "") -> None:
        try:
            mine = Case.objects.get(pk=case.pk)
            barrier.wait(timeout=10)
            do_transition(mine, verb, actor=personas.clerk_a, reason=reason, revision=seen)
            outcomes[name] = "won"
        except CaseChanged:
            outcomes[name] = "changed"
        except Exception as exc:  # pragma: no cover - shown in the assertion
            outcomes[name] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=("complete", "complete")),
        threading.Thread(target=act, args=("withdraw", "withdraw", "居民撤回")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(map(str, outcomes.values())) == ["changed", "won"], outcomes
    fresh = Case.objects.get(pk=case.pk)
    winner = next(name for name, outcome in outcomes.items() if outcome == "won")
    assert fresh.status == TARGET[winner]
    assert fresh.revision == seen + 1
    assert fresh.events.filter(kind="transition").exclude(verb="accept").count() == 1
