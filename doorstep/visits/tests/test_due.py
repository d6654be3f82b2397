"""The due list, coverage and who sees which households."""

from __future__ import annotations

import datetime

from doorstep.visits.present import attach_page_details
from doorstep.visits.queries import coverage, due_households

from .conftest import TODAY


def _ids(rows):
    return [h.pk for h in rows]


def test_never_visited_households_come_first_then_by_due_date(street, personas, log_visit):
    log_visit(street.alone_a, days_ago=9)  # 7-day rule: due 2 days ago
    log_visit(street.disabled_a, days_ago=29)  # 30-day rule: due tomorrow (due soon)
    rows = list(due_households(personas.clerk_a))
    assert _ids(rows) == [street.alone_a2.pk, street.alone_a.pk, street.disabled_a.pk]
    assert rows[0].due_on is None
    assert rows[1].due_on == TODAY - datetime.timedelta(days=2)
    assert rows[2].due_on == TODAY + datetime.timedelta(days=1)


def test_only_a_met_visit_counts(street, personas, log_visit):
    log_visit(street.alone_a, days_ago=1, outcome="nobody_home")
    log_visit(street.alone_a2, days_ago=1, outcome="refused", worker=personas.admin)
    rows = {h.pk: h for h in due_households(personas.clerk_a)}
    attach_page_details(list(rows.values()))
    assert rows[street.alone_a.pk].due_on is None
    assert rows[street.alone_a.pk].last_outcome == "nobody_home"
    assert rows[street.alone_a.pk].retry_on == TODAY + datetime.timedelta(days=1)
    assert rows[street.alone_a2.pk].retry_on is None


def test_smallest_interval_of_the_household_wins(street, personas, log_visit, make_resident):
    from doorstep.people.models import Tag

    make_resident("李小", household=street.disabled_a, tags=[Tag.objects.get(code="living-alone")])
    log_visit(street.disabled_a, days_ago=8)
    row = next(h for h in due_households(personas.clerk_a) if h.pk == street.disabled_a.pk)
    assert row.interval == 7


def test_grid_worker_sees_only_their_grids(street, personas):
    assert _ids(due_households(personas.grid_a)) == [street.alone_a.pk, street.disabled_a.pk]
    assert _ids(due_households(personas.grid_b)) == [street.alone_b.pk]


def test_grid_worker_without_a_grid_sees_nothing(street, personas):
    street.grid_a.workers.clear()
    assert list(due_households(personas.grid_a)) == []


def test_a_grid_outside_the_grant_shows_nothing(street, personas):
    street.grid_b.workers.add(personas.grid_a)  # grid in community B, grant in A
    assert street.alone_b.pk not in _ids(due_households(personas.grid_a))


def test_leads_see_their_areas_and_outsiders_nothing(street, personas):
    assert street.alone_b.pk in _ids(due_households(personas.district_lead))
    assert street.alone_b.pk not in _ids(due_households(personas.street_lead))
    assert list(due_households(personas.outsider)) == []
    assert list(due_households(personas.reviewer)) == []
    assert list(due_households(personas.mediator_a)) == []


def test_coverage_per_grid_and_community(street, personas, log_visit):
    log_visit(street.alone_a, days_ago=3)  # inside 7 days: covered
    log_visit(street.disabled_a, days_ago=31)  # outside 30: not
    log_visit(street.alone_a2, days_ago=2, worker=personas.admin)
    grids, communities, total = coverage(personas.clerk_a)
    assert [(g.name, g.households, g.covered) for g in grids] == [("一网格", 2, 1)]
    assert [(c.key, c.households, c.covered) for c in communities] == [("420105006001", 3, 2)]
    assert (total.households, total.covered, total.percent) == (3, 2, 66.7)
    grids, communities, total = coverage(personas.district_lead)
    assert total.households == 4
    assert [c.key for c in communities] == ["420105001001", "420105006001"]
