"""The prefix lookup area scoping is built on, and the demo place tree."""

from __future__ import annotations

import pytest

from doorstep.places.choices import AreaKind
from doorstep.places.demo import build_places
from doorstep.places.models import Area

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
