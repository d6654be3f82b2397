"""Synthetic residents for the demo and the benchmarks. Every person here is made up: names
from Faker's zh_CN provider, ID numbers built to be valid (GB 11643) but belonging to nobody
known, phone numbers random. Rows come out in the registry-import format, so the demo and the
benchmarks load them through the same importer a district uses."""

from __future__ import annotations

import csv
import datetime
import random
from collections.abc import Iterator
from pathlib import Path

from faker import Faker

from doorstep.core import idnumber

HEADER = ["姓名", "公民身份号码", "手机号码", "小区", "楼栋", "房号", "标签"]
# Address codes seen on Hanyang residents' cards: mostly Hanyang itself, then other Wuhan
# districts and elsewhere in Hubei, some from other provinces.
ADDRESS_CODES = ["420105"] * 70 + [
    "420102",
    "420103",
    "420104",
    "420106",
    "420111",
    "420112",
    "420113",
    "420114",
    "420115",
    "421002",
    "420600",
    "429004",
    "430102",
    "340524",
    "110105",
    "510104",
]
MOBILE_PREFIXES = [
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "173",
    "177",
    "180",
    "181",
    "183",
    "186",
    "187",
    "188",
    "189",
    "191",
    "199",
]
# (tag name, share of residents carrying it)
TAG_SHARES = [
    ("独居老人", 0.03),
    ("残疾人", 0.02),
    ("低保", 0.02),
    ("退役军人", 0.015),
    ("特困", 0.005),
    ("空巢老人", 0.03),
]
RESIDENTS_PER_HOUSEHOLD = 2.6
HOUSEHOLDS_PER_BUILDING = 48


def _birth(rng: random.Random, today: datetime.date) -> datetime.date:
    # An old compound: many elderly residents (60% over 60 in 二印小区).
    age = min(104, int(rng.triangular(0, 100, 62)))
    day = rng.randrange(365)
    return today - datetime.timedelta(days=age * 365 + day)


def rows(
    n: int, compounds: list[str], *, seed: int = 20231016, today: datetime.date | None = None
) -> Iterator[list[str]]:
    """``n`` residents spread over ``compounds`` (area codes), in households and buildings."""
    rng = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    today = today or datetime.date.today()
    last_names = [fake.last_name() for _ in range(400)]
    first_names = [fake.first_name() for _ in range(3000)]
    seqs: set[str] = set()
    per_compound = max(1, n // len(compounds))
    for i in range(n):
        compound = compounds[min(i // per_compound, len(compounds) - 1)]
        household = (i % per_compound) / RESIDENTS_PER_HOUSEHOLD
        building = int(household // HOUSEHOLDS_PER_BUILDING) + 1
        room_no = int(household % HOUSEHOLDS_PER_BUILDING)
        room = f"{room_no // 4 + 1}{room_no % 4 + 1:02d}"
        while True:
            number = idnumber.make(
                rng.choice(ADDRESS_CODES), _birth(rng, today), rng.randrange(1000)
            )
            if number not in seqs:
                seqs.add(number)
                break
        phone = (
            rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
            if rng.random() < 0.85
            else ""
        )
        tags = "、".join(t for t, share in TAG_SHARES if rng.random() < share)
        name = rng.choice(last_names) + rng.choice(first_names)
        yield [name, number, phone, compound, f"{building}栋", room, tags]


def write_csv(path: Path, n: int, compounds: list[str], **kw) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerows(rows(n, compounds, **kw))
    return path
