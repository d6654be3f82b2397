"""The case list searched by resident (the desk's resident search: name, pinyin, ID or mobile
tail, never a whole number in the address) and filtered by community, department, status and
the day taken in; the export carries the same filters, read back from the XLSX; the resident's
page lists their cases. Others see nothing."""

from __future__ import annotations

import datetime
import io
import zoneinfo

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from doorstep.cases.actions import do_transition

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _time(frozen):
    """The suite's fixed time (Tuesday 2026-12-01 10:00)."""


@pytest.fixture
def other_department(db):
    from doorstep.catalogue.models import Department

    return Department.objects.get_or_create(code="rs-test", defaults={"name": "人社测试局"})[0]


@pytest.fixture
def book(make_case, make_resident, personas, service):
    """张景林 (accepted, Nov 20), 李秀英 (notice), 王建国 in community B (clerk B's)."""
    with time_machine.travel(datetime.datetime(2026, 11, 20, 10, tzinfo=SHANGHAI), tick=False):
        zhang = make_case("accept")
    li = make_case("notice", resident=make_resident("李秀英", mobile="13900001234"))
    wang = make_case(
        "accept",
        actor=personas.clerk_b,
        resident=make_resident("王建国", area=personas.compound_b),
    )
    return zhang, li, wang


def listed(client, **params) -> list[str]:
    response = client.get(reverse("cases-list"), params)
    assert response.status_code == 200
    return sorted(c.resident.name for c in response.context["page"].object_list)


def test_search_by_resident_name_pinyin_and_tail(client, personas, book):
    client.force_login(personas.clerk_a)
    assert listed(client, q="张") == ["张景林"]
    assert listed(client, q="李秀英") == ["李秀英"]
    assert listed(client, q="lxy") == ["李秀英"]
    assert listed(client, q="1234") == ["李秀英"]  # mobile tail
    assert listed(client, q="王建国") == []  # another community's resident
    assert listed(client, q="") == ["张景林", "李秀英"]


def test_a_whole_id_number_is_not_searched_from_the_address(client, personas, book):
    zhang = book[0]
    client.force_login(personas.clerk_a)
    response = client.get(reverse("cases-list"), {"q": zhang.resident.id_number()})
    body = response.content.decode()
    assert "a whole ID or mobile number would stay in the web address" in body
    assert 'id="export-ledger"' not in body  # no export of a refused filter


def test_filters_by_status_department_community_and_days(
    client, personas, book, make_case, service, other_department
):
    zhang, _li, _wang = book
    do_transition(zhang, "forward", actor=personas.clerk_a, department=other_department)
    client.force_login(personas.district_lead)
    assert listed(client, community=personas.area_a.code) == ["张景林", "李秀英"]
    assert listed(client, community=personas.area_b.code) == ["王建国"]
    assert listed(client, department=service.department.code) == ["张景林", "李秀英", "王建国"]
    assert listed(client, status="awaiting_materials") == ["李秀英"]
    assert listed(client, taken_from="2026-11-01", taken_to="2026-11-30") == ["张景林"]
    assert listed(client, taken_from="2026-12-01") == ["李秀英", "王建国"]
    response = client.get(reverse("cases-list"), {"taken_from": "2026-13-01"})
    assert response.status_code == 200 and "Enter a valid date" in response.content.decode()


def test_a_clerk_cannot_pick_another_community(client, personas, book):
    client.force_login(personas.clerk_a)
    body = client.get(reverse("cases-list")).content.decode()
    assert personas.area_a.name in body and personas.area_b.name not in body
    assert listed(client, community=personas.area_b.code) == ["张景林", "李秀英"]  # refused
    response = client.get(reverse("cases-list"), {"community": personas.area_b.code})
    assert "Select a valid choice" in response.content.decode()


def test_the_export_is_the_filtered_list(client, personas, book):
    client.force_login(personas.clerk_a)
    page = client.get(reverse("cases-list"), {"q": "李秀英", "status": "awaiting_materials"})
    link = page.content.decode().split('id="export-ledger" href="')[1].split('"')[0]
    response = client.get(link.replace("&amp;", "&"))
    assert response.status_code == 200
    book_ = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = [row for ws in book_.worksheets for row in ws.iter_rows(values_only=True)]
    receipts = {row[0] for row in rows[1:]}
    assert receipts == {book[1].receipt}


def test_the_api_filters_alike(client, personas, book):
    client.force_login(personas.clerk_a)
    response = client.get(reverse("api:cases"), {"q": "张景林"})
    assert [c["resident"]["name"] for c in response.json()["results"]] == ["张景林"]
    bad = client.get(reverse("api:cases"), {"q": book[0].resident.id_number()})
    assert bad.status_code == 400


# ---- the resident's page lists their cases -----------------------------------------------------


def test_the_residents_cases(client, personas, book):
    zhang = book[0]
    client.force_login(personas.clerk_a)
    url = reverse("cases-resident", args=[zhang.resident.pk])
    response = client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert zhang.receipt in body and book[1].receipt not in body
    detail = client.get(reverse("people-detail", args=[zhang.resident.pk])).content.decode()
    assert url in detail


@pytest.mark.parametrize("who", ["clerk_b", "outsider", "reviewer", "administrator"])
def test_others_do_not_see_a_residents_cases(client, personas, book, who):
    client.force_login(getattr(personas, who))
    response = client.get(reverse("cases-resident", args=[book[0].resident.pk]))
    assert response.status_code in (403, 404)
    assert book[0].receipt not in response.content.decode()


def test_a_residents_cases_need_a_login(client, book):
    response = client.get(reverse("cases-resident", args=[book[0].resident.pk]))
    assert response.status_code == 302
