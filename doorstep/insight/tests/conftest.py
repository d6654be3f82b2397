"""Insight fixtures: the other apps' own fixtures (their real actions) at their fixed time,
Tuesday 2026-12-01 10:00 in Shanghai, and ``month``: figures for November 2026.

Rows are taken in through the real actions, then moved into November with ``put`` (a plain
update of the dates and states a month of work would have left): the metrics read columns, and
a test that walked every case through a month of transitions would say nothing more about them.
"""

from __future__ import annotations

import datetime
import zoneinfo

import pytest

from doorstep.cases.tests.conftest import (  # noqa: F401  (fixtures)
    _english,
    frozen,
    holidays,
    make_case,
    materials,
    resident,
    service,
)
from doorstep.disputes.tests.conftest import make_dispute, party_resident  # noqa: F401
from doorstep.needs.tests.conftest import categories, make_need  # noqa: F401
from doorstep.visits.tests.conftest import build_street, log_visit, rules  # noqa: F401

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
START, END = datetime.date(2026, 11, 1), datetime.date(2026, 11, 30)


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """A moment of 2026 in Shanghai."""
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def put(row, **fields) -> None:
    """Set columns of ``row`` directly (its dates and state after a month of work)."""
    type(row).objects.filter(pk=row.pk).update(**fields)


@pytest.fixture
def street(personas, make_resident, rules, frozen):  # noqa: F811
    return build_street(personas, make_resident)


@pytest.fixture
def min_n_one(settings):
    """Every rate shown, however small its n: for checking hand-computed values."""
    settings.DOORSTEP_METRIC_MIN_N = 1
