"""Planning days, registering matters, assigning, reporting, petition limits and the sweeps,
through the real actions; every refusal changes nothing."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from doorstep.desks.models import DeskSession, Slot
from doorstep.needs.models import Need, NeedEvent
from doorstep.notify.models import InboxItem
from doorstep.reception import actions
from doorstep.reception.choices import Stage
from doorstep.reception.models import Matter, ReceptionDay

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def codes(exc: ValidationError) -> dict[str, str]:
    return {field: errors[0].code for field, errors in exc.error_dict.items()}


# ---- planning ---------------------------------------------------------------------------------


def test_a_bookable_day_has_a_desk_session_with_slots(day, setup):
    assert day.area_code == setup.area_a.code and day.status == "planned"
    assert day.announce_on == TODAY - datetime.timedelta(days=14)
    session = day.session
    assert session.desk.kind == "reception" and session.compound == setup.compound_a
    assert Slot.objects.filter(session=session).count() == 6  # 14:00–17:00 by 30 minutes


def test_an_open_day_takes_no_bookings(make_day):
    (day,) = make_day(mode="open")
    assert day.session is None and not day.bookable


def test_a_monthly_day_keeps_the_weekday_of_the_week_and_skips_holidays(make_day):
    from doorstep.workdays.models import Holiday

    # 2026-12-01 is the first Tuesday. Say 2027-01-05, January's first Tuesday, is a holiday.
    Holiday.objects.create(date=datetime.date(2027, 1, 5), kind="holiday", name="测试假日")
    days = make_day(repeat_months=3)
    assert [d.date for d in days] == [
        TODAY,
        datetime.date(2027, 1, 6),  # the next working day
        datetime.date(2027, 2, 2),
        datetime.date(2027, 3, 2),
    ]
    assert len({d.session_id for d in days}) == 4


def test_nth_weekday_and_the_last_one():
    assert actions.nth_weekday(2026, 12, 2, 3) == datetime.date(2026, 12, 16)  # 3rd Wednesday
    assert actions.nth_weekday(2026, 12, 3, 5) == datetime.date(2026, 12, 31)  # last Thursday
    assert actions.nth_weekday(2027, 2, 0, 5) == datetime.date(2027, 2, 22)  # last Monday


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"end": datetime.time(13, 0)}, "end"),
        ({"date": TODAY - datetime.timedelta(days=1)}, "date"),
        ({"mode": "secret"}, "mode"),
        ({"announce_days": 61}, "announce_days"),
        ({"repeat_months": 13}, "repeat_months"),
        ({"capacity": 0}, "capacity"),
        ({"leader_title": "  "}, "leader_title"),
    ],
)
def test_bad_plans_are_refused_and_write_nothing(make_day, change, field):
    with pytest.raises(ValidationError) as caught:
        make_day(**change)
    assert field in codes(caught.value)
    assert not ReceptionDay.objects.exists() and not DeskSession.objects.exists()


def test_the_venue_lies_in_the_area_and_the_leader_may_own_needs_there(make_day, setup):
    with pytest.raises(ValidationError) as caught:
        make_day(venue=setup.compound_b)
    assert "venue" in codes(caught.value)
    with pytest.raises(ValidationError) as caught:
        make_day(leader=setup.mediator_a)  # a mediator owns no needs
    assert "leader" in codes(caught.value)
    with pytest.raises(ValidationError) as caught:
        make_day(area=setup.compound_a)
    assert "area" in codes(caught.value)
    assert not ReceptionDay.objects.exists()


def test_only_who_runs_reception_in_the_area_plans(make_day, setup):
    for user in (setup.grid_a, setup.clerk_b, setup.outsider, setup.district_lead):
        with pytest.raises(PermissionDenied):
            make_day(actor=user)
    assert make_day(actor=setup.clerk_a)  # a clerk of community A runs the day for the leader


def test_a_leader_receives_once_at_a_time(make_day):
    make_day()
    with pytest.raises(ValidationError) as caught:
        make_day(repeat_months=2)
    assert codes(caught.value) == {"date": "duplicate"}
    assert ReceptionDay.objects.count() == 1


def test_calling_a_day_off_cancels_its_bookings(day, setup):
    from doorstep.desks.models import Appointment

    slot = day.session.slots.first()
    Appointment.objects.create(
        slot=slot, name="钱", phone="13912345678", code="ABCD2345", status="booked"
    )
    session = day.session
    actions.do_cancel_day(day, actor=setup.street_lead)
    day.refresh_from_db()
    session.refresh_from_db()
    assert day.status == "cancelled" and session.status == "cancelled" and day.session is None
    assert Appointment.objects.get().status == "cancelled"
    with pytest.raises(ValidationError):
        actions.do_cancel_day(day, actor=setup.street_lead)


def test_a_day_with_matters_cannot_be_called_off(day, raise_matter, setup):
    raise_matter(day)
    with pytest.raises(ValidationError):
        actions.do_cancel_day(day, actor=setup.street_lead)
    with pytest.raises(PermissionDenied):
        actions.do_cancel_day(day, actor=setup.clerk_b)


# ---- matters ----------------------------------------------------------------------------------


def test_an_accepted_matter_is_a_need_the_leader_owns(day, raise_matter, setup):
    matter = raise_matter(day, actor=setup.clerk_a)
    need = matter.need
    assert need.owner_kind == "user" and need.owner_user == setup.street_lead
    assert need.source == "reception" and need.source_ref == f"reception:{day.pk}"
    assert matter.created_by == setup.clerk_a and matter.stage(TODAY) == Stage.ACCEPTED
    day.refresh_from_db()
    assert day.status == "held"


def test_a_court_matter_is_registered_not_accepted_and_the_resident_told(day, raise_matter):
    matter = raise_matter(day, route="court")
    assert matter.need is None and "court" in matter.told
    assert matter.description.startswith("3栋电梯") and matter.raiser_name == "钱大爷"
    assert matter.stage(TODAY) == Stage.REFERRED and not Need.objects.exists()


def test_a_petition_gets_its_time_limits(day, raise_matter):
    matter = raise_matter(day, petition=True)
    assert matter.notice_due == TODAY + datetime.timedelta(days=15)
    assert matter.conclude_by == TODAY + datetime.timedelta(days=60)
    referred = raise_matter(day, petition=True, route="arbitration")
    assert referred.notice_due == TODAY + datetime.timedelta(days=15)
    assert referred.conclude_by is None


@pytest.mark.parametrize(
    "summary", ["钱大爷说电梯坏了", "电话13912345678", "3栋401室电梯", "", "长" * 121]
)
def test_the_public_summary_carries_nobody(day, raise_matter, summary):
    with pytest.raises(ValidationError) as caught:
        raise_matter(day, public_summary=summary)
    assert "public_summary" in codes(caught.value)
    assert not Matter.objects.exists() and not Need.objects.exists()


def test_matters_wait_for_the_day_and_stay_in_its_area(make_day, raise_matter, setup):
    (later,) = make_day(date=TODAY + datetime.timedelta(days=7))
    with pytest.raises(ValidationError):
        raise_matter(later)
    (today,) = make_day(start=datetime.time(9, 0), end=datetime.time(11, 0))
    with pytest.raises(ValidationError) as caught:
        raise_matter(today, compound=setup.compound_b)
    assert "compound" in codes(caught.value)
    with pytest.raises(PermissionDenied):
        raise_matter(today, actor=setup.clerk_b)
    assert not Matter.objects.exists() and not Need.objects.exists()


def test_a_need_failing_its_own_checks_leaves_no_matter(day, raise_matter):
    with pytest.raises(ValidationError):
        raise_matter(day, kind="gossip")
    with pytest.raises(ValidationError):
        raise_matter(day, description="")
    assert not Matter.objects.exists() and not Need.objects.exists()


# ---- assigning, reporting, petitions ----------------------------------------------------------


def test_assign_report_and_conclude(day, raise_matter, department, setup):
    matter = raise_matter(day)
    due = TODAY + datetime.timedelta(days=10)
    actions.do_assign(matter, actor=setup.clerk_a, department=department, due_on=due, note="尽快")
    matter.refresh_from_db()
    assert matter.stage(TODAY) == Stage.ASSIGNED and matter.due_on == due
    assert InboxItem.objects.filter(recipient=setup.reviewer, kind="reception").exists()
    assert NeedEvent.objects.filter(need=matter.need, kind="progress").exists()
    with pytest.raises(PermissionDenied):
        actions.do_report(matter, actor=setup.grid_a, report="修好了")
    actions.do_report(matter, actor=setup.reviewer, report="已联系维保单位修复")
    matter.refresh_from_db()
    assert matter.stage(TODAY) == Stage.REPORTED
    assert InboxItem.objects.filter(recipient=setup.street_lead, kind="reception").exists()
    # the leader concludes the need; the board follows the need
    from doorstep.needs.actions import do_answer

    do_answer(matter.need, actor=setup.street_lead, decision="resolved", answer="电梯已修复")
    matter.refresh_from_db()
    assert matter.stage(TODAY) == Stage.ANSWERED
    with pytest.raises(ValidationError):
        actions.do_assign(matter, actor=setup.clerk_a, department=department, due_on=due)


def test_bad_assignments_are_refused(day, raise_matter, department, setup):
    matter = raise_matter(day, petition=True)
    with pytest.raises(ValidationError) as caught:
        actions.do_assign(matter, actor=setup.clerk_a, department=department,
                          due_on=TODAY - datetime.timedelta(days=1))  # fmt: skip
    assert "due_on" in codes(caught.value)
    with pytest.raises(ValidationError) as caught:
        actions.do_assign(matter, actor=setup.clerk_a, department=department,
                          due_on=TODAY + datetime.timedelta(days=61))  # fmt: skip
    assert "due_on" in codes(caught.value)
    with pytest.raises(ValidationError):
        actions.do_assign(matter, actor=setup.clerk_a, department=None, due_on=TODAY)
    with pytest.raises(PermissionDenied):
        actions.do_assign(matter, actor=setup.reviewer, department=department, due_on=TODAY)
    with pytest.raises(ValidationError):
        actions.do_report(matter, actor=setup.clerk_a, report="没有交办")
    matter.refresh_from_db()
    assert matter.department is None and not matter.report


def test_petition_notice_and_one_extension(day, raise_matter, setup):
    matter = raise_matter(day, petition=True)
    with pytest.raises(ValidationError):
        actions.do_record_notice(matter, actor=setup.clerk_a, sent_on=TODAY + datetime.timedelta(1))
    actions.do_record_notice(matter, actor=setup.clerk_a, sent_on=TODAY)
    with pytest.raises(ValidationError):
        actions.do_record_notice(matter, actor=setup.clerk_a, sent_on=TODAY)
    for bad in (0, 31):
        with pytest.raises(ValidationError):
            actions.do_extend(matter, actor=setup.clerk_a, days=bad, reason="需要现场勘查")
    with pytest.raises(ValidationError):
        actions.do_extend(matter, actor=setup.clerk_a, days=30, reason="")
    actions.do_extend(matter, actor=setup.clerk_a, days=30, reason="需要现场勘查")
    matter.refresh_from_db()
    assert matter.conclude_by == TODAY + datetime.timedelta(days=90)
    with pytest.raises(ValidationError):
        actions.do_extend(matter, actor=setup.clerk_a, days=5, reason="再延")
    plain = raise_matter(day)
    with pytest.raises(ValidationError):
        actions.do_extend(plain, actor=setup.clerk_a, days=5, reason="不是信访")
    with pytest.raises(ValidationError):
        actions.do_record_notice(plain, actor=setup.clerk_a, sent_on=TODAY)


# ---- sweeps -----------------------------------------------------------------------------------


def test_the_chase_sweep_chases_late_matters_once_a_day(
    day, raise_matter, department, setup, frozen
):
    late = raise_matter(day)
    on_time = raise_matter(day)
    actions.do_assign(late, actor=setup.clerk_a, department=department, due_on=TODAY)
    actions.do_assign(on_time, actor=setup.clerk_a, department=department,
                      due_on=TODAY + datetime.timedelta(days=30))  # fmt: skip
    assert actions.do_chase() == 0
    frozen.shift(datetime.timedelta(days=2))
    assert actions.do_chase() == 1
    assert actions.do_chase() == 0  # once a day
    late.refresh_from_db()
    assert late.chases == 1 and late.stage(TODAY + datetime.timedelta(days=2)) == Stage.LATE
    chased = InboxItem.objects.filter(key__contains=f"reception:{late.pk}:chased")
    assert set(chased.values_list("recipient", flat=True)) == {
        setup.street_lead.pk,
        setup.reviewer.pk,
    }
    frozen.shift(datetime.timedelta(days=1))
    assert actions.do_chase() == 1
    late.refresh_from_db()
    assert late.chases == 2


def test_a_late_written_decision_is_put_to_the_leader(day, raise_matter, frozen, setup):
    matter = raise_matter(day, petition=True, route="court")
    frozen.shift(datetime.timedelta(days=16))
    actions.do_chase()
    item = InboxItem.objects.get(key__contains=f"reception:{matter.pk}:notice-late")
    assert item.recipient == setup.street_lead and str(matter.pk) in item.title


def test_briefs_go_to_each_leader_once_before_their_day(make_day, setup, frozen):
    (soon,) = make_day(date=TODAY + datetime.timedelta(days=2))
    make_day(date=TODAY + datetime.timedelta(days=20))
    assert actions.do_send_briefs() == 1
    assert actions.do_send_briefs() == 0
    item = InboxItem.objects.get(recipient=setup.street_lead, kind="reception")
    assert item.url == f"/reception/{soon.pk}/brief/"


def test_the_daily_command_runs_both_sweeps(make_day, setup, frozen):
    from io import StringIO

    from django.core.management import call_command

    make_day(date=TODAY + datetime.timedelta(days=1))
    out = StringIO()
    call_command("chase_reception", stdout=out)
    assert "0 matter(s) chased, 1 brief(s) sent." in out.getvalue()


def test_a_day_called_off_frees_its_time_and_session(day, make_day, setup):
    session = day.session
    actions.do_cancel_day(day, actor=setup.street_lead)
    (again,) = make_day()
    session.refresh_from_db()
    assert again.session == session and session.status == "open"


def test_overlapping_times_and_a_shared_start_are_refused(day, make_day, setup):
    with pytest.raises(ValidationError) as caught:
        make_day(start=datetime.time(16, 0), end=datetime.time(18, 0))  # overlaps 14–17
    assert codes(caught.value) == {"date": "duplicate"}
    from django.contrib.auth import get_user_model

    from doorstep.staff.models import RoleGrant

    other = get_user_model().objects.create_user("lead_2", password="pw")
    RoleGrant.objects.create(user=other, role="community_lead", area=setup.area_a)
    with pytest.raises(ValidationError) as caught:
        make_day(leader=other)  # the area's desk already has a session starting then
    assert codes(caught.value) == {"start": "duplicate"}
    (open_day,) = make_day(leader=other, mode="open")  # no booking, no desk session
    assert open_day.session is None
    assert ReceptionDay.objects.count() == 2
