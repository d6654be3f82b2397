"""The home page's role panels: the inbox on everyone's, a clerk's desk sessions today, cases
due soon (overdue first) and 容缺 deadlines, a lead's overdue cases per child area; each persona
sees only their own areas, at a pinned number of queries."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from doorstep.cases.tests.conftest import (  # noqa: F401  (fixtures)
    NOW,
    frozen,
    holidays,
    make_case,
    materials,
    resident,
    service,
)
from doorstep.desks.tests.conftest import make_desk, open_session, services  # noqa: F401
from doorstep.notify import inbox


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def desk_day(personas, make_desk, open_session, workload):  # noqa: F811
    """Clerk A staffs the 14:00 session of the 二印小区 desk on the day the home page is opened;
    one number is issued."""
    from doorstep.desks.actions import do_issue_ticket

    session = open_session(make_desk(), date=workload["day"], start="14:00", end="15:00")
    session.staff.add(personas.clerk_a)
    do_issue_ticket(session, actor=personas.clerk_a, name="张三")
    return session


@pytest.fixture
def workload(personas, make_case, frozen):  # noqa: F811
    """An overdue case, a due-soon one and a fresh one of clerk A; a case with materials to
    follow (容缺) due in two days, one due in ten. Returns the day the home page is opened."""
    from doorstep.cases.models import Case

    overdue = make_case("accept")
    frozen.shift(datetime.timedelta(days=5))
    soon = make_case("accept")
    frozen.shift(datetime.timedelta(days=-5))
    day = soon.warn_on
    assert overdue.due_on < day <= soon.due_on
    frozen.move_to(datetime.datetime.combine(day, NOW.timetz()))
    fresh = make_case("accept")
    near = make_case("accept_pending", pending_deadline=day + datetime.timedelta(days=2))
    far = make_case("accept_pending", pending_deadline=day + datetime.timedelta(days=10))
    cases = {c.pk: c for c in Case.objects.all()}
    return {
        "day": day,
        "overdue": cases[overdue.pk],
        "soon": cases[soon.pk],
        "fresh": cases[fresh.pk],
        "near": cases[near.pk],
        "far": cases[far.pk],
    }


def test_a_clerk_sees_her_desk_cases_and_inbox(client, personas, desk_day, workload):
    inbox.post([personas.clerk_a], kind="test", title="请核对材料")
    client.force_login(personas.clerk_a)
    response = client.get(reverse("home"))
    panels = response.context["panels"]
    assert [s.pk for s in panels["desks"]["sessions"]] == [desk_day.pk]
    assert panels["desks"]["sessions"][0].queued == 1
    due = [c.pk for c in panels["cases_desk"]["due"]]
    assert due[0] == workload["overdue"].pk and workload["soon"].pk in due
    assert workload["fresh"].pk not in due
    followups = [c.pk for c in panels["cases_desk"]["followups"]]
    assert followups == [workload["near"].pk]
    assert panels["inbox"]["unread"] == 1 and panels["inbox"]["items"][0].title == "请核对材料"
    assert panels["cases_lead"] is None
    body = response.content.decode()
    assert 'id="home-desks"' in body and 'id="home-due"' in body and 'id="home-followups"' in body
    assert workload["overdue"].receipt in body and "请核对材料" in body
    assert 'id="inbox-badge"' in body


def test_another_community_sees_none_of_it(client, personas, desk_day, workload):
    client.force_login(personas.clerk_b)
    panels = client.get(reverse("home")).context["panels"]
    assert panels["desks"]["sessions"] == []
    assert panels["cases_desk"]["due"] == [] and panels["cases_desk"]["followups"] == []
    assert panels["inbox"]["unread"] == 0


def test_a_lead_sees_overdue_cases_per_community(client, personas, workload):
    client.force_login(personas.street_lead)
    panels = client.get(reverse("home")).context["panels"]
    lead = panels["cases_lead"]
    counts = {row.area.name: row.overdue for row in lead["per_child"]}
    assert counts["七里一村社区"] == 1 and sum(counts.values()) == lead["total"] == 1
    assert [c.pk for c in lead["oldest"]] == [workload["overdue"].pk]
    assert panels["cases_desk"] is None and panels["desks"] is None


@pytest.mark.parametrize("who", ["reviewer", "outsider", "mediator_a", "administrator"])
def test_no_case_or_desk_panels_without_the_capability(client, personas, workload, who):
    client.force_login(getattr(personas, who))
    response = client.get(reverse("home"))
    panels = response.context["panels"]
    assert panels["desks"] is None and panels["cases_desk"] is None
    assert panels["cases_lead"] is None
    assert workload["overdue"].receipt not in response.content.decode()


# Session, user, grants (profile), then each persona's panels and figures; the header's badge
# shares the inbox panel's count. Pinned: a panel that starts to cost a query per row fails.
# Everyone: session, user, roles (profile), unread count, unread items.
QUERIES = {
    # + grants by area, my desk sessions, cases due, materials to follow, applications from
    # other systems waiting (1); needs (2); reception days and late matters (2); rectifications
    "clerk_a": 15,
    "grid_a": 9,  # + needs (3), visits (1 without a grid)
    "mediator_a": 9,  # + the mediation worklist (4)
    # + grants by area, residents per community (2), overdue per community, communities, oldest;
    # needs (2); reception (2); rectifications and appeals to decide (2); this month's figures
    # against last month's (6: callbacks, cases and ratings, one aggregate each a month)
    "street_lead": 23,
    "district_lead": 23,
    # + needs handed to the reviewer's department (3); reception matters (2); rectifications (1)
    "reviewer": 11,
    "outsider": 5,
    "admin": 26,  # every panel; the top areas are read for residents and cases alike
    "administrator": 5,
}


@pytest.mark.parametrize("who", sorted(QUERIES))
def test_the_home_page_costs_a_pinned_number_of_queries(
    client, personas, desk_day, workload, who, django_assert_num_queries
):
    user = getattr(personas, who)
    inbox.post([user], kind="test", title="一条")
    client.force_login(user)
    client.get(reverse("home"))
    with django_assert_num_queries(QUERIES[who]):
        client.get(reverse("home"))
