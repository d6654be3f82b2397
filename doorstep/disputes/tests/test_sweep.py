"""The disputes sweep: past the one-month target, and the court-confirmation deadline near;
each dispute marked and its mediator told once, however often it runs; closed and extended
disputes left alone."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command

from doorstep.disputes.actions import do_extend_deadline, do_sweep_disputes
from doorstep.disputes.models import Dispute
from doorstep.notify.models import Message

pytestmark = pytest.mark.django_db


def test_overdue_marked_once_and_mediator_told_once(make_dispute, personas):
    dispute = make_dispute()
    assert do_sweep_disputes(today=datetime.date(2027, 1, 1)) == (0, 0)
    assert do_sweep_disputes(today=datetime.date(2027, 1, 2)) == (1, 0)
    assert do_sweep_disputes(today=datetime.date(2027, 1, 3)) == (0, 0)
    dispute.refresh_from_db()
    assert dispute.overdue_at is not None
    assert dispute.events.filter(kind="overdue").count() == 1
    message = Message.objects.get(template="dispute_overdue")
    assert message.idempotency_key == f"dispute:{dispute.pk}:overdue"
    assert dispute.number in message.body and "2027-01-01" in message.body


def test_an_extension_with_consent_rearms_the_sweep(mediated, personas):
    dispute = mediated()
    do_sweep_disputes(today=datetime.date(2027, 1, 2))
    parties = [p.pk for p in dispute.parties.all()]
    do_extend_deadline(
        dispute,
        actor=personas.mediator_a,
        due_on=datetime.date(2027, 1, 20),
        consents=parties,
        how="签字",
    )
    assert Dispute.objects.get().overdue_at is None
    assert do_sweep_disputes(today=datetime.date(2027, 1, 10)) == (0, 0)


def test_closed_disputes_are_left_alone(make_dispute, personas):
    from doorstep.disputes.actions import do_transition

    dispute = make_dispute()
    do_transition(dispute, "withdraw", actor=personas.mediator_a, reason="撤回")
    assert do_sweep_disputes(today=datetime.date(2027, 3, 1)) == (0, 0)


def test_court_confirmation_deadline_near(agreed):
    dispute = agreed()
    due = Dispute.objects.get().confirmation_due
    assert do_sweep_disputes(today=due - datetime.timedelta(days=8)) == (0, 0)
    assert do_sweep_disputes(today=due - datetime.timedelta(days=7)) == (0, 1)
    assert do_sweep_disputes(today=due - datetime.timedelta(days=3)) == (0, 0)
    assert do_sweep_disputes(today=due + datetime.timedelta(days=1)) == (0, 0)
    assert Message.objects.filter(template="dispute_confirmation_due").count() == 1
    assert dispute.events.filter(kind="confirmation").count() == 1


def test_the_command(make_dispute):
    make_dispute()
    out = io.StringIO()
    call_command("sweep_disputes", today="2027-01-05", stdout=out)
    assert "1" in out.getvalue()
