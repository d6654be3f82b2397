"""The overdue sweep (``cases.sweep``), its command and its task: which cases it marks, that it
marks and notifies each once (also with two workers at once, on PostgreSQL), and what the
handler and the leads are told."""

from __future__ import annotations

import datetime
import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from doorstep.cases.actions import do_sweep_overdue as sweep_overdue
from doorstep.cases.models import Case, CaseEvent
from doorstep.notify.models import Message

from .conftest import NOW


def _day_after(day: datetime.date) -> datetime.datetime:
    """10:00 in Shanghai on the day after ``day``."""
    return NOW + datetime.timedelta(days=(day - NOW.date()).days + 1)


def _overdue_messages(case: Case):
    return Message.objects.filter(idempotency_key=f"case:{case.pk}:overdue")


def _events(case: Case):
    return CaseEvent.objects.filter(case=case, kind="overdue")


@pytest.fixture
def community_lead(personas, django_user_model):
    from doorstep.staff.models import RoleGrant

    lead = django_user_model.objects.create_user("lead_a", email="lead_a@example.org")
    RoleGrant.objects.create(user=lead, role="community_lead", area=personas.area_a)
    return lead


def test_marks_only_running_cases_past_their_due_date(make_case, personas, materials, frozen):
    from doorstep.cases.actions import do_transition

    running = make_case()
    forwarded = make_case()
    do_transition(forwarded, "forward", actor=personas.clerk_a)
    paused = make_case()
    do_transition(paused, "request_materials", actor=personas.clerk_a, reason="盖章不清")
    completed = make_case()
    do_transition(completed, "complete", actor=personas.clerk_a)
    waiting = make_case("notice")  # never accepted: no clock
    frozen.move_to(NOW + datetime.timedelta(days=1))
    due_today = make_case()  # accepted a day later: due a working day later
    assert due_today.due_on > running.due_on

    assert sweep_overdue(today=due_today.due_on) == 2

    marked = set(Case.objects.filter(overdue_at__isnull=False).values_list("pk", flat=True))
    assert marked == {running.pk, forwarded.pk}
    for case in (paused, completed, waiting, due_today):
        assert not _events(case).exists()
        assert not _overdue_messages(case).exists()


def test_nothing_is_overdue_on_its_due_date(make_case, frozen):
    case = make_case()
    assert sweep_overdue(today=case.due_on) == 0
    assert sweep_overdue(today=case.due_on + datetime.timedelta(days=1)) == 1


def test_marks_and_notifies_once_per_case(make_case, personas, frozen):
    cases = [make_case() for _ in range(3)]
    frozen.move_to(_day_after(cases[0].due_on))

    assert sweep_overdue() == 3
    assert sweep_overdue() == 0
    frozen.shift(datetime.timedelta(days=3))
    assert sweep_overdue() == 0

    for case in cases:
        case.refresh_from_db()
        assert case.overdue_at == _day_after(case.due_on)
        assert _events(case).count() == 1
        assert _overdue_messages(case).count() == 1


def test_event_and_handler_message(make_case, personas, frozen):
    personas.clerk_a.email = "clerk_a@example.org"
    personas.clerk_a.save(update_fields=["email"])
    case = make_case()
    status, revision = case.status, case.revision
    frozen.move_to(_day_after(case.due_on))

    sweep_overdue()

    event = _events(case).get()
    assert (event.actor, event.from_status, event.to_status, event.data) == (
        None,
        status,
        status,
        {},
    )
    case.refresh_from_db()
    assert event.at == case.overdue_at
    assert (case.status, case.revision) == (status, revision)  # marking is not a transition
    message = _overdue_messages(case).get()
    assert (message.channel, message.address, message.status) == (
        "email",
        "clerk_a@example.org",
        "pending",
    )
    assert message.resident is None
    assert message.template == "case_overdue"
    assert message.subject == f"Overdue: case {case.receipt}"
    assert message.body == (
        f"Case {case.receipt} ({case.service.name}) passed its due date "
        f"{case.due_on.isoformat()} and is not done."
    )


def test_handler_without_email_is_told_through_the_log(make_case, personas, frozen):
    assert not personas.clerk_a.email
    case = make_case()
    frozen.move_to(_day_after(case.due_on))
    sweep_overdue()
    message = _overdue_messages(case).get()
    assert (message.channel, message.address) == ("log", "")
    assert case.receipt in message.body


def test_text_in_the_site_language(make_case, frozen, settings):
    case = make_case()
    frozen.move_to(_day_after(case.due_on))
    settings.LANGUAGE_CODE = "zh-hans"
    sweep_overdue()
    message = _overdue_messages(case).get()
    from doorstep.notify.templates import render

    subject, body = render(
        "case_overdue",
        {"receipt": case.receipt, "service": case.service.name, "due": case.due_on.isoformat()},
        language="zh-hans",
    )
    assert (message.language, message.subject, message.body) == ("zh-hans", subject, body)


def test_leads_get_one_digest_each(
    make_case, make_resident, personas, community_lead, frozen, django_capture_on_commit_callbacks
):
    personas.street_lead.email = "street@example.org"
    personas.street_lead.save(update_fields=["email"])
    ours = [make_case() for _ in range(2)]
    theirs = make_case(
        actor=personas.clerk_b, resident=make_resident("李四", area=personas.compound_b)
    )
    frozen.move_to(_day_after(ours[0].due_on))
    today = ours[0].due_on + datetime.timedelta(days=1)

    with django_capture_on_commit_callbacks():
        assert sweep_overdue() == 3

    digests = Message.objects.filter(template="cases_overdue_digest")
    by_key = {m.idempotency_key: m for m in digests}
    assert set(by_key) == {
        f"cases-overdue:{personas.street_lead.pk}:{today}",
        f"cases-overdue:{community_lead.pk}:{today}",
    }  # the street lead of 琴断口街道 and the community lead of 七里一村; nobody over 晴川
    street = by_key[f"cases-overdue:{personas.street_lead.pk}:{today}"]
    assert street.address == "street@example.org"
    assert street.subject == "Cases newly overdue: 2"
    for case in ours:
        assert case.receipt in street.body
    assert theirs.receipt not in street.body
    assert "琴断口街道" in street.body
    # The handlers' messages: clerk_b is told about theirs, clerk_a about ours.
    assert _overdue_messages(theirs).count() == 1

    assert sweep_overdue() == 0
    assert Message.objects.filter(template="cases_overdue_digest").count() == 2


def test_digest_lists_a_limited_number_of_receipts(make_case, personas, frozen, monkeypatch):
    from doorstep.cases.actions import sweep

    monkeypatch.setattr(sweep, "DIGEST_RECEIPTS", 2)
    cases = [make_case() for _ in range(3)]
    frozen.move_to(_day_after(cases[0].due_on))
    sweep_overdue()
    digest = Message.objects.get(
        template="cases_overdue_digest", idempotency_key__contains=f":{personas.street_lead.pk}:"
    )
    assert digest.subject == "Cases newly overdue: 3"
    assert sum(c.receipt in digest.body for c in cases) == 2
    assert digest.body.endswith("…")


def test_no_digest_for_a_lead_without_overdue_cases(make_case, personas, community_lead, frozen):
    case = make_case()
    assert sweep_overdue(today=case.due_on) == 0
    assert not Message.objects.filter(template="cases_overdue_digest").exists()


def test_a_second_run_with_the_same_timestamp_marks_only_its_own(make_case, frozen):
    """Two runs that happen to share a timestamp: the later one must not take the earlier
    one's cases for its own (it retries with a timestamp of its own)."""
    first = make_case()
    frozen.move_to(NOW + datetime.timedelta(days=1))
    second = make_case()
    stamp = _day_after(second.due_on)

    assert sweep_overdue(today=first.due_on + datetime.timedelta(days=1), now=stamp) == 1
    assert sweep_overdue(today=second.due_on + datetime.timedelta(days=1), now=stamp) == 1

    assert _events(first).count() == 1
    assert _events(second).count() == 1
    second.refresh_from_db()
    assert second.overdue_at == stamp + datetime.timedelta(microseconds=1)


def test_a_paused_case_is_swept_after_its_clock_restarts(make_case, personas, frozen):
    from doorstep.cases.actions import do_transition

    case = make_case()
    first_due = case.due_on
    frozen.move_to(NOW + datetime.timedelta(days=2))
    do_transition(case, "request_materials", actor=personas.clerk_a, reason="盖章不清")
    frozen.move_to(_day_after(first_due) + datetime.timedelta(days=7))
    assert sweep_overdue() == 0  # the clock is stopped: never overdue

    do_transition(case, "supply", actor=personas.clerk_a)
    case.refresh_from_db()
    assert case.due_on >= timezone.localdate() > first_due  # moved by the stopped days
    assert sweep_overdue() == 0

    frozen.move_to(_day_after(case.due_on))
    assert sweep_overdue() == 1
    assert _events(case).count() == 1


def test_command_prints_how_many_it_marked(make_case, frozen):
    case = make_case()
    day = (case.due_on + datetime.timedelta(days=1)).isoformat()
    out = StringIO()
    call_command("sweep_cases", "--today", day, stdout=out)
    assert out.getvalue().strip() == "1 case newly overdue."
    out = StringIO()
    call_command("sweep_cases", "--today", day, stdout=out)
    assert out.getvalue().strip() == "0 cases newly overdue."


def test_command_refuses_a_bad_date(db):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("sweep_cases", "--today", "1.12.2026")


def test_command_sweeps_today_by_default(make_case, frozen):
    case = make_case()
    frozen.move_to(_day_after(case.due_on))
    out = StringIO()
    call_command("sweep_cases", stdout=out)
    assert out.getvalue().strip() == "1 case newly overdue."


def test_task(make_case, frozen):
    from doorstep.cases.tasks import sweep_overdue_cases

    case = make_case()
    frozen.move_to(_day_after(case.due_on))
    assert sweep_overdue_cases.call() == 1
    assert sweep_overdue_cases.call() == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="the in-memory SQLite test database locks whole tables; raced on PostgreSQL",
)
def test_two_workers_at_once_mark_each_case_once(make_case, frozen):
    from django.db import connections

    cases = [make_case() for _ in range(20)]
    frozen.move_to(_day_after(cases[0].due_on))
    barrier = threading.Barrier(2)
    counts: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            counts.append(sweep_overdue())
        except BaseException as e:  # reported below, in the test's thread
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert not errors
    assert len(counts) == 2
    assert sum(counts) == 20
    for case in cases:
        assert _events(case).count() == 1
        assert _overdue_messages(case).count() == 1
    assert Message.objects.filter(template="cases_overdue_digest").count() == 1


def test_set_based_queueing_is_idempotent_without_a_where_clause(make_case, frozen):
    """``queue_from_queryset`` over a whole table (no WHERE: on SQLite the ON CONFLICT clause
    then needs one) writes one message per row, and nothing the second time."""
    from django.db.models import CharField, F, Value
    from django.db.models.functions import Cast, Concat

    from doorstep.notify.outbox import queue_from_queryset

    cases = [make_case(), make_case()]

    def queue() -> int:
        return queue_from_queryset(
            Case.objects.all(),
            key=Concat(Value("test:"), Cast("id", CharField())),
            template="case_overdue",
            context={"receipt": F("receipt"), "service": Value("S"), "due": Value("D")},
            channel=Value("log"),
            address=Value(""),
        )

    assert queue() == 2
    assert queue() == 0
    for case in cases:
        message = Message.objects.get(idempotency_key=f"test:{case.pk}")
        assert message.body == f"Case {case.receipt} (S) passed its due date D and is not done."


def test_set_based_queueing_needs_the_template_variables(db):
    from django.db.models import F, Value

    from doorstep.notify.outbox import queue_from_queryset

    with pytest.raises(ValueError, match="receipt"):
        queue_from_queryset(
            Case.objects.all(),
            key=Value("k"),
            template="case_overdue",
            context={"receipt": F("receipt")},
            channel=Value("log"),
            address=Value(""),
        )
