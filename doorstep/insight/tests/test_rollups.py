"""Rollups: a figure read from the tallies plus the rows not rolled up yet equals the figure
computed from every row — after random writes, partial rollups, reopened needs, for every
level of area, every kind of period and every viewer; the hand-computed November still holds
once everything is rolled up; and the tallies are really read."""

from __future__ import annotations

import datetime
import random
from dataclasses import replace

import pytest
from django.core.management import call_command
from django.http import Http404

from doorstep.cases.models import Case
from doorstep.insight import metrics as m
from doorstep.insight.metrics import AREA_UNIT, Average, Rate, figure_areas, figures, figures_by
from doorstep.insight.metrics import make_scope as scope_of
from doorstep.insight.models import Grain, RollUp, Tally
from doorstep.insight.rollups import ON_WRITE, _spans, covered, do_roll_up
from doorstep.needs.actions import do_reopen
from doorstep.needs.models import Need

from .conftest import END, START, at, put
from .test_metrics import cases, needs  # noqa: F401  (fixtures)

D = datetime.date
CASE_STATES = ["completed", "completed", "refused", "withdrawn", "in_progress", "accepted"]
PERIODS = [
    (None, None),
    (START, END),  # a whole month
    (D(2026, 10, 15), D(2026, 12, 10)),  # a month and two partial ones
    (D(2026, 11, 10), D(2026, 11, 20)),  # inside one month
    (D(2026, 10, 1), D(2026, 12, 31)),  # three whole months
    (D(2026, 11, 1), None),
    (None, D(2026, 11, 15)),
    (D(2026, 10, 31), D(2026, 11, 1)),  # across a month's end
]


def _moment(rng: random.Random) -> datetime.datetime:
    return at(rng.choice([10, 11, 12]), rng.randint(1, 30), rng.randint(0, 23))


def _random_case(rng, make_case, personas, others):
    resident = rng.choice(others)
    actor = personas.clerk_a if resident.area_code.startswith(personas.area_a.code) else None
    made = make_case(actor=actor or personas.clerk_b, resident=resident)
    taken = _moment(rng)
    status = rng.choice(CASE_STATES)
    accepted = taken.date()
    closed = taken + datetime.timedelta(days=rng.randint(0, 25), hours=rng.randint(0, 12))
    put(made, status=status, created_at=taken, accepted_on=accepted,
        due_on=accepted + datetime.timedelta(days=rng.choice([7, 14, 20])),
        closed_at=closed if status in ("completed", "refused", "withdrawn") else None,
        trips=rng.randint(0, 3), paused_days=rng.choice([0, 0, 1]))  # fmt: skip
    return made


def _random_need(rng, make_need, personas):
    grid = rng.choice([personas.grid_a, personas.grid_b])
    made = make_need(actor=grid, source="desk")
    created = _moment(rng)
    closed = created + datetime.timedelta(days=rng.randint(0, 20))
    shut = rng.random() < 0.6
    put(made, source=rng.choice(["visit", "desk", "phone", "programme"]), created_at=created,
        status="closed" if shut else "in_progress", closed_at=closed if shut else None,
        extended=rng.random() < 0.3, sensitive=rng.random() < 0.25)  # fmt: skip
    return made


def _close_some(rng) -> None:
    """Cases that were open close (as the case actions leave them: status and closing time)."""
    for case in Case.objects.exclude(status__in=["completed", "refused", "withdrawn"]):
        if rng.random() < 0.5:
            put(case, status="completed", closed_at=_moment(rng))


def _reopen_some(rng, personas) -> int:
    """Rolled-up needs reopened through the real action (which takes them out of the tallies)."""
    reopened = 0
    for need in Need.objects.filter(status="closed", tally__isnull=False):
        if rng.random() < 0.4:
            owner = personas.grid_a if need.area_code.startswith(personas.area_a.code) else (
                personas.grid_b)  # fmt: skip
            do_reopen(need, actor=owner, reason="居民说还没修好")
            reopened += 1
    return reopened


def _scopes(personas):
    district = figure_areas(personas.district_lead)[0]
    areas = ["", district, personas.area_a.code, personas.compound_a.code, personas.area_b.code]
    # A lead (every need), a clerk and a grid worker (needs not sensitive, and their own),
    # a superuser (the tallies of everything, even without an area), a department's reviewer.
    users = [personas.district_lead, personas.clerk_a, personas.grid_a, personas.admin,
             personas.reviewer]  # fmt: skip
    for user in users:
        for area in areas if user is not personas.admin else ["", areas[1]]:
            for start, end in PERIODS:
                try:
                    yield scope_of(user, area=area, start=start, end=end)
                except Http404:
                    continue


def _same(got, raw, where) -> None:
    if raw is None:
        assert got is None, where
        return
    assert got.denominator == raw.denominator, where
    assert got.numerator == pytest.approx(raw.numerator), where


def _check_all(personas) -> int:
    """Every scope's figures (and its child areas') against the same from every row; returns
    how many scopes read tallies."""
    read_tallies = 0
    for scope in _scopes(personas):
        raw_scope = replace(scope, tallies=False)
        read_tallies += bool(covered(scope))
        for got, raw in zip(figures(scope), figures(raw_scope), strict=True):
            _same(got.value, raw.value, (scope, got.key))
        if scope.area and len(scope.area) < len(personas.compound_a.code):
            units = sorted({personas.area_a.code, personas.area_b.code, personas.compound_a.code,
                            personas.compound_b.code})  # fmt: skip
            units = [u for u in units if u.startswith(scope.area) and len(u) > len(scope.area)]
            length = min((len(u) for u in units), default=0)
            units = [u for u in units if len(u) == length]
            by = figures_by(scope, units, by=AREA_UNIT)
            raw_by = figures_by(raw_scope, units, by=AREA_UNIT)
            for unit in units:
                for got, raw in zip(by[unit], raw_by[unit], strict=True):
                    _same(got.value, raw.value, (scope, unit, got.key))
    return read_tallies


@pytest.mark.parametrize("seed", [2])
def test_figures_equal_the_raw_rows_after_random_writes(
    seed, make_case, make_need, make_resident, personas, min_n_one
):
    rng = random.Random(seed)
    others = [make_resident("张三", area=personas.compound_a),
              make_resident("李四", area=personas.compound_b)]  # fmt: skip
    for _ in range(30):
        _random_case(rng, make_case, personas, others)
    for _ in range(20):
        _random_need(rng, make_need, personas)
    assert _check_all(personas) > 0  # nothing rolled up yet: the tallies are empty

    done = do_roll_up(batch=7)
    assert done["cases"] > 0 and done["needs"] > 0
    assert RollUp.objects.count() > 2  # several batches
    assert not Case.objects.filter(status="completed", tally__isnull=True).exists()
    _check_all(personas)

    # More writes: new rows, open cases closing, rolled-up needs reopened, a partial rollup.
    for _ in range(10):
        _random_case(rng, make_case, personas, others)
        _random_need(rng, make_need, personas)
    _close_some(rng)
    assert _reopen_some(rng, personas) > 0
    assert Tally.objects.filter(den__lt=0).exists()  # the reopened needs' counts taken out
    assert _check_all(personas) > 0
    do_roll_up(batch=5)
    assert do_roll_up() == {"cases": 0, "needs": 0}  # nothing twice
    assert _check_all(personas) > 0


def test_the_hand_computed_month_holds_once_rolled_up(cases, needs, personas, min_n_one):  # noqa: F811
    """test_metrics' hand-computed November of community A, read from the tallies."""
    do_roll_up()
    assert Case.objects.filter(tally__isnull=False).count() == 6  # every closed case
    scope = scope_of(personas.clerk_a, area=personas.area_a.code, start=START, end=END)
    assert set(covered(scope)) == {"cases", "needs"}
    got = {f.key: f.value for f in figures(scope)}
    assert got["on_time_rate"] == Rate(2, 4)
    assert got["closed_of_due"] == Rate(4, 6)
    assert got["closed_on_time_of_due"] == Rate(2, 6)
    assert got["trips_per_case"] == Average(2, 6)
    assert got["first_trip_rate"] == Rate(1, 3)
    assert got["working_days"] == Average(6 + 13 + 8, 3)
    assert got["found_first"] == Rate(2, 4)
    assert got["extended_rate"] == Rate(1, 4)
    assert got["reopened_rate"] == Rate(2, 4)
    # Read from the tallies: the live rows are only the open ones.
    assert Case.objects.filter(tally__isnull=True).count() == 2


def test_a_need_reopened_leaves_the_tallies_and_returns(make_need, personas, min_n_one):
    made = make_need()
    put(made, status="closed", created_at=at(11, 3), closed_at=at(11, 9))
    district = figure_areas(personas.district_lead)[0]
    scope = scope_of(personas.district_lead, area=district, start=START, end=END)
    do_roll_up()
    assert m.figures(scope, only=["found_first"])[0].value == Rate(1, 1)  # found on a visit
    assert Tally.objects.filter(metric="found_first", grain=Grain.DAY).count() == 1
    do_reopen(Need.objects.get(pk=made.pk), actor=personas.grid_a, reason="灯又坏了")
    made.refresh_from_db()
    assert made.tally is None and made.status == "in_progress"
    # Its counts are out of the tallies (added negated) and it is read from the row again.
    assert Tally.objects.filter(metric="found_first", den=-1).count() == 2  # day and month
    assert m.figures(scope, only=["found_first"])[0].value == Rate(1, 1)  # found on a visit
    assert m.figures(scope, only=["reopened_rate"])[0].value == Rate(0, 0)


def test_a_case_closed_by_its_action_is_counted_at_once(make_case, personas, min_n_one):
    from doorstep.cases.actions import do_transition

    case = make_case()
    district = figure_areas(personas.district_lead)[0]
    scope = scope_of(personas.district_lead, area=district)
    do_transition(case, "complete", actor=personas.clerk_a)
    case.refresh_from_db()
    assert case.tally == ON_WRITE  # added by the closing, in its transaction
    assert Tally.objects.filter(metric="first_trip_rate", den=1).count() == 2  # day and month
    raw = figures(replace(scope, tallies=False))
    assert [f.value for f in figures(scope)] == [f.value for f in raw]
    assert do_roll_up() == {"cases": 0, "needs": 0}  # nothing left for the batches


def test_sensitive_needs_count_only_for_those_who_may_see_them(make_need, personas, min_n_one):
    for sensitive in (True, False):
        put(make_need(), status="closed", created_at=at(11, 3), closed_at=at(11, 9),
            sensitive=sensitive)  # fmt: skip
    do_roll_up()
    community = personas.area_a.code
    lead = scope_of(personas.district_lead, area=community, start=START, end=END)
    clerk = scope_of(personas.clerk_a, area=community, start=START, end=END)
    grid = scope_of(personas.grid_a, area=community, start=START, end=END)
    assert covered(clerk).get("needs") is True  # the tallies of what is not sensitive
    assert figures(lead, only=["found_first"])[0].value.n == 2
    assert figures(clerk, only=["found_first"])[0].value.n == 1
    # The grid worker registered both: the sensitive one is theirs, read from its row.
    assert covered(grid).get("needs") is True
    assert figures(grid, only=["found_first"])[0].value.n == 2
    assert figures(replace(grid, tallies=False), only=["found_first"])[0].value.n == 2


def test_tallies_are_not_read_where_they_cannot_answer(personas, service):
    district = figure_areas(personas.district_lead)[0]
    lead = scope_of(personas.district_lead, area=district)
    assert covered(lead) == {"cases": False, "needs": False}
    # Filters the tallies do not keep, a whole view without an area, a department's reviewer.
    assert covered(replace(lead, service=service.pk)) == {}
    assert covered(replace(lead, channel="online")) == {}
    assert covered(lead, by_department=True) == {}
    assert covered(scope_of(personas.street_lead)) == {}
    assert covered(scope_of(personas.reviewer)) == {}


@pytest.mark.parametrize(
    "start, end, months, days",
    [
        (D(2026, 11, 1), D(2026, 11, 30), [(D(2026, 11, 1), D(2026, 12, 1))], []),
        (D(2026, 11, 10), D(2026, 11, 20), [], [(D(2026, 11, 10), D(2026, 11, 20))]),
        (D(2026, 10, 15), D(2026, 12, 10), [(D(2026, 11, 1), D(2026, 12, 1))],
         [(D(2026, 10, 15), D(2026, 10, 31)), (D(2026, 12, 1), D(2026, 12, 10))]),
    ],
)  # fmt: skip
def test_a_period_reads_whole_months_by_month_and_its_ends_by_day(db, start, end, months, days):
    def kept(day, grain):
        return Tally.objects.filter(_spans(m.Scope(None, start=start, end=end)),
                                    pk=Tally.objects.create(metric="x", grain=grain, day=day,
                                                            area_code="1", num=0, den=0).pk
                                    ).exists()  # fmt: skip

    for first, stop in months:
        assert kept(first, Grain.MONTH)
        assert not kept(first, Grain.DAY)
        assert not kept(stop, Grain.MONTH)  # the month after is partly or not in the period
    for first, last in days:
        assert kept(first, Grain.DAY) and kept(last, Grain.DAY)
        assert not kept(first.replace(day=1), Grain.MONTH)
    assert not kept(start - datetime.timedelta(days=1), Grain.DAY)
    assert not kept(end + datetime.timedelta(days=1), Grain.DAY)


def test_the_command_rolls_up_and_says_how_many(make_case, personas, capsys):
    put(make_case(), status="completed", closed_at=at(11, 20))
    call_command("roll_up")
    assert "1" in capsys.readouterr().out
    call_command("roll_up")
    assert RollUp.objects.get().rows == 1
