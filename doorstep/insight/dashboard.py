"""Dashboards (issue 13): every figure of an area and a period, the child areas' key figures, a
drill-down from the district to a compound and on to the items behind a figure, charts, and the
monthly league table.

Every number comes from ``insight.metrics`` (``figures``, ``figures_by``): the page adds no
formula of its own. Access is the metrics' own (``make_scope``): 403 for someone who sees no
figures, 404 for an area outside the user's grants, 400 with the error on the form's field for
bad input. The tables work without JavaScript; ``insight/dashboard.js`` draws the charts with
ECharts (a static file) from a ``json_script`` data island.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import RegexValidator
from django.db.models.functions import Length
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from doorstep.cases.choices import CaseStatus
from doorstep.catalogue.models import Department, Service
from doorstep.feedback.choices import Channel
from doorstep.needs.choices import NeedStatus
from doorstep.places.choices import AreaKind
from doorstep.places.models import Area

from .league import league, month_bounds, previous_month
from .metrics import (
    AREA_UNIT,
    DEPARTMENT_UNIT,
    FIRST_DAY,
    LAST_DAY,
    METRIC_BY_KEY,
    Figure,
    Scope,
    figure_areas,
    figures,
    figures_by,
    make_scope,
    may_see_figures,
)

# The figures each child area shows in the drill-down table (and the bar chart's first).
KEY_METRICS = ["satisfaction_rate", "composite", "response_rate", "on_time_rate", "bad_rectified"]
# The 12-month trend of the current area.
TREND_METRICS = ["satisfaction_rate", "on_time_rate"]
TREND_MONTHS = 12
AREA_CODE = RegexValidator(r"^[0-9]+$", _("An area code is digits only."))


class DashboardForm(forms.Form):
    area = forms.CharField(required=False, max_length=15, validators=[AREA_CODE],
                           widget=forms.HiddenInput)  # fmt: skip
    start = forms.DateField(label=_("From"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    end = forms.DateField(label=_("Until"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    service = forms.ModelChoiceField(
        Service.objects.order_by("code"), label=_("Service"), required=False,
        empty_label=_("Any service"),
    )  # fmt: skip
    department = forms.ModelChoiceField(
        Department.objects.all(), label=_("Department"), required=False,
        empty_label=_("Any department"),
    )  # fmt: skip
    channel = forms.ChoiceField(label=_("Channel"), required=False,
                                choices=[("", _("Any channel")), *Channel.choices])  # fmt: skip


def default_area(user) -> str:
    """The widest area whose figures the user sees (an administrator: the widest there is)."""
    if user.is_superuser:
        top = Area.objects.order_by(Length("code"), "code").values_list("code", flat=True).first()
        return top or ""
    granted = sorted(figure_areas(user), key=lambda code: (len(code), code))
    return granted[0] if granted else ""


def _with_defaults(query: QueryDict, user) -> QueryDict:
    """The query, with this month when it names no period, and the user's widest area."""
    data = query.copy()
    if not data.get("start") and not data.get("end"):
        start, end = month_bounds(timezone.localdate())
        data["start"], data["end"] = start.isoformat(), end.isoformat()
    if not data.get("area"):
        data["area"] = default_area(user)
    return data


def scope_from(form: DashboardForm, user) -> Scope | None:
    """The checked scope of a bound form, or None with the errors put on the form's fields
    (Http404 and PermissionDenied pass through: a page answers them, not a form)."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        return make_scope(
            user, area=data["area"], start=data["start"], end=data["end"],
            service=data["service"].pk if data["service"] else None,
            department=data["department"].pk if data["department"] else None,
            channel=data["channel"],
        )  # fmt: skip
    except ValidationError as error:
        form.add_error(None, error)
        return None


def _query(scope: Scope, **changes) -> str:
    """The dashboard's query string for ``scope`` with ``changes``."""
    params = {
        "area": scope.area, "start": scope.start, "end": scope.end, "service": scope.service,
        "department": scope.department, "channel": scope.channel,
    } | changes  # fmt: skip
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


# ---- the items behind a figure ---------------------------------------------------------------

CLOSED_STATUSES = ",".join([CaseStatus.COMPLETED, CaseStatus.REFUSED, CaseStatus.WITHDRAWN])
ACCEPTED = {"accepted": "on"}


@dataclass(frozen=True)
class Behind:
    """Where the items a figure counts are listed: a list page, its own filters that select
    them (``cases.filters.CaseFilterSet``, ``feedback.filters.SubjectFilterSet``), and the
    names of its first-day and last-day parameters for the period."""

    url_name: str
    label: Promise
    params: dict[str, str]
    period: tuple[str, str]


CASES = _("See the cases")
CALLED = _("See the matters called back")
RATED_BAD = _("See the matters rated badly")
NEEDS = _("See the needs")
DISPUTES = _("See the disputes")
BY_CLOSING, BY_DUE = ("closed_from", "closed_to"), ("due_from", "due_to")
BY_TAKING = ("taken_from", "taken_to")
BY_CALLBACK, BY_BAD = ("called_after", "called_before"), ("bad_after", "bad_before")
BY_REGISTERING, BY_OUTCOME = ("registered_from", "registered_to"), ("outcome_from", "outcome_to")
COMPLETED = {"status": CaseStatus.COMPLETED.value}
CLOSED_ACCEPTED = {"status": CLOSED_STATUSES} | ACCEPTED
# A case figure's n is the cases listed; a callback figure's n counts callbacks, and a bad
# rating figure's n bad ratings, of the matters listed (a matter may have more than one).
BEHIND = {
    "on_time_rate": Behind("cases-list", CASES, CLOSED_ACCEPTED, BY_CLOSING),
    "closed_of_due": Behind("cases-list", CASES, ACCEPTED, BY_DUE),
    "closed_on_time_of_due": Behind("cases-list", CASES, ACCEPTED, BY_DUE),
    "trips_per_case": Behind("cases-list", CASES, {}, BY_TAKING),
    "first_trip_rate": Behind("cases-list", CASES, COMPLETED, BY_TAKING),
    "working_days": Behind("cases-list", CASES, COMPLETED | ACCEPTED, BY_CLOSING),
    "response_rate": Behind("feedback-list", CALLED, {}, BY_CALLBACK),
    "resolution_rate": Behind("feedback-list", CALLED, {}, BY_CALLBACK),
    "satisfaction_rate": Behind("feedback-list", CALLED, {}, BY_CALLBACK),
    "composite": Behind("feedback-list", CALLED, {}, BY_CALLBACK),
    "found_first": Behind("needs-list", NEEDS, {}, BY_REGISTERING),
    "reopened_rate": Behind("needs-list", NEEDS, {"status": NeedStatus.CLOSED.value}, BY_CLOSING),
    "extended_rate": Behind("needs-list", NEEDS, {}, BY_REGISTERING),
    "disputes_settled": Behind("disputes-list", DISPUTES, {}, BY_OUTCOME),
    "bad_rectified": Behind("feedback-list", RATED_BAD, {}, BY_BAD),
    "bad_called_back": Behind("feedback-list", RATED_BAD, {}, BY_BAD),
}


@dataclass(frozen=True)
class Link:
    url: str
    label: Promise


def items_behind(scope: Scope, figure: Figure) -> Link | None:
    """The list of the items a figure counts, or None where no list selects them yet (visit
    coverage, agreements kept, working days' own list) or the list cannot filter by the
    scope's service, department or channel."""
    behind = BEHIND.get(figure.key)
    if behind is None or not figure.applies:
        return None
    if scope.service is not None or scope.department is not None or scope.channel:
        return None
    first, last = behind.period
    params = {"area": scope.area, **behind.params, first: scope.start, last: scope.end}
    query = urlencode({k: str(v) for k, v in params.items() if v})
    return Link(f"{reverse(behind.url_name)}?{query}", behind.label)


# ---- the page --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Crumb:
    area: Area
    url: str | None  # None: outside the user's grants (no link, it would answer 404)


@dataclass(frozen=True)
class Child:
    area: Area
    url: str
    figures: list[Figure]


def _inside(user, code: str) -> bool:
    return user.is_superuser or any(code.startswith(g) for g in figure_areas(user))


def _crumbs(user, scope: Scope, area: Area) -> list[Crumb]:
    here = reverse("insight-dashboard")
    return [
        Crumb(a, f"{here}?{_query(scope, area=a.code)}" if _inside(user, a.code) else None)
        for a in [*area.ancestors(), area]
    ]


def _children(scope: Scope, area: Area) -> list[Child]:
    children = list(area.children.order_by("code"))
    grouped = figures_by(scope, [c.code for c in children], by=AREA_UNIT, only=KEY_METRICS)
    here = reverse("insight-dashboard")
    return [Child(c, f"{here}?{_query(scope, area=c.code)}", grouped[c.code]) for c in children]


def _percent(figure: Figure | None) -> float | None:
    value = figure.value.shown if figure is not None and figure.value is not None else None
    return None if value is None else round(value * 100, 1)


def _trend(scope: Scope) -> dict:
    """The trend metrics month by month, the twelve months up to the period's end."""
    last = (scope.end or timezone.localdate()).replace(day=1)
    months = [last]
    while len(months) < TREND_MONTHS:
        months.insert(0, previous_month(months[0]))
    series: dict[str, list] = {key: [] for key in TREND_METRICS}
    for first in months:
        start, end = month_bounds(first)
        month = figures(replace(scope, start=start, end=end), only=TREND_METRICS)
        for figure in month:
            series[figure.key].append(_percent(figure))
    return {
        "months": [m.strftime("%Y-%m") for m in months],
        "series": [{"name": str(METRIC_BY_KEY[k].label), "data": v} for k, v in series.items()],
    }


def _chart_data(scope: Scope, children: list[Child]) -> dict:
    key = KEY_METRICS[0]
    return {
        "trend": _trend(scope),
        "children": {
            "name": str(METRIC_BY_KEY[key].label),
            "areas": [c.area.name for c in children],
            "data": [_percent(next(f for f in c.figures if f.key == key)) for c in children],
        },
    }


# The league a dashboard links to: the units one level below its area, or its departments.
LEAGUE_BELOW = {AreaKind.DISTRICT: AreaKind.STREET.value, AreaKind.STREET: AreaKind.COMMUNITY.value}


def _league_url(scope: Scope, area: Area | None) -> str:
    level = LEAGUE_BELOW.get(area.kind, DEPARTMENT_UNIT) if area else AreaKind.STREET.value
    month = (scope.end or timezone.localdate()).strftime("%Y-%m")
    query = urlencode({"area": scope.area, "level": level, "month": month})
    return f"{reverse('insight-league')}?{query}"


def _deny_without_figures(user) -> None:
    if not may_see_figures(user):
        raise PermissionDenied(_("You may not see these figures."))


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    _deny_without_figures(user)
    form = DashboardForm(_with_defaults(request.GET, user))
    scope = scope_from(form, user)
    if scope is None:
        return render(request, "insight/dashboard.html", {"form": form}, status=400)
    area = Area.objects.filter(code=scope.area).first() if scope.area else None
    children = _children(scope, area) if area else []
    shown = [(f, items_behind(scope, f)) for f in figures(scope)]
    context = {
        "form": form,
        "scope": scope,
        "area": area,
        "crumbs": _crumbs(user, scope, area) if area else [],
        "figures": shown,
        "children": children,
        # labels, not the metrics: a template would call a metric (it is callable)
        "child_labels": [METRIC_BY_KEY[k].label for k in KEY_METRICS],
        "charts": _chart_data(scope, children),
        "league_url": _league_url(scope, area),
    }
    return render(request, "insight/dashboard.html", context)


# ---- the league table ------------------------------------------------------------------------

LEVELS = [
    (AreaKind.STREET.value, _("Streets")),
    (AreaKind.COMMUNITY.value, _("Communities")),
    (DEPARTMENT_UNIT, _("Departments")),
]


class LeagueForm(forms.Form):
    area = forms.CharField(required=False, max_length=15, validators=[AREA_CODE],
                           widget=forms.HiddenInput)  # fmt: skip
    month = forms.DateField(
        label=_("Month"), input_formats=["%Y-%m"], required=False,
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )  # fmt: skip
    level = forms.ChoiceField(label=_("Rank"), choices=LEVELS, required=False)

    def clean_month(self) -> datetime.date | None:
        month = self.cleaned_data["month"]
        if month is not None and not FIRST_DAY < month <= LAST_DAY:  # the month before, too
            raise ValidationError(_("Give a month between 1900 and 2999."), code="out_of_range")
        return month


def _league_defaults(query: QueryDict, user) -> QueryDict:
    """The last whole month, streets, and the user's widest area unless the query says."""
    data = query.copy()
    if not data.get("month"):
        data["month"] = previous_month(timezone.localdate()).strftime("%Y-%m")
    if not data.get("level"):
        data["level"] = AreaKind.STREET.value
    if not data.get("area"):
        data["area"] = default_area(user)
    return data


def _units(scope: Scope, level: str) -> list:
    if level == DEPARTMENT_UNIT:
        return list(Department.objects.order_by("code"))
    return list(Area.objects.filter(kind=level, code__startswith=scope.area).order_by("code"))


def _unit_dashboard(scope: Scope, unit, by: str) -> str:
    narrowed = {"area": unit.code} if by == AREA_UNIT else {"department": unit.pk}
    return f"{reverse('insight-dashboard')}?{_query(scope, **narrowed)}"


@login_required
def league_table(request: HttpRequest) -> HttpResponse:
    user = request.user
    _deny_without_figures(user)
    form = LeagueForm(_league_defaults(request.GET, user))
    if not form.is_valid():
        return render(request, "insight/dashboard_league.html", {"form": form}, status=400)
    month: datetime.date = form.cleaned_data["month"]
    level = form.cleaned_data["level"]
    start, end = month_bounds(month)
    try:
        scope = make_scope(user, area=form.cleaned_data["area"], start=start, end=end)
    except ValidationError as error:
        form.add_error(None, error)
        return render(request, "insight/dashboard_league.html", {"form": form}, status=400)
    by = DEPARTMENT_UNIT if level == DEPARTMENT_UNIT else AREA_UNIT
    units = _units(scope, level)
    table = league(scope, units, by=by)
    context = {
        "form": form,
        "month": start,
        "previous": previous_month(start),
        "level": level,
        "area": Area.objects.filter(code=scope.area).first(),
        "league": table,
        # each unit's dashboard for the month: an area's own, or the department's in the area
        "rows": [(row, _unit_dashboard(scope, row.unit, by)) for row in table.rows],
        "is_area": by == AREA_UNIT,
    }
    return render(request, "insight/dashboard_league.html", context)
