"""The escalation sweep: overdue needs climb one level, once, with a new deadline; owners and
the leads of the next level are told once; a stopped clock never escalates."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command

from doorstep.needs import actions
from doorstep.needs.actions import do_escalate_needs
from doorstep.needs.metrics import level_history
from doorstep.needs.models import Need, NeedEvent
from doorstep.notify.models import Message

pytestmark = pytest.mark.django_db


def test_overdue_need_climbs_once(make_need, personas, frozen):
    need = make_need(category="emergency")
    paused = make_need(category="emergency")
    actions.do_transition(paused, "pause", actor=personas.grid_a, reason="等居民")
    assert do_escalate_needs() == 0
    frozen.shift(datetime.timedelta(hours=3))
    assert do_escalate_needs() == 1
    assert do_escalate_needs() == 0  # the new deadline is two hours away
    need.refresh_from_db()
    assert need.level == 2
    assert need.feedback_due_at == need.level_since + datetime.timedelta(hours=2)
    event = NeedEvent.objects.get(need=need, kind="escalated")
    assert event.level == 2
    message = Message.objects.get(template="need_escalated")
    assert message.idempotency_key == f"need:{need.pk}:level:2"
    assert "Property management" in message.body
    assert Need.objects.get(pk=paused.pk).level == 1


def test_ladder_reaches_the_top_and_stops(make_need, personas, frozen):
    need = make_need(category="emergency")
    for _ in range(6):
        frozen.shift(datetime.timedelta(hours=3))
        do_escalate_needs()
    need.refresh_from_db()
    assert need.level == 5
    spells = level_history(need)
    assert [s.level for s in spells] == [1, 2, 3, 4, 5]
    assert spells[0].duration() == datetime.timedelta(hours=3)
    # The street lead hears of needs at the street level or above, once per run.
    digests = Message.objects.filter(template="needs_escalated_digest")
    assert digests.count() >= 1
    assert Message.objects.filter(template="need_escalated").count() == 4


def test_command(make_need, frozen, capsys):
    make_need(category="emergency")
    frozen.shift(datetime.timedelta(hours=3))
    call_command("escalate_needs")
    assert "1 need escalated" in capsys.readouterr().out
