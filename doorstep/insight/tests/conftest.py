"""Ledger fixtures: the other apps' own fixtures (the real actions behind them), at their fixed
time, Tuesday 2026-12-01 10:00 in Shanghai. Rows of other months are made by travelling there."""

from __future__ import annotations

import io

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
