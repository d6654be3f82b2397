"""The demo district's people: tags, certificate types and synthetic residents (the staff
personas and the whole demo are built at project level, in ``doorstep.demo``).

Everything is synthetic and labelled so in the UI footer and in README.md.
"""

from __future__ import annotations

import datetime
import random

from django.db import transaction

from doorstep.core import idnumber
from doorstep.places.choices import AreaKind
from doorstep.places.models import Area

from . import importer, synthetic
from .models import Certificate, CertificateType, Resident, Tag

TAGS = [
    ("living-alone", "独居老人", "Elderly living alone"),
    ("empty-nest", "空巢老人", "Elderly whose children live elsewhere"),
    ("disabled", "残疾人", "Holds a disability certificate"),
    ("low-income", "低保", "Minimum living allowance household"),
    ("extreme-poverty", "特困", "Extreme poverty support"),
    ("veteran", "退役军人", "Veteran"),
]
# (code, name, issuer, validity in years, renewal window in days before expiry). Disability
# certificates are valid 10 years and may be renewed from year 9 (DOMAIN.md); the other windows
# are the demo's own choice.
CERTIFICATE_TYPES = [
    ("disability", "残疾人证", "残联", 10, 365),
    ("senior", "老年人优待证", "卫健", None, None),
    ("residence-permit", "居住证", "公安", 1, 30),
    ("veteran", "退役军人优待证", "退役军人事务局", 6, 90),
]


@transaction.atomic
def seed_reference_data() -> None:
    for code, name, description in TAGS:
        Tag.objects.get_or_create(code=code, defaults={"name": name, "description": description})
    for code, name, issuer, years, window in CERTIFICATE_TYPES:
        CertificateType.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "issuer": issuer,
                "validity_years": years,
                "renewal_window_days": window,
            },
        )


# Communities differ in size, as real ones do: each gets a share of the residents by a weight
# drawn from these (seeded), the real 七里一村 a large one. Invented for the demo.
COMMUNITY_WEIGHTS = (0.35, 0.6, 1.0, 1.0, 1.5, 2.4)
LARGE = {"420105006001": 2.0}  # 七里一村社区: clerk A's, an old and crowded compound
# Some of the oldest residents are centenarians: about one in this many, at least CENTENARIANS.
CENTENARIAN_EVERY = 1500
CENTENARIANS = 3


def community_sizes(n: int, seed: int = 31) -> list[tuple[list[str], int]]:
    """(compound codes, residents) per community: ``n`` shared by weight (largest remainders),
    every compound with someone in it when ``n`` allows."""
    rng = random.Random(seed)
    communities = list(Area.objects.filter(kind=AreaKind.COMMUNITY).order_by("code"))
    compounds: dict[str, list[str]] = {c.code: [] for c in communities}
    for code in (
        Area.objects.filter(kind=AreaKind.COMPOUND).order_by("code").values_list("code", flat=True)
    ):
        compounds.setdefault(code[:12], []).append(code)
    groups = [
        (codes, LARGE.get(c, rng.choice(COMMUNITY_WEIGHTS)))
        for c, codes in compounds.items()
        if codes
    ]
    floor = sum(len(codes) for codes, _w in groups)
    if n < floor:  # too few people to fill every compound: one flat spread
        return [([code for codes, _w in groups for code in codes], n)]
    spare, total = n - floor, sum(w for _codes, w in groups)
    exact = [spare * w / total for _codes, w in groups]
    sizes = [int(x) for x in exact]
    by_remainder = sorted(range(len(groups)), key=lambda i: exact[i] - sizes[i], reverse=True)
    for i in by_remainder[: spare - sum(sizes)]:
        sizes[i] += 1
    return [(codes, len(codes) + k) for (codes, _w), k in zip(groups, sizes, strict=True)]


def demo_rows(n: int, *, today: datetime.date | None = None):
    """The demo's synthetic register rows: communities of different sizes, each drawn with
    its own seed, ID numbers unique across them, and a few centenarians."""
    today = today or datetime.date.today()
    rng = random.Random(100)
    seen: set[str] = set()
    made = 0
    for k, (codes, size) in enumerate(community_sizes(n)):
        for row in synthetic.rows(size, codes, seed=20231016 + k, today=today):
            if made % CENTENARIAN_EVERY == CENTENARIAN_EVERY // 2 or made < CENTENARIANS:
                row[1] = _centenarian(rng, today, seen)
            if row[1] in seen:  # drawn in another community: same person data, new number
                row[1] = _fresh(rng, row[1], seen)
            seen.add(row[1])
            made += 1
            yield row


def _fresh(rng: random.Random, number: str, seen) -> str:
    """Another ID number with the same address code and birth date."""
    birth = datetime.datetime.strptime(number[6:14], "%Y%m%d").date()
    while (other := idnumber.make(number[:6], birth, rng.randrange(1000))) in seen:
        pass
    return other


def _centenarian(rng: random.Random, today: datetime.date, seen) -> str:
    """An ID number of someone born in the district 100 to 104 years ago."""
    while True:
        age = rng.randrange(100, 105)
        birth = today - datetime.timedelta(days=age * 365 + rng.randrange(30, 330))
        number = idnumber.make("420105", birth, rng.randrange(1000))
        if number not in seen:
            return number


def load_residents(n: int, *, actor, progress=None) -> importer.ImportResult:
    rows = enumerate(demo_rows(n), start=2)
    return importer.import_rows(
        synthetic.HEADER,
        rows,
        actor=actor,
        progress=(lambda stage, done, total: progress(done)) if progress else None,
    )


@transaction.atomic
def add_certificates(seed: int = 11) -> int:
    """Give disabled residents a disability certificate and some elderly a senior card."""
    rng = random.Random(seed)
    types = {t.code: t for t in CertificateType.objects.all()}
    today = datetime.date.today()
    certificates = []
    disabled = Resident.objects.filter(tags__code="disabled", certificates__isnull=True)
    for pk in disabled.values_list("pk", flat=True):
        issued = today - datetime.timedelta(days=rng.randrange(10 * 365))
        certificates.append(
            Certificate(
                resident_id=pk,
                type=types["disability"],
                number=f"DEMO-CJ-{pk:08d}",
                issued_on=issued,
                expires_on=issued.replace(year=issued.year + 10)
                if not (issued.month == 2 and issued.day == 29)
                else issued + datetime.timedelta(3652),
            )
        )
    elderly = Resident.objects.filter(
        birth_date__lte=today.replace(year=today.year - 60), certificates__isnull=True
    )
    for pk in elderly.values_list("pk", flat=True)[:2000]:
        if rng.random() < 0.3:
            certificates.append(
                Certificate(
                    resident_id=pk,
                    type=types["senior"],
                    number=f"DEMO-YD-{pk:08d}",
                    issued_on=today - datetime.timedelta(days=rng.randrange(3000)),
                )
            )
    Certificate.objects.bulk_create(certificates, ignore_conflicts=True)
    return len(certificates)
