"""Satisfaction pages: the resident's rating page by its key, and the staff pages, each with
the wrong person getting nothing and bad input changing nothing."""

from __future__ import annotations

import datetime

import pytest

from doorstep.feedback.models import Appeal, Callback, Rating, Rectification

from .conftest import NOW

pytestmark = pytest.mark.django_db


def _client(client, user):
    client.force_login(user)
    return client


# ---- the resident's page ----------------------------------------------------------------------


def test_rate_page_records_one_rating(client, subject):
    s = subject()
    url = f"/rate/{s.key}/"
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="rate-form"' in body and "Efficiency" in body and "Attitude" in body
    # Nothing on the page names the resident.
    assert "张景林" not in body and "5678" not in body
    done = client.post(url + "?via=receipt", {"level": "5", "efficiency": "4", "comment": "很好"})
    assert done.status_code == 200 and 'id="rate-done"' in done.content.decode()
    rating = Rating.objects.get()
    assert (rating.level, rating.efficiency, rating.source, rating.comment) == (
        5, 4, "receipt", "很好",
    )  # fmt: skip
    again = client.get(url)
    assert "rated already" in again.content.decode()
    assert client.post(url, {"level": "1"}).status_code == 200
    assert Rating.objects.count() == 1


@pytest.mark.parametrize(
    "data", [{}, {"level": "7"}, {"level": "x"}, {"level": "3", "attitude": "0"},
             {"level": "3", "comment": "字" * 501}],
)  # fmt: skip
def test_rate_page_bad_input(client, subject, data):
    s = subject()
    page = client.post(f"/rate/{s.key}/", data)
    assert page.status_code == 400
    assert "field-invalid" in page.content.decode()
    assert not Rating.objects.exists()


def test_rate_page_bad_input_is_in_chinese(client, subject, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    s = subject()
    page = client.post(f"/rate/{s.key}/", {}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 400
    assert "请选择" in page.content.decode()


@pytest.mark.parametrize("key", ["nope", "x" * 40, "%00", "密钥"])
def test_unknown_key_is_404(client, setup, key):
    assert client.get(f"/rate/{key}/").status_code == 404


def test_window_closed(client, subject):
    s = subject(closed_at=NOW - datetime.timedelta(days=60))
    page = client.get(f"/rate/{s.key}/")
    assert "has passed" in page.content.decode()
    assert client.post(f"/rate/{s.key}/", {"level": "4"}).status_code == 200
    assert not Rating.objects.exists()


def test_bad_rating_then_rectification_page(client, subject, setup):
    s = subject()
    client.post(f"/rate/{s.key}/", {"level": "1", "comment": "态度差"})
    rect = Rectification.objects.get()
    lead = _client(client, setup.lead_a)
    page = lead.get(f"/feedback/rectifications/{rect.pk}/")
    body = page.content.decode()
    assert page.status_code == 200
    # The owner sees whom to call, masked.
    assert "张景林" in body and "139****5678" in body and "13912345678" not in body
    bad = lead.post(f"/feedback/rectifications/{rect.pk}/settle/", {"outcome": "on_spot"})
    assert bad.status_code == 400
    assert Rectification.objects.get().status == "open"
    ok = lead.post(
        f"/feedback/rectifications/{rect.pk}/settle/",
        {"outcome": "on_spot", "account": "当场致歉并办结", "reached": "on", "solved": "yes",
         "satisfaction": "4", "new_level": "4"},
    )  # fmt: skip
    assert ok.status_code == 302
    assert Rectification.objects.get().status == "done"
    assert Rating.objects.get(current=True).level == 4


def test_the_rated_clerk_never_sees_the_rater(client, subject, setup):
    s = subject()
    client.post(f"/rate/{s.key}/", {"level": "1", "comment": "态度差"})
    rect = Rectification.objects.get()
    clerk = _client(client, setup.clerk_a)
    for url in ("/feedback/", f"/feedback/{s.pk}/", f"/feedback/rectifications/{rect.pk}/",
                "/feedback/rectifications/", "/feedback/appeals/"):  # fmt: skip
        page = clerk.get(url)
        assert page.status_code == 200, url
        body = page.content.decode()
        assert "张景林" not in body and "5678" not in body, url
    assert clerk.post(f"/feedback/rectifications/{rect.pk}/settle/", {}).status_code == 403


@pytest.mark.parametrize("who", ["clerk_b", "lead_b", "grid_a", "mediator_a", "outsider"])
def test_wrong_person_gets_nothing(client, subject, setup, who):
    s = subject()
    client.post(f"/rate/{s.key}/", {"level": "2"})
    rect = Rectification.objects.get()
    other = _client(client, getattr(setup, who))
    listing = other.get("/feedback/")
    assert listing.status_code in (200, 403)
    assert s.reference not in listing.content.decode()
    for url in (f"/feedback/{s.pk}/", f"/feedback/rectifications/{rect.pk}/"):
        assert other.get(url).status_code == 404, url
    for url in (f"/feedback/{s.pk}/callback/", f"/feedback/{s.pk}/appeal/",
                f"/feedback/rectifications/{rect.pk}/settle/",
                f"/feedback/rectifications/{rect.pk}/assign/"):  # fmt: skip
        assert other.post(url, {"reached": "on"}).status_code == 404, url
    assert not Callback.objects.exists() and not Appeal.objects.exists()


def test_anonymous_is_sent_to_login(client, subject):
    s = subject()
    for url in ("/feedback/", f"/feedback/{s.pk}/", "/feedback/rectifications/"):
        assert client.get(url).status_code == 302


def test_callback_form(client, subject, setup):
    s = subject()
    clerk = _client(client, setup.clerk_a)
    bad = clerk.post(f"/feedback/{s.pk}/callback/", {"reached": "on", "solved": "yes"})
    assert bad.status_code == 400 and not Callback.objects.exists()
    ok = clerk.post(
        f"/feedback/{s.pk}/callback/",
        {"reached": "on", "solved": "partly", "satisfaction": "3", "note": "已回访"},
    )
    assert ok.status_code == 302
    assert Callback.objects.get().solved == "partly"
    listed = clerk.get("/feedback/?callback=done")
    assert s.reference in listed.content.decode()
    assert s.reference not in clerk.get("/feedback/?callback=due").content.decode()


def test_filters_reject_bad_input(client, subject, setup):
    subject()
    page = _client(client, setup.clerk_a).get("/feedback/?closed_from=notadate&rating=zzz")
    assert page.status_code == 400


def test_appeal_and_decision_pages(client, subject, setup):
    s = subject()
    client.post(f"/rate/{s.key}/", {"level": "1"})
    lead = _client(client, setup.lead_a)
    assert 'id="appeal-form"' in lead.get(f"/feedback/{s.pk}/").content.decode()
    assert lead.post(f"/feedback/{s.pk}/appeal/", {"ground": "malicious"}).status_code == 400
    assert not Appeal.objects.exists()
    filed = lead.post(
        f"/feedback/{s.pk}/appeal/", {"ground": "malicious", "grounds": "评价人与本事项无关"}
    )
    assert filed.status_code == 302
    appeal = Appeal.objects.get()
    # The filer may not decide.
    assert lead.post(f"/feedback/appeals/{appeal.pk}/decide/", {}).status_code == 403
    street = _client(client, setup.street_lead)
    assert str(appeal.pk) in street.get("/feedback/appeals/").content.decode()
    prefix = f"a{appeal.pk}"
    bad = street.post(f"/feedback/appeals/{appeal.pk}/decide/", {f"{prefix}-upheld": "1"})
    assert bad.status_code == 400
    done = street.post(
        f"/feedback/appeals/{appeal.pk}/decide/",
        {f"{prefix}-upheld": "1", f"{prefix}-decision": "经核实属恶意评价"},
    )
    assert done.status_code == 302
    assert Rating.objects.get().excluded
    district = _client(client, setup.district_lead)
    assert "removed by appeal" in district.get(f"/feedback/{s.pk}/").content.decode()


def test_home_panel_lists_rectifications_and_appeals(client, subject, setup, rate):
    from doorstep.feedback.actions import do_appeal

    s = subject()
    rating = rate(s, 1)
    do_appeal(rating, actor=setup.lead_a, ground="mistaken", grounds="另一社区的事项")
    owner = _client(client, setup.lead_a).get("/").content.decode()
    assert 'id="open-rectifications"' in owner and s.reference in owner and "yours" in owner
    street = _client(client, setup.street_lead).get("/").content.decode()
    assert 'id="appeals-to-decide"' in street and s.reference in street
    other = _client(client, setup.lead_b).get("/").content.decode()
    assert s.reference not in other and 'id="appeals-to-decide"' not in other
