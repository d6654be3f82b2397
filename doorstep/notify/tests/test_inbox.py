"""The staff inbox: posting (one, each, set-based, idempotent by key), the sweeps that post, the
page with its badge and buttons, and who may see what (only the recipient, 404 for anyone
else, in pages and API alike)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from doorstep.cases.tests.conftest import (  # noqa: F401  (fixtures)
    NOW,
    TODAY,
    frozen,
    holidays,
    make_case,
    materials,
    resident,
    service,
)
from doorstep.notify import inbox
from doorstep.notify.models import InboxItem


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def items(personas):
    """Two items for clerk A (one read), one for clerk B."""
    inbox.post([personas.clerk_a], kind="test", title="第一条", body="正文", url="/cases/")
    inbox.post([personas.clerk_a], kind="test", title="第二条")
    inbox.post([personas.clerk_b], kind="test", title="别人的", url="/")
    first = InboxItem.objects.get(title="第一条")
    InboxItem.objects.filter(title="第二条").update(read_at=NOW)
    return first


# ---- posting ----------------------------------------------------------------------------------


def test_post_writes_one_item_per_recipient_once_per_key(personas):
    users = [personas.clerk_a, personas.clerk_b.pk, personas.clerk_a]
    assert inbox.post(users, kind="k", title="t", key="event:1") == 2
    assert inbox.post(users, kind="k", title="t", key="event:1") == 0
    assert inbox.post([personas.clerk_a], kind="k", title="t") == 1  # no key: no dedup
    assert InboxItem.objects.filter(recipient=personas.clerk_a).count() == 2


def test_post_to_a_queryset_is_one_insert_select(personas, django_assert_num_queries):
    from django.contrib.auth import get_user_model

    leads = get_user_model().objects.filter(username__in=["street_lead", "district_lead"])
    with django_assert_num_queries(1):
        assert inbox.post(leads, kind="k", title="t", url="/cases/", key="x") == 2
    assert set(InboxItem.objects.values_list("recipient__username", flat=True)) == {
        "street_lead",
        "district_lead",
    }


@pytest.mark.parametrize("url", ["https://evil.example/", "//evil.example/", "cases/"])
def test_links_stay_on_the_site(personas, url):
    with pytest.raises(ValueError):
        inbox.post([personas.clerk_a], kind="k", title="t", url=url)


def test_post_from_queryset_fills_texts_and_links_per_row(make_case, frozen):  # noqa: F811
    from doorstep.cases.models import Case

    case = make_case("accept")
    written = inbox.post_from_queryset(
        Case.objects.all(),
        recipient=F("handler"),
        kind="k",
        title=inbox.fill(
            "Case %(receipt)s of %(name)s", receipt=F("receipt"), name=F("resident__name")
        ),
        url=inbox.path("cases-detail", F("id")),
        key="same",
    )
    assert written == 1
    item = InboxItem.objects.get()
    assert item.title == f"Case {case.receipt} of 张景林"
    assert item.url == reverse("cases-detail", args=[case.pk])
    assert item.recipient_id == case.handler_id


# ---- the sweeps post ------------------------------------------------------------------------


def test_the_overdue_sweep_posts_to_the_handler_and_the_leads(personas, make_case, frozen):  # noqa: F811
    from doorstep.cases.actions import do_sweep_overdue

    case = make_case("accept")
    after = case.due_on + datetime.timedelta(days=1)
    assert do_sweep_overdue(today=after, now=NOW + datetime.timedelta(days=30)) == 1
    mine = InboxItem.objects.get(recipient=personas.clerk_a)
    assert mine.kind == "case_overdue"
    assert mine.title == f"Case {case.receipt} is overdue"
    assert case.due_on.isoformat() in mine.body and "困难残疾人生活补贴" in mine.body
    assert mine.url == reverse("cases-detail", args=[case.pk])
    digest = InboxItem.objects.get(recipient=personas.street_lead)
    assert digest.kind == "cases_overdue_digest" and digest.title.endswith(": 1")
    assert case.receipt in digest.body and digest.url.endswith("?clock=overdue")
    assert not InboxItem.objects.filter(recipient=personas.clerk_b).exists()
    assert do_sweep_overdue(today=after, now=NOW + datetime.timedelta(days=31)) == 0
    assert InboxItem.objects.count() == 2


def test_followup_reminders_and_late_flags_post_once(personas, make_case, frozen):  # noqa: F811
    from doorstep.cases.actions.followups import do_remind_followups

    case = make_case("accept_pending")
    for _run in range(2):
        do_remind_followups(today=TODAY + datetime.timedelta(days=3))
    due = InboxItem.objects.get(recipient=personas.clerk_a)
    assert due.kind == "case_followup_due" and case.receipt in due.title
    assert case.pending_deadline.isoformat() in due.title
    do_remind_followups(today=TODAY + datetime.timedelta(days=6))
    late = InboxItem.objects.get(kind="case_followup_late")
    assert late.recipient == personas.clerk_a and late.url == f"/cases/{case.pk}/"


# ---- the page -------------------------------------------------------------------------------


def test_inbox_page_lists_my_items_only(client, personas, items):
    client.force_login(personas.clerk_a)
    body = client.get(reverse("notify-inbox")).content.decode()
    assert "第一条" in body and "第二条" in body and "别人的" not in body
    assert 'id="inbox-badge"' in body  # one unread
    body = client.get(reverse("notify-inbox") + "?show=unread").content.decode()
    assert "第一条" in body and "第二条" not in body


def test_open_marks_read_and_follows_the_link(client, personas, items):
    client.force_login(personas.clerk_a)
    response = client.post(reverse("notify-open", args=[items.pk]))
    assert response.status_code == 302 and response["Location"] == "/cases/"
    items.refresh_from_db()
    assert items.read_at is not None
    assert 'id="inbox-badge"' not in client.get(reverse("notify-inbox")).content.decode()


def test_mark_one_and_all_read(client, personas, items):
    inbox.post([personas.clerk_a], kind="test", title="第三条")
    client.force_login(personas.clerk_a)
    assert client.post(reverse("notify-read", args=[items.pk])).status_code == 302
    assert inbox.unread_count(personas.clerk_a) == 1
    assert client.post(reverse("notify-read-all")).status_code == 302
    assert not InboxItem.objects.filter(recipient=personas.clerk_a, read_at=None).exists()
    assert InboxItem.objects.filter(recipient=personas.clerk_b, read_at=None).count() == 1


PERSONAS = [
    "clerk_b",
    "grid_a",
    "grid_b",
    "mediator_a",
    "mediator_b",
    "street_lead",
    "district_lead",
    "reviewer",
    "outsider",
    "admin",
    "administrator",
]


@pytest.mark.parametrize("who", PERSONAS)
def test_nobody_else_opens_or_marks_my_item(client, personas, items, who):
    client.force_login(getattr(personas, who))
    for name in ("notify-open", "notify-read"):
        assert client.post(reverse(name, args=[items.pk])).status_code == 404
    assert "第一条" not in client.get(reverse("notify-inbox")).content.decode()
    assert client.get(f"/api/v1/inbox/{items.pk}/").status_code == 404
    assert client.post(f"/api/v1/inbox/{items.pk}/read/").status_code == 404
    client.post("/api/v1/inbox/read/")
    items.refresh_from_db()
    assert items.read_at is None


def test_bad_ids_and_methods_are_refused_cleanly(client, personas, items):
    client.force_login(personas.clerk_a)
    huge = 10**30
    assert client.post(f"/notify/inbox/{huge}/open/").status_code == 404
    assert client.post("/notify/inbox/abc/open/").status_code == 404
    assert client.get(reverse("notify-open", args=[items.pk])).status_code == 405
    assert client.get(reverse("notify-read-all")).status_code == 405
    assert client.get(f"/api/v1/inbox/{huge}/").status_code == 400
    assert client.get("/api/v1/inbox/abc/").status_code == 404
    assert client.get("/api/v1/inbox/?after=nonsense").status_code == 400


def test_the_inbox_needs_a_login(client, items):
    assert client.get(reverse("notify-inbox")).status_code == 302
    assert client.post(reverse("notify-open", args=[items.pk])).status_code == 302
    assert client.get("/api/v1/inbox/").status_code == 401


def test_the_badge_costs_one_query_and_only_where_a_header_renders(client, personas, items):
    client.force_login(personas.clerk_a)

    def inbox_queries(method, url) -> int:
        with CaptureQueriesContext(connection) as ctx:
            getattr(client, method)(url)
        return sum("notify_inboxitem" in q["sql"] for q in ctx.captured_queries)

    assert inbox_queries("get", reverse("catalogue-index")) == 1
    # The unread count (badge and page share it), the pager's count, the page of items.
    assert inbox_queries("get", reverse("notify-inbox")) == 3
    assert inbox_queries("get", "/api/v1/cases/") == 0


# ---- the API --------------------------------------------------------------------------------


def test_api_pages_with_a_cursor_and_marks_read(client, personas, items):
    for n in range(3):
        inbox.post([personas.clerk_a], kind="test", title=f"批量{n}")
    client.force_login(personas.clerk_a)
    first = client.get("/api/v1/inbox/?limit=2").json()
    assert first["unread"] == 4 and len(first["results"]) == 2 and first["next"]
    seen = [r["id"] for r in first["results"]]
    while first["next"]:
        first = client.get(f"/api/v1/inbox/?limit=2&after={first['next']}").json()
        seen += [r["id"] for r in first["results"]]
    assert len(seen) == len(set(seen)) == 5
    unread = client.get("/api/v1/inbox/?unread=true").json()["results"]
    assert {r["title"] for r in unread} == {"第一条", "批量0", "批量1", "批量2"}
    item = client.get(f"/api/v1/inbox/{items.pk}/").json()
    assert item["url"] == "/cases/" and item["read_at"] is None
    assert client.post(f"/api/v1/inbox/{items.pk}/read/").json()["read_at"] is not None
    assert client.post("/api/v1/inbox/read/").json() == {"marked": 3}
    assert client.get("/api/v1/inbox/").json()["unread"] == 0
