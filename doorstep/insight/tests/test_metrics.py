"""Every metric against values worked out by hand on a small November 2026, the empty period,
the minimum n, scope (who sees which rows, and the filters), and the figures all at once."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from doorstep.cases.metrics import case_figures
from doorstep.catalogue.models import Department
from doorstep.feedback.models import Callback, Rating, Rectification, Subject
from doorstep.insight import metrics as m
from doorstep.insight.metrics import Average, Rate, figures, make_scope
from doorstep.needs.metrics import found_first_by_area
from doorstep.needs.models import Need, NeedEvent
from doorstep.visits.queries import coverage

from .conftest import END, START, at, put

D = datetime.date


# ---- the month -------------------------------------------------------------------------------


@pytest.fixture
def cases(make_case, make_resident, personas):
    """Seven cases in community A and one in B; see each line for what it is. ``trips`` counts
    the times the resident came back (the intake visit is not one)."""

    def case(status="completed", accepted=None, due=None, closed=None, trips=0, **kw):
        made = make_case(kw.pop("outcome", "accept"), **kw)
        put(made, status=status, created_at=at(*accepted) if accepted else at(11, 25),
            accepted_on=D(2026, *accepted) if accepted else None,
            due_on=D(2026, *due) if due else None, closed_at=closed, trips=trips,
            paused_days=kw.get("paused", 0))  # fmt: skip
        return made

    # closed on time, 6 working days (Mon 2 → Tue 10 November)
    case(accepted=(11, 2), due=(11, 16), closed=at(11, 10, 15))
    # closed late, 13 working days
    case(accepted=(11, 3), due=(11, 17), closed=at(11, 20), trips=1)
    # refused 00:30 the day after its due date (still the 19th in UTC): late
    case("refused", accepted=(11, 5), due=(11, 19), closed=at(11, 20, 0, 30), trips=0)
    # running, due in November
    case("in_progress", accepted=(11, 13), due=(11, 27))
    # taken in October, closed 2 November on time; 9 working days, 1 of them stopped
    made = case(accepted=(10, 20), due=(11, 3), closed=at(11, 2, 16))
    put(made, paused_days=1)
    # waiting for materials, never accepted
    case("awaiting_materials", outcome="notice")
    # due 30 November, completed 07:00 on 1 December (still November in UTC): not in time
    case(accepted=(11, 16), due=(11, 30), closed=at(12, 1, 7), trips=1)
    # community B
    other = make_resident("李四", area=personas.compound_b)
    case(accepted=(11, 10), due=(11, 24), closed=at(11, 12), actor=personas.clerk_b,
         resident=other)  # fmt: skip


def _subject(personas, n: int, *, area=None, channel="offline", service=None) -> Subject:
    return Subject.objects.create(
        kind="case", object_id=n, reference=f"R{n}", channel=channel, service=service,
        area_code=(area or personas.compound_a).code, closed_at=at(11, 1),
    )  # fmt: skip


@pytest.fixture
def callbacks(personas, db):
    s1, s2 = _subject(personas, 1), _subject(personas, 2, channel="online")
    s_b = _subject(personas, 3, area=personas.compound_b)

    def call(subject, when, invalid="", reached=True, solved="", satisfaction=None):
        return Callback.objects.create(
            subject=subject, at=when, by=personas.clerk_a, invalid=invalid, reached=reached,
            solved=solved, satisfaction=satisfaction,
        )  # fmt: skip

    call(s1, at(11, 3), solved="yes", satisfaction=5)
    call(s1, at(11, 4), solved="partly", satisfaction=3)
    call(s1, at(11, 5), reached=False)
    call(s1, at(11, 6), invalid="wrong_number", reached=False)
    call(s2, at(11, 7), solved="yes", satisfaction=4)  # online
    call(s1, at(10, 30), solved="no", satisfaction=2)  # October
    call(s_b, at(11, 8), solved="no", satisfaction=1)  # community B


@pytest.fixture
def ratings(personas, db):
    def rate(n, level, when, *, done=None, called=False, **kw):
        subject = Subject.objects.filter(object_id=n).first() or _subject(personas, n)
        rating = Rating.objects.create(subject=subject, level=level, source="tracking", at=when,
                                       **kw)  # fmt: skip
        if done is None:
            return rating
        callback = None
        if called:  # after November: not one of the month's callbacks
            callback = Callback.objects.create(subject=subject, at=at(12, 1, 8),
                                               by=personas.clerk_a, reached=True)  # fmt: skip
        Rectification.objects.create(
            rating=rating, area_code=subject.area_code, due_on=D(2026, 11, 30),
            status="done" if done else "open", callback=callback,
        )  # fmt: skip
        return rating

    rate(13, 1, at(11, 5), done=True, called=True)
    rate(14, 2, at(11, 2), done=True, current=False)  # replaced by the next one
    rate(14, 2, at(11, 6), done=False, called=True)
    rate(15, 2, at(11, 7), done=False, excluded=True)  # an upheld appeal
    rate(16, 5, at(11, 8))
    rate(17, 1, at(10, 20), done=False)  # October


@pytest.fixture
def needs(make_need, personas):
    def need(source, created, closed=None, reopened=False, **fields):
        made = make_need(source="desk")
        put(made, source=source, created_at=created, closed_at=closed,
            status="closed" if closed else "in_progress", **fields)  # fmt: skip
        if reopened:
            NeedEvent.objects.create(need=made, kind="transition", verb="reopen",
                                     from_status="closed", to_status="in_progress")  # fmt: skip
        return made

    need("visit", at(11, 3), closed=at(11, 10), reopened=True)
    need("desk", at(11, 4), closed=at(11, 12), extended=True)
    need("programme", at(11, 5))
    need("phone", at(11, 6), closed=at(11, 30, 23), reopened=True)
    need("desk", at(10, 15), closed=at(11, 2))
    need("visit", at(12, 1, 8))


@pytest.fixture
def disputes(make_dispute):
    def dispute(outcome="", status="in_mediation", decided=None, called=None, kept=""):
        made = make_dispute()
        put(made, outcome=outcome, status=status, outcome_at=decided, callback_at=called,
            callback_performance=kept)  # fmt: skip

    dispute("written", "agreement", at(11, 5), at(11, 20), "kept")
    dispute("oral", "closed", at(11, 6), at(11, 25), "partly")
    dispute("none", "no_agreement", at(11, 7))
    dispute("referred", "referred", at(11, 8))
    dispute("written", "agreement", at(10, 10), at(11, 3), "not_kept")
    dispute()


def november(user, **kw):
    return make_scope(user, start=START, end=END, **kw)


# ---- each metric by hand ---------------------------------------------------------------------


def test_case_metrics(cases, personas, min_n_one):
    scope = november(personas.clerk_a)
    assert m.on_time_rate(scope) == Rate(2, 4)
    assert m.closed_of_due(scope) == Rate(4, 6)
    assert m.closed_on_time_of_due(scope) == Rate(2, 6)
    assert m.trips_per_case(scope) == Average(2, 6)  # two came back once, of six taken in
    assert m.first_trip_rate(scope) == Rate(1, 3)
    assert m.working_days(scope) == Average(6 + 13 + 8, 3)
    assert str(m.working_days(scope)) == "9.0"
    assert str(m.on_time_rate(scope)) == "50.0%"


def test_callback_rates_and_composite(callbacks, personas, min_n_one):
    scope = november(personas.clerk_a)
    assert m.response_rate(scope) == Rate(3, 4)
    assert m.resolution_rate(scope) == Rate(2, 4)
    satisfaction = m.satisfaction_rate(scope)
    assert satisfaction.n == 4 and satisfaction.value == pytest.approx(2.9 / 4)
    score = m.composite(scope)
    assert score.n == 4 and score.value == pytest.approx(0.1 * 0.75 + 0.5 * 0.5 + 0.4 * 0.725)
    assert str(score) == "61.5%"


def test_composite_weights_are_a_setting(callbacks, personas, min_n_one, settings):
    settings.DOORSTEP_COMPOSITE_WEIGHTS = (30, 35, 35)
    score = m.composite(november(personas.clerk_a))
    assert score.value == pytest.approx(0.30 * 0.75 + 0.35 * 0.5 + 0.35 * 0.725)


def test_bad_ratings_rectified_and_called_back(ratings, personas, min_n_one):
    scope = november(personas.clerk_a)
    assert m.bad_rectified(scope) == Rate(2, 3)
    assert m.bad_called_back(scope) == Rate(2, 3)


def test_need_metrics(needs, personas, min_n_one):
    scope = november(personas.clerk_a)
    assert m.found_first(scope) == Rate(2, 4)
    assert m.extended_rate(scope) == Rate(1, 4)
    assert m.reopened_rate(scope) == Rate(2, 4)


def test_dispute_metrics(disputes, personas, min_n_one):
    scope = november(personas.street_lead)
    assert m.disputes_settled(scope) == Rate(2, 4)
    assert m.agreements_kept(scope) == Rate(1, 3)
    # A clerk reads no disputes (no VIEW_DISPUTES): nothing to divide.
    assert m.disputes_settled(november(personas.clerk_a)) == Rate(0, 0)


def test_visit_coverage_is_the_visits_pages_definition(street, personas, log_visit, min_n_one):
    log_visit(street.alone_a, days_ago=3)  # inside 7 days: covered
    log_visit(street.disabled_a, days_ago=31)  # outside 30: not
    log_visit(street.alone_a2, days_ago=2, worker=personas.admin)
    for user in (personas.clerk_a, personas.district_lead, personas.grid_a):
        total = coverage(user)[2]
        assert m.visit_coverage(make_scope(user)) == Rate(total.covered, total.households)
    assert m.visit_coverage(make_scope(personas.clerk_a)) == Rate(2, 3)
    area_b = make_scope(personas.district_lead, area=personas.area_b.code)
    assert m.visit_coverage(area_b) == Rate(0, 1)
    # A standing figure: a period that includes today, yes; a past month, not at all.
    assert m.visit_coverage(make_scope(personas.clerk_a, start=START, end=D(2026, 12, 31)))
    assert m.visit_coverage(november(personas.clerk_a)) is None


# ---- one definition with the apps' own pages -------------------------------------------------


def test_trips_per_case_is_the_case_lists_average(cases, personas, frozen):
    for user in (personas.clerk_a, personas.district_lead):
        mine = m.trips_per_case(make_scope(user))
        assert mine.value == pytest.approx(case_figures(user).average_trips)


def test_found_first_is_the_needs_pages_count(needs, personas):
    rows = found_first_by_area(Need.objects.visible_to(personas.clerk_a))
    share = m.found_first(make_scope(personas.clerk_a))
    assert (share.numerator, share.n) == (
        sum(r["found_first"] for r in rows),
        sum(r["total"] for r in rows),
    )


def test_each_metric_alone_equals_figures(cases, callbacks, ratings, needs, disputes, personas):
    for user in (personas.clerk_a, personas.street_lead, personas.district_lead):
        scope = november(user)
        for figure in figures(scope):
            assert figure.metric(scope) == figure.value, figure.key


# ---- empty, small, scoped --------------------------------------------------------------------


def test_an_empty_period_has_no_value(cases, callbacks, ratings, needs, disputes, personas):
    scope = make_scope(personas.district_lead, start=D(2025, 1, 1), end=D(2025, 1, 31))
    for figure in figures(scope):
        if figure.key == "visit_coverage":
            assert figure.value is None  # not a figure of a past month
            continue
        assert figure.value.n == 0, figure.key
        assert figure.value.value is None and figure.value.shown is None
        assert str(figure) == "—"


def test_below_the_minimum_n_a_rate_shows_a_dash(cases, personas, settings):
    settings.DOORSTEP_METRIC_MIN_N = 10
    rate = m.on_time_rate(november(personas.clerk_a))
    assert (rate.n, rate.value, rate.shown, str(rate)) == (4, 0.5, None, "—")
    settings.DOORSTEP_METRIC_MIN_N = 4
    assert rate.shown == 0.5 and str(rate) == "50.0%"


def test_values_format_and_divide():
    assert str(Rate(1, 3)) == "—"  # n below the default minimum
    assert Rate(0, 0).value is None and str(Rate(0, 0)) == "—"
    assert Rate(12, 12).value == 1 and str(Rate(12, 12)) == "100.0%"
    assert Average(0, 0).value is None and str(Average(25, 10)) == "2.5"


def test_each_user_sees_their_own_rows(cases, callbacks, personas, min_n_one):
    assert m.on_time_rate(november(personas.clerk_b)) == Rate(1, 1)
    assert m.on_time_rate(november(personas.district_lead)) == Rate(3, 5)
    assert m.response_rate(november(personas.clerk_b)) == Rate(1, 1)
    assert m.response_rate(november(personas.district_lead)) == Rate(4, 5)
    # A department reviewer reads the ratings of its own department only (none here).
    assert m.response_rate(november(personas.reviewer)) == Rate(0, 0)


def test_a_reviewer_reads_the_ratings_of_their_department(callbacks, personas, min_n_one):
    mz = Department.objects.get(code="mz")
    Subject.objects.filter(object_id=1).update(department=mz)  # the rated unit: 民政
    scope = november(personas.reviewer)
    # s1's three valid November callbacks: reached twice; the online one (no department) not.
    assert m.response_rate(scope) == Rate(2, 3)
    assert m.response_rate(november(personas.reviewer, department=mz.pk)) == Rate(2, 3)


def test_area_narrows_and_must_lie_inside_the_grants(cases, personas, min_n_one):
    lead_a = november(personas.district_lead, area=personas.area_a.code)
    assert m.on_time_rate(lead_a) == m.on_time_rate(november(personas.clerk_a))
    assert m.on_time_rate(november(personas.district_lead, area=personas.compound_b.code)) == (
        Rate(1, 1)
    )
    with pytest.raises(Http404):
        november(personas.clerk_a, area=personas.area_b.code)
    with pytest.raises(Http404):
        november(personas.clerk_a, area="420105")  # wider than the grant
    with pytest.raises(Http404):
        november(personas.admin, area="999999")  # no such area


def test_service_department_and_channel(cases, callbacks, service, personas, min_n_one):
    scope = november(personas.clerk_a, service=service.pk, department=service.department_id)
    assert m.on_time_rate(scope) == Rate(2, 4)
    assert m.response_rate(scope) == Rate(0, 0)  # the subjects made here name no service
    online = november(personas.clerk_a, channel="online")
    assert m.response_rate(online) == Rate(1, 1)
    # Cases, needs and disputes record no channel: their metrics do not apply.
    assert m.on_time_rate(online) is None
    assert m.found_first(online) is None
    assert m.disputes_settled(november(personas.street_lead, service=service.pk)) is None


def test_who_may_ask(personas, db):
    for user in (personas.outsider, personas.administrator):
        with pytest.raises(PermissionDenied):
            make_scope(user)
    for user in (personas.reviewer, personas.grid_a, personas.mediator_a, personas.admin):
        assert make_scope(user).user is user


def test_bad_filters(personas, db):
    cases = [
        ({"start": D(2026, 12, 1), "end": D(2026, 11, 1)}, "end"),
        ({"start": D(1, 1, 1)}, "start"),
        ({"service": 10**9}, "service"),
        ({"department": 10**9}, "department"),
        ({"channel": "fax"}, "channel"),
    ]
    for kw, field in cases:
        with pytest.raises(ValidationError) as raised:
            make_scope(personas.clerk_a, **kw)
        assert field in raised.value.error_dict


# ---- the registry and the cost ---------------------------------------------------------------


def test_the_registry(personas, db):
    keys = [metric.key for metric in m.METRICS]
    assert len(keys) == len(set(keys)) == 18
    for metric in m.METRICS:
        assert "=" in metric.__doc__ and "÷" in metric.__doc__, metric.key
        assert str(metric.label)
    assert [f.key for f in figures(make_scope(personas.clerk_a))] == keys


def test_figures_take_one_query_per_table(cases, callbacks, ratings, needs, disputes, personas):
    scope = november(personas.street_lead)
    figures(scope)  # the grants, read once and kept on the user
    with CaptureQueriesContext(connection) as done:
        figures(scope)
    # The holiday table is read once per process and kept; inside a test's transaction the
    # calendar keeps nothing (the seeding might still roll back), so its reads are left out.
    sql = [q["sql"] for q in done.captured_queries if "workdays_holiday" not in q["sql"]]
    # cases (all case metrics), working days, callbacks, ratings, needs, disputes; coverage
    # is not a figure of November.
    assert len(sql) == 6
    for table in ("cases_case", "feedback_callback", "feedback_rating", "needs_need", "dispute"):
        assert any(f'FROM "{table}' in q for q in sql), table
