"""The reception pages: who sees what (the wrong person gets nothing), bad input refused with
the error beside the field and nothing written, and the public pages carrying nobody."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from doorstep.desks.models import Appointment
from doorstep.needs.models import Need
from doorstep.reception.actions import do_assign
from doorstep.reception.models import Matter, ReceptionDay

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def get(client, user, name, *args):
    if user is not None:
        client.force_login(user)
    return client.get(reverse(name, args=args))


MATTER = {
    "compound": None,  # filled in
    "category": None,
    "kind": "complaint",
    "urgency": "yellow",
    "description": "3栋电梯经常停运，老人上下楼困难",
    "public_summary": "小区电梯经常停运",
    "raiser_name": "钱大爷",
    "raiser_phone": "13912345678",
    "route": "accepted",
}


@pytest.fixture
def matter_post(setup):
    from doorstep.needs.models import NeedCategory

    return {
        **MATTER,
        "compound": setup.compound_a.pk,
        "category": NeedCategory.objects.get(code="property").pk,
    }


def test_the_list_is_for_reception_staff_and_department_reviewers(client, day, setup):
    for user in (setup.clerk_a, setup.street_lead, setup.district_lead, setup.reviewer):
        assert get(client, user, "reception-list").status_code == 200
    body = get(client, setup.clerk_a, "reception-list").content.decode()
    assert reverse("reception-day", args=[day.pk]) in body
    for user in (setup.grid_a, setup.mediator_a, setup.outsider):
        assert get(client, user, "reception-list").status_code == 403
    client.logout()
    assert get(client, None, "reception-list").status_code == 302


def test_another_areas_staff_see_nothing_of_the_day(client, day, raise_matter, setup):
    matter = raise_matter(day)
    body = get(client, setup.clerk_b, "reception-list").content.decode()
    assert reverse("reception-day", args=[day.pk]) not in body and "电梯" not in body
    for name, pk in (("reception-day", day.pk), ("reception-brief", day.pk),
                     ("reception-matter", matter.pk)):  # fmt: skip
        for user in (setup.clerk_b, setup.grid_a, setup.outsider, setup.reviewer):
            assert get(client, user, name, pk).status_code == 404, (name, user)
    assert get(client, setup.clerk_a, "reception-day", 2**62).status_code == 404


def test_planning_a_day_through_the_page(client, setup):
    client.force_login(setup.street_lead)
    assert client.get(reverse("reception-plan")).status_code == 200
    data = {
        "area": setup.area_a.pk, "leader": setup.street_lead.pk, "leader_title": "街道办主任",
        "date": "2026-12-15", "start": "09:00", "end": "11:30", "venue": setup.compound_a.pk,
        "venue_note": "党群服务中心二楼", "mode": "both", "announce_days": 14,
        "repeat_months": 2, "capacity": 2, "slot_minutes": 30,
    }  # fmt: skip
    response = client.post(reverse("reception-plan"), {**data, "end": "08:00"})
    assert (
        response.status_code == 400
        and "The end must come after the start." in response.content.decode()
    )
    assert not ReceptionDay.objects.exists()
    response = client.post(reverse("reception-plan"), {**data, "date": "2026-11-30"})
    assert response.status_code == 400 and not ReceptionDay.objects.exists()
    response = client.post(reverse("reception-plan"), data)
    assert response.status_code == 302
    assert ReceptionDay.objects.count() == 3


def test_the_plan_page_refuses_in_chinese(client, setup, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(setup.street_lead)
    response = client.post(reverse("reception-plan"), {"area": setup.area_a.pk})
    assert response.status_code == 400 and "此项为必填项。" in response.content.decode()


def test_the_plan_page_is_not_for_grid_workers(client, setup):
    client.force_login(setup.grid_a)
    assert client.get(reverse("reception-plan")).status_code == 403
    assert client.post(reverse("reception-plan"), {}).status_code == 403


def test_registering_a_matter_on_the_day_page(client, day, setup, matter_post):
    client.force_login(setup.clerk_a)
    body = client.get(reverse("reception-day", args=[day.pk])).content.decode()
    assert 'id="matter-form"' in body
    url = reverse("reception-register", args=[day.pk])
    response = client.post(url, {**matter_post, "public_summary": "钱大爷家电梯坏"})
    assert response.status_code == 400
    assert "may not contain names" in response.content.decode()
    assert not Matter.objects.exists() and not Need.objects.exists()
    response = client.post(url, matter_post)
    assert response.status_code == 302
    matter = Matter.objects.get()
    assert matter.need.owner_user == setup.street_lead


def test_others_may_not_register(client, day, setup, matter_post):
    url = reverse("reception-register", args=[day.pk])
    for user in (setup.clerk_b, setup.grid_a, setup.outsider):
        client.force_login(user)
        assert client.post(url, matter_post).status_code == 404
    client.force_login(setup.district_lead)  # sees the day, does not run it
    assert client.post(url, matter_post).status_code == 403
    assert not Matter.objects.exists()


def test_the_department_sees_its_matters_and_reports(client, day, raise_matter, department, setup):
    mine = raise_matter(day)
    other = raise_matter(day)
    do_assign(mine, actor=setup.clerk_a, department=department, due_on=TODAY)
    client.force_login(setup.reviewer)
    body = client.get(reverse("reception-list")).content.decode()
    assert f"#{mine.pk} " in body and f"#{other.pk} " not in body
    assert client.get(reverse("reception-matter", args=[other.pk])).status_code == 404
    write = reverse("reception-matter-write", args=[mine.pk, "assign"])
    assert (
        client.post(write, {"department": department.pk, "due_on": "2026-12-20"}).status_code == 403
    )
    page = client.get(reverse("reception-matter", args=[mine.pk])).content.decode()
    assert reverse("reception-day", args=[day.pk]) not in page  # a day they may not open
    report = reverse("reception-matter-write", args=[mine.pk, "report"])
    assert client.post(report, {"report": ""}).status_code == 400
    assert client.post(report, {"report": "已修复"}).status_code == 302
    mine.refresh_from_db()
    assert mine.report == "已修复"


def test_matter_writes_refuse_bad_input(client, day, raise_matter, department, setup):
    matter = raise_matter(day, petition=True)
    client.force_login(setup.clerk_a)
    url = reverse("reception-matter-write", args=[matter.pk, "assign"])
    assert (
        client.post(url, {"department": department.pk, "due_on": "2026-11-01"}).status_code == 400
    )
    assert client.post(url, {"department": 999999, "due_on": "2026-12-10"}).status_code == 400
    extend = reverse("reception-matter-write", args=[matter.pk, "extend"])
    assert client.post(extend, {"days": 45, "reason": "x"}).status_code == 400
    assert (
        client.post(reverse("reception-matter-write", args=[matter.pk, "nope"])).status_code == 404
    )
    matter.refresh_from_db()
    assert matter.department is None and matter.extended_days == 0
    assert (
        client.post(url, {"department": department.pk, "due_on": "2026-12-10"}).status_code == 302
    )


def test_the_brief_lists_counts_and_categories_not_people(client, day, raise_matter, setup):
    raise_matter(day)
    client.force_login(setup.street_lead)
    body = client.get(reverse("reception-brief", args=[day.pk])).content.decode()
    assert "1 open" in body
    assert "钱大爷" not in body and "13912345678" not in body and "老人上下楼困难" not in body


def test_the_public_board_shows_progress_and_nobody(client, day, raise_matter, department, setup):
    matter = raise_matter(day)
    raise_matter(day, route="court", public_summary="工资拖欠纠纷")
    do_assign(matter, actor=setup.clerk_a, department=department, due_on=TODAY)
    for code in (setup.area_a.code, setup.compound_a.code, setup.area_a.code[:9]):
        client.logout()
        response = client.get(reverse("reception-board", args=[code]))
        body = response.content.decode()
        assert response.status_code == 200
        assert "小区电梯经常停运" in body and "工资拖欠纠纷" in body and department.name in body
        for private in ("钱大爷", "13912345678", "老人上下楼困难", "139****5678"):
            assert private not in body
    other = client.get(reverse("reception-board", args=[setup.area_b.code])).content.decode()
    assert "小区电梯经常停运" not in other
    assert client.get(reverse("reception-board", args=["420105"])).status_code == 404
    assert client.get(reverse("reception-board", args=["nope"])).status_code == 404


def test_the_compound_page_announces_the_day_and_books_without_a_service(client, make_day, setup):
    (day,) = make_day(date=TODAY + datetime.timedelta(days=3))
    (hidden,) = make_day(date=TODAY + datetime.timedelta(days=30), announce_days=7)
    body = client.get(reverse("desks-compound", args=[setup.compound_a.code])).content.decode()
    assert f'id="reception-day-{day.pk}"' in body and "街道党工委书记" in body
    assert f'id="reception-day-{hidden.pk}"' not in body  # not announced yet
    slot = day.session.slots.first()
    assert reverse("desks-book", args=[slot.pk]) in body
    page = client.get(reverse("desks-book", args=[slot.pk])).content.decode()
    assert 'name="service"' not in page
    response = client.post(
        reverse("desks-book", args=[slot.pk]),
        {"name": "钱大爷", "phone": "13912345678", "id_last4": "1234"},
    )
    assert response.status_code == 302
    booking = Appointment.objects.get()
    assert booking.service is None and booking.status == "held"
    staff = get(client, setup.clerk_a, "reception-day", day.pk).content.decode()
    assert booking.code in staff and "钱大爷" not in staff


def test_the_leaders_home_page_shows_the_next_day(client, make_day, setup):
    (day,) = make_day(date=TODAY + datetime.timedelta(days=3))
    body = get(client, setup.street_lead, "home").content.decode()
    assert 'id="reception-panel"' in body and reverse("reception-brief", args=[day.pk]) in body
    assert 'id="reception-panel"' not in get(client, setup.grid_a, "home").content.decode()
    body = get(client, setup.clerk_b, "home").content.decode()
    assert reverse("reception-day", args=[day.pk]) not in body


def test_the_brief_lists_no_sensitive_need(client, day, raise_matter, setup, frozen):
    import datetime as dt

    plain = raise_matter(day).need
    secret = raise_matter(day, sensitive=True).need
    frozen.shift(dt.timedelta(days=30))  # both past their feedback deadline
    client.force_login(setup.clerk_a)
    body = client.get(reverse("reception-brief", args=[day.pk])).content.decode()
    assert "2 past their feedback deadline" in body
    assert reverse("needs-detail", args=[plain.pk]) in body
    assert reverse("needs-detail", args=[secret.pk]) not in body


def test_the_brief_counts_ratings_of_the_place(client, day, setup, make_resident):
    import datetime as dt

    from django.utils import timezone

    from doorstep.feedback import actions as feedback

    def rated(n, level, area):
        s = feedback.do_open_subject(
            "case", n, reference=f"R{n}", area_code=area.code,
            closed_at=timezone.now() - dt.timedelta(days=1), handler=setup.clerk_a,
        )  # fmt: skip
        return feedback.do_rate(s, feedback.Given(level=level), source="message")

    rated(1, 5, setup.compound_a)
    rated(2, 1, setup.compound_a)
    excluded = rated(3, 2, setup.compound_a)
    rated(4, 1, setup.compound_b)  # another community: not in this brief
    type(excluded).objects.filter(pk=excluded.pk).update(excluded=True)
    client.force_login(setup.street_lead)
    body = client.get(f"/reception/{day.pk}/brief/").content.decode()
    assert "2 rated, 1 bad ratings; 2 rectifications open, 0 of them overdue." in body
