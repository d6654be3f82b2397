"""Build the demo place tree (see ``hanyang.py`` for what is real and what is synthetic)."""

from __future__ import annotations

import random

from django.db import transaction

from . import hanyang
from .choices import AreaKind
from .models import Area

COMPOUNDS_PER_COMMUNITY = 4
# Service centres' contact details are invented and say so: "示例路" addresses marked （演示）
# and phones in 027-8000xxxx, a block the demo keeps for itself (not a real office's line).
CENTRE_HOURS = "周一至周五 9:00–12:00、14:00–17:30"
DEMO_MARK = "（演示）"


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
                Area.objects.get_or_create(
                    code=f"{community.code}{k:03d}",
                    defaults={
                        "name": comp_name,
                        "kind": AreaKind.COMPOUND,
                        "parent": community,
                        "address": f"{comp_name}{k}号门{DEMO_MARK}",
                    },
                )
    return list(Area.objects.filter(kind=AreaKind.COMPOUND))
