"""The verbs of satisfaction: rating once within the window, bad ratings opening a
rectification with a named owner and a working-day deadline, the callback that settles it and
the new rating it may bring, appeals by the rated unit decided by someone else, invitations."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from doorstep.feedback import actions
from doorstep.feedback.actions import Called, Given
from doorstep.feedback.models import Callback, Rating, Rectification, Subject
from doorstep.notify.models import InboxItem, Message

from .conftest import NOW, TODAY

pytestmark = pytest.mark.django_db


def test_open_subject_is_once_per_matter(subject, setup):
    first = subject(kind="need")
    again = actions.do_open_subject(
        "need", first.object_id, reference="X", area_code=first.area_code,
        closed_at=NOW, handler=setup.lead_a,
    )  # fmt: skip
    assert again.pk == first.pk and Subject.objects.count() == 1
    assert again.closed_at == NOW and again.handler_id == setup.lead_a.pk
    assert again.key == first.key and len(first.key) >= 20


def test_a_good_rating_opens_nothing(subject, rate):
    rating = rate(subject(), 5, indicators={"efficiency": 4, "attitude": 5})
    assert rating.current and not rating.bad
    assert (rating.efficiency, rating.service, rating.attitude) == (4, None, 5)
    assert not Rectification.objects.exists()


def test_one_rating_per_matter(subject, rate):
    s = subject()
    rate(s, 4)
    with pytest.raises(ValidationError) as err:
        rate(s, 1)
    assert err.value.error_dict["level"][0].code == "rated"
    assert Rating.objects.count() == 1


@pytest.mark.parametrize(
    "given, field",
    [
        (Given(level=None), "level"),
        (Given(level=6), "level"),
        (Given(level="abc"), "level"),
        (Given(level=3, indicators={"guide_clear": 4}), "guide_clear"),  # an online question
        (Given(level=3, indicators={"attitude": 9}), "attitude"),
        (Given(level=3, comment="长" * 501), "comment"),
    ],
)
def test_bad_input_changes_nothing(subject, given, field):
    s = subject()
    with pytest.raises(ValidationError) as err:
        actions.do_rate(s, given, source="message")
    assert field in err.value.error_dict
    assert not Rating.objects.exists()


def test_online_matters_ask_the_online_questions(subject, rate):
    s = subject(channel="online")
    rating = rate(s, 4, indicators={"guide_clear": 5, "page_easy": 2})
    assert (rating.guide_clear, rating.page_easy, rating.steps_convenient) == (5, 2, None)
    with pytest.raises(ValidationError):
        rate(subject(channel="online"), 4, indicators={"efficiency": 5})


def test_late_rating_within_the_window_only(subject, rate, settings):
    settings.DOORSTEP_RATING_WINDOW_DAYS = 30
    inside = subject(closed_at=NOW - datetime.timedelta(days=29))
    outside = subject(closed_at=NOW - datetime.timedelta(days=31))
    assert rate(inside, 4).pk
    with pytest.raises(ValidationError) as err:
        rate(outside, 4)
    assert err.value.error_dict["level"][0].code == "window_closed"


def test_bad_rating_opens_a_rectification_owned_by_the_nearest_lead(subject, rate, setup, settings):
    settings.DOORSTEP_RECTIFY_WORKING_DAYS = 5
    rating = rate(subject(), 2, comment="等了很久")
    rect = rating.rectification
    # The community lead, not the street lead above, and never the clerk who was rated.
    assert rect.owner == setup.lead_a
    # Tuesday 2026-12-01 + 5 working days = Tuesday 2026-12-08.
    assert rect.due_on == datetime.date(2026, 12, 8)
    assert rect.status == "open"
    item = InboxItem.objects.get(recipient=setup.lead_a)
    assert item.url == f"/feedback/rectifications/{rect.pk}/"


def test_deadline_is_a_setting(subject, rate, settings):
    settings.DOORSTEP_RECTIFY_WORKING_DAYS = 15
    rect = rate(subject(), 1).rectification
    assert rect.due_on == datetime.date(2026, 12, 22)


def test_rated_person_never_owns_the_rectification(subject, rate, setup):
    rect = rate(subject(handler=setup.lead_a), 1).rectification
    assert rect.owner == setup.street_lead


def test_settle_needs_an_outcome_and_a_valid_callback(subject, rate, setup):
    rect = rate(subject(), 1).rectification
    ok = Called(reached=True, solved="yes", satisfaction=4)
    bad = [
        dict(outcome="", account="x", called=ok),
        dict(outcome="on_spot", account="", called=ok),
        dict(outcome="on_spot", account="x", called=Called(invalid="refused")),
        dict(outcome="on_spot", account="x", called=Called(reached=True, satisfaction=4)),
        dict(outcome="on_spot", account="x", called=Called(reached=True, solved="yes")),
        dict(outcome="by_date", account="x", called=ok),
        dict(outcome="by_date", account="x", put_right_by=TODAY - datetime.timedelta(days=1),
             called=ok),
    ]  # fmt: skip
    for case in bad:
        case.setdefault("put_right_by", None)
        with pytest.raises(ValidationError):
            actions.do_settle_rectification(rect, actor=setup.lead_a, **case)
    rect.refresh_from_db()
    assert rect.status == "open" and not Callback.objects.exists()


def test_settle_with_a_new_rating(subject, rate, setup):
    s = subject()
    rect = rate(s, 1).rectification
    actions.do_settle_rectification(
        rect, actor=setup.lead_a, outcome="by_date", account="已约定下周上门办理",
        put_right_by=TODAY + datetime.timedelta(days=3),
        called=Called(reached=True, solved="partly", satisfaction=3), new_level=4,
    )  # fmt: skip
    rect.refresh_from_db()
    assert rect.status == "done" and rect.callback.solved == "partly"
    assert rect.put_right_by == TODAY + datetime.timedelta(days=3)
    ratings = list(s.ratings.order_by("at", "pk"))
    assert [(r.level, r.current, r.source) for r in ratings] == [
        (1, False, "message"), (4, True, "callback"),
    ]  # fmt: skip


def test_only_a_rectifier_of_the_area_settles(subject, rate, setup):
    rect = rate(subject(), 1).rectification
    called = Called(reached=True, solved="yes", satisfaction=5)
    for who in (setup.clerk_a, setup.lead_b, setup.reviewer, setup.outsider):
        with pytest.raises(PermissionDenied):
            actions.do_settle_rectification(
                rect, actor=who, outcome="on_spot", account="x", put_right_by=None, called=called
            )
    assert Rectification.objects.get().status == "open"


def test_not_reached_callback_settles_but_cannot_rate(subject, rate, setup):
    rect = rate(subject(), 2).rectification
    with pytest.raises(ValidationError):
        actions.do_settle_rectification(
            rect, actor=setup.lead_a, outcome="explained", account="无法律依据，已书面说明",
            put_right_by=None, called=Called(reached=False), new_level=5,
        )  # fmt: skip
    assert Rectification.objects.get().status == "open"


def test_callback_shapes(subject, setup):
    s = subject()
    invalid = actions.do_record_callback(
        s, Called(invalid="wrong_number", reached=True, solved="yes", satisfaction=5),
        actor=setup.clerk_a,
    )  # fmt: skip
    assert (invalid.valid, invalid.reached, invalid.solved, invalid.satisfaction) == (
        False, False, "", None,
    )  # fmt: skip
    unreached = actions.do_record_callback(s, Called(reached=False), actor=setup.clerk_a)
    assert unreached.valid and not unreached.reached
    with pytest.raises(ValidationError):
        actions.do_record_callback(s, Called(reached=True, solved="maybe"), actor=setup.clerk_a)
    with pytest.raises(PermissionDenied):
        actions.do_record_callback(s, Called(reached=False), actor=setup.clerk_b)
    assert Callback.objects.count() == 2


def test_appeal_by_the_rated_desk_decided_by_a_lead(subject, rate, setup):
    rating = rate(subject(), 1)
    with pytest.raises(PermissionDenied):
        actions.do_appeal(rating, actor=setup.lead_b, ground="malicious", grounds="x")
    with pytest.raises(ValidationError):
        actions.do_appeal(rating, actor=setup.lead_a, ground="malicious", grounds=" ")
    appeal = actions.do_appeal(
        rating, actor=setup.lead_a, ground="mistaken", grounds="评价的是另一社区的事项"
    )
    with pytest.raises(ValidationError):
        actions.do_appeal(rating, actor=setup.lead_a, ground="mistaken", grounds="again")
    # The filer cannot decide; a lead above decides, with reasons.
    with pytest.raises(PermissionDenied):
        actions.do_decide_appeal(appeal, actor=setup.lead_a, upheld=True, decision="x")
    with pytest.raises(ValidationError):
        actions.do_decide_appeal(appeal, actor=setup.street_lead, upheld=True, decision="")
    actions.do_decide_appeal(appeal, actor=setup.street_lead, upheld=True, decision="核实属实")
    rating.refresh_from_db()
    assert rating.excluded
    with pytest.raises(ValidationError):
        actions.do_decide_appeal(appeal, actor=setup.district_lead, upheld=False, decision="x")


def test_department_ratings_are_appealed_by_its_reviewer(subject, rate, setup):
    from doorstep.catalogue.models import Department

    dept = Department.objects.get(code="mz")
    other, _ = Department.objects.get_or_create(code="zz", defaults={"name": "住建"})
    mine = rate(subject(department=dept), 2)
    theirs = rate(subject(department=other), 2)
    assert actions.may_appeal(setup.reviewer, mine)
    assert not actions.may_appeal(setup.reviewer, theirs)
    # The desk's lead does not speak for a department.
    assert not actions.may_appeal(setup.lead_a, mine)


def test_good_ratings_cannot_be_appealed(subject, rate, setup):
    rating = rate(subject(), 4)
    with pytest.raises(ValidationError):
        actions.do_appeal(rating, actor=setup.lead_a, ground="malicious", grounds="x")


def test_invitations_once_after_three_days(subject, rate, setup, settings, frozen):
    settings.DOORSTEP_RATING_INVITE_DAYS = 3
    due = subject(closed_at=NOW - datetime.timedelta(days=4))
    young = subject(closed_at=NOW - datetime.timedelta(days=1))
    rated = subject(closed_at=NOW - datetime.timedelta(days=4))
    rate(rated, 5)
    walk_in = subject(
        closed_at=NOW - datetime.timedelta(days=5), resident=None, phone="13800001111"
    )
    assert actions.do_invite() == 2
    assert actions.do_invite() == 0
    messages = {m.address: m for m in Message.objects.filter(template="rating_invite")}
    assert set(messages) == {"13912345678", "13800001111"}
    assert f"https://doorstep.example.gov.cn/rate/{due.key}/" in messages["13912345678"].body
    assert walk_in.key in messages["13800001111"].body
    young.refresh_from_db()
    assert young.invited_at is None


def test_overdue_rectifications_marked_once(subject, rate, setup, frozen):
    rect = rate(subject(), 1).rectification
    frozen.move_to(NOW + datetime.timedelta(days=10))
    assert actions.do_mark_overdue_rectifications() == 1
    assert actions.do_mark_overdue_rectifications() == 0
    assert (
        InboxItem.objects.filter(
            recipient=setup.lead_a, url=f"/feedback/rectifications/{rect.pk}/"
        ).count()
        == 2
    )  # the opening notice and the overdue one


def test_needs_and_disputes_are_called_back_on_their_own_pages(subject, setup, client):
    for kind in ("need", "dispute"):
        s = subject(kind=kind)
        assert not actions.may_call_back(setup.clerk_a, s)
        with pytest.raises(ValidationError) as err:
            actions.do_record_callback(s, Called(reached=False), actor=setup.clerk_a)
        assert err.value.error_dict["subject"][0].code == "elsewhere"
        client.force_login(setup.clerk_a)
        page = client.get(f"/feedback/{s.pk}/").content.decode()
        assert 'id="callback-page"' in page and 'id="callback-form"' not in page
    assert not Callback.objects.exists()
