from __future__ import annotations

import datetime

import pytest

from doorstep.cases.actions import do_record_trip, do_transition
from doorstep.cases.metrics import case_figures


def test_figures_count_colours_and_trips_inside_the_users_areas(make_case, personas, frozen):
    green = make_case("accept")
    make_case("notice")  # open, before acceptance: no clock
    done = make_case("accept")
    do_transition(done, "complete", actor=personas.clerk_a)
    do_record_trip(green, actor=personas.clerk_a)  # came back once: one too many
    paused = make_case("accept")
    do_transition(paused, "request_materials", actor=personas.clerk_a, reason="补正")

    figures = case_figures(personas.clerk_a)
    assert (figures.open, figures.closed, figures.paused) == (3, 1, 1)
    assert figures.too_many_trips == 1
    assert figures.average_trips == pytest.approx(1 / 4)  # trips back only
    assert figures.within_trip_promise == pytest.approx(3 / 4)
    assert (figures.overdue, figures.due_soon) == (0, 0)

    later = case_figures(personas.clerk_a, today=datetime.date(2026, 12, 16))
    assert later.overdue == 1  # the green one; the paused clock never runs out
    assert case_figures(personas.clerk_b).open == 0
    assert case_figures(personas.outsider).average_trips is None
