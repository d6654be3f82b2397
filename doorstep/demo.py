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

from doorstep.api.demo import build_demo_open311
from doorstep.cases.demo import build_demo_cases
from doorstep.catalogue.loader import load_catalogue
from doorstep.catalogue.models import Department
from doorstep.desks.demo import build_demo_desks
from doorstep.disputes.demo import build_demo_disputes
from doorstep.insight.rollups import do_roll_up, take_out
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
# Synthetic ratings (好差评) of demo cases: per community, how many cases close in each of the
# last four months and the levels residents give them, in turn. Invented for the demo.
FEEDBACK_COMMUNITIES = {"clerk_a": "420105006001", "clerk_b": "420105001001"}
FEEDBACK_MONTHS = 4
FEEDBACK_PER_MONTH = 4
FEEDBACK_LEVELS = (5, 4, 5, 3, 4, 5, 2, 5, 4, 5, 1, 4, 5, 3, 5, 4)

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
    build_demo_feedback()  # ratings of closed cases: after the cases' services and desks
    do_roll_up()  # the dashboards' tallies of what closed, as the scheduled roll_up keeps them
    open311_key = build_demo_open311()  # after the needs' categories
    return {"logins": logins, "loaded": loaded, "programmes": programmes, "open311": open311_key}


@transaction.atomic
def build_demo_feedback() -> int:
    """Synthetic satisfaction: cases taken in and completed at both communities' desks over the
    last four months, through the real actions, rated by their residents with the levels of
    FEEDBACK_LEVELS, and called back; the bad ratings open rectifications (one settled, one
    appealed). Their dates are then moved back month by month (demo only). Skipped when any
    rating exists; returns how many ratings were made."""
    import datetime

    from django.utils import timezone

    from doorstep.cases.actions import do_intake, do_transition
    from doorstep.cases.demo import SERVICE, move_history
    from doorstep.cases.models import Case
    from doorstep.catalogue.models import Service
    from doorstep.feedback import actions as feedback
    from doorstep.feedback.models import Callback, Rating, Rectification, Subject

    if Rating.objects.exists():
        return 0
    service = Service.objects.filter(code=SERVICE).first()
    if service is None or service.published_version() is None:
        return 0
    everything = list(service.published_version().materials.values_list("pk", flat=True))
    User = get_user_model()
    street_lead = User.objects.get(username="street_lead")
    now = timezone.now()
    made = 0
    for username, area in FEEDBACK_COMMUNITIES.items():
        clerk = User.objects.get(username=username)
        people = list(
            Resident.objects.filter(area_code__startswith=area, status="active").order_by("-pk")[
                : FEEDBACK_MONTHS * FEEDBACK_PER_MONTH
            ]
        )
        if not people:
            continue
        for n in range(FEEDBACK_MONTHS * FEEDBACK_PER_MONTH):
            resident = people[n % len(people)]  # a small demo repeats people
            case = do_intake(
                actor=clerk, resident=resident, service=service, outcome="accept",
                provided=everything,
            ).case  # fmt: skip
            do_transition(case, "start", actor=clerk)
            do_transition(case, "complete", actor=clerk)
            subject = Subject.objects.get(kind="case", object_id=case.pk)
            level = FEEDBACK_LEVELS[n % len(FEEDBACK_LEVELS)]
            comment = _("Synthetic demo rating.") if level <= 2 else ""
            rating = feedback.do_rate(
                subject, feedback.Given(level=level, indicators={"attitude": level},
                                        comment=comment),
                source="message",
            )  # fmt: skip
            if n % 3 == 0:
                satisfaction = max(level, 3) if level > 2 else level
                feedback.do_record_callback(
                    subject, feedback.Called(reached=n % 6 == 0 or level > 2,
                                             solved="yes" if level > 2 else "partly",
                                             satisfaction=satisfaction),
                    actor=clerk,
                )  # fmt: skip
            made += 1
            # Spread over the months: the n-th case closed (n // per month) months ago. Its
            # closing counted it in the dashboards' tallies as of today: out first (the last
            # step rolls it up again, on its back-dated days).
            back = datetime.timedelta(days=30 * (n // FEEDBACK_PER_MONTH) + n % 7)
            take_out(Case, pk=case.pk)
            Case.objects.filter(pk=case.pk).update(
                created_at=case.created_at - back,
                accepted_at=case.accepted_at - back,
                accepted_on=case.accepted_on - back,
                due_on=case.due_on - back if case.due_on else None,
                warn_on=case.warn_on - back if case.warn_on else None,
                closed_at=now - back,
            )
            move_history(case, back, due=(case.due_on, case.due_on - back if case.due_on else None))
            Subject.objects.filter(pk=subject.pk).update(closed_at=now - back, invited_at=now)
            Rating.objects.filter(pk=rating.pk).update(at=now - back + datetime.timedelta(hours=5))
            Callback.objects.filter(subject=subject).update(
                at=now - back + datetime.timedelta(days=1)
            )
    # One bad rating settled with its callback, one appealed by the community's desk.
    open_rects = list(Rectification.objects.filter(status="open").order_by("pk"))
    if open_rects:
        feedback.do_settle_rectification(
            open_rects[0], actor=open_rects[0].owner or street_lead, outcome="on_spot",
            account=_("Synthetic demo: apologised and finished the matter on the spot."),
            put_right_by=None,
            called=feedback.Called(reached=True, solved="yes", satisfaction=4), new_level=4,
        )  # fmt: skip
    if len(open_rects) > 1:
        feedback.do_appeal(
            open_rects[-1].rating, actor=User.objects.get(username="admin"),
            ground="mistaken", grounds=_("Synthetic demo: the rating was for another matter."),
        )  # fmt: skip
    return made
