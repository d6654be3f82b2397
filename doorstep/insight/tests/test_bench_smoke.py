"""The dashboard benchmark (``doorstep/bench/dashboard.py``) at a small size, on this database:
its data rolls up, and the figures through the rollups equal the floor's over every row — so
``make bench`` compares like with like (on PostgreSQL too)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.db import connection

from doorstep.insight.metrics import figure_areas, make_scope

pytestmark = pytest.mark.django_db


def test_the_rollups_and_the_floor_give_the_same_dashboard(personas, tmp_path):
    from doorstep.bench import dashboard
    from doorstep.bench.context import Context

    ctx = Context(scale=0.001, data_dir=tmp_path, database=connection.vendor)
    built = dashboard.build(ctx, 3000, 1000, analyze=False)
    assert built["rolled"]["cases"] > 2000 and built["rolled"]["needs"] > 500
    lead = personas.district_lead
    scope = make_scope(lead, area=figure_areas(lead)[0], start=dashboard.MONTH[0],
                       end=dashboard.MONTH[1])  # fmt: skip
    got = dashboard._dashboard_figures(scope)
    assert got == dashboard._dashboard_figures(replace(scope, tallies=False))
    pairs = [item[-1] for item in got[:-1] if item[-1]]  # (numerator, denominator)s
    assert any(den for _num, den in pairs)  # November has figures
