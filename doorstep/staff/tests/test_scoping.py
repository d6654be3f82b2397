"""Area scoping: who sees which areas (the prefix lookup and the place tree it is built on are
tested in places)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from doorstep.people.models import Resident
from doorstep.staff.models import RoleGrant
from doorstep.staff.roles import EDIT_RESIDENTS, IMPORT_RESIDENTS, VIEW_RESIDENTS
from doorstep.staff.scoping import area_prefixes, covers, minimal_prefixes, prefix_q


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("clerk_a", ["420105006001"]),
        ("clerk_b", ["420105001001"]),
        ("grid_a", ["420105006001"]),
        ("street_lead", ["420105006"]),
        ("district_lead", ["420105"]),
        ("reviewer", []),
        ("outsider", []),
        ("admin", None),
    ],
)
def test_area_prefixes_for_viewing_residents(personas, persona, expected):
    assert area_prefixes(getattr(personas, persona), VIEW_RESIDENTS) == expected


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("clerk_a", ["420105006001"]),
        ("grid_a", []),  # grid workers and leads look, they do not write
        ("street_lead", []),
        ("district_lead", []),
        ("reviewer", []),
        ("outsider", []),
        ("admin", None),
    ],
)
def test_area_prefixes_for_editing_and_importing(personas, persona, expected):
    user = getattr(personas, persona)
    assert area_prefixes(user, EDIT_RESIDENTS) == expected
    assert area_prefixes(user, IMPORT_RESIDENTS) == expected


def test_anonymous_and_inactive_users_get_nothing(personas):
    assert area_prefixes(AnonymousUser(), VIEW_RESIDENTS) == []
    personas.admin.is_active = False
    assert area_prefixes(personas.admin, VIEW_RESIDENTS) == []


def test_overlapping_grants_are_reduced(personas, django_user_model):
    from doorstep.staff.choices import Role

    user = django_user_model.objects.create_user("two_hats")
    RoleGrant.objects.create(user=user, role=Role.CLERK, area=personas.area_a)
    RoleGrant.objects.create(user=user, role=Role.STREET_LEAD, area=personas.area_a.parent)
    RoleGrant.objects.create(user=user, role=Role.CLERK, area=personas.area_b)
    assert area_prefixes(user, VIEW_RESIDENTS) == ["420105001001", "420105006"]
    assert area_prefixes(user, EDIT_RESIDENTS) == ["420105001001", "420105006001"]


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ([], []),
        (["420105"], ["420105"]),
        (["4201", "420105"], ["4201"]),
        (["420105006001", "420105006", "420105006001001"], ["420105006"]),
        (["420105006001", "420105001001", "420105006001"], ["420105001001", "420105006001"]),
        # A sibling that merely shares leading digits is kept: 42010500 is not under 4201051.
        (["4201051", "42010500"], ["42010500", "4201051"]),
    ],
)
def test_minimal(codes, expected):
    assert minimal_prefixes(codes) == expected


def test_covers(personas):
    assert covers(personas.clerk_a, EDIT_RESIDENTS, "420105006001001")
    assert not covers(personas.clerk_a, EDIT_RESIDENTS, "420105006002001")
    assert not covers(personas.clerk_a, EDIT_RESIDENTS, "420105006")  # the street above
    assert covers(personas.street_lead, VIEW_RESIDENTS, "420105006004001")
    assert not covers(personas.street_lead, EDIT_RESIDENTS, "420105006004001")
    assert covers(personas.admin, EDIT_RESIDENTS, "999999")
    assert not covers(personas.outsider, VIEW_RESIDENTS, "420105006001001")


@pytest.fixture
def two_communities(personas, make_resident):
    """Two residents in community A (one in its compound, one on its rolls directly), one in B."""
    return {
        "a1": make_resident("张景林", area=personas.compound_a),
        "a2": make_resident("李秀英", area=personas.area_a),
        "b": make_resident("王建国", area=personas.compound_b),
    }


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("clerk_a", {"a1", "a2"}),
        ("grid_a", {"a1", "a2"}),
        ("street_lead", {"a1", "a2"}),
        ("clerk_b", {"b"}),
        ("district_lead", {"a1", "a2", "b"}),
        ("admin", {"a1", "a2", "b"}),
        ("reviewer", set()),
        ("outsider", set()),
    ],
)
def test_visible_to(personas, two_communities, persona, expected):
    seen = set(Resident.objects.visible_to(getattr(personas, persona)))
    assert seen == {two_communities[k] for k in expected}


def test_visible_to_without_the_area_index_gives_the_same_rows(personas, two_communities):
    for user in (personas.clerk_a, personas.street_lead, personas.reviewer, personas.admin):
        assert set(Resident.objects.visible_to(user, by_index=False)) == set(
            Resident.objects.visible_to(user)
        )


def test_prefix_q(personas, two_communities):
    a = {two_communities["a1"], two_communities["a2"]}
    assert set(Resident.objects.filter(prefix_q("area_code", None))) == set(
        two_communities.values()
    )
    assert not Resident.objects.filter(prefix_q("area_code", [])).exists()
    assert set(Resident.objects.filter(prefix_q("area_code", ["420105006"]))) == a
    both = prefix_q("area_code", ["420105001", "420105006"], lookup="prefix_filter")
    assert set(Resident.objects.filter(both)) == set(two_communities.values())


def test_visible_to_anonymous(two_communities):
    assert not Resident.objects.visible_to(AnonymousUser()).exists()


def test_within(personas, two_communities):
    assert set(Resident.objects.within("420105006001001")) == {two_communities["a1"]}
    assert set(Resident.objects.within("420105006")) == {
        two_communities["a1"],
        two_communities["a2"],
    }
