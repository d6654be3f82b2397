"""One spelling per building. Registers and clerks write the same building as "2", "2栋",
"2号楼", "二栋", "２幢" or "第2栋"; stored as typed they become several buildings of one compound,
and a household split across them looks smaller than it is (household size and "lives alone"
feed the programmes). ``normalize_building`` is the one spelling, used on import and on entry;
``merge_split_buildings`` joins those already split."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from django.db import models, transaction
from django.db.models import Case, Value, When

from .models import PLAIN_NUMBER, Area, Building, Household

# Longest first: "号楼" before "号" and "楼".
_SUFFIXES = ("号楼", "栋楼", "幢楼", "栋", "幢", "号", "楼", "座")
_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6}
_DIGITS |= {"七": 7, "八": 8, "九": 9}
_CHINESE_NUMBER = re.compile(r"^[〇零一二两三四五六七八九十百]+$")


def _chinese_to_int(text: str) -> int | None:
    """二 → 2, 十二 → 12, 二十 → 20, 一百零五 → 105; digit by digit for 一〇五."""
    if "十" not in text and "百" not in text:
        return int("".join(str(_DIGITS[c]) for c in text))
    total, digit = 0, 0
    for char in text:
        if char in _DIGITS:
            digit = _DIGITS[char]
        elif char == "十":
            total += (digit or 1) * 10
            digit = 0
        elif char == "百":
            total += (digit or 1) * 100
            digit = 0
    return total + digit


@functools.lru_cache(maxsize=4096)  # an import repeats a few dozen spellings a million times
def normalize_building(value: str) -> str:
    """The one spelling of a building number: "2栋", "2号楼", "二栋", "２幢", "第2栋", "02" → "2";
    "a座" → "A". A name that is not a number ("综合楼") is kept as written, less spaces."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or ""))
    core = text.removeprefix("第")
    for suffix in _SUFFIXES:
        if core.endswith(suffix) and len(core) > len(suffix):
            core = core[: -len(suffix)]
            break
    if _CHINESE_NUMBER.match(core):
        return str(_chinese_to_int(core))
    core = core.upper()
    if core.isdigit():
        return str(int(core))
    if PLAIN_NUMBER.match(core):
        return core
    return text


@dataclass
class MergeResult:
    buildings_merged: int = 0
    buildings_renamed: int = 0
    households_merged: int = 0
    households_moved: int = 0


def _repoint(model: type[models.Model], mapping: dict[int, int]) -> None:
    """Every row pointing at a key of ``mapping`` through a foreign key or many-to-many of
    ``model`` now points at its value: one UPDATE per relation."""
    if not mapping:
        return
    for field in model._meta.get_fields():
        if field.one_to_many and field.auto_created:
            column = field.field.name
            related = field.related_model
            if related is model:
                continue
            _update(related.objects.all(), column, mapping)
        elif field.many_to_many:
            through = field.through if field.auto_created else field.remote_field.through
            _repoint_m2m(through, model, mapping)


def _update(queryset, column: str, mapping: dict[int, int]) -> None:
    whens = [When(**{column: old}, then=Value(new)) for old, new in mapping.items()]
    queryset.filter(**{f"{column}__in": list(mapping)}).update(**{column: Case(*whens)})


def _repoint_m2m(through, model, mapping: dict[int, int]) -> None:
    """A many-to-many row to a merged object moves to its keeper, unless the owner already has
    the keeper (the through table's pair is unique): then it goes."""
    ours = next(f for f in through._meta.fields if f.related_model is model)
    other = next(f for f in through._meta.fields if f.is_relation and f is not ours)
    rows = through.objects.filter(**{f"{ours.attname}__in": list(mapping)})
    keepers = set(mapping.values())
    have = set(
        through.objects.filter(**{f"{ours.attname}__in": keepers}).values_list(
            other.attname, ours.attname
        )
    )
    doomed = [
        pk
        for pk, owner, old in rows.values_list("pk", other.attname, ours.attname)
        if (owner, mapping[old]) in have
    ]
    through.objects.filter(pk__in=doomed).delete()
    _update(rows.exclude(pk__in=doomed), ours.attname, mapping)


@transaction.atomic
def merge_split_buildings(compounds: models.QuerySet[Area] | None = None) -> MergeResult:
    """Join the buildings of each compound whose numbers are one spelling apart, keeping the
    one already spelled the normal way (else the oldest, renamed): their households move to
    it, a household at the same room in both becomes one (its residents, visits and every
    other row follow), and grids, needs and disputes point at the keeper. Set-based: one
    UPDATE per related table, whatever the number of buildings."""
    buildings = Building.objects.all()
    if compounds is not None:
        buildings = buildings.filter(compound__in=compounds)
    groups: dict[tuple[int, str], list[tuple[int, str]]] = defaultdict(list)
    for pk, compound_id, number in buildings.order_by("pk").values_list(
        "pk", "compound_id", "number"
    ):
        groups[(compound_id, normalize_building(number))].append((pk, number))
    result = MergeResult()
    building_map: dict[int, int] = {}
    renames: dict[int, str] = {}
    for (_compound, canonical), members in groups.items():
        keeper = next((pk for pk, n in members if n == canonical), members[0][0])
        if dict(members)[keeper] != canonical:
            renames[keeper] = canonical
        building_map.update({pk: keeper for pk, _n in members if pk != keeper})
    if building_map:
        result.households_merged, result.households_moved = _merge_households(building_map)
        _repoint(Building, building_map)  # households left in them move too
        Building.objects.filter(pk__in=list(building_map)).delete()
    for pk, canonical in renames.items():
        Building.objects.filter(pk=pk).update(number=canonical)
    result.buildings_merged, result.buildings_renamed = len(building_map), len(renames)
    return result


def _merge_households(building_map: dict[int, int]) -> tuple[int, int]:
    """Households of merged buildings: one at a room the keeper has joins that household; the
    others move to the keeper building (the first of several at one room; the rest join it)."""
    keepers = set(building_map.values())
    at: dict[tuple[int, str], int] = {
        (b, room): pk
        for pk, b, room in Household.objects.filter(building_id__in=keepers).values_list(
            "pk", "building_id", "room"
        )
    }
    household_map: dict[int, int] = {}
    moves: set[int] = set()
    for pk, b, room in (
        Household.objects.filter(building_id__in=list(building_map))
        .order_by("pk")
        .values_list("pk", "building_id", "room")
    ):
        key = (building_map[b], room)
        if key in at:
            household_map[pk] = at[key]
        else:
            at[key] = pk
            moves.add(pk)
    _repoint(Household, household_map)
    Household.objects.filter(pk__in=list(household_map)).delete()
    # The households left in merged buildings move with the buildings' other rows.
    return len(household_map), len(moves)
