"""The need's life through the actions: registration and its clock, hand-on and acceptance,
refusal and "not ours", pausing, extension, answer, callback, reopen and the flag."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from doorstep.feedback.actions import Called
from doorstep.needs import actions
from doorstep.needs.models import FlagDecision, Need, NeedEvent, NeedOwnership

pytestmark = pytest.mark.django_db


def test_registration_owns_and_counts_working_days(make_need, personas):
    need = make_need()
    assert need.owner_user == personas.grid_a and need.status == "new"
    # 7 working days after Tuesday 1 December 2026, at the same time of day.
    assert need.feedback_due_at.date() == datetime.date(2026, 12, 10)
    assert need.raiser_phone == "13912345678"
    assert NeedOwnership.objects.filter(need=need, until__isnull=True).count() == 1
    assert need.events.get().kind == "created"


def test_hours_category(make_need):
    need = make_need(category="emergency", urgency="red")
    assert need.feedback_due_at - need.created_at == datetime.timedelta(hours=2)


def test_bad_input_changes_nothing(make_need, personas, category):
    with pytest.raises(ValidationError):
        actions.do_register_need(
            actor=personas.grid_a, source="visit", kind="help", category=category,
            description="", compound=personas.compound_a, raiser_name="x",
        )  # fmt: skip
    with pytest.raises(ValidationError):  # another community's compound
        actions.do_register_need(
            actor=personas.grid_a, source="visit", kind="help", category=category,
            description="x", compound=personas.compound_b, raiser_name="x",
        )  # fmt: skip
    with pytest.raises(ValidationError):
        actions.do_register_need(
            actor=personas.grid_a, source="visit", kind="help", category=category,
            description="x", compound=personas.compound_a, raiser_name="x", raiser_phone="123",
        )  # fmt: skip
    assert not Need.objects.exists()


def test_hand_on_to_staff_accept(make_need, personas):
    need = make_need()
    handoff = actions.do_hand_on(
        need, actor=personas.grid_a, to_kind="user", target=personas.clerk_a, reason="需要社区协调"
    )
    need.refresh_from_db()
    assert need.owner_user == personas.grid_a  # the giver owns it while pending
    with pytest.raises(PermissionDenied):
        actions.do_accept_handoff(handoff, actor=personas.grid_b)
    actions.do_accept_handoff(handoff, actor=personas.clerk_a)
    need.refresh_from_db()
    assert need.owner_user == personas.clerk_a
    assert NeedOwnership.objects.filter(need=need).count() == 2
    with pytest.raises(ValidationError):  # answered already
        actions.do_accept_handoff(handoff, actor=personas.clerk_a)


def test_refuse_not_ours_hands_it_on(make_need, personas, body):
    need = make_need()
    handoff = actions.do_hand_on(
        need, actor=personas.grid_a, to_kind="user", target=personas.clerk_a, reason="请处理"
    )
    with pytest.raises(ValidationError):
        actions.do_refuse_handoff(handoff, actor=personas.clerk_a, reason="")
    again = actions.do_refuse_handoff(
        handoff, actor=personas.clerk_a, reason="属物业维修范围", redirect=("external", body)
    )
    need.refresh_from_db()
    assert need.owner_user == personas.grid_a
    assert again.to_external == body and again.status == "pending"
    assert again.nonce and actions.handoff_for_token(actions.token_for(again)) == again


def test_external_body_by_link(make_need, personas, body):
    from doorstep.notify.models import Message

    need = make_need()
    handoff = actions.do_hand_on(
        need, actor=personas.grid_a, to_kind="external", target=body, reason="楼道灯维修"
    )
    message = Message.objects.get(template="need_handed_to_body")
    token = actions.token_for(handoff)
    assert token in message.body
    assert actions.handoff_for_token(token + "x") is None
    actions.do_accept_handoff(handoff, actor=None)
    need.refresh_from_db()
    assert need.owner_external == body
    actions.do_answer(
        need, actor=None, decision="resolved", answer="已更换灯泡", body_name=body.name
    )
    need.refresh_from_db()
    assert need.status == "answered"
    # The grid worker calls the resident back; satisfied closes it.
    done = actions.do_callback(
        need, actor=personas.clerk_a, called=Called(reached=True, solved="yes", satisfaction=4)
    )
    assert done.event.to_status == "closed"


def test_link_expires(make_need, personas, body, frozen):
    need = make_need()
    handoff = actions.do_hand_on(
        need, actor=personas.grid_a, to_kind="external", target=body, reason="维修"
    )
    token = actions.token_for(handoff)
    frozen.shift(datetime.timedelta(days=15))
    assert actions.handoff_for_token(token) is None


def test_pause_moves_the_deadline(make_need, personas, frozen):
    need = make_need(category="emergency")
    due = need.feedback_due_at
    actions.do_transition(need, "start", actor=personas.grid_a)
    actions.do_transition(need, "pause", actor=personas.grid_a, reason="等居民回家")
    frozen.shift(datetime.timedelta(hours=5))
    assert not Need.objects.overdue().exists()
    actions.do_transition(need, "resume", actor=personas.grid_a)
    need.refresh_from_db()
    assert need.feedback_due_at == due + datetime.timedelta(hours=5)
    assert need.paused_seconds == 5 * 3600


def test_stale_revision_is_refused(make_need, personas):
    need = make_need()
    with pytest.raises(ValidationError) as exc:
        actions.do_transition(need, "start", actor=personas.grid_a, revision=need.revision + 5)
    assert exc.value.code == "changed"


def test_invalid_transition(make_need, personas):
    need = make_need()
    with pytest.raises(ValidationError) as exc:
        actions.do_transition(need, "resume", actor=personas.grid_a)
    assert exc.value.code == "invalid_transition"


def test_extension_by_reviewer_only(make_need, personas):
    need = make_need()
    actions.do_ask_extension(need, actor=personas.grid_a, hours=48, reason="等配件")
    with pytest.raises(PermissionDenied):
        actions.do_decide_extension(need, actor=personas.grid_a, grant=True, reason="ok")
    due = Need.objects.get(pk=need.pk).feedback_due_at
    actions.do_decide_extension(need, actor=personas.street_lead, grant=True, reason="配件缺货")
    need.refresh_from_db()
    assert need.feedback_due_at == due + datetime.timedelta(hours=48) and need.extended


def test_flag_only_by_reviewer_decision(make_need, personas):
    need = make_need()
    assert not need.unreasonable
    with pytest.raises(PermissionDenied):
        actions.do_decide_flag(need, actor=personas.grid_a, flagged=True, reasons="x")
    with pytest.raises(ValidationError):
        actions.do_decide_flag(need, actor=personas.street_lead, flagged=True, reasons="")
    actions.do_decide_flag(
        need, actor=personas.street_lead, flagged=True, reasons="一年内同一诉求十次"
    )
    need.refresh_from_db()
    assert need.unreasonable and FlagDecision.objects.get().decided_by == personas.street_lead


def test_same_problem_offer_and_join(make_need, personas, category):
    first = make_need()
    offered = actions.do_register_need(
        actor=personas.clerk_a, source="desk", kind="complaint", category=category,
        description="楼道灯不亮", compound=personas.compound_a, raiser_name="李叔",
    )  # fmt: skip
    assert offered.need is None and offered.candidates == [first]
    joined = actions.do_register_need(
        actor=personas.clerk_a, source="desk", kind="complaint", category=category,
        description="楼道灯不亮", compound=personas.compound_a, raiser_name="李叔",
        join=first.pk,
    )  # fmt: skip
    assert joined.joined and first.supporters.get().name == "李叔"
    assert Need.objects.count() == 1


def test_governance_proposed_once(make_need, personas):
    from doorstep.needs.models import GovernanceItem

    make_need()
    make_need()
    assert not GovernanceItem.objects.exists()
    make_need()
    make_need()
    item = GovernanceItem.objects.get()
    assert item.needs_count == 3 and item.area_code == personas.compound_a.code


def test_events_are_appended(make_need, personas):
    need = make_need()
    actions.do_transition(need, "start", actor=personas.grid_a)
    kinds = list(NeedEvent.objects.filter(need=need).values_list("kind", flat=True))
    assert kinds == ["created", "transition"]
