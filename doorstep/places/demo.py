"""Build the demo place tree (see ``hanyang.py`` for what is real and what is synthetic)."""

from __future__ import annotations

import random
from decimal import Decimal

from django.db import transaction

from . import hanyang
from .choices import AreaKind
from .models import Area

COMPOUNDS_PER_COMMUNITY = 4
# Service centres' contact details are invented and say so: "示例路" addresses marked （演示）
# and phones in 027-8000xxxx, a block the demo keeps for itself (not a real office's line).
CENTRE_HOURS = "周一至周五 9:00–12:00、14:00–17:30"
DEMO_MARK = "（演示）"

# Compound centres (WGS84) are invented for the demo, like the compound names: a tidy layout over
# Hanyang (around 30.55 N, 114.25 E), not where anything is. Streets sit on a grid about 3 km
# apart, each street's communities on a 2×2 grid about 1 km apart, each community's compounds on
# a 2×2 grid about 340 m apart, so a compound's nearest neighbours are a few hundred metres away.
STREET_ORIGIN = (30.525, 114.205)
STREET_STEP = (0.025, 0.030)  # degrees between streets: ~2.8 km north, ~2.9 km east
COMMUNITY_STEP = (0.010, 0.010)  # ~1.1 km, ~0.96 km
COMPOUND_STEP = (0.003, 0.0035)  # ~330 m, ~335 m


def compound_centre(street: int, community: int, compound: int) -> tuple[Decimal, Decimal]:
    """The invented centre of a street's ``community``-th community's ``compound``-th compound
    (all numbered from 1), on the grids described above."""
    lat, lng = STREET_ORIGIN
    for number, columns, (north, east) in (
        (street, 4, STREET_STEP),
        (community, 2, COMMUNITY_STEP),
        (compound, 2, COMPOUND_STEP),
    ):
        row, column = divmod(number - 1, columns)
        lat, lng = lat + row * north, lng + column * east
    return Decimal(f"{lat:.6f}"), Decimal(f"{lng:.6f}")


@transaction.atomic
def build_places(seed: int = 7) -> list[Area]:
    """Create the district tree once; return its compounds. Safe to call again."""
    rng = random.Random(seed)
    code, name = hanyang.DISTRICT
    district, _ = Area.objects.get_or_create(
        code=code, defaults={"name": name, "kind": AreaKind.DISTRICT}
    )
    ordinal = "一二三四五六七八九十"
    centres: dict[str, tuple[Decimal, Decimal]] = {}
    for s, (street_name, n_comm) in enumerate(
        zip(hanyang.STREETS, hanyang.COMMUNITIES_PER_STREET, strict=True), start=1
    ):
        street, _ = Area.objects.get_or_create(
            code=f"{code}{s:03d}",
            defaults={
                "name": street_name,
                "kind": AreaKind.STREET,
                "parent": district,
                "address": f"汉阳区{street_name.removesuffix('街道')}示例路{s}号{DEMO_MARK}",
                "hours": CENTRE_HOURS,
                "phone": f"027-8000{s:02d}00",
            },
        )
        for c in range(1, n_comm + 1):
            real = street_name == hanyang.REAL_COMMUNITY[0] and c == 1
            comm_name = (
                hanyang.REAL_COMMUNITY[1]
                if real
                else (f"{street_name.removesuffix('街道')}第{ordinal[c - 1]}社区")
            )
            names = list(hanyang.REAL_COMMUNITY[2]) if real else []
            while len(names) < COMPOUNDS_PER_COMMUNITY:
                candidate = rng.choice(hanyang.COMPOUND_WORDS) + rng.choice(
                    hanyang.COMPOUND_SUFFIXES
                )
                if candidate not in names:
                    names.append(candidate)
            community, _ = Area.objects.get_or_create(
                code=f"{street.code}{c:03d}",
                defaults={
                    "name": comm_name,
                    "kind": AreaKind.COMMUNITY,
                    "parent": street,
                    # The centre sits in the community's first (invented) compound.
                    "address": f"{names[0]}1栋一楼{DEMO_MARK}",
                    "hours": CENTRE_HOURS,
                    "phone": f"027-8000{s:02d}{c:02d}",
                },
            )
            for k, comp_name in enumerate(names, start=1):
                centres[f"{community.code}{k:03d}"] = compound_centre(s, c, k)
                Area.objects.get_or_create(
                    code=f"{community.code}{k:03d}",
                    defaults={
                        "name": comp_name,
                        "kind": AreaKind.COMPOUND,
                        "parent": community,
                        "address": f"{comp_name}{k}号门{DEMO_MARK}",
                    },
                )
    _add_missing_centres(centres)
    return list(Area.objects.filter(kind=AreaKind.COMPOUND))


def _add_missing_centres(centres: dict[str, tuple[Decimal, Decimal]]) -> None:
    """Give the compounds without a centre theirs, in one bulk update: new ones, and those of a demo
    built before compounds had centres. A centre an administrator set stays."""
    missing = list(Area.objects.filter(code__in=centres, lat__isnull=True, lng__isnull=True))
    for area in missing:
        area.lat, area.lng = centres[area.code]
    Area.objects.bulk_update(missing, ["lat", "lng"])
