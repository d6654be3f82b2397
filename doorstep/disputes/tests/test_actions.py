"""The mediation file through its actions: registration, the notice before any session, the
state machine, the outcome, extensions only with every party's consent, the callback before
closing. Refused writes change nothing."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from doorstep.disputes import actions
from doorstep.disputes.choices import ALLOWED, TRANSITIONS, DisputeStatus
from doorstep.disputes.models import Dispute, DisputeEvent, DisputeParty, MediationSession

from .conftest import TODAY, WRITTEN

pytestmark = pytest.mark.django_db


def _codes(exc: ValidationError) -> set[str]:
    if hasattr(exc, "error_dict"):
        return {e.code for errors in exc.error_dict.values() for e in errors}
    return {e.code for e in exc.error_list}


def test_registration_sets_the_one_month_target_and_logs(make_dispute, personas):
    dispute = make_dispute()
    assert dispute.status == "registered"
    assert dispute.due_on == datetime.date(2027, 1, 1)
    assert dispute.mediator == personas.mediator_a
    assert dispute.area_code == personas.compound_a.code
    resident, outsider = dispute.parties.all()
    assert resident.kind == "resident" and resident.name == "张景林"
    assert resident.phone_masked == "138****5678"
    assert outsider.kind == "outsider" and outsider.phone_masked == "139****1111"
    assert "13900001111" not in outsider.phone_cipher
    kinds = list(dispute.events.values_list("kind", flat=True))
    assert kinds == ["registered", "party", "party"]


def test_month_end_clips():
    assert actions.one_month_after(datetime.date(2027, 1, 31)) == datetime.date(2027, 2, 28)
    assert actions.one_month_after(datetime.date(2026, 12, 15)) == datetime.date(2027, 1, 15)


def test_a_referral_names_the_referring_body(make_dispute):
    with pytest.raises(ValidationError) as exc:
        make_dispute(source="police", referred_by="")
    assert "referred_by" in exc.value.error_dict
    assert not Dispute.objects.exists()
    dispute = make_dispute(source="court", referred_by="汉阳区人民法院")
    assert dispute.referred_by == "汉阳区人民法院"


def test_bad_party_rolls_back_the_whole_registration(make_dispute):
    from doorstep.disputes.actions import PartySpec

    with pytest.raises(ValidationError) as exc:
        make_dispute(parties=[PartySpec(name="王五"), PartySpec(name="赵六", phone="12345")])
    assert "parties.1.phone" in exc.value.error_dict
    assert not Dispute.objects.exists() and not DisputeParty.objects.exists()
    assert not DisputeEvent.objects.exists()


def test_a_resident_outside_the_mediators_area_is_not_found(make_dispute, make_resident, personas):
    from doorstep.disputes.actions import PartySpec

    other = make_resident("钱多多", area=personas.compound_b)
    with pytest.raises(ValidationError) as exc:
        make_dispute(parties=[PartySpec(resident_id=other.pk)])
    assert _codes(exc.value) == {"not_found"}


def test_only_mediators_of_the_area_register(make_dispute, personas):
    for who in ("mediator_b", "clerk_a", "grid_a", "street_lead", "outsider", "reviewer"):
        with pytest.raises(PermissionDenied):
            make_dispute(actor=getattr(personas, who))
    assert not Dispute.objects.exists()


def test_the_mediator_must_mediate_in_the_area(make_dispute, personas):
    with pytest.raises(ValidationError) as exc:
        make_dispute(mediator=personas.mediator_b)
    assert "mediator" in exc.value.error_dict


def test_no_session_until_every_party_acknowledged_the_notice(make_dispute, personas):
    dispute = make_dispute()
    first, second = dispute.parties.all()
    actions.do_acknowledge_notice(dispute, actor=personas.mediator_a, party_id=first.pk)
    session = {
        "held_on": TODAY,
        "place": "调解室",
        "attendees": "双方",
        "record": "记录",
    }
    with pytest.raises(actions.InvalidTransition) as exc:
        actions.do_add_session(dispute, actor=personas.mediator_a, **session)
    assert "李秀英" in exc.value.messages[0]
    assert not MediationSession.objects.exists()
    assert Dispute.objects.get().status == "registered"
    actions.do_acknowledge_notice(
        dispute, actor=personas.mediator_a, party_id=second.pk, signed_by="李秀英之子 王小明"
    )
    actions.do_add_session(dispute, actor=personas.mediator_a, **session)
    dispute.refresh_from_db()
    assert dispute.status == "in_mediation"
    second.refresh_from_db()
    assert second.notice_signed_by == "李秀英之子 王小明"
    assert second.notice_recorded_by == personas.mediator_a and second.notice_at is not None


def test_acknowledging_twice_is_refused(make_dispute, personas):
    dispute = make_dispute()
    party = dispute.parties.first()
    actions.do_acknowledge_notice(dispute, actor=personas.mediator_a, party_id=party.pk)
    with pytest.raises(actions.InvalidTransition):
        actions.do_acknowledge_notice(dispute, actor=personas.mediator_a, party_id=party.pk)


def test_a_session_needs_two_parties(make_dispute, personas):
    from doorstep.disputes.actions import PartySpec

    dispute = make_dispute(parties=[PartySpec(name="王五")])
    actions.do_acknowledge_notice(
        dispute, actor=personas.mediator_a, party_id=dispute.parties.get().pk
    )
    with pytest.raises(actions.InvalidTransition):
        actions.do_add_session(
            dispute, actor=personas.mediator_a, held_on=TODAY, place="x", attendees="x", record="x"
        )


def test_a_future_session_is_refused(mediated, personas):
    dispute = mediated()
    with pytest.raises(ValidationError) as exc:
        actions.do_add_session(
            dispute,
            actor=personas.mediator_a,
            held_on=TODAY + datetime.timedelta(days=1),
            place="x",
            attendees="x",
            record="x",
        )
    assert "held_on" in exc.value.error_dict


def test_no_agreement_without_a_session(make_dispute, personas):
    dispute = make_dispute()
    with pytest.raises(actions.InvalidTransition):
        actions.do_record_outcome(dispute, actor=personas.mediator_a, **WRITTEN)
    # Registered disputes may still be referred without a session.
    actions.do_record_outcome(
        dispute, actor=personas.mediator_a, outcome="referred", referred_to="汉阳区信访局"
    )
    assert Dispute.objects.get().status == "referred"


def test_written_agreement_starts_the_court_confirmation_clock(agreed):
    dispute = agreed()
    dispute.refresh_from_db()
    assert dispute.status == "agreement" and dispute.outcome == "written"
    assert dispute.effective_on == TODAY
    assert dispute.confirmation_due == TODAY + datetime.timedelta(days=30)


def test_outcome_fields_are_required_per_kind(mediated, personas):
    dispute = mediated()
    cases = [
        ({"outcome": "written", "terms": "x", "performance_how": "x"}, "responsibility"),
        ({"outcome": "oral"}, "terms"),
        ({"outcome": "none"}, "next_steps"),
        ({"outcome": "referred"}, "referred_to"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationError) as exc:
            actions.do_record_outcome(dispute, actor=personas.mediator_a, **kwargs)
        assert field in exc.value.error_dict
    assert Dispute.objects.get().status == "in_mediation"
    assert Dispute.objects.get().outcome == ""


def test_oral_agreement_is_recorded_as_text(mediated, personas):
    dispute = mediated()
    actions.do_record_outcome(
        dispute, actor=personas.mediator_a, outcome="oral", terms="双方同意各自修缮。"
    )
    dispute.refresh_from_db()
    assert dispute.terms == "双方同意各自修缮。" and dispute.confirmation_due is None


def test_extension_needs_every_partys_consent(mediated, personas):
    dispute = mediated()
    first, second = dispute.parties.all()
    later = dispute.due_on + datetime.timedelta(days=15)
    with pytest.raises(ValidationError) as exc:
        actions.do_extend_deadline(
            dispute, actor=personas.mediator_a, due_on=later, consents=[first.pk], how="签字"
        )
    assert _codes(exc.value) == {"consent_missing"}
    assert "李秀英" in exc.value.messages[0]
    assert Dispute.objects.get().due_on == datetime.date(2027, 1, 1)
    actions.do_extend_deadline(
        dispute,
        actor=personas.mediator_a,
        due_on=later,
        consents=[first.pk, second.pk],
        how="双方在延期同意书上签字",
    )
    dispute.refresh_from_db()
    assert dispute.due_on == later and dispute.extensions == 1
    event = dispute.events.get(kind="extended")
    assert event.data["consents"] == ["张景林", "李秀英"]


def test_callback_before_closing_an_agreement(agreed, personas):
    dispute = agreed()
    with pytest.raises(actions.InvalidTransition) as exc:
        actions.do_transition(dispute, "close", actor=personas.mediator_a)
    assert "Call the parties back" in exc.value.messages[0]
    # Not reaching the parties is logged but does not count.
    actions.do_record_callback(dispute, actor=personas.mediator_a, on=TODAY, reached=False)
    with pytest.raises(actions.InvalidTransition):
        actions.do_transition(dispute, "close", actor=personas.mediator_a)
    actions.do_record_callback(
        dispute, actor=personas.mediator_a, on=TODAY, reached=True, performance="kept",
        satisfaction=4,
    )  # fmt: skip
    actions.do_transition(dispute, "close", actor=personas.mediator_a)
    dispute.refresh_from_db()
    assert dispute.status == "closed" and dispute.closed_at is not None
    verbs = list(dispute.events.filter(kind="transition").values_list("verb", flat=True))
    assert verbs == ["start", "agree", "close"]


def test_no_agreement_closes_without_callback(mediated, personas):
    dispute = mediated()
    actions.do_record_outcome(
        dispute, actor=personas.mediator_a, outcome="none", next_steps="可向人民法院起诉。"
    )
    actions.do_transition(dispute, "close", actor=personas.mediator_a)
    assert Dispute.objects.get().status == "closed"


def test_withdraw_needs_a_reason(make_dispute, personas):
    dispute = make_dispute()
    with pytest.raises(ValidationError):
        actions.do_transition(dispute, "withdraw", actor=personas.mediator_a)
    actions.do_transition(dispute, "withdraw", actor=personas.mediator_a, reason="申请人撤回")
    assert Dispute.objects.get().status == "closed"


def test_every_transition_in_the_table_leads_somewhere_known():
    for t in TRANSITIONS.values():
        assert t.target in DisputeStatus.values
        assert all(s in DisputeStatus.values for s in t.source)
    assert ALLOWED["closed"] == frozenset()
    assert ALLOWED["registered"] == {"in_mediation", "referred", "closed"}


def test_risk_flag_notifies_through_the_outbox(
    mediated, personas, django_capture_on_commit_callbacks
):
    from doorstep.notify.models import Message

    dispute = mediated()
    told = actions.do_flag_risk(
        dispute,
        actor=personas.mediator_a,
        level="red",
        reason="一方扬言报复，可能激化。",
        recipients=["police", "department"],
        department="汉阳区住房和城市更新局",
    )
    assert told == ["The local police station", "汉阳区住房和城市更新局"]
    assert Message.objects.filter(template="dispute_risk").count() == 2
    event = dispute.events.get(kind="risk")
    assert event.data == {"level": "red", "recipients": told}
    assert Dispute.objects.get().risk == "red"


def test_risk_without_recipients_is_refused_and_changes_nothing(mediated, personas):
    from doorstep.notify.models import Message

    dispute = mediated()
    with pytest.raises(ValidationError):
        actions.do_flag_risk(dispute, actor=personas.mediator_a, level="red", reason="x")
    assert Dispute.objects.get().risk == "none"
    assert not Message.objects.exists()


def test_another_mediator_on_a_partys_request(make_dispute, personas, django_user_model):
    from doorstep.staff.models import RoleGrant

    lead = django_user_model.objects.create_user("lead_a", password="pw")
    RoleGrant.objects.create(user=lead, role="community_lead", area=personas.area_a)
    other = django_user_model.objects.create_user("mediator_a2", password="pw")
    RoleGrant.objects.create(user=other, role="mediator", area=personas.area_a)
    dispute = make_dispute()
    party = dispute.parties.last()
    actions.do_request_mediator(
        dispute, actor=personas.mediator_a, party_id=party.pk, reason="认为调解员与对方相识"
    )
    with pytest.raises(PermissionDenied):  # the mediator does not decide on themselves
        actions.do_decide_mediator_request(
            dispute, actor=personas.mediator_a, grant=True, new_mediator=other
        )
    actions.do_decide_mediator_request(dispute, actor=lead, grant=True, new_mediator=other)
    dispute.refresh_from_db()
    assert dispute.mediator == other
    assert not Dispute.objects.visible_to(personas.mediator_a).exists()
    assert Dispute.objects.visible_to(other).count() == 1


def test_wrong_personas_cannot_act(mediated, personas):
    dispute = mediated()
    for who in ("mediator_b", "street_lead", "district_lead", "clerk_a", "outsider"):
        with pytest.raises(PermissionDenied):
            actions.do_transition(dispute, "withdraw", actor=getattr(personas, who), reason="x")
    assert Dispute.objects.get().status == "in_mediation"
