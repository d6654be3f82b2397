"""Build the demo place tree (see ``hanyang.py`` for what is real and what is synthetic)."""

from __future__ import annotations

import random

from django.db import transaction

from . import hanyang
from .choices import AreaKind
from .models import Area

COMPOUNDS_PER_COMMUNITY = 4


@transaction.atomic
def build_places(seed: int = 7) -> list[Area]:
    """Create the district tree once; return its compounds. Safe to call again."""
    rng = random.Random(seed)
    code, name = hanyang.DISTRICT
    district, _ = Area.objects.get_or_create(
        code=code, defaults={"name": name, "kind": AreaKind.DISTRICT}
    )
    ordinal = "一二三四五六七八九十"
    for s, (street_name, n_comm) in enumerate(
        zip(hanyang.STREETS, hanyang.COMMUNITIES_PER_STREET, strict=True), start=1
    ):
        street, _ = Area.objects.get_or_create(
            code=f"{code}{s:03d}",
            defaults={"name": street_name, "kind": AreaKind.STREET, "parent": district},
        )
        for c in range(1, n_comm + 1):
            real = street_name == hanyang.REAL_COMMUNITY[0] and c == 1
            comm_name = (
                hanyang.REAL_COMMUNITY[1]
                if real
                else (f"{street_name.removesuffix('街道')}第{ordinal[c - 1]}社区")
            )
            community, _ = Area.objects.get_or_create(
                code=f"{street.code}{c:03d}",
                defaults={"name": comm_name, "kind": AreaKind.COMMUNITY, "parent": street},
            )
            names = list(hanyang.REAL_COMMUNITY[2]) if real else []
            while len(names) < COMPOUNDS_PER_COMMUNITY:
                candidate = rng.choice(hanyang.COMPOUND_WORDS) + rng.choice(
                    hanyang.COMPOUND_SUFFIXES
                )
                if candidate not in names:
                    names.append(candidate)
            for k, comp_name in enumerate(names, start=1):
                Area.objects.get_or_create(
                    code=f"{community.code}{k:03d}",
                    defaults={"name": comp_name, "kind": AreaKind.COMPOUND, "parent": community},
                )
    return list(Area.objects.filter(kind=AreaKind.COMPOUND))
