"""The service ledger (cases), end to end through the download: headers, rows and values, the
split by month and by community, scope, equality with the filtered list page, bad input, and
the log row."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from doorstep.cases.actions import do_transition
from doorstep.insight.ledgers import LEDGERS
from doorstep.insight.models import LedgerExport

from .conftest import NOW, cells, opened, sheet_rows


def url(key: str = "cases", **params) -> str:
    from urllib.parse import urlencode

    base = reverse("insight-ledger", args=[key])
    return f"{base}?{urlencode(params)}" if params else base


@pytest.fixture
def resident_b(make_resident, personas):
    return make_resident("李秀英", area=personas.compound_b)


@pytest.fixture
def book(make_case, personas, resident_b, frozen, travel):
    """Two cases of community A (October and December) and one of community B (December)."""
    with travel(NOW - datetime.timedelta(days=40)):
        october = make_case()
    december = make_case(outcome="notice")
    other = make_case(actor=personas.clerk_b, resident=resident_b)
    return october, december, other


def receipts(rows: dict[str, list[tuple]]) -> set[str]:
    return {row[0] for sheet in rows.values() for row in sheet[1:]}


def test_headers_rows_and_values_by_month(client, personas, book):
    october, december, other = book
    client.force_login(personas.clerk_a)
    rows = sheet_rows(opened(client.get(url())))
    assert list(rows) == ["2026-10", "2026-12"]
    headers = [c.header for c in LEDGERS["cases"].columns()]
    assert all(sheet[0] == tuple(headers) for sheet in rows.values())
    first = dict(zip(headers, rows["2026-10"][1], strict=True))
    assert first["Receipt number"] == october.receipt
    assert first["Resident"] == "张景林"
    assert first["Service"] == "困难残疾人生活补贴"
    assert first["Status"] == "Accepted"
    assert first["Taken in at"] == datetime.datetime(2026, 10, 22, 10, 0)
    assert first["Trips back"] == 0  # the intake visit is not a trip back
    assert rows["2026-12"][1][0] == december.receipt
    assert other.receipt not in receipts(rows)  # community B's, not clerk A's


def test_split_by_community(client, personas, book):
    client.force_login(personas.district_lead)
    rows = sheet_rows(opened(client.get(url(split="community"))))
    assert list(rows) == ["晴川第一社区", "七里一村社区"]  # by area code
    assert len(rows["七里一村社区"]) == 3 and len(rows["晴川第一社区"]) == 2


def test_chinese_headers_by_default(client, personas, book, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(personas.clerk_a)
    header = sheet_rows(opened(client.get(url())))["2026-10"][0]
    assert {"状态", "居民", "事项"} <= set(header)


def test_another_communitys_clerk_gets_none_of_the_rows(client, personas, book):
    _october, _december, other = book
    client.force_login(personas.clerk_b)
    rows = sheet_rows(opened(client.get(url())))
    assert receipts(rows) == {other.receipt}


def test_the_file_has_exactly_the_rows_the_filtered_list_shows(client, personas, book):
    client.force_login(personas.clerk_a)
    for params in ({"status": "accepted"}, {"status": "awaiting_materials"}, {"receipt": "2026"}):
        page = client.get(reverse("cases-list"), params)
        listed = {c.receipt for c in page.context["page"].object_list}
        exported = receipts(sheet_rows(opened(client.get(url(**params)))))
        assert exported == listed, params
    assert len(listed) == 2


def test_a_closed_case_shows_closed(client, personas, book):
    october, december, _other = book
    do_transition(october, "withdraw", actor=personas.clerk_a, reason="居民撤回申请")
    client.force_login(personas.clerk_a)
    book_ = opened(client.get(url(status="withdrawn")))
    assert october.receipt in cells(book_) and december.receipt not in cells(book_)


def test_the_file_says_who_made_it(client, personas, book):
    client.force_login(personas.clerk_a)
    properties = opened(client.get(url())).properties
    expected = personas.clerk_a.get_full_name() or personas.clerk_a.username
    assert properties.creator == expected and properties.title == "Service ledger (cases)"


def test_the_export_is_logged(client, personas, book):
    client.force_login(personas.clerk_a)
    response = client.get(url(status="accepted", page="2", split="month"))
    size = len(b"".join(response.streaming_content))
    log = LedgerExport.objects.get()
    assert (log.user, log.ledger, log.split, log.rows, log.via) == (
        personas.clerk_a, "cases", "month", 1, "web"
    )  # fmt: skip
    assert log.params == {"status": ["accepted"]} and log.bytes == size


@pytest.mark.parametrize(
    "params",
    [{"status": "bogus"}, {"clock": "soon"}, {"split": "street"}, {"receipt": "X" * 40}],
)
def test_bad_input_is_a_clear_error_and_no_file(client, personas, book, params):
    client.force_login(personas.clerk_a)
    response = client.get(url(**params))
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "The filters are not valid: nothing was exported." in response.content.decode()
    assert not LedgerExport.objects.exists()


def test_bad_input_reads_in_chinese(client, personas, book, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(personas.clerk_a)
    response = client.get(url(status="bogus"))
    assert response.status_code == 400
    assert "选择一个有效的选项" in response.content.decode()


def test_nothing_matches_gives_the_headers_alone(client, personas, book):
    client.force_login(personas.clerk_a)
    rows = sheet_rows(opened(client.get(url(receipt="NOSUCH"))))
    assert len(rows) == 1 and len(next(iter(rows.values()))) == 1


def test_queries_do_not_grow_with_rows(
    client, personas, book, make_case, django_assert_max_num_queries
):
    for _ in range(5):
        make_case()
    client.force_login(personas.clerk_a)
    with django_assert_max_num_queries(12):
        opened(client.get(url()))


def test_list_page_links_to_the_ledger_with_its_filters(client, personas, book):
    client.force_login(personas.clerk_a)
    page = client.get(reverse("cases-list"), {"status": "accepted"}).content.decode()
    assert f'href="{url()}?status=accepted"' in page


@pytest.mark.parametrize("who", ["grid_a", "mediator_a", "outsider", "administrator"])
def test_wrong_people_get_nothing(client, personas, book, who):
    client.force_login(getattr(personas, who))
    assert client.get(url()).status_code == 403
    assert not LedgerExport.objects.exists()


def test_a_visitor_is_sent_to_log_in(client, book):
    response = client.get(url())
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_an_unknown_ledger_is_404(client, personas):
    client.force_login(personas.clerk_a)
    assert client.get(url("nosuch")).status_code == 404
