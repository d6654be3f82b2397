"""Feed links: made with the ledger's filters (the secret shown once, kept as a digest), fetched
without login as the owner with the owner's grants at the time, logged, revoked (404), wrong
links 404 alike and throttled; nobody but the owner revokes one."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from doorstep.core import tokens
from doorstep.insight.models import LedgerExport, LedgerFeed
from doorstep.staff.models import RoleGrant

from .conftest import opened, sheet_rows


@pytest.fixture
def resident_b(make_resident, personas):
    return make_resident("李秀英", area=personas.compound_b)


@pytest.fixture
def cases(make_case, personas, resident_b, frozen):
    a1, a2 = make_case(), make_case(outcome="notice")
    b = make_case(actor=personas.clerk_b, resident=resident_b)
    return a1, a2, b


def make_feed(client, user, query: str = "status=accepted&split=community") -> str:
    client.force_login(user)
    response = client.post(
        reverse("insight-feed-new", args=["cases"]) + f"?{query}", {"name": "区数据平台"}
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    assert response["Cache-Control"] == "no-store"
    client.logout()
    return re.search(r'<code id="feed-url">([^<]+)</code>', response.content.decode()).group(1)


def receipts(response) -> set[str]:
    return {row[0] for rows in sheet_rows(opened(response)).values() for row in rows[1:]}


def test_make_and_fetch_without_login(client, personas, cases):
    a1, _a2, _b = cases
    link = make_feed(client, personas.clerk_a)
    secret = link.rsplit("/", 1)[1].removesuffix(".xlsx")
    feed = LedgerFeed.objects.get()
    assert feed.hashed == tokens.digest(secret) and secret not in str(feed.params)
    assert (feed.owner, feed.ledger, feed.split) == (personas.clerk_a, "cases", "community")
    assert feed.params == {"status": ["accepted"]}
    assert receipts(client.get(link)) == {a1.receipt}
    log = LedgerExport.objects.get()
    assert (log.user, log.via, log.feed, log.rows) == (personas.clerk_a, "feed", feed, 1)
    feed.refresh_from_db()
    assert feed.last_fetched_at == log.at


def test_revoked_is_404(client, personas, cases):
    link = make_feed(client, personas.clerk_a)
    feed = LedgerFeed.objects.get()
    client.force_login(personas.clerk_a)
    assert client.post(reverse("insight-feed-revoke", args=[feed.pk])).status_code == 302
    client.logout()
    assert client.get(link).status_code == 404
    assert not LedgerExport.objects.exists()


def test_only_the_owner_revokes(client, personas, cases):
    make_feed(client, personas.clerk_a)
    feed = LedgerFeed.objects.get()
    for who in (personas.clerk_b, personas.street_lead, personas.outsider):
        client.force_login(who)
        assert client.post(reverse("insight-feed-revoke", args=[feed.pk])).status_code == 404
    feed.refresh_from_db()
    assert feed.revoked_at is None
    client.logout()
    response = client.post(reverse("insight-feed-revoke", args=[feed.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_scope_follows_the_owners_grants_now(client, personas, cases):
    a1, a2, b = cases
    link = make_feed(client, personas.clerk_a, "")
    assert receipts(client.get(link)) == {a1.receipt, a2.receipt}
    RoleGrant.objects.filter(user=personas.clerk_a).update(area=personas.area_b)
    assert receipts(client.get(link)) == {b.receipt}
    RoleGrant.objects.filter(user=personas.clerk_a).delete()
    assert client.get(link).status_code == 404  # no longer allowed: like a wrong link


def test_an_inactive_owner_feed_is_404(client, personas, cases):
    link = make_feed(client, personas.clerk_a)
    personas.clerk_a.is_active = False
    personas.clerk_a.save(update_fields=["is_active"])
    assert client.get(link).status_code == 404


def test_wrong_links_are_404_and_throttled(client, personas, cases):
    link = make_feed(client, personas.clerk_a)
    wrong = reverse("insight-feed", args=["x" * 43])
    for _ in range(20):
        assert client.get(wrong).status_code == 404
    assert client.get(wrong).status_code == 429
    assert client.get(link).status_code == 429  # from the same address, until the window ends


def test_bad_filters_make_no_feed(client, personas, cases):
    client.force_login(personas.clerk_a)
    target = reverse("insight-feed-new", args=["cases"]) + "?status=bogus"
    response = client.post(target, {"name": "x"})
    assert response.status_code == 400
    assert "no feed link was made" in response.content.decode()
    assert not LedgerFeed.objects.exists()


def test_a_feed_needs_a_name(client, personas, cases):
    client.force_login(personas.clerk_a)
    response = client.post(reverse("insight-feed-new", args=["cases"]), {"name": ""})
    assert response.status_code == 400 and not LedgerFeed.objects.exists()


@pytest.mark.parametrize("who", ["grid_a", "mediator_a", "outsider"])
def test_wrong_people_make_no_feed(client, personas, cases, who):
    client.force_login(getattr(personas, who))
    target = reverse("insight-feed-new", args=["cases"])
    assert client.get(target).status_code == 403
    assert client.post(target, {"name": "x"}).status_code == 403
    assert not LedgerFeed.objects.exists()


def test_the_page_lists_my_feeds_only(client, personas, cases):
    make_feed(client, personas.clerk_a)
    client.force_login(personas.clerk_b)
    assert "区数据平台" not in client.get(reverse("insight-ledgers")).content.decode()
    client.force_login(personas.clerk_a)
    assert "区数据平台" in client.get(reverse("insight-ledgers")).content.decode()
