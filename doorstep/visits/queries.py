"""The due list, coverage and the silence alarm: set-based SQL, one statement each.

A household is *ruled* when one of its residents (living here) holds a tag that has a visit
rule; its interval is the smallest among those tags. Its due date is its last visit where
someone was met plus that interval; a ruled household never met is the most overdue of all.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import (
    Count,
    DateField,
    DateTimeField,
    Exists,
    Expression,
    F,
    FilteredRelation,
    Func,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from doorstep.cases.models import Case
from doorstep.desks.choices import AppointmentStatus
from doorstep.desks.models import Appointment
from doorstep.notify.choices import Status as MessageStatus
from doorstep.notify.models import Message
from doorstep.people.choices import ResidentStatus
from doorstep.people.models import Resident, ResidentTag
from doorstep.places.models import Household
from doorstep.proactive.runs import TEMPLATES as PROGRAMME_TEMPLATES
from doorstep.staff.roles import VIEW_VISITS

from .choices import DueState, Outcome
from .models import Visit
from .scoping import household_q, scope_q


class AddDays(Func):
    """``date + days`` (an integer expression) as a date, on SQLite and PostgreSQL alike."""

    output_field = DateField()
    arity = 2

    def as_sql(self, compiler, connection, **extra):
        (date_sql, date_params), (days_sql, days_params) = (
            compiler.compile(e) for e in self.get_source_expressions()
        )
        return f"({date_sql} + {days_sql})", [*date_params, *days_params]

    def as_sqlite(self, compiler, connection, **extra):
        (date_sql, date_params), (days_sql, days_params) = (
            compiler.compile(e) for e in self.get_source_expressions()
        )
        return f"date({date_sql}, '+' || ({days_sql}) || ' days')", [*date_params, *days_params]


class DaysBefore(Func):
    """``moment - days`` (an integer expression) as a moment, on SQLite and PostgreSQL alike.
    SQLite writes it the way Django stores a moment there (UTC, ``YYYY-MM-DD HH:MM:SS.SSS``),
    so it compares with the stored columns as text does."""

    output_field = DateTimeField()
    arity = 2

    def as_sql(self, compiler, connection, **extra):
        (at_sql, at_params), (days_sql, days_params) = (
            compiler.compile(e) for e in self.get_source_expressions()
        )
        return f"({at_sql} - ({days_sql}) * INTERVAL '1 day')", [*at_params, *days_params]

    def as_sqlite(self, compiler, connection, **extra):
        (at_sql, at_params), (days_sql, days_params) = (
            compiler.compile(e) for e in self.get_source_expressions()
        )
        sql = f"strftime('%%Y-%%m-%%d %%H:%%M:%%f', {at_sql}, '-' || ({days_sql}) || ' days')"
        return sql, [*at_params, *days_params]


def due_soon_days() -> int:
    return getattr(settings, "DOORSTEP_VISIT_DUE_SOON_DAYS", 3)


def silence_days() -> int:
    return getattr(settings, "DOORSTEP_VISIT_SILENCE_DAYS", 30)


def _latest(field: str) -> Subquery:
    latest = Visit.objects.filter(household=OuterRef("pk")).order_by("-visited_at", "-pk")
    return Subquery(latest.values(field)[:1])


def ruled_households(user, capability: str = VIEW_VISITS) -> QuerySet[Household]:
    """The ruled households ``user`` may see, each with ``interval``, ``last_met`` and
    ``due_on`` (null: never met). One GROUP BY over the household's ruled residents and its
    met visits (a minimum and a maximum: the join's repeated rows do not change them). The
    query starts from the few ruled residents, not from the area's households."""
    return (
        Household.objects.filter(household_q(user, capability, by_index=False))
        .filter(members__status=ResidentStatus.ACTIVE, members__tags__visit_rule__isnull=False)
        .annotate(met_visits=FilteredRelation("visits", condition=Q(visits__outcome=Outcome.MET)))
        .annotate(
            interval=Min("members__tags__visit_rule__interval_days"),
            last_met=Max("met_visits__visited_on"),
        )
        .annotate(due_on=AddDays(F("last_met"), F("interval")))
    )


def due_households(
    user, *, today: datetime.date | None = None, within: int | None = None
) -> QuerySet[Household]:
    """Ruled households due by ``today + within`` days (never met ones too), most overdue
    first. For display, the page's rows get their building and latest visit afterwards
    (``present.attach_page_details``): joined here, every due household's building and
    compound would widen the GROUP BY."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=due_soon_days() if within is None else within)
    return (
        ruled_households(user)
        .filter(Q(due_on__isnull=True) | Q(due_on__lte=horizon))
        .order_by(F("due_on").asc(nulls_first=True), "pk")
    )


def latest_visits(household_ids: list[int]) -> dict[int, tuple[str, datetime.date | None]]:
    """The outcome and retry date of the latest visit of each household that has one (for a
    page of the due list: one query, an index seek per household)."""
    rows = (
        Household.objects.filter(pk__in=household_ids)
        .annotate(outcome=_latest("outcome"), retry_on=_latest("retry_on"))
        .filter(outcome__isnull=False)
        .values_list("pk", "outcome", "retry_on")
    )
    return {pk: (outcome, retry_on) for pk, outcome, retry_on in rows}


def due_state(due_on: datetime.date | None, today: datetime.date) -> DueState:
    if due_on is None:
        return DueState.NEVER
    if due_on < today:
        return DueState.OVERDUE
    if due_on <= today + datetime.timedelta(days=due_soon_days()):
        return DueState.DUE_SOON
    return DueState.COVERED


@dataclass(frozen=True)
class Coverage:
    key: str  # a grid's id or a community's code
    name: str
    households: int  # ruled households
    covered: int  # met inside their interval

    @property
    def percent(self) -> float | None:
        return None if not self.households else round(100 * self.covered / self.households, 1)


def coverage(
    user, *, today: datetime.date | None = None
) -> tuple[list[Coverage], list[Coverage], Coverage]:
    """(per grid, per community, all) coverage of the ruled households ``user`` sees. A
    household in no grid counts for its community only."""
    today = today or timezone.localdate()
    ruled = ruled_households(user)
    households = Household.objects.filter(pk__in=ruled.values("pk"))
    covered = Count(
        "pk", filter=Q(pk__in=ruled.filter(due_on__gte=today).values("pk")), distinct=True
    )
    by_grid = (
        households.filter(building__grid__isnull=False)
        .values("building__grid", "building__grid__name")
        .annotate(n=Count("pk", distinct=True), covered=covered)
        .order_by("building__grid__name", "building__grid")
    )
    by_community = (
        households.values("building__compound__parent__code", "building__compound__parent__name")
        .annotate(n=Count("pk", distinct=True), covered=covered)
        .order_by("building__compound__parent__code")
    )
    grids = [
        Coverage(str(r["building__grid"]), r["building__grid__name"], r["n"], r["covered"])
        for r in by_grid
    ]
    communities = [
        Coverage(
            r["building__compound__parent__code"],
            r["building__compound__parent__name"],
            r["n"],
            r["covered"],
        )
        for r in by_community
    ]
    total = Coverage(
        "", "", sum(c.households for c in communities), sum(c.covered for c in communities)
    )
    return grids, communities, total


# Not delivered: still waiting, being tried, failed or given up (an opt-out is not silence).
UNDELIVERED = Q(
    status__in=[MessageStatus.PENDING, MessageStatus.SENDING, MessageStatus.FAILED,
                MessageStatus.DEAD]
)  # fmt: skip
NOT_CONTACT = [AppointmentStatus.HELD, AppointmentStatus.EXPIRED]


def silence_of(resident: Expression) -> Subquery:
    """The silence period of ``resident`` (days): the shortest among the rules of their ruled
    tags, a rule without its own period counting as the default."""
    periods = (
        ResidentTag.objects.filter(resident=resident, tag__visit_rule__isnull=False)
        .values("resident")
        .annotate(days=Min(Coalesce("tag__visit_rule__silence_days", Value(silence_days()))))
        .values("days")
    )
    return Subquery(periods, output_field=IntegerField())


def silence_start(now: datetime.datetime) -> DaysBefore:
    """When each resident's silence began: ``now`` less their period (``silence``, annotated
    first), worked out by the database."""
    return DaysBefore(Value(now, output_field=DateTimeField()), F("silence"))


def silent_residents(user, *, now: datetime.datetime | None = None) -> QuerySet[Resident]:
    """The red list: residents living here with a ruled tag whom nobody has met or heard from
    for longer than their silence period — no visit that met their household, no booking at a
    desk, no case taken in for them — and whose programme message (a benefit granted,
    offered, stopped …) was not delivered and has waited longer than that. The period is the
    shortest among the rules of their ruled tags (``VisitRule.silence_days``), the default
    ``DOORSTEP_VISIT_SILENCE_DAYS`` standing in for a rule without one."""
    now = now or timezone.now()
    resident = OuterRef("pk")
    since = OuterRef("since")
    met = Visit.objects.filter(
        household=OuterRef("household"), outcome=Outcome.MET, visited_at__gte=since
    )
    booked = Appointment.objects.filter(resident=resident, created_at__gte=since).exclude(
        status__in=NOT_CONTACT
    )
    cases = Case.objects.filter(resident=resident, created_at__gte=since)
    undelivered = Message.objects.filter(
        UNDELIVERED,
        resident=resident,
        template__in=sorted(PROGRAMME_TEMPLATES.values()),
        created_at__lt=since,
    )
    last_met = Visit.objects.filter(household=OuterRef("household"), outcome=Outcome.MET)
    first_undelivered = undelivered.order_by("created_at").values("created_at")[:1]
    return (
        Resident.objects.filter(
            scope_q(user, VIEW_VISITS, area_field="area_code", building_field="household__building")
        )
        .filter(status=ResidentStatus.ACTIVE)
        .annotate(silence=silence_of(resident))
        .filter(silence__isnull=False)
        .annotate(since=silence_start(now))
        .filter(Exists(undelivered), ~Exists(met), ~Exists(booked), ~Exists(cases))
        .annotate(
            last_met=Subquery(last_met.order_by("-visited_on").values("visited_on")[:1]),
            undelivered_since=Subquery(first_undelivered),
        )
        .order_by(F("last_met").asc(nulls_first=True), "area_code", "pk")
    )
