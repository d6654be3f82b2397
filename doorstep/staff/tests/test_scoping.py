"""Area scoping: who sees which areas, the prefix lookup it is built on, and the demo tree."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from doorstep.people.models import Resident
from doorstep.places.choices import AreaKind
from doorstep.places.demo import build_places
from doorstep.places.models import Area
from doorstep.staff.models import RoleGrant
from doorstep.staff.roles import EDIT_RESIDENTS, IMPORT_RESIDENTS, VIEW_RESIDENTS
from doorstep.staff.scoping import _minimal, area_prefixes, covers, prefix_q


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
    assert _minimal(codes) == expected


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


# ---------------------------------------------------------------------------------------------
# The prefix lookup


def _area(code: str, name: str) -> Area:
    return Area.objects.create(code=code, name=name, kind=AreaKind.COMPOUND)


@pytest.mark.django_db
def test_prefix_lookup_on_ascii_and_cjk():
    _area("900001", "七里一村社区")
    _area("900002", "七里庙")
    _area("900003", "琴断口")
    _area("800001", "Abc")
    _area("800002", "abc")

    def names(**lookup):
        return sorted(Area.objects.filter(**lookup).values_list("name", flat=True))

    assert names(name__prefix="七里") == ["七里一村社区", "七里庙"]
    assert names(name__prefix="七里一村社区") == ["七里一村社区"]
    assert names(name__prefix="七里一村社区二") == []
    assert names(code__prefix="9000") == ["七里一村社区", "七里庙", "琴断口"]
    assert names(code__prefix="900002") == ["七里庙"]
    # Case-sensitive, like the index it is answered from.
    assert names(name__prefix="ab") == ["abc"]
    assert names(name__prefix="Ab") == ["Abc"]


@pytest.mark.django_db
def test_prefix_lookup_treats_wildcards_literally():
    _area("900001", "a_b")
    _area("900002", "axb")
    _area("900003", "50%off")
    _area("900004", "50 off")
    _area("900005", "c\\d")
    _area("900006", "cxd")

    def names(prefix, lookup="prefix"):
        found = Area.objects.filter(**{f"name__{lookup}": prefix}).values_list("name", flat=True)
        return sorted(found)

    for lookup in ("prefix", "prefix_filter"):
        assert names("a_", lookup) == ["a_b"]
        assert names("50%", lookup) == ["50%off"]
        assert names("c\\", lookup) == ["c\\d"]
        assert names("七", lookup) == []
    assert names("a_") == ["a_b"]
    assert names("a") == ["a_b", "axb"]
    assert names("50%") == ["50%off"]
    assert names("%") == []
    assert names("_") == []
    assert names("c\\") == ["c\\d"]


@pytest.mark.django_db
def test_prefix_lookup_finds_characters_beyond_the_basic_plane():
    _area("900001", "张𠀀")  # CJK extension B
    _area("900002", "张三")
    _area("900003", "弡")  # the code point after 张
    assert sorted(Area.objects.filter(name__prefix="张").values_list("name", flat=True)) == [
        "张三",
        "张𠀀",
    ]


# ---------------------------------------------------------------------------------------------
# The demo place tree


@pytest.mark.django_db
def test_build_places_makes_the_hanyang_tree_once():
    compounds = build_places()
    counts = {kind: Area.objects.filter(kind=kind).count() for kind in AreaKind}
    assert counts == {
        AreaKind.DISTRICT: 1,
        AreaKind.STREET: 11,
        AreaKind.COMMUNITY: 31,
        AreaKind.COMPOUND: 31 * 4,
    }
    assert len(compounds) == 31 * 4
    before = list(Area.objects.values_list("code", "name", "kind", "parent__code"))
    again = build_places()
    assert list(Area.objects.values_list("code", "name", "kind", "parent__code")) == before
    assert {a.pk for a in again} == {a.pk for a in compounds}

    district = Area.objects.get(kind=AreaKind.DISTRICT)
    assert (district.code, district.name, district.parent) == ("420105", "汉阳区", None)
    qili = Area.objects.get(name="七里一村社区")
    assert (qili.code, qili.kind, qili.parent.name) == (
        "420105006001",
        AreaKind.COMMUNITY,
        "琴断口街道",
    )
    eryin = Area.objects.get(name="二印小区")
    assert (eryin.code, eryin.kind, eryin.parent) == ("420105006001001", AreaKind.COMPOUND, qili)
    assert eryin.full_name == "琴断口街道七里一村社区二印小区"


@pytest.mark.django_db
def test_every_code_extends_its_parents_and_names_are_unique_per_parent():
    build_places()
    for area in Area.objects.select_related("parent"):
        area.full_clean()
    pairs = list(Area.objects.values_list("parent_id", "name"))
    assert len(pairs) == len(set(pairs))
