"""The demo district, built at project level: places, the calendar, the catalogue, staff
personas, synthetic residents, desks, cases and programmes. Each app seeds its own part (its
``demo.py``); this module only knows the order and the personas that span the apps.

Everything is synthetic and labelled so in the UI footer and in README.md.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils.translation import gettext as _

from doorstep.cases.demo import build_demo_cases
from doorstep.catalogue.loader import load_catalogue
from doorstep.catalogue.models import Department
from doorstep.desks.demo import build_demo_desks
from doorstep.disputes.demo import build_demo_disputes
from doorstep.needs.demo import build_demo_needs
from doorstep.people import demo as people_demo
from doorstep.people.models import Resident
from doorstep.places.demo import build_places
from doorstep.places.models import Area
from doorstep.proactive.demo import build_demo_programmes
from doorstep.reception.demo import build_demo_reception
from doorstep.staff.choices import Role
from doorstep.staff.models import RoleGrant
from doorstep.visits.demo import build_demo_visits
from doorstep.workdays.seed import seed_holidays

DEMO_PASSWORD = "doorstep-demo"

# (username, display name, role, area code, may reveal full numbers)
PERSONAS = [
    ("clerk_a", "王芳", Role.CLERK, "420105006001", True),
    ("clerk_b", "李强", Role.CLERK, "420105001001", True),
    ("grid_a", "陈静", Role.GRID_WORKER, "420105006001", False),
    ("grid_b", "黄磊", Role.GRID_WORKER, "420105001001", False),
    ("mediator_a", "吴刚", Role.MEDIATOR, "420105006001", False),
    ("mediator_b", "郑红", Role.MEDIATOR, "420105001001", False),
    ("street_lead", "刘洋", Role.STREET_LEAD, "420105006", False),
    ("district_lead", "赵敏", Role.DISTRICT_LEAD, "420105", True),
    ("reviewer", "周杰", Role.REVIEWER, "420105", False),
    ("programmes", "孙丽", Role.ADMINISTRATOR, "420105", False),  # programmes, not the registry
]
# The department each demo reviewer reviews for (catalogue.Department code).
REVIEWER_DEPARTMENTS = {"reviewer": ("mz", "民政")}


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


def build_demo(residents: int, *, progress=None) -> dict:
    build_places()
    people_demo.seed_reference_data()
    seed_holidays()  # the working-day calendar (idempotent; keeps administrators' edits)
    logins = create_personas()
    load_catalogue(actor=None)  # the SAMPLE catalogue; adds only what is missing
    User = get_user_model()
    loaded = None
    if not Resident.objects.exists():
        loaded = people_demo.load_residents(
            residents, actor=User.objects.get(username="admin"), progress=progress
        )
        if not loaded.written:  # synthetic rows are valid by construction: a bug if not
            raise RuntimeError(f"Demo residents were rejected: {loaded.errors[:3]}")
        people_demo.add_certificates()
    build_demo_desks()  # desks need places and services first
    build_demo_cases()
    build_demo_disputes()
    programmes = build_demo_programmes()
    build_demo_needs()
    build_demo_visits()  # grids for the grid workers, visit rules, past visits
    build_demo_reception()  # reception days raise needs: after the needs' categories
    return {"logins": logins, "loaded": loaded, "programmes": programmes}
