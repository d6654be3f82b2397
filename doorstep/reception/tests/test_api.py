"""The reception JSON API: days (list, plan, detail with booking counts, cancel, brief), matters
(register, list through the list page's filters, detail, assign, report, notice, extend) and
the public board. Bad input is a structured 400 (or 409 for a state of the world) that writes
nothing; another area's staff, an outsider and anonymous get nothing; a department reviewer
sees only what was assigned to their department; the board carries no personal data."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test import Client

from doorstep.needs.models import Need
from doorstep.reception.models import Matter, ReceptionDay

from .conftest import TODAY

pytestmark = pytest.mark.django_db
BASE = "/api/v1/reception/"
NEXT_WEEK = TODAY + datetime.timedelta(days=7)


def as_(client: Client, user) -> Client:
    client.force_login(user)
    return client


def post(client: Client, url: str, body=None):
    data = body if isinstance(body, str | bytes) else json.dumps(body or {}, default=str)
    return client.post(url, data, content_type="application/json")


def counts() -> tuple[int, int, int]:
    return ReceptionDay.objects.count(), Matter.objects.count(), Need.objects.count()


def assert_error(response, status: int, code: str | None = None, field: str | None = None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "field"} and body["message"]
    if code is not None:
        assert body["code"] == code, body
    if field is not None:
        assert body["field"] == field, body


def plan_body(setup, **kw) -> dict:
    body = {
        "area": setup.area_a.code,
        "leader": setup.street_lead.pk,
        "leader_title": "街道党工委书记",
        "date": NEXT_WEEK.isoformat(),
        "start": "14:00",
        "end": "16:00",
        "venue": setup.compound_a.code,
        "venue_note": "社区党群服务中心二楼",
        "mode": "both",
        "capacity": 3,
        "slot_minutes": 60,
    }
    body.update(kw)
    return body


def matter_body(setup, **kw) -> dict:
    body = {
        "compound": setup.compound_a.code,
        "category": "property",
        "kind": "complaint",
        "description": "3栋电梯经常停运，老人上下楼困难",
        "public_summary": "小区电梯经常停运",
        "raiser_name": "钱大爷",
        "raiser_phone": "13912345678",
    }
    body.update(kw)
    return body


# ---- days --------------------------------------------------------------------------------------


def test_plan_monthly_days_and_read_them_back(client, setup):
    response = post(as_(client, setup.clerk_a), f"{BASE}days/", plan_body(setup, repeat_months=2))
    assert response.status_code == 201, response.content
    made = response.json()
    assert [d["date"] for d in made] == ["2026-12-08", "2027-01-12", "2027-02-09"]
    first = made[0]
    assert first["start"] == "14:00" and first["end"] == "16:00"
    assert first["leader"]["id"] == setup.street_lead.pk
    assert first["mode"]["code"] == "both" and first["bookable"] is True
    assert first["status"]["code"] == "planned"
    assert first["announce_on"] == "2026-11-24"

    detail = client.get(f"{BASE}days/{first['id']}/").json()
    assert detail["matters"] == [] and detail["may_run"] is True
    bookings = detail["bookings"]
    assert [s["start"] for s in bookings["slots"]] == ["14:00", "15:00"]
    assert bookings == {
        "booked": 0,
        "capacity": 6,
        "slots": [
            {"start": "14:00", "end": "15:00", "capacity": 3, "booked": 0, "free": 3},
            {"start": "15:00", "end": "16:00", "capacity": 3, "booked": 0, "free": 3},
        ],
    }


def test_an_open_day_has_no_booking_counts(client, setup):
    response = post(as_(client, setup.clerk_a), f"{BASE}days/", plan_body(setup, mode="open"))
    assert response.status_code == 201, response.content
    detail = client.get(f"{BASE}days/{response.json()[0]['id']}/").json()
    assert detail["bookings"] is None and detail["bookable"] is False


def test_day_detail_counts_bookings_without_bookers(client, setup, day):
    from doorstep.desks.actions import do_book

    slot = day.session.slots.order_by("start").first()
    do_book(
        slot, service=None, name="孙小红", phone="13800001234", id_last4="5678", client="10.0.0.9"
    )
    response = as_(client, setup.clerk_a).get(f"{BASE}days/{day.pk}/")
    assert response.status_code == 200
    assert response.json()["bookings"]["booked"] == 1
    text = response.content.decode()
    assert "孙小红" not in text and "13800001234" not in text and "5678" not in text


def test_the_day_list_filters_by_dates_and_pages(client, setup, make_day):
    for offset in (0, 7, 14):
        make_day(date=TODAY + datetime.timedelta(days=offset))
    as_(client, setup.clerk_a)
    everything = client.get(f"{BASE}days/").json()
    assert [d["date"] for d in everything["results"]] == ["2026-12-15", "2026-12-08", "2026-12-01"]
    assert everything["next"] is None
    some = client.get(f"{BASE}days/", {"from": "2026-12-02", "to": "2026-12-14"}).json()
    assert [d["date"] for d in some["results"]] == ["2026-12-08"]
    first = client.get(f"{BASE}days/", {"limit": 2}).json()
    second = client.get(f"{BASE}days/", {"limit": 2, "after": first["next"]}).json()
    assert [d["date"] for d in first["results"] + second["results"]] == [
        "2026-12-15",
        "2026-12-08",
        "2026-12-01",
    ]
    assert second["next"] is None
    assert_error(client.get(f"{BASE}days/", {"from": "yesterday"}), 400, field="from")
    assert_error(client.get(f"{BASE}days/", {"after": "nonsense"}), 400, field="after")


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"leader": "7"}, 400, "leader"),
        ({"leader": True}, 400, "leader"),
        ({"capacity": 1.5}, 400, "capacity"),
        ({"leader": 2**70}, 400, "leader"),
        ({"leader": 999_999}, 400, "leader"),
        ({"area": "999999999999"}, 400, "area"),
        ({"area": "420105001001"}, 403, None),  # community B: not the clerk's
        ({"venue": "420105006001999"}, 400, "venue"),
        ({"venue": "420105001001001"}, 400, "venue"),  # outside the area
        ({"end": "13:00"}, 400, "end"),
        ({"start": "25:00"}, 400, "start"),
        ({"start": 1400}, 400, "start"),
        ({"date": "2026-11-30"}, 409, "date"),  # past: a state of the world
        ({"date": 20261208}, 400, "date"),
        ({"date": "9999-12-20", "repeat_months": 1}, 400, "date"),  # was a 500 (year 10000)
        ({"date": "2027-12-03"}, 400, "date"),  # more than a year ahead
        ({"leader_title": "书记\x00"}, 400, "leader_title"),
        ({"leader_title": "  "}, 400, "leader_title"),
        ({"mode": "sometimes"}, 400, "mode"),
        ({"announce_days": 61}, 400, "announce_days"),
        ({"repeat_months": -1}, 400, "repeat_months"),
    ],
)
def test_a_bad_plan_is_refused_and_writes_nothing(client, setup, change, status, field):
    before = counts()
    response = post(as_(client, setup.clerk_a), f"{BASE}days/", plan_body(setup, **change))
    assert_error(response, status, field=field)
    assert counts() == before


def test_a_missing_field_or_a_body_that_is_not_an_object_is_400(client, setup):
    as_(client, setup.clerk_a)
    body = plan_body(setup)
    del body["venue"]
    assert_error(post(client, f"{BASE}days/", body), 400, "required", "venue")
    assert_error(post(client, f"{BASE}days/", "[1, 2]"), 400, "bad_json")
    assert_error(post(client, f"{BASE}days/", "{"), 400, "bad_json")
    assert ReceptionDay.objects.count() == 0


def test_the_same_leader_twice_at_one_time_is_409(client, setup, day):
    body = plan_body(setup, date=TODAY.isoformat())
    response = post(as_(client, setup.clerk_a), f"{BASE}days/", body)
    assert_error(response, 409, "duplicate", "date")
    assert ReceptionDay.objects.count() == 1


def test_cancel_a_day_and_not_one_that_took_place(client, setup, make_day, raise_matter):
    coming = make_day(date=NEXT_WEEK)[0]
    held = make_day()[0]
    raise_matter(held)
    as_(client, setup.clerk_a)
    response = post(client, f"{BASE}days/{coming.pk}/cancel/")
    assert response.status_code == 200, response.content
    assert response.json()["status"]["code"] == "cancelled"
    assert_error(post(client, f"{BASE}days/{coming.pk}/cancel/"), 409, "invalid_transition")
    assert_error(post(client, f"{BASE}days/{held.pk}/cancel/"), 409, "invalid_transition")
    held.refresh_from_db()
    assert held.status == "held"


def test_a_viewer_who_may_not_run_days_cannot_cancel(client, setup, day):
    response = post(as_(client, setup.district_lead), f"{BASE}days/{day.pk}/cancel/")
    assert_error(response, 403, "forbidden")
    day.refresh_from_db()
    assert day.status == "planned"


# ---- matters -----------------------------------------------------------------------------------


def test_register_an_accepted_matter(client, setup, day):
    response = post(as_(client, setup.clerk_a), f"{BASE}days/{day.pk}/matters/", matter_body(setup))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["stage"] == {"code": "accepted", "label": "Accepted", "colour": "#8a5a00"}
    assert body["route"]["code"] == "accepted" and body["need"] is not None
    assert body["day"] == {"id": day.pk, "date": "2026-12-01"}
    assert body["may_run"] is True and body["department"] is None
    need = Need.objects.get(pk=body["need"])
    assert need.owner_user_id == setup.street_lead.pk  # the leader owns it (包案)
    again = client.get(f"{BASE}matters/{body['id']}/").json()
    assert again == body


def test_register_a_petition_for_a_court(client, setup, day):
    body = matter_body(setup, route="court", petition=True, public_summary="劳动合同纠纷")
    response = post(as_(client, setup.clerk_a), f"{BASE}days/{day.pk}/matters/", body)
    assert response.status_code == 201, response.content
    found = response.json()
    assert found["stage"]["code"] == "referred" and found["need"] is None
    assert found["notice_due"] == "2026-12-16" and "court" in found["told"]
    assert found["description"].startswith("3栋电梯") and found["raiser_name"] == "钱大爷"


def test_register_for_a_registry_resident(client, setup, day, make_resident):
    mine = make_resident("张景林")
    theirs = make_resident("李秀英", area=setup.compound_b)
    as_(client, setup.clerk_a)
    url = f"{BASE}days/{day.pk}/matters/"
    before = counts()
    assert_error(post(client, url, matter_body(setup, resident=theirs.pk)), 404, "not_found")
    assert_error(post(client, url, matter_body(setup, resident=2**63 - 1)), 404, "not_found")
    assert_error(post(client, url, matter_body(setup, resident=2**63)), 400, field="resident")
    assert counts() == before
    body = matter_body(setup, resident=mine.pk, public_summary="张景林反映电梯停运")
    assert_error(post(client, url, body), 400, "personal_data", "public_summary")
    response = post(client, url, matter_body(setup, resident=mine.pk))
    assert response.status_code == 201, response.content
    assert Need.objects.get(pk=response.json()["need"]).resident_id == mine.pk


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"public_summary": "钱大爷家电梯停运"}, 400, "public_summary"),
        ({"public_summary": "3栋301室电梯停运"}, 400, "public_summary"),
        ({"public_summary": "电话13912345678"}, 400, "public_summary"),
        ({"public_summary": ""}, 400, "public_summary"),
        ({"route": "mayor"}, 400, "route"),
        ({"kind": 3}, 400, "kind"),
        ({"petition": "yes"}, 400, "petition"),
        ({"description": "电梯\x00停运"}, 400, "description"),
        ({"description": "x" * 2001}, 400, "description"),
        ({"compound": "420105001001001"}, 400, "compound"),  # not in the day's area
        ({"compound": "nowhere"}, 400, "compound"),
        ({"category": "unknown"}, 400, "category"),
        ({"resident": "12"}, 400, "resident"),
        ({"resident": 2**70}, 400, "resident"),
    ],
)
def test_a_bad_matter_is_refused_and_writes_nothing(client, setup, day, change, status, field):
    before = counts()
    url = f"{BASE}days/{day.pk}/matters/"
    response = post(as_(client, setup.clerk_a), url, matter_body(setup, **change))
    assert_error(response, status, field=field)
    assert counts() == before


def test_no_matter_before_the_day_or_on_a_cancelled_one(client, setup, make_day):
    coming = make_day(date=NEXT_WEEK)[0]
    as_(client, setup.clerk_a)
    url = f"{BASE}days/{coming.pk}/matters/"
    assert_error(post(client, url, matter_body(setup)), 400, "invalid", "day")
    post(client, f"{BASE}days/{coming.pk}/cancel/")
    assert_error(post(client, url, matter_body(setup)), 409, "cancelled", "day")
    assert Matter.objects.count() == 0


def test_the_matter_list_reads_the_list_pages_filters(client, setup, day, raise_matter):
    accepted = raise_matter(day)
    court = raise_matter(day, route="court", public_summary="劳动合同纠纷")
    as_(client, setup.clerk_a)
    everything = client.get(f"{BASE}matters/").json()
    assert [m["id"] for m in everything["results"]] == [court.pk, accepted.pk]
    only = client.get(f"{BASE}matters/", {"route": "accepted"}).json()
    assert [m["id"] for m in only["results"]] == [accepted.pk]
    of_day = client.get(f"{BASE}matters/", {"day": day.pk, "limit": 1}).json()
    assert [m["id"] for m in of_day["results"]] == [court.pk] and of_day["next"]
    rest = client.get(f"{BASE}matters/", {"day": day.pk, "after": of_day["next"]}).json()
    assert [m["id"] for m in rest["results"]] == [accepted.pk]
    assert client.get(f"{BASE}matters/", {"late": "true"}).json()["results"] == []
    assert_error(client.get(f"{BASE}matters/", {"route": "mayor"}), 400, field="route")
    assert_error(client.get(f"{BASE}matters/", {"department": 999_999}), 400, field="department")
    assert_error(client.get(f"{BASE}matters/", {"day": 2**40}), 400, field="day")
    assert_error(client.get(f"{BASE}matters/", {"route": "a\x00"}), 400, "nul")


def test_assign_report_notice_and_extend(client, setup, day, raise_matter, department):
    matter = raise_matter(day, petition=True)
    as_(client, setup.clerk_a)
    url = f"{BASE}matters/{matter.pk}/"
    due = (TODAY + datetime.timedelta(days=10)).isoformat()
    body = {"department": department.pk, "due_on": due, "note": "请尽快处理"}
    response = post(client, f"{url}assign/", body)
    assert response.status_code == 200, response.content
    assert response.json()["department"] == {"id": department.pk, "name": department.name}
    assert response.json()["stage"]["code"] == "assigned"
    response = post(client, f"{url}report/", {"report": "已协调物业维修电梯"})
    assert response.status_code == 200, response.content
    assert response.json()["stage"]["code"] == "reported"
    response = post(client, f"{url}notice/", {"sent_on": TODAY.isoformat()})
    assert response.status_code == 200 and response.json()["notice_sent_on"] == "2026-12-01"
    assert_error(post(client, f"{url}notice/", {"sent_on": TODAY.isoformat()}), 409)
    response = post(client, f"{url}extend/", {"days": 30, "reason": "需跨部门协调"})
    assert response.status_code == 200, response.content
    assert response.json()["conclude_by"] == "2027-03-01"
    assert_error(post(client, f"{url}extend/", {"days": 5, "reason": "再延"}), 409)


@pytest.mark.parametrize(
    ("verb", "body", "status", "field"),
    [
        ("assign", {"department": "1", "due_on": "2026-12-11"}, 400, "department"),
        ("assign", {"department": 2**70, "due_on": "2026-12-11"}, 400, "department"),
        ("assign", {"department": 999_999, "due_on": "2026-12-11"}, 400, "department"),
        ("assign", {"due_on": "2026-12-11"}, 400, "department"),
        ("assign", {"department": "mz", "due_on": "2026-11-01"}, 409, "due_on"),
        ("report", {"report": "done"}, 409, "report"),  # not assigned yet
        ("report", {"report": ""}, 409, "report"),
        ("notice", {"sent_on": "2026-12-02"}, 409, "sent_on"),  # not a petition
        ("notice", {"sent_on": 1}, 400, "sent_on"),
        ("extend", {"days": 31, "reason": "x"}, 400, "days"),
        ("extend", {"days": 5, "reason": "x\x00"}, 400, "reason"),
    ],
)
def test_bad_matter_writes_change_nothing(client, setup, day, raise_matter, department, verb,
                                          body, status, field):  # fmt: skip
    matter = raise_matter(day)
    if body.get("department") == "mz":
        body = {**body, "department": department.pk}
    as_(client, setup.clerk_a)
    response = post(client, f"{BASE}matters/{matter.pk}/{verb}/", body)
    assert_error(response, status, field=field)
    fresh = Matter.objects.get(pk=matter.pk)
    assert (fresh.department_id, fresh.report, fresh.notice_sent_on, fresh.extended_days) == (
        None,
        "",
        None,
        0,
    )


# ---- the brief ---------------------------------------------------------------------------------


def test_the_brief_is_for_the_leader_and_viewers(client, setup, day, raise_matter):
    raise_matter(day)
    response = as_(client, setup.street_lead).get(f"{BASE}days/{day.pk}/brief/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["day"]["id"] == day.pk and body["open_needs"] >= 1
    assert "钱大爷" not in response.content.decode()
    assert "13912345678" not in response.content.decode()
    assert as_(Client(), setup.clerk_a).get(f"{BASE}days/{day.pk}/brief/").status_code == 200
    for who in (setup.reviewer, setup.clerk_b, setup.outsider):
        assert_error(as_(Client(), who).get(f"{BASE}days/{day.pk}/brief/"), 404, "not_found")


# ---- who sees what -----------------------------------------------------------------------------


@pytest.fixture
def seen(day, raise_matter, department, setup):
    """A day with two matters: one assigned to the reviewer's department, one not."""
    from doorstep.reception.actions import do_assign

    theirs = raise_matter(day)
    do_assign(theirs, actor=setup.street_lead, department=department,
              due_on=TODAY + datetime.timedelta(days=5))  # fmt: skip
    other = raise_matter(day, category="environment", public_summary="垃圾清运不及时")
    return day, theirs, other


def _writes(day, matter, department):
    return [
        (f"{BASE}days/{day.pk}/cancel/", {}),
        (f"{BASE}matters/{matter.pk}/assign/", {"department": department.pk,
                                                "due_on": "2026-12-20"}),
        (f"{BASE}matters/{matter.pk}/report/", {"report": "已处理"}),
        (f"{BASE}matters/{matter.pk}/notice/", {"sent_on": "2026-12-01"}),
        (f"{BASE}matters/{matter.pk}/extend/", {"days": 5, "reason": "协调"}),
    ]  # fmt: skip


@pytest.mark.parametrize("who", ["clerk_b", "grid_b", "outsider"])
def test_another_areas_staff_and_outsiders_get_nothing(client, setup, seen, department, who):
    day, theirs, other = seen
    before = counts()
    as_(client, getattr(setup, who))
    assert client.get(f"{BASE}days/").json() == {"results": [], "next": None}
    assert client.get(f"{BASE}matters/").json() == {"results": [], "next": None}
    for url in (f"{BASE}days/{day.pk}/", f"{BASE}days/{day.pk}/brief/",
                f"{BASE}matters/{theirs.pk}/", f"{BASE}matters/{other.pk}/"):  # fmt: skip
        assert_error(client.get(url), 404, "not_found")
    for url, body in _writes(day, theirs, department):
        assert_error(post(client, url, body), 404, "not_found")
    url = f"{BASE}days/{day.pk}/matters/"
    assert_error(post(client, url, matter_body(setup)), 404, "not_found")
    assert_error(post(client, f"{BASE}days/", plan_body(setup)), 403, "forbidden")
    assert counts() == before
    assert Matter.objects.get(pk=theirs.pk).report == ""


def test_anonymous_callers_are_told_to_log_in(client, setup, seen, department):
    day, theirs, _other = seen
    before = counts()
    for url in (f"{BASE}days/", f"{BASE}matters/", f"{BASE}days/{day.pk}/",
                f"{BASE}days/{day.pk}/brief/", f"{BASE}matters/{theirs.pk}/"):  # fmt: skip
        assert_error(client.get(url), 401, "not_authenticated")
    writes = [*_writes(day, theirs, department), (f"{BASE}days/", plan_body(setup)),
              (f"{BASE}days/{day.pk}/matters/", matter_body(setup))]  # fmt: skip
    for url, body in writes:
        assert_error(post(client, url, body), 401, "not_authenticated")
    assert counts() == before


def test_a_department_reviewer_sees_and_reports_on_its_own_only(client, setup, seen, department):
    day, theirs, other = seen
    as_(client, setup.reviewer)
    listed = client.get(f"{BASE}matters/").json()
    assert [m["id"] for m in listed["results"]] == [theirs.pk]
    assert client.get(f"{BASE}days/").json()["results"] == []
    assert_error(client.get(f"{BASE}days/{day.pk}/"), 404)
    assert_error(client.get(f"{BASE}matters/{other.pk}/"), 404)
    detail = client.get(f"{BASE}matters/{theirs.pk}/").json()
    assert detail["may_report"] is True and detail["may_run"] is False
    before = counts()
    assert_error(post(client, f"{BASE}matters/{other.pk}/report/", {"report": "x"}), 404)
    body = {"department": department.pk, "due_on": "2026-12-20"}
    assert_error(post(client, f"{BASE}matters/{theirs.pk}/assign/", body), 403, "forbidden")
    assert_error(post(client, f"{BASE}matters/{theirs.pk}/extend/", {"days": 5, "reason": "x"}),
                 403, "forbidden")  # fmt: skip
    assert_error(post(client, f"{BASE}days/{day.pk}/matters/", matter_body(setup)), 404)
    assert counts() == before
    response = post(client, f"{BASE}matters/{theirs.pk}/report/", {"report": "已督促物业维修"})
    assert response.status_code == 200, response.content
    assert response.json()["stage"]["code"] == "reported"
    assert Matter.objects.get(pk=theirs.pk).due_on == TODAY + datetime.timedelta(days=5)


def test_the_leader_sees_their_days_matters(client, setup, seen):
    day, theirs, other = seen
    as_(client, setup.street_lead)
    ids = {m["id"] for m in client.get(f"{BASE}matters/").json()["results"]}
    assert ids == {theirs.pk, other.pk}
    assert client.get(f"{BASE}days/{day.pk}/").json()["is_leader"] is True


# ---- the public board --------------------------------------------------------------------------


def test_the_public_board_shows_no_personal_data(client, setup, make_day, raise_matter,
                                                 department):  # fmt: skip
    from doorstep.reception.actions import do_assign

    held = make_day()[0]
    coming = make_day(date=NEXT_WEEK)[0]
    matter = raise_matter(held, petition=True)
    do_assign(matter, actor=setup.street_lead, department=department,
              due_on=TODAY + datetime.timedelta(days=5))  # fmt: skip
    # The street's board lists its communities' days and matters too.
    for code, days in ((setup.compound_a.code, [coming.pk]), (setup.area_a.code, [coming.pk]),
                       ("420105006", [coming.pk])):  # fmt: skip
        response = client.get(f"{BASE}board/{code}/")
        assert response.status_code == 200, response.content
        body = response.json()
        assert [d["id"] for d in body["days"]] == days
        assert body["matters"] == [
            {
                "id": matter.pk,
                "date": "2026-12-01",
                "category": matter.category.name,
                "public_summary": "小区电梯经常停运",
                "department": department.name,
                "due_on": "2026-12-06",
                "stage": {"code": "assigned", "label": "With the department",
                          "colour": "#0b5cad"},
            }
        ]  # fmt: skip
        text = response.content.decode()
        for secret in ("钱大爷", "13912345678", "3栋电梯经常停运", "老人上下楼困难", "刘洋"):
            assert secret not in text
        assert not {"need", "description", "raiser", "raiser_phone", "told"} & set(
            body["matters"][0]
        )
        for day in body["days"]:
            assert day["slots"] and set(day["slots"][0]) == {"id", "start", "end", "free"}
    other = client.get(f"{BASE}board/{setup.compound_b.code}/").json()
    assert other["matters"] == [] and other["days"] == []
    assert_error(client.get(f"{BASE}board/420105/"), 404, "not_found")  # the district: no board
    assert_error(client.get(f"{BASE}board/nowhere/"), 404, "not_found")


# ---- queries -----------------------------------------------------------------------------------


def _queries(client: Client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_lists_cost_the_same_queries_for_one_row_or_many(client, setup, make_day, raise_matter):
    day = make_day()[0]
    make_day(date=NEXT_WEEK)  # a coming day on the board
    raise_matter(day)
    as_(client, setup.clerk_a)
    urls = [f"{BASE}days/", f"{BASE}matters/", f"{BASE}days/{day.pk}/",
            f"{BASE}board/{setup.compound_a.code}/"]  # fmt: skip
    once = [_queries(client, url) for url in urls]
    for offset in (14, 21):
        make_day(date=TODAY + datetime.timedelta(days=offset))
    raise_matter(day, public_summary="路灯不亮")
    raise_matter(day, route="court", public_summary="劳动合同纠纷")
    assert [_queries(client, url) for url in urls] == once


@pytest.mark.parametrize("pk", [0, 2**63, 10**30, "x1"])
def test_ids_out_of_range_in_the_path_are_answered_in_the_error_shape(client, setup, day, pk):
    as_(client, setup.clerk_a)
    before = counts()
    for response in (
        client.get(f"{BASE}days/{pk}/"),
        client.get(f"{BASE}matters/{pk}/"),
        post(client, f"{BASE}days/{pk}/matters/", matter_body(setup)),
        post(client, f"{BASE}matters/{pk}/report/", {"report": "x"}),
    ):
        assert response.status_code in (400, 404), response.content
        assert set(response.json()) == {"code", "message", "field"}
    assert counts() == before


def test_a_nul_in_a_board_code_is_refused_not_a_server_error(client, setup):
    # PostgreSQL refuses NUL in a query: the page (which shares the board's lookup) was a 500.
    assert client.get("/reception/board/4201%00/").status_code == 404
    assert_error(client.get(f"{BASE}board/4201%00/"), 400, "nul")


def test_a_reviewer_may_not_report_once_the_matter_went_to_another_department(setup, seen):
    # The report action checks who may report on the locked row, not on the caller's copy.
    from django.core.exceptions import PermissionDenied

    from doorstep.catalogue.models import Department
    from doorstep.reception.actions import do_assign, do_report

    _day, theirs, _other = seen
    held = Matter.objects.get(pk=theirs.pk)  # read while still with the reviewer's department
    elsewhere = Department.objects.create(code="zj", name="住建")
    do_assign(theirs, actor=setup.street_lead, department=elsewhere,
              due_on=TODAY + datetime.timedelta(days=5))  # fmt: skip
    with pytest.raises(PermissionDenied):
        do_report(held, actor=setup.reviewer, report="已处理")
    assert Matter.objects.get(pk=theirs.pk).report == ""
