"""Insight fixtures: the other apps' own fixtures (their real actions) at their fixed time,
Tuesday 2026-12-01 10:00 in Shanghai.

Metrics: ``month`` is November 2026 (``START``, ``END``). Rows are taken in through the real
actions, then moved into November with ``put`` (a plain update of the dates and states a month
of work would have left): the metrics read columns, and a test that walked every case through a
month of transitions would say nothing more about them.

Ledgers: ``opened`` reads a downloaded file back; rows of other months are made by travelling
there (``travel``).
"""

from __future__ import annotations

import datetime
import io
import zoneinfo

import openpyxl
import pytest

from doorstep.cases.tests.conftest import (  # noqa: F401  (fixtures)
    NOW,
    TODAY,
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
from doorstep.reception.tests.conftest import day, make_day, raise_matter, setup  # noqa: F401
from doorstep.visits.tests.conftest import log_visit, rules, street  # noqa: F401

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
START, END = datetime.date(2026, 11, 1), datetime.date(2026, 11, 30)


def at(month: int, date: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """A moment of 2026 in Shanghai."""
    return datetime.datetime(2026, month, date, hour, minute, tzinfo=SHANGHAI)


def put(row, **fields) -> None:
    """Set columns of ``row`` directly (its dates and state after a month of work)."""
    type(row).objects.filter(pk=row.pk).update(**fields)


@pytest.fixture
def min_n_one(settings):
    """Every rate shown, however small its n: for checking hand-computed values."""
    settings.DOORSTEP_METRIC_MIN_N = 1


def opened(response) -> openpyxl.Workbook:
    """The downloaded file, read back."""
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def sheet_rows(book: openpyxl.Workbook) -> dict[str, list[tuple]]:
    """Each sheet's rows (the header first)."""
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


def cells(book: openpyxl.Workbook) -> str:
    return "\n".join(
        " ".join("" if v is None else str(v) for v in row)
        for ws in book.worksheets
        for row in ws.iter_rows(values_only=True)
    )


@pytest.fixture
def travel():
    """travel(moment): run the block at ``moment`` (a context manager)."""
    import time_machine

    return lambda moment: time_machine.travel(moment, tick=False)


__all__ = ["NOW", "TODAY", "cells", "opened", "sheet_rows"]
