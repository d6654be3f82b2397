"""Metrics, defined once (issue 13): every rate a page, an export or the API shows is one of the
functions below, each with its formula in its docstring, each reading its app's rows through that
app's ``visible_to(user)`` and filtered by one ``Scope`` (area, period, service, department,
channel).

A metric is ONE aggregate query over one table (``Count(..., filter=Q(...))``); ``figures(scope)``
computes the whole list with one aggregate per table (the metrics of a table are merged), so a
dashboard costs a handful of queries whatever the number of metrics. ``METRICS`` is the registry
(key, label, function) that pages, exports and the API iterate.

Every value carries its n: a ``Rate`` or ``Average`` below ``DOORSTEP_METRIC_MIN_N`` is shown as
"—" and takes no place in a ranking (a unit with one report must not top a league table).

A filter a table does not record (a dispute has no service, a case no channel) makes the metric
*not apply* to that scope: its figure is ``None``, never the unfiltered number.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, F, FloatField, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Cast, Substr, TruncDate
from django.http import Http404
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.cases.choices import CLOSED, CaseStatus
from doorstep.cases.models import Case
from doorstep.catalogue.models import Department, Service
from doorstep.core.errors import field_error
from doorstep.disputes.choices import Outcome as DisputeOutcome
from doorstep.disputes.choices import Performance
from doorstep.disputes.models import Dispute
from doorstep.feedback.choices import SATISFIED, Channel, Level, RectificationStatus, Solved
from doorstep.feedback.models import Callback, Rating, Subject
from doorstep.needs.choices import FOUND_FIRST, NeedStatus
from doorstep.needs.choices import EventKind as NeedEventKind
from doorstep.needs.models import Need, NeedEvent
from doorstep.places.models import Area, Household
from doorstep.staff.roles import CAPABILITIES, FIGURE_CAPABILITIES, can, user_grants
from doorstep.staff.scoping import minimal_prefixes
from doorstep.visits.queries import ruled_households
from doorstep.workdays.calendar import working_days_between

# The filters a scope may set, by the name a metric declares it supports.
AREA, PERIOD, SERVICE, DEPARTMENT, CHANNEL = "area", "period", "service", "department", "channel"
# Dates a dashboard may ask about: wide, and inside what the database's datetimes can hold.
FIRST_DAY, LAST_DAY = datetime.date(1900, 1, 1), datetime.date(2999, 12, 31)


def min_n() -> int:
    return settings.DOORSTEP_METRIC_MIN_N


# ---- values ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """``numerator ÷ denominator`` with its n (the denominator). ``value`` is None when there is
    nothing to divide by; ``shown`` (what a page shows and a ranking sorts by) is None below
    the minimum n as well, and ``str()`` then gives "—"."""

    numerator: float
    denominator: int

    @property
    def n(self) -> int:
        return self.denominator

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def shown(self) -> float | None:
        return self.value if self.n >= min_n() else None

    def __str__(self) -> str:
        if self.shown is None:
            return "—"
        percent = formats.number_format(round(self.shown * 100, 1), decimal_pos=1)
        return f"{percent}%"  # the per cent sign is the same in all three languages


@dataclass(frozen=True)
class Average(Rate):
    """``total ÷ n`` (working days, trips) with its n; shown like a ``Rate``, as a number."""

    def __str__(self) -> str:
        if self.shown is None:
            return "—"
        return formats.number_format(round(self.shown, 1), decimal_pos=1)


Measure = Rate | Average


# ---- the scope ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What a set of figures is about: what ``user`` may see (always through each app's
    ``visible_to``), narrowed to an area code prefix, a period of local dates (Asia/Shanghai,
    both ends included), a service, a department and a channel. Build it with ``make_scope``,
    which checks the filters; an unset filter does not narrow."""

    user: Any
    area: str = ""
    start: datetime.date | None = None
    end: datetime.date | None = None
    service: int | None = None
    department: int | None = None
    channel: str = ""
    # Read the rollups where they apply (``insight.rollups``); False reads every row.
    tallies: bool = True
    # The tables whose rolled-up rows the tallies count, each with True when the tallies
    # count only rows that are not sensitive: their rows here are the others.
    untallied: frozenset[tuple[str, bool]] = frozenset()

    def live(self, rows: QuerySet, table: str) -> QuerySet:
        """``rows`` less those the tallies count for this scope."""
        for name, restricted in self.untallied:
            if name == table:
                q = Q(tally__isnull=True)
                return rows.filter(q | Q(sensitive=True) if restricted else q)
        return rows

    @property
    def filters(self) -> frozenset[str]:
        """The filters this scope sets (a metric applies when it supports all of them)."""
        given = {
            AREA: bool(self.area),
            PERIOD: self.start is not None or self.end is not None,
            SERVICE: self.service is not None,
            DEPARTMENT: self.department is not None,
            CHANNEL: bool(self.channel),
        }
        return frozenset(name for name, on in given.items() if on)

    def moments(self, field: str) -> Q:
        """Rows whose datetime ``field`` falls on a local day of the period."""
        q = Q()
        if self.start is not None:
            q &= Q(**{f"{field}__gte": _midnight(self.start)})
        if self.end is not None:
            q &= Q(**{f"{field}__lt": _midnight(self.end + datetime.timedelta(days=1))})
        return q

    def days(self, field: str) -> Q:
        """Rows whose date ``field`` falls in the period."""
        q = Q()
        if self.start is not None:
            q &= Q(**{f"{field}__gte": self.start})
        if self.end is not None:
            q &= Q(**{f"{field}__lte": self.end})
        return q

    def by_end(self, field: str) -> Q:
        """Rows whose datetime ``field`` is set, on or before the period's last day."""
        q = Q(**{f"{field}__isnull": False})
        if self.end is not None:
            q &= Q(**{f"{field}__lt": _midnight(self.end + datetime.timedelta(days=1))})
        return q


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time()), timezone.get_default_timezone()
    )


def may_see_figures(user) -> bool:
    return any(can(user, capability) for capability in FIGURE_CAPABILITIES)


def figure_areas(user) -> list[str]:
    """Codes of the areas where ``user`` holds a role that sees something figures count."""
    return minimal_prefixes(
        [
            code
            for role, code, _dept in user_grants(user)
            if CAPABILITIES.get(role, frozenset()) & FIGURE_CAPABILITIES
        ]
    )


def make_scope(
    user,
    *,
    area: str = "",
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    service: int | None = None,
    department: int | None = None,
    channel: str = "",
) -> Scope:
    """A checked ``Scope``: PermissionDenied for someone who sees no figures at all; Http404
    for an area that does not exist or lies outside the user's grants (the same answer, as for
    a record); a ``ValidationError`` on the field for a reversed or impossible period, an
    unknown service, department or channel."""
    if not may_see_figures(user):
        raise PermissionDenied(_("You may not see these figures."))
    for name, day in (("start", start), ("end", end)):
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise field_error(name, _("Give a date between 1900 and 2999."), "out_of_range")
    if start is not None and end is not None and end < start:
        raise field_error("end", _("The period ends before it starts."))
    area = (area or "").strip()
    if area:
        inside = user.is_superuser or any(area.startswith(g) for g in figure_areas(user))
        if not inside or not Area.objects.filter(code=area).exists():
            raise Http404("area")
    if service is not None and not Service.objects.filter(pk=service).exists():
        raise field_error("service", _("There is no such service."))
    if department is not None and not Department.objects.filter(pk=department).exists():
        raise field_error("department", _("There is no such department."))
    if channel and channel not in Channel.values:
        raise field_error("channel", _("There is no such channel."))
    return Scope(user, area, start, end, service, department, channel or "")


# ---- the tables figures read -------------------------------------------------------------------

CASES_TABLE, NEEDS_TABLE = "cases", "needs"


def _subjects(scope: Scope) -> QuerySet[Subject]:
    rows = Subject.objects.visible_to(scope.user)
    if scope.area:
        rows = rows.filter(area_code__prefix=scope.area)
    if scope.service is not None:
        rows = rows.filter(service_id=scope.service)
    if scope.department is not None:
        rows = rows.filter(department_id=scope.department)
    if scope.channel:
        rows = rows.filter(channel=scope.channel)
    return rows


def _cases(scope: Scope) -> QuerySet[Case]:
    rows = scope.live(Case.objects.visible_to(scope.user), CASES_TABLE)
    if scope.area:
        rows = rows.filter(area_code__prefix=scope.area)
    if scope.service is not None:
        rows = rows.filter(service_id=scope.service)
    if scope.department is not None:
        rows = rows.filter(department_id=scope.department)
    return rows


def _callbacks(scope: Scope) -> QuerySet[Callback]:
    return Callback.objects.filter(subject__in=_subjects(scope))


def _ratings(scope: Scope) -> QuerySet[Rating]:
    # An upheld appeal takes a rating out of every figure.
    return Rating.objects.filter(subject__in=_subjects(scope), excluded=False)


def _needs(scope: Scope) -> QuerySet[Need]:
    rows = scope.live(Need.objects.visible_to(scope.user), NEEDS_TABLE)
    return rows.filter(area_code__prefix=scope.area) if scope.area else rows


def _disputes(scope: Scope) -> QuerySet[Dispute]:
    rows = Dispute.objects.visible_to(scope.user)
    return rows.filter(area_code__prefix=scope.area) if scope.area else rows


def _ruled(scope: Scope) -> QuerySet[Household]:
    """The ruled households the user sees (``visits.queries.ruled_households``)."""
    rows = ruled_households(scope.user)
    return rows.filter(building__compound__code__prefix=scope.area) if scope.area else rows


@dataclass(frozen=True)
class Table:
    """One table figures read: its rows for a scope, the filters it records, and the paths of
    its rows' area code and department (what ``figures_by`` groups by; "" when not recorded)."""

    name: str
    rows: Callable[[Scope], QuerySet]
    filters: frozenset[str]
    area_field: str = ""
    department_field: str = ""


ALL_FILTERS = frozenset({AREA, PERIOD, SERVICE, DEPARTMENT, CHANNEL})
CASES = Table(CASES_TABLE, _cases, ALL_FILTERS - {CHANNEL}, "area_code", "department_id")
CALLBACKS = Table("callbacks", _callbacks, ALL_FILTERS, "subject__area_code",
                  "subject__department_id")  # fmt: skip
RATINGS = Table("ratings", _ratings, ALL_FILTERS, "subject__area_code", "subject__department_id")
NEEDS = Table(NEEDS_TABLE, _needs, frozenset({AREA, PERIOD}), "area_code")
DISPUTES = Table("disputes", _disputes, frozenset({AREA, PERIOD}), "area_code")
HOUSEHOLDS = Table("households", _ruled, frozenset({AREA}), "building__compound__code")


# ---- how a metric is defined -------------------------------------------------------------------


@dataclass(frozen=True)
class Formula:
    """What a metric counts, as aggregate expressions over its table's rows: ``where`` is the
    rows it reads (its period; ``figures`` reads the union of its metrics' rows in one query),
    and is repeated inside each aggregate's filter."""

    where: Q
    numerator: Any
    denominator: Any
    # For the rollups (``insight.rollups``): the field whose local date the period reads, and
    # for a numerator counting only what happened by the period's end, that event's field.
    day: str = ""
    by: str = ""

    def aggregates(self, key: str) -> dict[str, Any]:
        return {f"{key}_num": self.numerator, f"{key}_den": self.denominator}


def count(q: Q) -> Count:
    return Count("pk", filter=q)


class Metric:
    """One registered metric: ``metric(scope)`` is its value for a scope (one query), None
    when the scope filters by something its table does not record."""

    def __init__(
        self, key: str, label: Promise, table: Table, define: Callable, measure: type[Measure]
    ):
        self.key, self.label, self.table, self.define = key, label, table, define
        self.measure = measure  # Rate or Average
        self.__doc__ = define.__doc__
        self.__name__ = define.__name__

    def read(self, row: dict) -> Measure:
        return self.measure(row[f"{self.key}_num"] or 0, row[f"{self.key}_den"] or 0)

    def applies(self, scope: Scope) -> bool:
        return scope.filters <= self.table.filters

    def __call__(self, scope: Scope) -> Measure | None:
        if not self.applies(scope):
            return None
        formula = self.define(scope)
        rows = self.table.rows(scope)
        if formula.where:
            rows = rows.filter(formula.where)
        return self.read(rows.aggregate(**formula.aggregates(self.key)))

    def __repr__(self) -> str:
        return f"<Metric {self.key}>"


class OwnQuery(Metric):
    """A metric that is not a plain aggregate: ``define(scope)`` runs its own query."""

    def __call__(self, scope: Scope) -> Measure | None:
        return self.define(scope) if self.applies(scope) else None


class Standing(OwnQuery):
    """A figure of how things stand today, not of a period: it applies to a period only when
    the period includes today."""

    def applies(self, scope: Scope) -> bool:
        if not scope.filters - {PERIOD} <= self.table.filters:
            return False
        today = timezone.localdate()
        return (scope.start is None or scope.start <= today) and (
            scope.end is None or today <= scope.end
        )


METRICS: list[Metric] = []


def metric(
    key: str,
    label: Promise,
    table: Table,
    *,
    measure: type[Measure] = Rate,
    kind: type[Metric] = Metric,
):
    """Register the decorated formula as the metric ``key`` (in display order)."""

    def register(define: Callable) -> Metric:
        found = kind(key, label, table, define, measure)
        METRICS.append(found)
        return found

    return register


# ---- callbacks: the three rates and the composite (12345 / 接诉即办) ---------------------------

VALID = Q(invalid="")
REACHED = VALID & Q(reached=True)
SOLVED = VALID & Q(solved=Solved.YES)
SATISFIED_Q = VALID & Q(satisfaction__in=sorted(SATISFIED))
BASICALLY_Q = VALID & Q(satisfaction=Level.BASICALLY_SATISFIED)
BASICALLY_WEIGHT = 0.9


def _weighted(q: Q, where: Q, weight: float) -> Any:
    return Cast(count(where & q), FloatField()) * Value(weight)


def _satisfaction_numerator(where: Q) -> Any:
    return _weighted(SATISFIED_Q, where, 1.0) + _weighted(BASICALLY_Q, where, BASICALLY_WEIGHT)


@metric("response_rate", gettext_lazy("Response rate"), CALLBACKS)
def response_rate(scope: Scope) -> Formula:
    """Response rate (响应率) = callbacks that reached the resident ÷ valid callbacks.

    Callbacks made in the period (``Callback.at``) on the rated matters in scope; a callback
    with a reason it does not count (``invalid``: wrong number, refused, duplicate …) is left
    out of the numerator and the denominator alike."""
    where = scope.moments("at")
    return Formula(where, count(where & REACHED), count(where & VALID))


@metric("resolution_rate", gettext_lazy("Resolution rate"), CALLBACKS)
def resolution_rate(scope: Scope) -> Formula:
    """Resolution rate (解决率) = callbacks where the resident says it was solved ÷ valid
    callbacks. "Partly solved" does not count as solved."""
    where = scope.moments("at")
    return Formula(where, count(where & SOLVED), count(where & VALID))


@metric("satisfaction_rate", gettext_lazy("Satisfaction rate"), CALLBACKS)
def satisfaction_rate(scope: Scope) -> Formula:
    """Satisfaction rate (满意率) = (satisfied + 0.9 × basically satisfied) ÷ valid callbacks.

    Satisfied: very satisfied or satisfied (``feedback.choices.SATISFIED``); basically
    satisfied counts 0.9; dissatisfied, very dissatisfied and no answer count 0."""
    where = scope.moments("at")
    return Formula(where, _satisfaction_numerator(where), count(where & VALID))


@metric("composite", gettext_lazy("Composite score"), CALLBACKS)
def composite(scope: Scope) -> Formula:
    """Composite score (综合成绩) = (w₁ × response + w₂ × resolution + w₃ × satisfaction)
    ÷ (w₁ + w₂ + w₃), the weights from ``DOORSTEP_COMPOSITE_WEIGHTS`` (Beijing: 10, 50, 40).

    The three rates share their denominator (valid callbacks), so the score is one weighted
    numerator over it; its n is the number of valid callbacks."""
    where = scope.moments("at")
    weights = [float(w) for w in settings.DOORSTEP_COMPOSITE_WEIGHTS]
    w_response, w_resolution, w_satisfaction = weights
    total = w_response + w_resolution + w_satisfaction
    numerator = (
        _weighted(REACHED, where, w_response / total)
        + _weighted(SOLVED, where, w_resolution / total)
        + _weighted(SATISFIED_Q, where, w_satisfaction / total)
        + _weighted(BASICALLY_Q, where, BASICALLY_WEIGHT * w_satisfaction / total)
    )
    return Formula(where, numerator, count(where & VALID))


# ---- cases: time limits, working days, trips --------------------------------------------------

# A case whose clock ran (accepted) and that has ended: completed, refused or withdrawn.
ENDED = Q(status__in=sorted(CLOSED), accepted_on__isnull=False)
ON_TIME = Q(closed_at__date__lte=F("due_on"))


@metric("on_time_rate", gettext_lazy("Closed on time"), CASES)
def on_time_rate(scope: Scope) -> Formula:
    """On-time rate (按时办结率) = cases closed on or before their due date ÷ cases closed.

    Cases accepted (their clock ran) and closed in the period — completed, refused or
    withdrawn; "on time" compares the local date of closing with ``due_on``, which already
    moved for the days the clock stood still waiting for the resident."""
    where = ENDED & scope.moments("closed_at")
    return Formula(where, count(where & ON_TIME), count(where), day="closed_at")


@metric("closed_of_due", gettext_lazy("Closed of those due"), CASES)
def closed_of_due(scope: Scope) -> Formula:
    """Closure rate (结案率) = cases closed ÷ cases due to close.

    Due to close: accepted cases whose due date falls in the period. Closed: of those, closed
    (completed, refused or withdrawn) by the end of the period."""
    where = Q(accepted_on__isnull=False) & Q(due_on__isnull=False) & scope.days("due_on")
    closed = Q(status__in=sorted(CLOSED)) & scope.by_end("closed_at")
    return Formula(where, count(where & closed), count(where), day="due_on", by="closed_at")


@metric("closed_on_time_of_due", gettext_lazy("Closed on time of those due"), CASES)
def closed_on_time_of_due(scope: Scope) -> Formula:
    """On-time closure rate (按期结案率) = cases closed on time ÷ cases due to close.

    Due to close as in ``closed_of_due``; closed on time: closed on or before the due date."""
    where = Q(accepted_on__isnull=False) & Q(due_on__isnull=False) & scope.days("due_on")
    on_time = Q(status__in=sorted(CLOSED), closed_at__isnull=False) & ON_TIME
    return Formula(where, count(where & on_time), count(where), day="due_on")


@metric("trips_per_case", gettext_lazy("Trips back per case"), CASES, measure=Average)
def trips_per_case(scope: Scope) -> Formula:
    """Trips back per case (跑动次数) = Σ times the resident had to come back ÷ cases taken in.

    The visit at which a case is taken is not a trip back (``Case.trips``). Cases taken in
    during the period (``created_at``), in any state: the same figure the case list shows as
    "Average trips back" (``cases.metrics``), there without a period."""
    where = scope.moments("created_at")
    return Formula(where, Sum("trips", filter=where), count(where), day="created_at")


@metric("first_trip_rate", gettext_lazy("Done in one trip (最多跑一次)"), CASES)
def first_trip_rate(scope: Scope) -> Formula:
    """First-trip completion (最多跑一次) = completed cases the resident never had to come back
    for ÷ completed cases.

    Cases taken in during the period and completed (at any time since); a case carried by a
    clerk on the resident's behalf (代办, no visit at all) counts as done in one trip."""
    where = scope.moments("created_at") & Q(status=CaseStatus.COMPLETED)
    return Formula(where, count(where & Q(trips=0)), count(where), day="created_at")


@metric(
    "working_days",
    gettext_lazy("Working days to complete"),
    CASES,
    measure=Average,
    kind=OwnQuery,
)
def working_days(scope: Scope) -> Average:
    """Average working days to complete (平均办理时长) = Σ working days from acceptance to
    completion, less the working days the clock stood still ÷ completed cases.

    Cases completed in the period. Working days follow the holiday table (调休 included),
    counted as the time limit is: the day of acceptance never counts
    (``workdays.calendar.working_days_between``). One grouped query: the Python that counts
    working days runs once per distinct (accepted, completed, stopped) triple, at most once per
    case completed in the period."""
    rows = _cases(scope).filter(scope.moments("closed_at"))
    total = n = 0
    for _key, days, count_ in working_days_by(rows):
        total += days
        n += count_
    return Average(total, n)


def working_days_by(rows: QuerySet[Case], *keys: str) -> Iterable[tuple[tuple, int, int]]:
    """``working_days``'s count over ``rows`` (any cases: it keeps the completed ones), by the
    values of ``keys``: (the keys' values, Σ working days, cases) for each distinct
    (keys, accepted, completed, stopped), which the rollups add up by their own keys."""
    where = Q(status=CaseStatus.COMPLETED, accepted_on__isnull=False)
    grouped = (
        rows.filter(where)
        .annotate(closed_on=TruncDate("closed_at"))
        .values(*keys, "accepted_on", "closed_on", "paused_days")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in grouped:
        days = working_days_between(row["accepted_on"], row["closed_on"]) - row["paused_days"]
        yield tuple(row[k] for k in keys), max(days, 0) * row["n"], row["n"]


# ---- needs: 未诉先办, reopened, extended ------------------------------------------------------


def _reopened() -> Exists:
    return Exists(
        NeedEvent.objects.filter(need=OuterRef("pk"), kind=NeedEventKind.TRANSITION, verb="reopen")
    )


@metric("found_first", gettext_lazy("Found before being raised (未诉先办)"), NEEDS)
def found_first(scope: Scope) -> Formula:
    """未诉先办 share = needs first found by a door-to-door visit or a proactive programme
    ÷ needs registered.

    Needs registered in the period; "found first" is ``needs.choices.FOUND_FIRST``, the
    definition the needs page's per-area table (``found_first_by_area``) counts."""
    where = scope.moments("created_at")
    found = count(where & Q(source__in=sorted(FOUND_FIRST)))
    return Formula(where, found, count(where), day="created_at")


@metric("reopened_rate", gettext_lazy("Reopened of those closed"), NEEDS)
def reopened_rate(scope: Scope) -> Formula:
    """Reopen rate (重办率) = closed needs that were ever reopened ÷ closed needs.

    Needs closed in the period (and still closed); reopened: a ``reopen`` transition on
    record, after an answer the resident was not satisfied with or after closing. Cases have
    no reopening (their state machine has none), so this counts needs only."""
    where = Q(status=NeedStatus.CLOSED) & scope.moments("closed_at")
    return Formula(where, count(where & Q(_reopened())), count(where), day="closed_at")


@metric("extended_rate", gettext_lazy("Extended of those accepted"), NEEDS)
def extended_rate(scope: Scope) -> Formula:
    """Extension rate (延期率) = needs given more time ÷ needs accepted.

    Needs registered (accepted: a need is taken on when it is registered) in the period;
    extended: a reviewer granted more time (``Need.extended``). Cases have no extension (their
    due date moves only while the clock stands still), so this counts needs only."""
    where = scope.moments("created_at")
    return Formula(where, count(where & Q(extended=True)), count(where), day="created_at")


# ---- disputes: settled, agreements kept -------------------------------------------------------

AGREED = Q(outcome__in=[DisputeOutcome.WRITTEN, DisputeOutcome.ORAL])


@metric("disputes_settled", gettext_lazy("Disputes settled by agreement"), DISPUTES)
def disputes_settled(scope: Scope) -> Formula:
    """Mediation success rate (调解成功率) = disputes ending in an agreement (written or oral)
    ÷ disputes whose mediation ended.

    Outcomes recorded in the period (``outcome_at``): agreement, no agreement or referral. A
    dispute closed because a party withdrew has no outcome and is not counted."""
    where = ~Q(outcome="") & scope.moments("outcome_at")
    return Formula(where, count(where & AGREED), count(where))


@metric("agreements_kept", gettext_lazy("Agreements kept"), DISPUTES)
def agreements_kept(scope: Scope) -> Formula:
    """Agreement performance rate (履约率) = agreements the callback found kept ÷ agreements
    called back.

    Callbacks on performance made in the period (``callback_at``); "partly kept" is not
    kept."""
    where = ~Q(callback_performance="") & scope.moments("callback_at")
    return Formula(where, count(where & Q(callback_performance=Performance.KEPT)), count(where))


# ---- visits: coverage --------------------------------------------------------------------------


@metric("visit_coverage", gettext_lazy("Visit coverage"), HOUSEHOLDS, kind=Standing)
def visit_coverage(scope: Scope) -> Rate:
    """Visit coverage (走访覆盖率) = ruled households met inside their visit interval ÷ ruled
    households, today.

    ``visits.queries``'s definition (``ruled_households``; the visits coverage page's total):
    a household is ruled when a resident living there holds a tag with a visit rule; covered
    when its last visit that met someone is within the rule's interval. A standing figure, not
    a period's: it applies to a period only when the period includes today (the visits on
    record say where things stand now, not on a past day)."""
    today = timezone.localdate()
    ruled = HOUSEHOLDS.rows(scope)
    row = Household.objects.filter(pk__in=ruled.values("pk")).aggregate(
        n=Count("pk", distinct=True),
        covered=Count(
            "pk", filter=Q(pk__in=ruled.filter(due_on__gte=today).values("pk")), distinct=True
        ),
    )
    return Rate(row["covered"], row["n"])


# ---- bad ratings: rectified and called back (target 100%) --------------------------------------

BAD = Q(level__lte=Level.DISSATISFIED)


@metric("bad_rectified", gettext_lazy("Bad ratings rectified"), RATINGS)
def bad_rectified(scope: Scope) -> Formula:
    """Rectification rate of bad ratings (差评整改率, target 100%) = bad ratings whose
    rectification is done ÷ bad ratings.

    Bad ratings (dissatisfied or very dissatisfied) given in the period, less those removed by
    an upheld appeal; a bad rating later replaced by a new one at the callback still counts."""
    where = BAD & scope.moments("at")
    done = Q(rectification__status=RectificationStatus.DONE)
    return Formula(where, count(where & done), count(where))


@metric("bad_called_back", gettext_lazy("Bad ratings called back"), RATINGS)
def bad_called_back(scope: Scope) -> Formula:
    """Callback rate of bad ratings (差评回访率, target 100%) = bad ratings whose
    rectification has its callback on record ÷ bad ratings (as in ``bad_rectified``)."""
    where = BAD & scope.moments("at")
    called = Q(rectification__callback__isnull=False)
    return Formula(where, count(where & called), count(where))


# ---- the registry and all figures at once ------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One metric's figure for a scope; ``value`` is None when the metric does not apply to the
    scope's filters."""

    metric: Metric
    value: Measure | None = field(default=None)

    @property
    def key(self) -> str:
        return self.metric.key

    @property
    def label(self) -> Promise:
        return self.metric.label

    @property
    def applies(self) -> bool:
        return self.value is not None

    def __str__(self) -> str:
        return "—" if self.value is None else str(self.value)


METRIC_BY_KEY: dict[str, Metric] = {m.key: m for m in METRICS}


def _merged(scope: Scope, members: list[Metric]) -> tuple[QuerySet, dict[str, Any]]:
    """The rows of the members' table that any of them reads, and all their aggregates."""
    formulas = {m.key: m.define(scope) for m in members}
    rows = members[0].table.rows(scope)
    wheres = [f.where for f in formulas.values()]
    if all(wheres):  # an empty ``where`` reads every row: no narrowing then
        rows = rows.filter(reduce(or_, wheres))
    aggregates: dict[str, Any] = {}
    for key, formula in formulas.items():
        aggregates |= formula.aggregates(key)
    return rows, aggregates


def _by_table(metrics: list[Metric]) -> dict[str, list[Metric]]:
    tables: dict[str, list[Metric]] = {}
    for m in metrics:
        tables.setdefault(m.table.name, []).append(m)
    return tables


def _chosen(only: Iterable[str] | None) -> list[Metric]:
    if only is None:
        return METRICS
    keys = set(only)
    return [m for m in METRICS if m.key in keys]


def figures(scope: Scope, only: Iterable[str] | None = None) -> list[Figure]:
    """Every metric for ``scope`` (or those whose keys are in ``only``), in the registry's
    order, with one aggregate query per table (its metrics merged) and one for each metric
    that runs its own query."""
    from .rollups import covered, tallied

    values: dict[str, Measure] = {}
    chosen = _chosen(only)
    applying = [m for m in chosen if m.applies(scope)]
    tables = covered(scope)
    live = replace(scope, untallied=frozenset(tables.items()))
    for m in applying:
        if isinstance(m, OwnQuery):
            values[m.key] = m(live)
    for members in _by_table([m for m in applying if not isinstance(m, OwnQuery)]).values():
        rows, aggregates = _merged(live, members)
        row = rows.aggregate(**aggregates)
        values |= {m.key: m.read(row) for m in members}
    _add_tallies(values, tallied(scope, applying, tables).get(None, {}))
    return [Figure(m, values.get(m.key)) for m in chosen]


def _add_tallies(values: dict[str, Measure], tallies: dict[str, tuple[float, int]]) -> None:
    for key, (num, den) in tallies.items():
        if key in values:
            got = values[key]
            values[key] = type(got)(got.numerator + num, got.denominator + den)


AREA_UNIT, DEPARTMENT_UNIT = "area", "department"


def figures_by(
    scope: Scope, units: list, *, by: str = AREA_UNIT, only: Iterable[str] | None = None
) -> dict[Any, list[Figure]]:
    """Every metric for each unit inside ``scope``, with one grouped query per table (the same
    formulas as ``figures``): ``by="area"`` groups by the first digits of the rows' area code
    (``units`` are codes of one length, the child areas of the scope's area); ``by=
    "department"`` by the rows' department (``units`` are department ids).

    A metric that runs its own query, or whose table does not record the unit (a need has no
    department), has no figure here (``None``); a unit with no rows has zero counts. The
    figures of one unit equal ``figures`` of the scope narrowed to it."""
    from .rollups import covered, tallied

    values: dict[Any, dict[str, Measure]] = {unit: {} for unit in units}
    length = len(str(units[0])) if units else 0
    chosen = _chosen(only)
    plain = [m for m in chosen if m.applies(scope) and not isinstance(m, OwnQuery)]
    tables = covered(scope, by_department=by != AREA_UNIT)
    live = replace(scope, untallied=frozenset(tables.items()))
    for members in _by_table(plain).values():
        table = members[0].table
        path = table.area_field if by == AREA_UNIT else table.department_field
        if not path or not units:
            continue
        unit = Substr(F(path), 1, length) if by == AREA_UNIT else F(path)
        rows, aggregates = _merged(live, members)
        grouped = rows.annotate(unit=unit).values("unit").annotate(**aggregates).order_by()
        empty = {name: 0 for name in aggregates}
        found = {row["unit"]: row for row in grouped}
        for key in values:
            row = found.get(key, empty)
            values[key] |= {m.key: m.read(row) for m in members}
    if tables and units:
        for unit, tallies in tallied(scope, plain, tables, unit_length=length).items():
            if unit in values:
                _add_tallies(values[unit], tallies)
    return {key: [Figure(m, got.get(m.key)) for m in chosen] for key, got in values.items()}
