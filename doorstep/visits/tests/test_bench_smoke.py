"""The due-list benchmark (``doorstep/bench/visits_due.py``) at a small size, on this database:
the product and the hand-written floor give the same page, count and latest visits — so
``make bench`` compares like with like (on PostgreSQL too)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_floor_and_product_return_the_same_rows(personas, tmp_path):
    from doorstep.bench import visits_due
    from doorstep.bench.context import Context
    from doorstep.visits.queries import due_soon_days

    ctx = Context(scale=0.01, data_dir=tmp_path, database=connection.vendor)
    visits_due.build(ctx, 1500, analyze=False)
    today = timezone.localdate()
    horizon = today + datetime.timedelta(days=due_soon_days())
    for user in (personas.street_lead, personas.grid_a):
        page_sql, count_sql, params = visits_due.floor_sql(user, horizon)
        got = visits_due._product(user, today)
        with connection.cursor() as cursor:
            expected = visits_due._floor(cursor, page_sql, count_sql, params)
        assert got == expected
        assert got[0] > 0 and got[1] and got[2]
