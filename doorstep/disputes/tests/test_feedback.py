"""A dispute is opened for rating (好差评) when mediation concludes, and its callback on the
agreement is also feedback's callback on that rated matter (kept counts as solved, with how
satisfied the parties are); the dispute keeps its own record of performance."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from doorstep.disputes import actions
from doorstep.disputes.models import Dispute
from doorstep.feedback.models import Callback, Subject

from .conftest import NOW, TODAY

pytestmark = pytest.mark.django_db


def _subject(dispute) -> Subject:
    return Subject.objects.get(kind="dispute", object_id=dispute.pk)


def test_the_agreement_opens_the_rated_matter_and_the_close_keeps_it(agreed, personas, frozen):
    dispute = agreed()
    subject = _subject(dispute)
    assert subject.closed_at == NOW and subject.handler == personas.mediator_a
    assert subject.resident is not None  # the first party on record
    frozen.shift(datetime.timedelta(days=2))
    actions.do_record_callback(dispute, actor=personas.mediator_a, on=TODAY, reached=True,
                               performance="partly", satisfaction=3, notes="已付一半")  # fmt: skip
    actions.do_transition(dispute, "close", actor=personas.mediator_a)
    assert Subject.objects.filter(kind="dispute").count() == 1
    assert _subject(dispute).closed_at == NOW  # when mediation concluded, not the close
    callback = Callback.objects.get()
    assert callback.subject == subject and callback.by == personas.mediator_a
    assert (callback.reached, callback.solved, callback.satisfaction, callback.note) == (
        True, "partly", 3, "已付一半"
    )  # fmt: skip
    dispute.refresh_from_db()
    assert dispute.callback_performance == "partly"  # the dispute's own figure stays


def test_not_reached_is_a_callback_too(agreed, personas):
    dispute = agreed()
    actions.do_record_callback(dispute, actor=personas.mediator_a, on=TODAY, reached=False,
                               satisfaction=5)  # fmt: skip
    callback = Callback.objects.get()
    assert (callback.reached, callback.solved, callback.satisfaction) == (False, "", None)


@pytest.mark.parametrize("satisfaction, field", [(None, "satisfaction"), (9, "satisfaction")])
def test_a_reached_callback_says_how_satisfied(agreed, personas, satisfaction, field):
    dispute = agreed()
    with pytest.raises(ValidationError) as exc:
        actions.do_record_callback(dispute, actor=personas.mediator_a, on=TODAY, reached=True,
                                   performance="kept", satisfaction=satisfaction)  # fmt: skip
    assert field in exc.value.error_dict
    assert not Callback.objects.exists()
    assert Dispute.objects.get(pk=dispute.pk).callback_at is None


def test_a_withdrawn_or_failed_mediation_is_rated_too(make_dispute, mediated, personas):
    withdrawn = make_dispute()
    actions.do_transition(withdrawn, "withdraw", actor=personas.mediator_a, reason="申请人撤回")
    failed = mediated()
    actions.do_record_outcome(
        failed, actor=personas.mediator_a, outcome="none", next_steps="可向人民法院起诉。"
    )
    assert _subject(withdrawn) and _subject(failed)
    actions.do_transition(failed, "close", actor=personas.mediator_a)
    assert Subject.objects.filter(kind="dispute").count() == 2


def test_a_file_settled_before_the_rule_opens_at_its_close(agreed, personas):
    dispute = agreed()
    Subject.objects.all().delete()
    actions.do_record_callback(dispute, actor=personas.mediator_a, on=TODAY, reached=True,
                               performance="kept", satisfaction=4)  # fmt: skip
    assert not Callback.objects.exists()  # no rated matter to record it on
    actions.do_transition(dispute, "close", actor=personas.mediator_a)
    assert _subject(dispute).closed_at is not None
