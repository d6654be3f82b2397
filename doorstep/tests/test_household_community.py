# ruff: noqa: F811  (pytest fixtures imported by name and asked for by name)
"""The household timeline carries the community's work too: the needs a member raised or
joined, and the disputes a member is a party to, each event linking to its record and seen only
by those who may see that record (a sensitive need by its owners and reviewers)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from doorstep.tests.test_household import (  # noqa: F401  (fixtures)
    _english,
    department,
    frozen,
    holidays,
    home,
    make_case,
    make_programme,
    materials,
    resident,
    service,
)


@pytest.fixture
def need(personas, home):
    from doorstep.needs.actions import do_register_need
    from doorstep.needs.models import NeedCategory
    from doorstep.needs.seed import seed_categories

    def make(sensitive=False, **kw):
        seed_categories()
        return do_register_need(
            actor=personas.grid_a,
            source="visit",
            kind="help",
            category=NeedCategory.objects.get(code="property"),
            description="楼道灯坏了",
            compound=personas.compound_a,
            sensitive=sensitive,
            **{"new_anyway": True, **kw},
        ).need

    return make


@pytest.fixture
def dispute(personas, home):
    from doorstep.disputes.actions import PartySpec, do_register_dispute

    _household, _case, elder = home
    return do_register_dispute(
        actor=personas.mediator_a,
        source="application",
        type="neighbours",
        summary="楼上漏水",
        area=personas.compound_a,
        parties=[PartySpec(resident_id=elder.pk), PartySpec(name="李秀英", phone="13900001111")],
    )


def entries(client, user, household, kind):
    client.force_login(user)
    response = client.get(reverse("household", args=[household.pk]))
    assert response.status_code == 200
    return [e for e in response.context["timeline"].entries if e.kind == kind]


def test_a_members_need_is_on_the_timeline(client, personas, home, need):
    household, _case, elder = home
    raised = need(resident=elder)
    found = entries(client, personas.clerk_a, household, "need")
    assert found and {e.link for e in found} == {reverse("needs-detail", args=[raised.pk])}
    assert "Registered" in found[-1].title and found[-1].origin == "王秀英"


def test_a_need_joined_as_the_same_problem_is_there_too(client, personas, home, need):
    household, _case, elder = home
    first = need(raiser_name="邻居")
    need(resident=elder, join=first.pk, new_anyway=False)
    found = entries(client, personas.clerk_a, household, "need")
    assert found and {e.link for e in found} == {reverse("needs-detail", args=[first.pk])}
    assert {e.origin for e in found} == {"王秀英"}


def test_a_sensitive_need_only_for_its_owner(client, personas, home, need):
    household, _case, elder = home
    need(resident=elder, sensitive=True)
    assert entries(client, personas.grid_a, household, "need")  # its owner
    assert entries(client, personas.clerk_a, household, "need") == []


def test_someone_elses_need_is_not_there(client, personas, home, need, make_resident):
    household, _case, _elder = home
    need(resident=make_resident("外人", birth=datetime.date(1960, 1, 1)))
    assert entries(client, personas.clerk_a, household, "need") == []


def test_a_dispute_shows_for_those_who_may_see_disputes(client, personas, home, dispute):
    household, _case, _elder = home
    found = entries(client, personas.street_lead, household, "dispute")
    assert found and {e.link for e in found} == {reverse("disputes-detail", args=[dispute.pk])}
    assert {e.origin for e in found} == {"王秀英"}
    # A clerk may see the residents but not the committee's disputes.
    assert entries(client, personas.clerk_a, household, "dispute") == []


def test_the_cost_stays_fixed_with_needs_and_disputes(
    client, personas, home, need, dispute, django_assert_num_queries
):
    household, _case, elder = home
    need(resident=elder)
    client.force_login(personas.street_lead)
    url = reverse("household", args=[household.pk])
    client.get(url)
    with django_assert_num_queries(13):
        client.get(url)
    for _n in range(3):
        need(resident=elder)
    with django_assert_num_queries(13):
        client.get(url)


def test_the_households_visits_are_there(client, personas, home, frozen):
    import uuid

    from django.utils import timezone

    from doorstep.places.models import Grid
    from doorstep.visits.actions import do_log_visit

    household, _case, _elder = home
    grid = Grid.objects.create(community=personas.area_a, name="九号楼网格")
    grid.buildings.add(household.building)
    grid.workers.add(personas.grid_a)
    visit = do_log_visit(
        actor=personas.grid_a,
        household=household,
        visited_at=timezone.now() - datetime.timedelta(hours=1),
        outcome="nobody_home",
        purpose="routine",
        client_key=uuid.uuid4(),
    ).visit
    for who in (personas.clerk_a, personas.grid_a):
        found = entries(client, who, household, "visit")
        assert [e.link for e in found] == [reverse("visits-detail", args=[visit.pk])]
        assert found[0].origin_link == reverse("household", args=[household.pk])


def test_a_needs_callback_says_what_it_found(client, personas, home, need):
    from doorstep.feedback.actions import Called
    from doorstep.needs.actions import do_answer, do_callback

    _household, _case, elder = home
    raised = need(resident=elder)
    do_answer(raised, actor=personas.grid_a, decision="resolved", answer="已修好")
    do_callback(raised, actor=personas.grid_a, called=Called(invalid="wrong_number"))
    do_callback(raised, actor=personas.grid_a, called=Called(reached=False))
    do_callback(raised, actor=personas.grid_a,
                called=Called(reached=True, solved="yes", satisfaction=4))  # fmt: skip
    titles = [e.title for e in entries(client, personas.clerk_a, _household, "need")]
    found = [t.rsplit(" · ", 1)[1] for t in titles if "Callback" in t]
    assert found == [
        "Callback: Satisfied (满意)",
        "Callback: not reached",
        "Callback: Wrong or empty number",
    ]
