"""The demo district's people: tags, certificate types and synthetic residents (the staff
personas and the whole demo are built at project level, in ``doorstep.demo``).

Everything is synthetic and labelled so in the UI footer and in README.md.
"""

from __future__ import annotations

import datetime
import random

from django.db import transaction

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


def load_residents(n: int, *, actor, progress=None) -> importer.ImportResult:
    compounds = list(
        Area.objects.filter(kind=AreaKind.COMPOUND).order_by("code").values_list("code", flat=True)
    )
    rows = enumerate(synthetic.rows(n, compounds), start=2)
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
