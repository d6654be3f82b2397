"""The workbook writer's rules: Excel's sheet names (31 characters, no ``[]:*?/\\``, no two
alike) and a sheet's row limit (the rest goes on to a next sheet of the same month)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from doorstep.insight import export
from doorstep.insight.export import SheetNames

from .conftest import opened, sheet_rows


def test_sheet_names_are_excels():
    names = SheetNames()
    long = "很长的社区名字" * 6
    first, second = names.take(long), names.take(long)
    assert len(first) == 31 and len(second) == 31 and first != second
    assert second.endswith(" (2)")
    assert names.take("a/b:c?") == "a_b_c_"
    assert names.take("A_B_C_") == "A_B_C_ (2)"  # Excel compares names without case


def test_a_full_sheet_goes_on_to_a_next_one(client, personas, make_case, frozen, monkeypatch):
    for _ in range(3):
        make_case()
    monkeypatch.setattr(export, "MAX_ROWS", 2)
    client.force_login(personas.clerk_a)
    rows = sheet_rows(opened(client.get(reverse("insight-ledger", args=["cases"]))))
    assert list(rows) == ["2026-12", "2026-12 (2)"]
    assert [len(r) for r in rows.values()] == [3, 2]  # the header on each


@pytest.mark.parametrize("split", ["month", "community"])
def test_no_rows_gives_one_sheet_of_headers(client, personas, split, frozen):
    client.force_login(personas.clerk_a)
    response = client.get(reverse("insight-ledger", args=["needs"]), {"split": split})
    rows = sheet_rows(opened(response))
    assert len(rows) == 1 and len(next(iter(rows.values()))) == 1
