"""The residents' answers by the link's token: accept, decline, opt out, opt back in."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from doorstep.people.models import Resident
from doorstep.proactive import actions
from doorstep.proactive.choices import EntitlementStatus, OptOutReason, StopReason
from doorstep.proactive.models import Entitlement, OptOut
from doorstep.proactive.tests.conftest import SHANGHAI
from doorstep.proactive.tests.test_runs import GRANT, World, build_world

S = EntitlementStatus
JANUARY = datetime.datetime(2027, 1, 4, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def world(personas, make_resident, make_programme, frozen) -> World:
    return build_world(personas, make_resident, make_programme)


@pytest.fixture
def offer(world, make_programme):
    programme = make_programme("meals", GRANT, mode="offer", period="monthly", name="助餐")
    actions.do_run_programme(programme)
    return programme


def offered(programme, resident, period="2026-12") -> Entitlement:
    return Entitlement.objects.get(programme=programme, resident=resident, period=period)


def test_a_token_finds_its_entitlement(world):
    actions.do_run_programme(world.programme)
    e = Entitlement.objects.get(resident=world.old_a)
    found = actions.entitlement_for_token(e.token)
    assert found == e and found.programme == world.programme and found.resident == world.old_a


@pytest.mark.parametrize("token", ["0" * 32, "A" * 32, "0" * 31, "x' OR 1=1 --", "", None, 42])
def test_an_unknown_or_malformed_token_finds_nothing(world, token):
    actions.do_run_programme(world.programme)
    assert actions.entitlement_for_token(token) is None


def test_accept_an_offer_once(world, offer):
    e = offered(offer, world.old_a)
    assert actions.do_accept_offer(e) is True
    assert e.status == S.ACCEPTED and e.decided_at is not None
    stored = offered(offer, world.old_a)
    assert (stored.status, stored.decided_at) == (S.ACCEPTED, e.decided_at)
    assert actions.do_accept_offer(e) is False  # answering twice changes nothing
    assert actions.do_accept_offer(offered(offer, world.old_a)) is False


def test_an_accepted_offer_is_held_and_kept_by_the_next_run(world, offer, frozen):
    actions.do_accept_offer(offered(offer, world.old_a))
    run = actions.do_run_programme(offer)
    assert (run.stopped, run.granted, run.unchanged) == (0, 0, 2)
    frozen.move_to(JANUARY)
    january = actions.do_run_programme(offer)
    assert january.granted == 2  # each month is offered anew
    assert offered(offer, world.old_a).status == S.ACCEPTED


def test_decline_an_offer(world, offer, frozen):
    e = offered(offer, world.old_a)
    assert actions.do_decline_offer(e) is True
    assert e.status == S.DECLINED and e.decided_at is not None
    opt_out = OptOut.objects.get(programme=offer, resident=world.old_a)
    assert opt_out.reason == OptOutReason.DECLINED
    assert actions.do_decline_offer(e) is False
    assert OptOut.objects.count() == 1
    # Never offered again by a later run ...
    frozen.move_to(JANUARY)
    january = actions.do_run_programme(offer)
    assert january.granted == 1
    assert not Entitlement.objects.filter(resident=world.old_a, period="2027-01").exists()
    # ... and the declined offer cannot be accepted any more.
    with pytest.raises(ValidationError, match="declined"):
        actions.do_accept_offer(e)


def test_opt_back_in_after_declining(world, offer, frozen):
    e = offered(offer, world.old_a)
    actions.do_decline_offer(e)
    assert actions.do_opt_in(e) is True
    assert not OptOut.objects.exists()
    assert e.status == S.OFFERED and e.decided_at is None  # the offer is open again
    assert actions.do_opt_in(e) is False
    assert actions.do_accept_offer(e) is True
    frozen.move_to(JANUARY)
    assert actions.do_run_programme(offer).granted == 2


def test_opt_back_in_in_a_later_period(world, offer, frozen):
    actions.do_decline_offer(offered(offer, world.old_a))
    frozen.move_to(JANUARY)
    actions.do_run_programme(offer)
    assert actions.do_opt_in(offered(offer, world.old_a)) is True
    assert offered(offer, world.old_a).status == S.DECLINED  # December's answer stands
    run = actions.do_run_programme(offer)
    assert run.granted == 1
    assert offered(offer, world.old_a, "2027-01").status == S.OFFERED


def test_opt_out_of_a_granted_benefit_then_back_in(world, frozen):
    actions.do_run_programme(world.programme)
    e = Entitlement.objects.get(resident=world.old_a)
    assert actions.do_opt_out(e) is True
    assert OptOut.objects.get().reason == OptOutReason.OPTED_OUT
    assert actions.do_opt_out(e) is False
    run = actions.do_run_programme(world.programme)
    assert run.stopped == 1
    e.refresh_from_db()
    assert (e.status, e.stop_reason) == (S.STOPPED, StopReason.OPTED_OUT)
    frozen.move_to(JANUARY)
    assert actions.do_run_programme(world.programme).granted == 1  # not 王秀英

    assert actions.do_opt_in(e) is True
    frozen.move_to(datetime.datetime(2027, 2, 1, 10, 0, tzinfo=SHANGHAI))
    assert actions.do_run_programme(world.programme).granted == 2


def test_opting_back_in_reopens_what_the_opt_out_stopped_this_period(world):
    actions.do_run_programme(world.programme)
    e = Entitlement.objects.get(resident=world.old_a)
    actions.do_opt_out(e)
    actions.do_run_programme(world.programme)
    assert actions.do_opt_in(e) is True
    assert (e.status, e.stop_reason, e.stop_run_id, e.stopped_at) == (S.GRANTED, "", None, None)
    run = actions.do_run_programme(world.programme)
    assert (run.granted, run.stopped, run.unchanged) == (0, 0, 2)


def test_a_once_programme_is_granted_again_after_opting_back_in(world, make_programme):
    once = make_programme("once", GRANT)
    actions.do_run_programme(once)
    e = Entitlement.objects.get(programme=once, resident=world.old_a)
    actions.do_opt_out(e)
    assert actions.do_run_programme(once).stopped == 1
    actions.do_opt_in(e)
    assert Entitlement.objects.get(pk=e.pk).status == S.GRANTED


def test_accepting_a_stopped_offer_is_refused(world, offer):
    Resident.objects.filter(pk=world.old_a.pk).update(status="deceased")
    actions.do_run_programme(offer)
    e = offered(offer, world.old_a)
    assert e.status == S.STOPPED
    with pytest.raises(ValidationError) as caught:
        actions.do_accept_offer(e)
    assert caught.value.code == "ended"
    with pytest.raises(ValidationError):
        actions.do_decline_offer(e)
    assert offered(offer, world.old_a).status == S.STOPPED


def test_accepting_or_declining_what_is_not_an_offer_is_refused(world):
    actions.do_run_programme(world.programme)
    e = Entitlement.objects.get(resident=world.old_a)
    with pytest.raises(ValidationError) as caught:
        actions.do_accept_offer(e)
    assert caught.value.code == "not_an_offer"
    with pytest.raises(ValidationError):
        actions.do_decline_offer(e)
    assert Entitlement.objects.get(pk=e.pk).status == S.GRANTED and not OptOut.objects.exists()


def test_declining_an_accepted_offer_is_refused(world, offer):
    e = offered(offer, world.old_a)
    actions.do_accept_offer(e)
    with pytest.raises(ValidationError) as caught:
        actions.do_decline_offer(e)
    assert caught.value.code == "accepted"


def test_accepting_is_also_opting_back_in(world, offer):
    e = offered(offer, world.old_a)
    actions.do_opt_out(e)
    assert actions.do_accept_offer(e) is True
    assert not OptOut.objects.exists()
    run = actions.do_run_programme(offer)
    assert run.stopped == 0 and offered(offer, world.old_a).status == S.ACCEPTED
