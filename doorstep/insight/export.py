"""Writing a ledger to an .xlsx file: openpyxl's write-only workbook, one row at a time, to a
temporary file, so a year of a district takes the memory of one chunk of rows, not of the
file. Rows arrive ordered by their split (month or community), so each sheet is written whole
before the next one starts."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from typing import IO

from django.utils import timezone
from openpyxl import Workbook

from doorstep.places.choices import CODE_LENGTH, AreaKind
from doorstep.places.models import Area

from .ledgers import Ledger
from .models import Split

# A sheet holds 1,048,576 rows; one of them is the header. More rows go on to a next sheet.
MAX_ROWS = 1_048_575
SHEET_NAME_LENGTH = 31
NOT_IN_NAMES = re.compile(r"[\[\]:*?/\\]")
COMMUNITY_CODE = CODE_LENGTH[AreaKind.COMMUNITY]


class SheetNames:
    """Sheet names as Excel takes them: at most 31 characters, none of ``[]:*?/\\``, and no
    two alike (whatever the case)."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def take(self, wanted: str) -> str:
        base = NOT_IN_NAMES.sub("_", wanted).strip("'") or "-"
        name, n = base[:SHEET_NAME_LENGTH], 1
        while name.lower() in self.taken:
            n += 1
            suffix = f" ({n})"
            name = base[: SHEET_NAME_LENGTH - len(suffix)] + suffix
        self.taken.add(name.lower())
        return name


def community_names() -> dict[str, str]:
    return dict(Area.objects.filter(kind=AreaKind.COMMUNITY).values_list("code", "name"))


def _month(value: datetime.date | datetime.datetime) -> str:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return f"{value:%Y-%m}"


def write(ledger: Ledger, rows: Iterable, split: str, out: IO[bytes], *, by: str = "") -> int:
    """Write ``rows`` (ordered for ``split``) to ``out``; return how many were written. The
    file's properties say who made it (``by``) and when, as the export log does."""
    columns = ledger.columns()
    headers = [str(c.header) for c in columns]
    names = community_names() if split == Split.COMMUNITY else {}
    book, sheets = Workbook(write_only=True), SheetNames()
    book.properties.title = str(ledger.title)
    book.properties.creator = book.properties.lastModifiedBy = by
    sheet, group, in_sheet, total = None, None, 0, 0
    for row in rows:
        if split == Split.COMMUNITY:
            here = ledger.where(row)[:COMMUNITY_CODE]
            title = names.get(here, here)
        else:
            here = title = _month(ledger.when(row))
        if sheet is None or here != group or in_sheet >= MAX_ROWS:
            sheet = book.create_sheet(sheets.take(title))
            sheet.append(headers)
            group, in_sheet = here, 0
        sheet.append([c.value(row) for c in columns])
        in_sheet += 1
        total += 1
    if sheet is None:  # nothing matched: the headers alone, under the ledger's name
        book.create_sheet(sheets.take(str(ledger.title))).append(headers)
    book.save(out)
    return total
