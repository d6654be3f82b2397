"""Writes of the reception app: planning days, registering what residents raise, assigning it
to a department (交办), the department's report, the petition's written decision and extension,
and the sweeps that chase late matters (督办) and send each leader the brief before their day.

Every write is one transaction. A matter the leader accepts is a need (``needs.actions``) that
the leader owns (包案): its answer and callback go through the need's own page and API.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import CharField, F, Q
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from doorstep.core.errors import field_error
from doorstep.desks import actions as desks
from doorstep.desks.choices import DeskKind
from doorstep.desks.models import Desk
from doorstep.needs.actions import do_register_need
from doorstep.needs.actions.common import record_event
from doorstep.needs.choices import EventKind, Kind, Source, Urgency
from doorstep.notify.inbox import fill, path, post, post_from_queryset
from doorstep.places.choices import AreaKind
from doorstep.staff.choices import Role
from doorstep.staff.models import RoleGrant
from doorstep.staff.roles import HANDLE_NEEDS, RUN_RECEPTION, reviewer_grants
from doorstep.staff.scoping import covers
from doorstep.workdays.calendar import is_public_holiday, next_working_day

from .choices import (
    BRIEF_DAYS_AHEAD,
    PETITION_CONCLUDE_DAYS,
    PETITION_EXTENSION_MAX,
    PETITION_NOTICE_DAYS,
    WHERE_TO_GO,
    DayStatus,
    Mode,
    Route,
)
from .models import Matter, ReceptionDay

ANNOUNCE_MAX_DAYS = 60
# Days are planned at most a year ahead (and a monthly plan runs at most a year beyond that).
PLAN_AHEAD_DAYS = 366
REPEAT_MAX_MONTHS = 12
TEXT_MAX = 2000
# A public summary may not carry what identifies a person: a run of digits (a phone, an ID, a
# door number) or a name the matter was registered with.
DIGIT_RUN = re.compile(r"\d{3,}")


def _today() -> datetime.date:
    return timezone.localdate()


def may_run(user, area_code: str) -> bool:
    return covers(user, RUN_RECEPTION, area_code)


def may_report(user, matter: Matter) -> bool:
    """A reviewer of the department the matter is assigned to (inside their grant's area), or
    whoever runs reception days in the matter's area."""
    if may_run(user, matter.area_code):
        return True
    return any(
        dept == matter.department_id and matter.area_code.startswith(code)
        for dept, code in reviewer_grants(user)
    )


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("You may not do this for this reception day."))


def _text(value: str | None, field: str, *, required: bool, limit: int = TEXT_MAX) -> str:
    value = (value or "").strip()
    if required and not value:
        raise field_error(field, _("This field is required."), "required")
    if len(value) > limit:
        raise field_error(field, _("At most %(n)d characters.") % {"n": limit}, "too_long")
    return value


# ---- planning ---------------------------------------------------------------------------------


def nth_weekday(year: int, month: int, weekday: int, nth: int) -> datetime.date:
    """The ``nth`` (1–4, or 5 for the last) ``weekday`` of the month."""
    first = datetime.date(year, month, 1)
    day = first + datetime.timedelta(days=(weekday - first.weekday()) % 7)
    if nth < 5:
        return day + datetime.timedelta(weeks=nth - 1)
    while (day + datetime.timedelta(weeks=1)).month == month:
        day += datetime.timedelta(weeks=1)
    return day


def monthly_dates(first: datetime.date, months: int) -> list[datetime.date]:
    """``first`` and the same weekday of the same week in each of the next ``months`` months
    ("the third Wednesday"; a fifth weekday counts as the last), each moved to the next working
    day when it falls on an official holiday."""
    nth = min(5, (first.day - 1) // 7 + 1)
    dates = [first]
    year, month = first.year, first.month
    for _n in range(months):
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        day = nth_weekday(year, month, first.weekday(), nth)
        dates.append(next_working_day(day) if is_public_holiday(day) else day)
    return dates


@dataclass(frozen=True)
class Plan:
    area: object
    leader: object
    leader_title: str
    date: datetime.date
    start: datetime.time
    end: datetime.time
    venue: object
    mode: str
    venue_note: str = ""
    announce_days: int = 14
    repeat_months: int = 0
    capacity: int = 2
    slot_minutes: int = 30


def _check_plan(actor, plan: Plan) -> None:
    if plan.area is None or plan.area.kind not in (AreaKind.COMMUNITY, AreaKind.STREET):
        raise field_error("area", _("Choose a community or a street."), "unknown_area")
    _require(may_run(actor, plan.area.code))
    if plan.venue is None or plan.venue.kind != AreaKind.COMPOUND:
        raise field_error("venue", _("Choose a compound."), "unknown_compound")
    if not plan.venue.code.startswith(plan.area.code):
        raise field_error("venue", _("The venue must lie inside the area."))
    leader = plan.leader
    if leader is None or not leader.is_active or not covers(leader, HANDLE_NEEDS, plan.area.code):
        raise field_error(
            "leader",
            _("The leader must be able to own residents' needs in this area."),
            "unknown_leader",
        )
    if plan.mode not in Mode.values:
        raise field_error("mode", _("Choose one of the options."))
    if plan.start >= plan.end:
        raise field_error("end", _("The end must come after the start."))
    if plan.date < _today():
        raise field_error("date", _("Choose today or a later day."), "past")
    if plan.date > _today() + datetime.timedelta(days=PLAN_AHEAD_DAYS):
        raise field_error("date", _("Choose a day within the next year."))
    if not 0 <= plan.announce_days <= ANNOUNCE_MAX_DAYS:
        raise field_error(
            "announce_days", _("Between 0 and %(n)d days.") % {"n": ANNOUNCE_MAX_DAYS}
        )
    if not 0 <= plan.repeat_months <= REPEAT_MAX_MONTHS:
        raise field_error("repeat_months", _("Between 0 and %(n)d.") % {"n": REPEAT_MAX_MONTHS})
    if plan.mode != Mode.OPEN and not (1 <= plan.capacity <= 20 and 10 <= plan.slot_minutes <= 120):
        raise field_error("capacity", _("1 to 20 places per slot of 10 to 120 minutes."))


@transaction.atomic
def do_plan_days(actor, plan: Plan) -> list[ReceptionDay]:
    """Plan a reception day, or a fixed monthly day for ``repeat_months`` more months. A day
    taking bookings gets a desk session of the area's reception desk. Refused whole if the
    leader already receives at one of those times."""
    _check_plan(actor, plan)
    dates = monthly_dates(plan.date, plan.repeat_months)
    live = ReceptionDay.objects.filter(date__in=dates).exclude(status=DayStatus.CANCELLED)
    busy = live.filter(leader=plan.leader, start__lt=plan.end, end__gt=plan.start)
    if first := busy.order_by("date").values_list("date", flat=True).first():
        raise field_error(
            "date",
            _("This leader already receives residents on %(date)s at that time.")
            % {"date": first.isoformat()},
            "duplicate",
        )
    # The area's reception desk has one session per date and start: two bookable days of one
    # area cannot start together.
    clash = live.filter(area=plan.area, start=plan.start, session__isnull=False)
    if Mode(plan.mode).bookable and (first := clash.values_list("date", flat=True).first()):
        raise field_error(
            "start",
            _("Another reception day of this area starts at that time on %(date)s.")
            % {"date": first.isoformat()},
            "duplicate",
        )
    desk = _reception_desk(plan.area) if Mode(plan.mode).bookable else None
    days = []
    for day in dates:
        session = None
        if desk is not None:
            session = desks.do_open_session(
                desk, date=day, start=plan.start, end=plan.end, compound=plan.venue,
                slot_minutes=plan.slot_minutes, capacity=plan.capacity,
            )  # fmt: skip
        days.append(
            ReceptionDay.objects.create(
                area=plan.area,
                area_code=plan.area.code,
                leader=plan.leader,
                leader_title=_text(plan.leader_title, "leader_title", required=True, limit=60),
                date=day,
                start=plan.start,
                end=plan.end,
                venue=plan.venue,
                venue_note=_text(plan.venue_note, "venue_note", required=False, limit=200),
                mode=plan.mode,
                announce_on=day - datetime.timedelta(days=plan.announce_days),
                session=session,
                created_by=actor,
            )
        )
    return days


def _reception_desk(area) -> Desk:
    """The area's reception desk, made on first use (named in the site's language)."""
    with translation.override(settings.LANGUAGE_CODE):
        name = _("Leaders' reception day")
    desk, _created = Desk.objects.get_or_create(
        kind=DeskKind.RECEPTION, area=area, defaults={"name": name, "area_code": area.code}
    )
    return desk


@transaction.atomic
def do_cancel_day(day: ReceptionDay, *, actor) -> ReceptionDay:
    """Call a planned day off; its bookings are cancelled and each booker told."""
    _require(may_run(actor, day.area_code))
    day = ReceptionDay.objects.select_for_update().get(pk=day.pk)
    if day.status != DayStatus.PLANNED:
        raise field_error(
            "status", _("Only a planned day can be called off."), "invalid_transition"
        )
    if day.matters.exists():
        raise field_error(
            "status", _("Matters were registered on this day: it took place."), "invalid_transition"
        )
    session = day.session
    day.status, day.session = DayStatus.CANCELLED, None  # the time is free to plan again
    day.save(update_fields=["status", "session"])
    if session is not None:
        desks.do_cancel_session(session)
    return day


# ---- matters ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Raised:
    compound: object
    category: object
    kind: str
    description: str
    public_summary: str
    route: str = Route.ACCEPTED
    told: str = ""
    petition: bool = False
    resident: object = None
    raiser_name: str = ""
    raiser_phone: str = ""
    urgency: str = Urgency.YELLOW
    sensitive: bool = False


def check_public_summary(text: str, *names: str) -> str:
    """The board's text: required, short, and with nothing that points at a person."""
    text = _text(text, "public_summary", required=True, limit=120)
    if DIGIT_RUN.search(text) or any(n and n in text for n in names):
        raise field_error(
            "public_summary",
            _("The public summary may not contain names, numbers or addresses."),
            "personal_data",
        )
    return text


@transaction.atomic
def do_register_matter(day: ReceptionDay, *, actor, raised: Raised) -> Matter:
    """Register what a resident raised. Accepted, it becomes a need owned by the day's leader
    (包案); for a court, arbitration or administrative reconsideration it is registered only and
    the resident is told where to go. A petition gets the regulation's deadlines."""
    _require(may_run(actor, day.area_code))
    day = ReceptionDay.objects.select_for_update().select_related("leader").get(pk=day.pk)
    if day.status == DayStatus.CANCELLED:
        raise field_error("day", _("This reception day was called off."), "cancelled")
    today = _today()
    if day.date > today:
        raise field_error("day", _("Matters are registered on the day or after it."), "invalid")
    compound = raised.compound
    if compound is None or compound.kind != AreaKind.COMPOUND:
        raise field_error("compound", _("Choose a compound."), "unknown_compound")
    if not compound.code.startswith(day.area_code):
        raise field_error("compound", _("The compound must lie in the reception day's area."))
    if raised.category is None:
        raise field_error("category", _("Choose a category."), "required")
    if raised.route not in Route.values:
        raise field_error("route", _("Choose one of the options."))
    resident_name = getattr(raised.resident, "name", "") or ""
    summary = check_public_summary(raised.public_summary, raised.raiser_name.strip(), resident_name)
    matter = Matter(
        day=day,
        area_code=compound.code,
        compound=compound,
        category=raised.category,
        public_summary=summary,
        route=raised.route,
        petition=bool(raised.petition),
        received_on=today,
        created_by=actor,
    )
    if raised.petition:
        matter.notice_due = today + datetime.timedelta(days=PETITION_NOTICE_DAYS)
    if raised.route == Route.ACCEPTED:
        registered = do_register_need(
            actor=day.leader,
            source=Source.RECEPTION,
            source_ref=f"reception:{day.pk}",
            kind=raised.kind,
            category=raised.category,
            description=raised.description,
            compound=compound,
            urgency=raised.urgency,
            resident=raised.resident,
            raiser_name=raised.raiser_name,
            raiser_phone=raised.raiser_phone,
            sensitive=raised.sensitive,
            new_anyway=True,
        )
        matter.need = registered.need
        if raised.petition:
            matter.conclude_by = today + datetime.timedelta(days=PETITION_CONCLUDE_DAYS)
        matter.told = _text(raised.told, "told", required=False)
    else:
        if raised.kind not in Kind.values:
            raise field_error("kind", _("Choose one of the options."))
        matter.told = _text(raised.told or str(WHERE_TO_GO[raised.route]), "told", required=True)
        # Registered though not accepted: what was raised and by whom stays on the matter (an
        # accepted one keeps them on its need).
        matter.description = _text(raised.description, "description", required=True)
        matter.raiser_name = (raised.raiser_name or getattr(raised.resident, "name", "")).strip()[
            :40
        ]
        if not matter.raiser_name:
            raise field_error("raiser_name", _("This field is required."), "required")
    matter.save(force_insert=True)
    if day.status == DayStatus.PLANNED:
        ReceptionDay.objects.filter(pk=day.pk).update(status=DayStatus.HELD)
    return matter


def _lock(matter: Matter) -> Matter:
    return (
        Matter.objects.select_for_update(of=("self",))
        .select_related("day__leader", "need", "department")
        .get(pk=matter.pk)
    )


def _check_open(matter: Matter) -> None:
    if matter.route != Route.ACCEPTED:
        raise field_error("route", _("This matter was not accepted."), "invalid_transition")
    if matter.need.status in ("answered", "closed"):
        raise field_error("route", _("This matter has been concluded."), "invalid_transition")


@transaction.atomic
def do_assign(
    matter: Matter, *, actor, department, due_on: datetime.date, note: str = ""
) -> Matter:
    """交办: the department that does the work and its deadline. The leader stays the owner.
    Assigning again (another department, a new deadline) replaces the assignment."""
    _require(may_run(actor, matter.area_code))
    matter = _lock(matter)
    _check_open(matter)
    if department is None:
        raise field_error("department", _("Choose a department."), "required")
    today = _today()
    if due_on is None or due_on < today:
        raise field_error("due_on", _("Choose today or a later day."), "past")
    if matter.conclude_by and due_on > matter.conclude_by:
        raise field_error(
            "due_on",
            _("A petition is concluded by %(date)s: the department's deadline comes before.")
            % {"date": matter.conclude_by.isoformat()},
        )
    note = _text(note, "note", required=False)
    now = timezone.now()
    matter.department, matter.due_on, matter.assigned_at = department, due_on, now
    matter.reported_at, matter.report = None, ""
    matter.save(update_fields=["department", "due_on", "assigned_at", "reported_at", "report"])
    said = _("Assigned to %(department)s, due %(date)s.") % {
        "department": department.name,
        "date": due_on.isoformat(),
    }
    record_event(matter.need, EventKind.PROGRESS, actor=actor, at=now, level=matter.need.level,
                 reason=f"{said} {note}".strip())  # fmt: skip
    reviewers = RoleGrant.objects.filter(
        role=Role.REVIEWER, department=department, user__is_active=True
    ).values_list("user_id", "area__code")
    post(
        [user for user, code in reviewers if matter.area_code.startswith(code)],
        kind="reception",
        title=_("Reception matter #%(n)s assigned to your department, due %(date)s")
        % {"n": matter.pk, "date": due_on.isoformat()},
        url=reverse("reception-matter", args=[matter.pk]),
        key=f"reception:{matter.pk}:assigned:{now.isoformat()}",
    )
    return matter


@transaction.atomic
def do_report(matter: Matter, *, actor, report: str) -> Matter:
    """The department's report on what it did; the leader then concludes the need."""
    # Checked on the locked row: a reviewer holding a matter since reassigned to another
    # department may not report on that department's work.
    matter = _lock(matter)
    _require(may_report(actor, matter))
    _check_open(matter)
    if matter.department_id is None:
        raise field_error("report", _("The matter is not assigned yet."), "invalid_transition")
    matter.report = _text(report, "report", required=True)
    matter.reported_at = timezone.now()
    matter.save(update_fields=["report", "reported_at"])
    record_event(matter.need, EventKind.PROGRESS, actor=actor, at=matter.reported_at,
                 level=matter.need.level, reason=matter.report)  # fmt: skip
    post(
        [matter.day.leader_id],
        kind="reception",
        title=_("%(department)s reported on reception matter #%(n)s")
        % {"department": matter.department.name, "n": matter.pk},
        url=reverse("reception-matter", args=[matter.pk]),
        key=f"reception:{matter.pk}:reported:{matter.reported_at.isoformat()}",
    )
    return matter


@transaction.atomic
def do_record_notice(matter: Matter, *, actor, sent_on: datetime.date) -> Matter:
    """The petition's written decision on acceptance was sent (within 15 days)."""
    _require(may_run(actor, matter.area_code))
    matter = _lock(matter)
    if not matter.petition:
        raise field_error(
            "sent_on", _("Only a petition needs a written decision."), "invalid_transition"
        )
    if matter.notice_sent_on:
        raise field_error(
            "sent_on", _("The written decision was already sent."), "invalid_transition"
        )
    if sent_on is None or sent_on > _today() or sent_on < matter.received_on:
        raise field_error(
            "sent_on", _("Give the day it was sent: not before receipt, not later than today.")
        )
    matter.notice_sent_on = sent_on
    matter.save(update_fields=["notice_sent_on"])
    return matter


@transaction.atomic
def do_extend(matter: Matter, *, actor, days: int, reason: str) -> Matter:
    """Extend an accepted petition's 60 days, once, by at most 30, with a reason."""
    _require(may_run(actor, matter.area_code))
    matter = _lock(matter)
    _check_open(matter)
    if not matter.petition or matter.conclude_by is None:
        raise field_error(
            "days", _("Only an accepted petition has a time limit to extend."), "invalid_transition"
        )
    if matter.extended_days:
        raise field_error(
            "days", _("A petition's time limit is extended once only."), "invalid_transition"
        )
    if days is None or not 1 <= days <= PETITION_EXTENSION_MAX:
        raise field_error("days", _("Between 1 and %(n)d days.") % {"n": PETITION_EXTENSION_MAX})
    matter.extension_reason = _text(reason, "reason", required=True, limit=500)
    matter.extended_days = days
    matter.conclude_by += datetime.timedelta(days=days)
    matter.save(update_fields=["extension_reason", "extended_days", "conclude_by"])
    return matter


# ---- sweeps -----------------------------------------------------------------------------------


@transaction.atomic
def do_chase(*, today: datetime.date | None = None) -> int:
    """督办: every matter past its department's deadline and not reported is chased once a
    day: its count goes up, and the leader and the department's reviewers are told (inbox).
    Petitions whose written decision is late are put to the leader. Set-based; returns how
    many matters were chased."""
    today = today or _today()
    now = timezone.now()
    start_of_day = timezone.make_aware(datetime.datetime.combine(today, datetime.time()))
    late = Matter.objects.late(today).filter(
        Q(chased_at__isnull=True) | Q(chased_at__lt=start_of_day)
    )
    ids = list(late.values_list("pk", flat=True))
    if ids:
        Matter.objects.filter(pk__in=ids).update(chased_at=now, chases=F("chases") + 1)
    chased = Matter.objects.filter(pk__in=ids)
    stamp = today.isoformat()
    with translation.override(settings.LANGUAGE_CODE):
        title = fill(
            _("Late: reception matter #%(n)s, due %(due)s at %(department)s"),
            n=Cast("pk", CharField()),
            due=Cast("due_on", CharField()),
            department=F("department__name"),
        )
        notice = fill(
            _("Petition #%(n)s: the written decision on acceptance was due %(due)s"),
            n=Cast("pk", CharField()),
            due=Cast("notice_due", CharField()),
        )
    key = fill(f"reception:%(n)s:chased:{stamp}", n=Cast("pk", CharField()))
    url = path("reception-matter", F("pk"))
    if ids:  # an empty id list compiles to no SQL at all
        _post_chases(chased, title=title, url=url, key=key)
    post_from_queryset(
        Matter.objects.notice_overdue(today), recipient=F("day__leader"), kind="reception",
        title=notice, url=url,
        key=fill(f"reception:%(n)s:notice-late:{stamp}", n=Cast("pk", CharField())),
    )  # fmt: skip
    return len(ids)


def _post_chases(chased, *, title, url, key) -> None:
    """The chase to each matter's leader, and to the reviewers of its department whose grant
    covers the matter's area: two INSERT … SELECTs."""
    post_from_queryset(
        chased, recipient=F("day__leader"), kind="reception", title=title, url=url, key=key
    )
    reviewers = chased.filter(
        department__reviewer_grants__role=Role.REVIEWER,
        department__reviewer_grants__user__is_active=True,
        area_code__startswith=F("department__reviewer_grants__area__code"),
    )
    post_from_queryset(
        reviewers, recipient=F("department__reviewer_grants__user"), kind="reception", title=title,
        url=url, key=key,
    )  # fmt: skip


@transaction.atomic
def do_send_briefs(*, today: datetime.date | None = None) -> int:
    """Each leader whose planned day is within ``BRIEF_DAYS_AHEAD`` days is sent its brief
    (inbox), once. Set-based; returns how many were sent."""
    today = today or _today()
    due = ReceptionDay.objects.filter(
        status=DayStatus.PLANNED,
        brief_sent_at__isnull=True,
        date__gte=today,
        date__lte=today + datetime.timedelta(days=BRIEF_DAYS_AHEAD),
    )
    ids = list(due.values_list("pk", flat=True))
    if not ids:
        return 0
    days = ReceptionDay.objects.filter(pk__in=ids)
    with translation.override(settings.LANGUAGE_CODE):
        title = fill(
            _("Your reception day on %(date)s: the brief of %(area)s"),
            date=Cast("date", CharField()),
            area=F("area__name"),
        )
    post_from_queryset(
        days, recipient=F("leader"), kind="reception", title=title,
        url=path("reception-brief", F("pk")),
        key=fill("reception-day:%(n)s:brief", n=Cast("pk", CharField())),
    )  # fmt: skip
    days.update(brief_sent_at=timezone.now())
    return len(ids)
