"""The demo district's people: tags, certificate types, staff personas and synthetic residents.

Everything is synthetic and labelled so in the UI footer and in README.md.
"""

from __future__ import annotations

import datetime
import random

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils.translation import gettext as _

from doorstep.catalogue.loader import load_catalogue
from doorstep.catalogue.models import Department
from doorstep.places.choices import AreaKind
from doorstep.places.demo import build_places
from doorstep.places.models import Area
from doorstep.staff.choices import Role
from doorstep.staff.models import RoleGrant
from doorstep.workdays.seed import seed_holidays

from . import importer, synthetic
from .models import Certificate, CertificateType, Resident, Tag

DEMO_PASSWORD = "doorstep-demo"

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
# (username, display name, role, area code, may reveal full numbers)
PERSONAS = [
    ("clerk_a", "王芳", Role.CLERK, "420105006001", True),
    ("clerk_b", "李强", Role.CLERK, "420105001001", True),
    ("grid_a", "陈静", Role.GRID_WORKER, "420105006001", False),
    ("street_lead", "刘洋", Role.STREET_LEAD, "420105006", False),
    ("district_lead", "赵敏", Role.DISTRICT_LEAD, "420105", True),
    ("reviewer", "周杰", Role.REVIEWER, "420105", False),
]
# The department each demo reviewer reviews for (catalogue.Department code).
REVIEWER_DEPARTMENTS = {"reviewer": ("mz", "民政")}


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


@transaction.atomic
def create_personas(password: str = DEMO_PASSWORD) -> list[tuple[str, str, str]]:
    """Staff accounts for the demo; returns (username, role, area) for printing."""
    User = get_user_model()
    reveal = Permission.objects.get(codename="reveal_id_number")
    admin, created = User.objects.get_or_create(
        username="admin", defaults={"is_staff": True, "is_superuser": True, "first_name": "管理员"}
    )
    if created:
        admin.set_password(password)
        admin.save(update_fields=["password"])
    out = [("admin", str(_("Administrator")), "—")]
    for username, display, role, code, may_reveal in PERSONAS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": display}
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
            if may_reveal:
                user.user_permissions.add(reveal)
        area = Area.objects.get(code=code)
        department = None
        if username in REVIEWER_DEPARTMENTS:
            dept_code, dept_name = REVIEWER_DEPARTMENTS[username]
            department, _created = Department.objects.get_or_create(
                code=dept_code, defaults={"name": dept_name}
            )
        RoleGrant.objects.get_or_create(
            user=user, role=role, area=area, defaults={"department": department}
        )
        out.append((username, str(Role(role).label), area.name))
    return out


def load_residents(n: int, *, actor, progress=None) -> importer.ImportResult:
    compounds = list(
        Area.objects.filter(kind=AreaKind.COMPOUND).order_by("code").values_list("code", flat=True)
    )
    return importer.import_rows(
        synthetic.HEADER, synthetic.rows(n, compounds), actor=actor, progress=progress
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


def build_demo(residents: int, *, progress=None) -> dict:
    build_places()
    seed_reference_data()
    seed_holidays()  # the working-day calendar (idempotent; keeps administrators' edits)
    logins = create_personas()
    load_catalogue(actor=None)  # the SAMPLE catalogue; adds only what is missing
    User = get_user_model()
    loaded = None
    if not Resident.objects.exists():
        loaded = load_residents(
            residents, actor=User.objects.get(username="admin"), progress=progress
        )
        if not loaded.written:  # synthetic rows are valid by construction: a bug if not
            raise RuntimeError(f"Demo residents were rejected: {loaded.errors[:3]}")
        add_certificates()
    from doorstep.desks.demo import build_demo_desks  # desks need places and services first

    build_demo_desks()
    from doorstep.cases.demo import build_demo_cases

    build_demo_cases()
    from doorstep.proactive.demo import build_demo_programmes

    programmes = build_demo_programmes()
    return {"logins": logins, "loaded": loaded, "programmes": programmes}
