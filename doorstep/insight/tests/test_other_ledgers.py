"""The needs, visit, mediation, reception-day and rating ledgers: each opened back, with the rows
of the reader's areas only, the same rows as the list page with the same filters, and none of
the personal data the list does not show."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from doorstep.disputes.actions import PartySpec
from doorstep.insight.ledgers import LEDGERS
from doorstep.insight.models import LedgerExport

from .conftest import NOW, cells, opened, sheet_rows


def url(key: str, **params) -> str:
    base = reverse("insight-ledger", args=[key])
    return f"{base}?{urlencode(params)}" if params else base


def body(rows: dict[str, list[tuple]]) -> list[tuple]:
    return [row for sheet in rows.values() for row in sheet[1:]]


def column(key: str, rows: dict[str, list[tuple]], header: str) -> list:
    headers = [c.header for c in LEDGERS[key].columns()]
    index = headers.index(header)
    assert all(sheet[0] == tuple(headers) for sheet in rows.values())
    return [row[index] for row in body(rows)]


# ---- needs -----------------------------------------------------------------------------------


def test_needs_ledger(client, personas, make_need):
    mine = make_need(urgency="red")
    other = make_need(actor=personas.grid_b, description="路灯不亮")
    client.force_login(personas.clerk_a)
    rows = sheet_rows(opened(client.get(url("needs"))))
    assert column("needs", rows, "Number") == [mine.pk]
    assert column("needs", rows, "Compound") == ["二印小区"]
    assert column("needs", rows, "Urgency") == ["Red: report at once"]
    text = cells(opened(client.get(url("needs"))))
    assert "13912345678" not in text and "张阿姨" not in text  # the raiser: not on the list
    client.force_login(personas.clerk_b)
    assert column("needs", sheet_rows(opened(client.get(url("needs")))), "Number") == [other.pk]


def test_needs_ledger_equals_the_filtered_list(client, personas, make_need):
    make_need(urgency="red")
    make_need(urgency="yellow")
    client.force_login(personas.street_lead)
    for params in ({"urgency": "red"}, {"status": "new"}, {}):
        listed = {n.pk for n in client.get(reverse("needs-list"), params).context["page"]}
        rows = sheet_rows(opened(client.get(url("needs", **params))))
        assert set(column("needs", rows, "Number")) == listed, params


# ---- mediation: one row per case file, with its checklist ------------------------------------


def test_mediation_ledger_lists_each_file_with_its_checklist(client, personas, make_dispute):
    dispute = make_dispute()
    outsiders = [
        PartySpec(name="赵六", phone="13700001111"),
        PartySpec(name="钱七", phone="13700002222"),
    ]
    make_dispute(actor=personas.mediator_b, area=personas.compound_b, parties=outsiders)
    client.force_login(personas.mediator_a)
    rows = sheet_rows(opened(client.get(url("mediation"))))
    assert column("mediation", rows, "File number") == [dispute.number]
    assert column("mediation", rows, "Parties") == ["张景林、李秀英"]
    assert column("mediation", rows, "Application or referral letter") == ["Missing"]
    assert column("mediation", rows, "Session records") == ["Missing"]
    text = cells(opened(client.get(url("mediation"))))
    assert "13900001111" not in text and "1390000" not in text and "4201051950" not in text


def test_mediation_ledger_equals_the_filtered_list(client, personas, make_dispute):
    make_dispute(type="neighbours")
    make_dispute(type="family")
    client.force_login(personas.street_lead)
    for params in ({"type": "family"}, {"status": "registered"}, {}):
        listed = {d.number for d in client.get(reverse("disputes-list"), params).context["page"]}
        rows = sheet_rows(opened(client.get(url("mediation", **params))))
        assert set(column("mediation", rows, "File number")) == listed, params


# ---- visits ----------------------------------------------------------------------------------


def test_visit_ledger(client, personas, street, log_visit):
    log_visit(street.alone_a, days_ago=3)
    log_visit(street.alone_a, days_ago=40)
    log_visit(street.alone_b, days_ago=1, worker=personas.grid_b)
    client.force_login(personas.clerk_a)
    rows = sheet_rows(opened(client.get(url("visits"))))
    assert list(rows) == ["2026-10", "2026-11"]
    assert len(body(rows)) == 2
    assert all("二印小区" in h for h in column("visits", rows, "Household"))
    client.force_login(personas.grid_b)
    assert len(body(sheet_rows(opened(client.get(url("visits")))))) == 1


def test_an_area_outside_ones_grants_gives_no_rows(client, personas, street, log_visit):
    log_visit(street.alone_b, days_ago=1, worker=personas.grid_b)
    client.force_login(personas.clerk_a)
    rows = sheet_rows(opened(client.get(url("visits", area=personas.area_b.code))))
    assert body(rows) == []


def test_visit_ledger_equals_the_filtered_list(client, personas, street, log_visit):
    log_visit(street.alone_a, days_ago=3)
    log_visit(street.alone_a, days_ago=40, outcome="nobody_home")
    client.force_login(personas.clerk_a)
    for params in ({"outcome": "met"}, {"since": "2026-11-01"}, {}):
        page = client.get(reverse("visits-list"), params).context["page"]
        rows = sheet_rows(opened(client.get(url("visits", **params))))
        assert len(body(rows)) == page.paginator.count, params


# ---- reception days --------------------------------------------------------------------------


def test_reception_ledger(client, personas, day, raise_matter):
    matter = raise_matter(day)
    client.force_login(personas.street_lead)
    rows = sheet_rows(opened(client.get(url("reception"))))
    assert column("reception", rows, "Number") == [matter.pk]
    text = cells(opened(client.get(url("reception"))))
    assert "小区电梯经常停运" in text
    assert "钱大爷" not in text and "13912345678" not in text  # the raiser: not on the list
    client.force_login(personas.clerk_b)
    assert body(sheet_rows(opened(client.get(url("reception"))))) == []


def test_reception_ledger_equals_the_filtered_list(client, personas, day, raise_matter):
    raise_matter(day)
    raise_matter(day, petition=True)
    client.force_login(personas.street_lead)
    for params in ({"petition": "on"}, {"route": "accepted"}, {}):
        listed = {m.pk for m in client.get(reverse("reception-list"), params).context["page"]}
        rows = sheet_rows(opened(client.get(url("reception", **params))))
        assert set(column("reception", rows, "Number")) == listed, params


# ---- ratings and rectifications: never the rater ---------------------------------------------


@pytest.fixture
def ratings(personas, make_resident, frozen):
    from doorstep.catalogue.models import Department
    from doorstep.feedback.models import Rating, Rectification, Subject

    rater = make_resident("王秀兰", mobile="13811112222")
    department = Department.objects.get(code="mz")

    def rate(area, level: int, reference: str, **subject):
        s = Subject.objects.create(
            kind="case", object_id=len(reference), reference=reference, area_code=area.code,
            resident=rater, closed_at=NOW - datetime.timedelta(days=2), **subject,
        )  # fmt: skip
        return Rating.objects.create(subject=s, level=level, source="tracking", at=NOW)

    bad = rate(personas.compound_a, 1, "A-BAD", department=department)
    Rectification.objects.create(
        rating=bad, area_code=bad.subject.area_code, owner=personas.clerk_a,
        due_on=NOW.date() + datetime.timedelta(days=10),
    )  # fmt: skip
    good = rate(personas.compound_a, 5, "A-GOOD")
    other = rate(personas.compound_b, 4, "B-OK")
    return bad, good, other


def test_rating_ledger_never_names_the_rater(client, personas, ratings):
    client.force_login(personas.clerk_a)
    book = opened(client.get(url("ratings")))
    rows = sheet_rows(book)
    assert sorted(column("ratings", rows, "Reference")) == ["A-BAD", "A-GOOD"]
    text = cells(book)
    assert "王秀兰" not in text and "13811112222" not in text and "2222" not in text


def test_rating_ledger_filters(client, personas, ratings):
    client.force_login(personas.district_lead)
    rows = sheet_rows(opened(client.get(url("ratings", rating="bad"))))
    assert column("ratings", rows, "Reference") == ["A-BAD"]
    assert column("ratings", rows, "Rectification") == ["Open"]
    response = client.get(url("ratings", rating="great"))
    assert response.status_code == 400 and LedgerExport.objects.count() == 1


def test_a_reviewer_sees_only_their_departments_ratings(client, personas, ratings):
    client.force_login(personas.reviewer)
    rows = sheet_rows(opened(client.get(url("ratings"))))
    assert column("ratings", rows, "Reference") == ["A-BAD"]


# ---- who may export what ---------------------------------------------------------------------

WRONG = {
    "needs": ["mediator_a", "reviewer", "outsider", "administrator"],
    "mediation": ["clerk_a", "grid_a", "reviewer", "outsider"],
    "visits": ["mediator_a", "reviewer", "outsider", "administrator"],
    "reception": ["grid_a", "mediator_a", "outsider", "administrator"],
    "ratings": ["grid_a", "mediator_a", "outsider", "administrator"],
}


@pytest.mark.parametrize(("key", "who"), [(k, w) for k, ws in WRONG.items() for w in ws])
def test_wrong_people_get_nothing(client, personas, key, who):
    client.force_login(getattr(personas, who))
    assert client.get(url(key)).status_code == 403
    assert client.get(reverse("insight-feed-new", args=[key])).status_code == 403
    assert not LedgerExport.objects.exists()


def test_the_page_offers_only_the_ledgers_one_may_export(client, personas):
    client.force_login(personas.mediator_a)
    page = client.get(reverse("insight-ledgers")).content.decode()
    assert 'id="ledger-mediation"' in page and 'id="ledger-cases"' not in page
    client.force_login(personas.clerk_a)
    page = client.get(reverse("insight-ledgers")).content.decode()
    assert 'id="ledger-cases"' in page and 'id="ledger-mediation"' not in page


def test_the_page_is_for_staff_only(client, personas):
    client.force_login(personas.outsider)
    assert client.get(reverse("insight-ledgers")).status_code == 403
    client.logout()
    assert client.get(reverse("insight-ledgers")).status_code == 302


@pytest.mark.parametrize(
    ("name", "key"),
    [("needs-list", "needs"), ("disputes-list", "mediation"), ("visits-list", "visits"),
     ("reception-list", "reception")],
)  # fmt: skip
def test_list_pages_link_to_their_ledger(client, personas, name, key):
    client.force_login(personas.street_lead)
    page = client.get(reverse(name)).content.decode()
    assert f'href="{url(key)}"' in page


def test_rating_ledger_is_the_satisfaction_list(client, personas, ratings):
    client.force_login(personas.district_lead)
    for query in ({}, {"rating": "bad"}, {"rating": "rated", "kind": "case"}):
        page = client.get("/feedback/", query).content.decode()
        shown = {ref for ref in ("A-BAD", "A-GOOD", "B-OK") if ref in page}
        rows = sheet_rows(opened(client.get(url("ratings", **query))))
        assert set(column("ratings", rows, "Reference")) == shown, query
        assert 'id="export-ledger"' in page
