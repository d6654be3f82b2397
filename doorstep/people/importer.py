"""Registry import: CSV (UTF-8 or GBK/GB18030) and XLSX/XLS with Chinese headers.

The header row is found among the first rows (title lines above it are skipped), and every
message names a row by the number Excel or WPS shows for it. The file is streamed row by row
(an XLSX through openpyxl's read-only mode, after its zip directory is checked for a bomb); each
row is validated and turned into a database row in plain Python (no model objects). Nothing is
written until every row is checked: when any row is rejected and the caller did not ask for
"valid rows only", nothing is written. Then batches are written, each in its own transaction,
with one ``executemany`` upsert on the ID hash, so a resident already on file is updated rather
than duplicated (see ``import_rows``).
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import pickle
import re
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import ParseError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.core import crypto, idnumber, phone
from doorstep.places.buildings import normalize_building
from doorstep.places.choices import AreaKind
from doorstep.places.models import Area, Building, Household
from doorstep.staff.roles import IMPORT_RESIDENTS
from doorstep.staff.scoping import area_prefixes

from . import pinyin
from .choices import ResidentStatus
from .models import Resident, ResidentTag, Tag

BATCH = 5000
MAX_ERRORS_KEPT = 1000

# Accepted header spellings (as they appear in Chinese spreadsheets) for each field.
HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("姓名",),
    "id_number": ("公民身份号码", "身份证号码", "身份证号"),
    "phone": ("手机号码", "手机号", "联系电话"),
    "area": ("小区", "所属小区", "小区编码", "区域编码", "社区"),
    "building": ("楼栋", "楼栋号"),
    "room": ("房号", "门牌号", "室号"),
    "tags": ("标签",),
    "note": ("备注",),
}
REQUIRED = ("name", "id_number", "area")
_TAG_SPLIT = re.compile(r"[、,，;；/\s]+")

COLUMNS = (
    "name",
    "name_pinyin",
    "name_initials",
    "id_cipher",
    "id_hash",
    "id_masked",
    "id_tail_hash",
    "birth_date",
    "sex",
    "phone",
    "phone_tail",
    "area_id",
    "area_code",
    "household_id",
    "status",
    "note",
    "created_at",
    "updated_at",
)
# On a second import of the same person, blanks in the file never erase what is on record
# (tags too: a blank 标签 cell keeps them), and the status (moved away, deceased) is kept.
_KEEP_IF_BLANK = {"phone", "phone_tail", "note"}
_KEEP_IF_NULL = {"household_id"}


# What a damaged XLSX raises inside openpyxl and zipfile (lxml's XMLSyntaxError is a
# SyntaxError too).
_SPREADSHEET_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    ParseError,
    SyntaxError,
    ValueError,
    TypeError,
    OSError,
    EOFError,
)


class ImportFileError(Exception):
    """The file as a whole cannot be imported (empty, not a table, wrong headers …)."""


@dataclass
class RowError:
    row: int
    column: str
    reason: str


@dataclass
class ImportResult:
    total: int = 0
    created: int = 0
    updated: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    written: bool = False
    seconds: float = 0.0

    def add_error(self, row: int, column: str, reason: str) -> None:
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(RowError(row, column, reason))


# ---------------------------------------------------------------------------------------------
# Reading

# The header row is looked for among this many rows at the top: registers exported from other
# systems put one or more title lines above it.
HEADER_SEARCH_ROWS = 10
SUPPORTED_ENCODINGS = "UTF-8、GBK (GB18030)"
# Words found in a register's header row, spelled as in a Big5 or Shift-JIS file: a file whose
# header reads right in one of those encodings (and not as GB18030) is in that encoding.
_FOREIGN_HEADER_WORDS = ("姓名", "氏名", "身份證", "身分證", "電話", "小區", "社區", "住所")

NumberedRow = tuple[int, list[object]]


def read_table(source: Path | IO[bytes]) -> tuple[list[str], Iterator[NumberedRow], int]:
    """Return (header, data rows, size in bytes) of a CSV, XLSX or XLS file.

    Each data row comes as (its row number as Excel or WPS shows it, its cells). The header is
    the row among the first ``HEADER_SEARCH_ROWS`` that names the most known columns; title
    lines above it are skipped."""
    stream = open(source, "rb") if isinstance(source, Path) else source
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size == 0:
        raise ImportFileError(_("The file is empty."))
    head = stream.read(8)
    stream.seek(0)
    if head.startswith(b"PK\x03\x04"):
        rows = _xlsx_rows(stream)
    elif head.startswith(b"\xd0\xcf\x11\xe0"):
        rows = _xls_rows(stream)
    else:
        rows = _csv_rows(stream)
    if stream is not source:
        rows = _closing(rows, stream)
    top = list(itertools.islice(rows, HEADER_SEARCH_ROWS))
    if not top:
        raise ImportFileError(_("The file has no rows."))
    at = _header_position(top)
    header = [_text(h) for h in top[at][1]]
    return header, itertools.chain(top[at + 1 :], rows), size


def _known_columns(cells: list[object]) -> set[str]:
    titles = {_text(c) for c in cells}
    return {name for name, spellings in HEADERS.items() if titles.intersection(spellings)}


def _header_position(top: list[NumberedRow]) -> int:
    """Index in ``top`` of the header row: the first row naming every required column, else
    the row naming the most known columns (``map_header`` then says what is missing)."""
    best, best_count = 0, 0
    for at, (_number, cells) in enumerate(top):
        known = _known_columns(cells)
        if all(name in known for name in REQUIRED):
            return at
        if len(known) > best_count:
            best, best_count = at, len(known)
    return best


def _closing(rows: Iterator[NumberedRow], stream: IO[bytes]) -> Iterator[NumberedRow]:
    try:
        yield from rows
    finally:
        stream.close()


def _damaged() -> ImportFileError:
    return ImportFileError(_("This spreadsheet cannot be read: it may be damaged."))


def _check_zip(stream: IO[bytes]) -> None:
    """Refuse a zip bomb from the zip's own directory, before anything is unpacked: its total
    unpacked size and each large member's compression ratio. (Reading a member stops at its
    declared size, so the directory cannot understate what is read.)"""
    try:
        with zipfile.ZipFile(stream) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise _damaged() from exc
    finally:
        stream.seek(0)
    unpacked = sum(m.file_size for m in members)
    limit = settings.DOORSTEP_IMPORT_MAX_UNPACKED
    ratio = settings.DOORSTEP_IMPORT_MAX_RATIO
    swollen = [
        m for m in members if m.file_size > 1 << 20 and m.file_size > ratio * m.compress_size
    ]
    if unpacked > limit or swollen:
        raise ImportFileError(
            _(
                "This spreadsheet unpacks to %(mb)d MB (at most %(limit)d MB, and at most "
                "%(ratio)d times its packed size): it is not an ordinary register. Save it "
                "again as CSV, or split it."
            )
            % {"mb": unpacked // 1_000_000, "limit": limit // 1_000_000, "ratio": ratio}
        )


def _too_many_cells() -> ImportFileError:
    return ImportFileError(
        _(
            "This spreadsheet has more than %(cells)s cells: it is not an ordinary register. "
            "Delete the empty rows and columns at its end, or split it."
        )
        % {"cells": f"{settings.DOORSTEP_IMPORT_MAX_CELLS:,}"}
    )


def _xlsx_rows(stream: IO[bytes]) -> Iterator[NumberedRow]:
    """The first sheet of an XLSX, streamed (openpyxl's read-only mode), bounded by the zip
    check, the sheet's declared size and a running cell count."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    _check_zip(stream)
    limit = settings.DOORSTEP_IMPORT_MAX_CELLS
    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except (*_SPREADSHEET_ERRORS, KeyError, IndexError, InvalidFileException) as exc:
        raise _damaged() from exc
    try:
        if not book.worksheets:
            raise _damaged()
        sheet = book.worksheets[0]
        if (sheet.max_row or 0) * (sheet.max_column or 0) > limit:
            raise _too_many_cells()
        # A declared size that is too small would cut rows off: read what is there.
        sheet.reset_dimensions()
        cells = 0
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells += len(row)
            if cells > limit:
                raise _too_many_cells()
            yield number, list(row)
    except (*_SPREADSHEET_ERRORS, KeyError, IndexError, InvalidFileException) as exc:
        raise _damaged() from exc
    finally:
        book.close()


def _xls_rows(stream: IO[bytes]) -> Iterator[NumberedRow]:
    """The first sheet of an old-style XLS (at most 65,536 rows by the format)."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_filelike(stream).get_sheet_by_index(0)
        # iter_rows begins at the sheet's first row, empty rows above the first cell included.
        yield from enumerate(sheet.iter_rows(), start=1)
    except (CalamineError, ValueError, OSError) as exc:
        raise _damaged() from exc


def _unsupported_encoding(name: str) -> ImportFileError:
    return ImportFileError(
        _(
            "This CSV file is in %(encoding)s, which cannot be imported. Save it as CSV in "
            "%(supported)s, or as XLSX, and try again."
        )
        % {"encoding": name, "supported": SUPPORTED_ENCODINGS}
    )


def _looks_utf16(sample: bytes) -> bool:
    """UTF-16 without a byte-order mark: the NULs of its ASCII characters (commas, line
    ends, digits) all fall on even or all on odd positions."""
    head = sample[:8192]
    even = head[0::2].count(0)
    odd = head[1::2].count(0)
    return even + odd >= len(head) // 20 and min(even, odd) * 20 < max(even, odd)


def _foreign_encoding(sample: bytes) -> str | None:
    """Big5 or Shift-JIS when the header words read right in it and not as GB18030."""
    as_gb = sample.decode("gb18030", errors="replace")
    if any(word in as_gb for word in _FOREIGN_HEADER_WORDS):
        return None
    for codec, name in (("big5", "Big5"), ("shift_jis", "Shift-JIS")):
        try:
            text = codecs.getincrementaldecoder(codec)().decode(sample, final=False)
        except UnicodeDecodeError:
            continue
        if any(word in text for word in _FOREIGN_HEADER_WORDS):
            return name
    return None


def _csv_rows(stream: IO[bytes]) -> Iterator[NumberedRow]:
    sample = stream.read(1 << 20)
    stream.seek(0)
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (
        b"\x00" in sample and _looks_utf16(sample)
    ):
        raise _unsupported_encoding("UTF-16")
    if b"\x00" in sample:
        raise ImportFileError(
            _("This is not a CSV or Excel file. Save the table as CSV or XLSX and try again.")
        )
    encoding = "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        foreign = _foreign_encoding(sample)
        if foreign:
            raise _unsupported_encoding(foreign) from None
        encoding = "gb18030"
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    reader = csv.reader(text)
    # Excel and WPS show a CSV record (even one with a line break inside a cell) as one row.
    number = 0
    try:
        for number, row in enumerate(reader, start=1):
            yield number, row
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _(
                "Near row %(row)d the text is in neither UTF-8 nor GBK; save the file again as "
                "CSV UTF-8."
            )
            % {"row": number + 1}
        ) from exc
    except csv.Error as exc:
        raise ImportFileError(_("Row %(row)d is not valid CSV.") % {"row": number + 1}) from exc


def map_header(header: list[str]) -> dict[str, int]:
    """Map our field names to column positions; raise when a required column is missing."""
    found: dict[str, int] = {}
    for pos, title in enumerate(header):
        for name, spellings in HEADERS.items():
            if title in spellings and name not in found:
                found[name] = pos
    missing = [HEADERS[n][0] for n in REQUIRED if n not in found]
    if missing:
        raise ImportFileError(
            _(
                "Required columns are missing: %(cols)s. One of the first %(rows)d rows must "
                "hold the column names, e.g. %(example)s."
            )
            % {
                "cols": "、".join(missing),
                "rows": HEADER_SEARCH_ROWS,
                "example": "、".join(h[0] for h in HEADERS.values()),
            }
        )
    return found


# ---------------------------------------------------------------------------------------------
# Validating


class _Places:
    """Areas the importer may write into, and buildings/households resolved set-based."""

    def __init__(self, prefixes: list[str] | None):
        self.prefixes = prefixes
        qs = Area.objects.filter(kind__in=[AreaKind.COMPOUND, AreaKind.COMMUNITY])
        self.by_code: dict[str, tuple[int, str, str]] = {}
        self.by_name: dict[str, list[tuple[int, str, str]]] = {}
        for pk, code, name, kind in qs.values_list("pk", "code", "name", "kind"):
            if prefixes is not None and not any(code.startswith(p) for p in prefixes):
                continue
            self.by_code[code] = (pk, code, kind)
            self.by_name.setdefault(name, []).append((pk, code, kind))
        self.buildings: dict[tuple[int, str], int] = {}
        self.households: dict[tuple[int, str], int] = {}

    def area(self, value: str) -> tuple[int, str, str]:
        hit = self.by_code.get(value) if value.isdigit() else None
        if hit:
            return hit
        named = self.by_name.get(value, [])
        if len(named) == 1:
            return named[0]
        if len(named) > 1:
            raise ValidationError(
                _("Several compounds are called “%(v)s”; give its code.") % {"v": value}
            )
        raise ValidationError(
            _("“%(v)s” is not a compound or community within your areas.") % {"v": value}
        )

    def resolve_households(self, keys: set[tuple[int, str, str]]) -> None:
        """Create the buildings and households named in a batch, in a few statements."""
        new_b = {(c, b) for c, b, _r in keys} - self.buildings.keys()
        if new_b:
            _insert_ignore(Building, ("compound_id", "number"), new_b)
            for pk, c, b in Building.objects.filter(
                compound_id__in={c for c, _ in new_b}
            ).values_list("pk", "compound_id", "number"):
                self.buildings[(c, b)] = pk
        wanted = {(self.buildings[(c, b)], r) for c, b, r in keys}
        new_h = wanted - self.households.keys()
        if new_h:
            _insert_ignore(Household, ("building_id", "room"), new_h)
            for pk, b, r in Household.objects.filter(
                building_id__in={b for b, _ in new_h}
            ).values_list("pk", "building_id", "room"):
                self.households[(b, r)] = pk


def _insert_ignore(model, columns: tuple[str, ...], rows) -> None:
    """``bulk_create(ignore_conflicts=True)`` of plain tuples, without model objects."""
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) VALUES ({marks}) "
            "ON CONFLICT DO NOTHING",
            list(rows),
        )


def _text(value: object) -> str:
    if type(value) is str:  # every CSV cell: the fast path
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?[eE]\+?\d{1,2}$")


def _mangled(text: str) -> bool:
    """An ID number Excel turned into a number: shown in scientific notation (4.20105E+17), or
    written out with its last digits lost to floating point (…070000, check character wrong)."""
    return bool(_SCIENTIFIC.match(text)) or (
        len(text) == 18 and text.isdigit() and text.endswith("000")
    )


def _lost_digits(value: object) -> str:
    if isinstance(value, (int, float)):
        value = f"{value:.5E}"  # how Excel shows a long number in a General cell
    return _(
        "Excel has turned this ID number into a number (%(shown)s) and its last digits are "
        "lost. In the spreadsheet, format the ID column as text, paste the ID numbers again "
        "from the original, and save."
    ) % {"shown": value}


@dataclass
class _Row:
    values: list | None  # None while only checking
    household_key: tuple[int, str, str] | None
    tag_ids: list[int] | None
    rowno: int
    digest: str


class _Validator:
    def __init__(
        self, columns: dict[str, int], header: list[str], places: _Places, *, build: bool = True
    ):
        self.columns, self.header, self.places, self.build = columns, header, places, build
        self.tags = dict(Tag.objects.values_list("name", "pk"))
        self.encrypt, self.digest = crypto.encrypter()
        self.seen: dict[str, int] = {}
        # {row of an ID number's first appearance: later rows with the same number}
        self.duplicates: dict[int, list[int]] = {}
        self.refused_firsts: set[int] = set()  # refused rows where an ID number first appears
        self.today = timezone.localdate()
        self.now = connection.ops.adapt_datetimefield_value(timezone.now())
        self.adapt_date = connection.ops.adapt_datefield_value

    def cell(self, raw: list[object], name: str) -> object:
        pos = self.columns.get(name)
        return raw[pos] if pos is not None and pos < len(raw) else None

    def row(self, rowno: int, raw: list[object], result: ImportResult) -> _Row | None:
        errors: list[tuple[str, str]] = []

        def fail(name: str, exc: ValidationError | str) -> None:
            reason = exc if isinstance(exc, str) else exc.messages[0]
            # A file may have a 楼栋 column and no 房号 column: name the missing one our way.
            pos = self.columns.get(name)
            errors.append((self.header[pos] if pos is not None else HEADERS[name][0], reason))

        name = _text(self.cell(raw, "name"))
        if not name:
            fail("name", _("The name is empty."))
        elif len(name) > 50:
            fail("name", _("The name is longer than 50 characters."))
        facts = digest = None
        raw_id = self.cell(raw, "id_number")
        if isinstance(raw_id, (int, float)):  # a tuple: no union object made per row
            fail("id_number", _lost_digits(raw_id))
        else:
            text_id = _text(raw_id)
            try:
                facts = idnumber.check(text_id, today=self.today)
                digest = self.digest(facts.number)
                first = self.seen.setdefault(digest, rowno)
                if first != rowno:
                    self.duplicates.setdefault(first, []).append(rowno)
                    fail("id_number", _("Same ID number as row %(row)d.") % {"row": first})
            except ValidationError as exc:
                fail("id_number", _lost_digits(text_id) if _mangled(text_id) else exc)
        mobile = _text(self.cell(raw, "phone"))
        if mobile:
            try:
                mobile = phone.check(mobile)
            except ValidationError as exc:
                fail("phone", exc)
        area = None
        try:
            area = self.places.area(_text(self.cell(raw, "area")))
        except ValidationError as exc:
            fail("area", exc)
        building = normalize_building(_text(self.cell(raw, "building")))
        room = _text(self.cell(raw, "room"))
        household_key = None
        if building or room:
            if not (building and room):
                fail(
                    "room" if building else "building",
                    _("Give both the building and the room, or neither."),
                )
            elif area and area[2] != AreaKind.COMPOUND:
                fail("area", _("A building and room need a compound, not a community."))
            elif len(building) > 20 or len(room) > 20:
                fail("room", _("Building and room are at most 20 characters."))
            elif area:
                household_key = (area[0], building, room)
        tag_ids = None
        tag_text = _text(self.cell(raw, "tags"))
        if tag_text:  # a blank cell keeps the tags on record
            tag_ids = []
            for tag in filter(None, _TAG_SPLIT.split(tag_text)):
                if tag in self.tags:
                    tag_ids.append(self.tags[tag])
                else:
                    fail(
                        "tags",
                        _("Unknown tag “%(t)s”; known tags: %(known)s.")
                        % {"t": tag, "known": "、".join(self.tags)},
                    )
        note = _text(self.cell(raw, "note"))[:200]
        # Only the first megabyte is sniffed for binary content, and csv passes NULs through;
        # PostgreSQL cannot store them. (ID, phone, area and tags are already pattern-checked.)
        if "\x00" in f"{name}{building}{room}{note}":
            fail("name", _("This row contains a NUL character: the file is damaged."))
        if errors:
            if digest is not None and self.seen[digest] == rowno:
                self.refused_firsts.add(rowno)
            for column, reason in errors:
                result.add_error(rowno, column, reason)
            return None
        if not self.build:
            return _Row(None, household_key, tag_ids, rowno, digest)
        full, initials = pinyin.keys(name)
        number = facts.number
        values = [
            name,
            full,
            initials,
            self.encrypt(number),
            digest,
            idnumber.mask(number),
            crypto.tail_hash(number[-4:]),
            self.adapt_date(facts.birth_date),
            facts.sex,
            mobile,
            mobile[-4:],
            area[0],
            area[1],
            None,
            ResidentStatus.ACTIVE,
            note,
            self.now,
            self.now,
        ]
        return _Row(values, household_key, tag_ids, rowno, digest)


# ---------------------------------------------------------------------------------------------
# Writing


def _insert_sql() -> str:
    marks = ", ".join(["%s"] * len(COLUMNS))
    return f"INSERT INTO {Resident._meta.db_table} ({', '.join(COLUMNS)}) VALUES ({marks})"


def _upsert_sql() -> str:
    table = Resident._meta.db_table
    cols = ", ".join(COLUMNS)
    marks = ", ".join(["%s"] * len(COLUMNS))
    sets = []
    for col in COLUMNS:
        if col in ("created_at", "id_hash", "status"):
            continue  # a re-import never revives someone recorded as moved away or deceased
        if col in _KEEP_IF_BLANK:
            sets.append(f"{col} = COALESCE(NULLIF(excluded.{col}, ''), {table}.{col})")
        elif col in _KEEP_IF_NULL:
            # ... unless the person moved to another compound: the old door is not theirs.
            sets.append(
                f"{col} = CASE WHEN excluded.area_id = {table}.area_id "
                f"THEN COALESCE(excluded.{col}, {table}.{col}) ELSE excluded.{col} END"
            )
        else:
            sets.append(f"{col} = excluded.{col}")
    return (
        f"INSERT INTO {table} ({cols}) VALUES ({marks}) "
        f"ON CONFLICT (id_hash) DO UPDATE SET {', '.join(sets)}"
    )


def _assign_households(rows: list[_Row], places: _Places) -> None:
    keys = {r.household_key for r in rows if r.household_key}
    if keys:
        places.resolve_households(keys)
        hid = COLUMNS.index("household_id")
        for r in rows:
            if r.household_key:
                c, b, room = r.household_key
                r.values[hid] = places.households[(places.buildings[(c, b)], room)]


def _refuse_outside(
    rows: list[_Row], places: _Places, validator: _Validator, result: ImportResult
) -> list[_Row]:
    """Refuse rows whose person is on file in an area the importer does not serve: the upsert
    would otherwise let a clerk overwrite, and move into their own area, anyone whose ID number
    they know."""
    if places.prefixes is None:
        return rows
    on_file = Resident.objects.filter(id_hash__in=[r.digest for r in rows]).values_list(
        "id_hash", "area_code"
    )
    return _drop_foreign(rows, dict(on_file), places, validator, result)


def _drop_foreign(
    rows: list[_Row],
    on_file: dict[str, str],
    places: _Places,
    validator: _Validator,
    result: ImportResult,
) -> list[_Row]:
    if places.prefixes is None:
        return rows
    foreign = {
        h for h, code in on_file.items() if not any(code.startswith(p) for p in places.prefixes)
    }
    if not foreign:
        return rows
    column = validator.header[validator.columns["id_number"]]
    kept = []
    for r in rows:
        if r.digest in foreign:
            result.rejected += 1
            validator.refused_firsts.add(r.rowno)
            result.add_error(
                r.rowno, column, _("This person is registered in an area you do not serve.")
            )
        else:
            kept.append(r)
    return kept


def _executemany(cursor, sql: str, rows: list) -> None:
    """``cursor.executemany``; on PostgreSQL with server-side parameters, which psycopg
    pipelines (Django's psycopg cursors bind client-side, a round trip per row)."""
    if connection.vendor != "postgresql":
        cursor.executemany(sql, rows)
        return
    import psycopg

    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as raw:
        raw.executemany(sql, rows)


def _on_file(cursor, hashes: list[str], column: str = "id") -> dict:
    """{ID hash: resident pk (or ``column``)} of those of ``hashes`` already on file."""
    marks = ", ".join(["%s"] * len(hashes))
    cursor.execute(
        f"SELECT id_hash, {column} FROM {Resident._meta.db_table} WHERE id_hash IN ({marks})",
        hashes,
    )
    return dict(cursor.fetchall())


def _write_batch(rows: list[_Row], places: _Places, result: ImportResult, sql: str) -> None:
    if not rows:
        return
    _assign_households(rows, places)
    hashes = [r.digest for r in rows]
    with connection.cursor() as cursor:
        existing = _on_file(cursor, hashes)
        if connection.vendor == "sqlite" and len(existing) < len(rows):
            # SQLite's upsert costs over twice a plain INSERT, and the import's transaction
            # holds SQLite's write lock, so no one can add these people meanwhile: new ones
            # are inserted plainly, those on file upserted.
            new = [r.values for r in rows if r.digest not in existing]
            cursor.executemany(_insert_sql(), new)
            if existing:
                cursor.executemany(sql, [r.values for r in rows if r.digest in existing])
        else:
            _executemany(cursor, sql, [r.values for r in rows])
        result.updated += len(existing)
        result.created += len(rows) - len(existing)
        tagged = [r for r in rows if r.tag_ids is not None]
        if tagged:
            ids = _on_file(cursor, hashes)
            # Only people already on file can have tags to replace.
            stale = [existing[r.digest] for r in tagged if r.digest in existing]
            if stale:
                marks = ", ".join(["%s"] * len(stale))
                cursor.execute(
                    f"DELETE FROM {ResidentTag._meta.db_table} WHERE resident_id IN ({marks})",
                    stale,
                )
            links = [(ids[r.digest], t) for r in tagged for t in set(r.tag_ids)]
            if links:
                cursor.executemany(
                    f"INSERT INTO {ResidentTag._meta.db_table} (resident_id, tag_id) "
                    "VALUES (%s, %s)",
                    links,
                )


def import_rows(
    header: list[str],
    rows: Iterable[NumberedRow],
    *,
    actor,
    valid_only: bool = False,
    check_only: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> ImportResult:
    """Check registry rows ((row number, cells), as ``read_table`` gives them), then write them.

    Checking reads every row and writes nothing, outside any transaction (on SQLite it takes no
    write lock): each row is validated, every row of an ID number that appears more than once
    is refused, and so is a person on file in an area the importer does not serve. The valid
    rows' database values wait in an anonymous temporary file (gone with the process).

    Writing follows only when no row was refused, or the caller asked for the valid rows only,
    and never for ``check_only``: batches of ``BATCH`` rows, each in its own short
    transaction, so other writers get in between. A crash part way leaves the batches written
    so far; importing the file again completes it (a re-import updates, never duplicates).

    ``progress(stage, done, total)``: stage "checking" (total 0: not known yet), then
    "writing" (total: the rows to write)."""
    started = time.perf_counter()
    columns = map_header(header)
    result = ImportResult()
    places = _Places(area_prefixes(actor, IMPORT_RESIDENTS))
    validator = _Validator(columns, header, places, build=not check_only)
    with tempfile.TemporaryFile() as spool:
        batches, on_file_rows = _check_rows(
            rows, validator, places, result, spool, progress, keep=not check_only
        )
        late = _refuse_duplicates(validator, result)
        result.errors.sort(key=lambda e: e.row)
        if check_only or (result.rejected and not valid_only):
            for rowno in late:
                if rowno in on_file_rows:
                    result.updated -= 1
                else:
                    result.created -= 1
        else:
            _write_spooled(spool, batches, late, places, validator, result, progress)
    result.seconds = time.perf_counter() - started
    return result


def _check_rows(rows, validator, places, result, spool, progress, *, keep: bool):
    """The checking stage; returns (batches spooled, rows of people already on file)."""
    batches = 0
    on_file_rows: set[int] = set()
    batch: list[_Row] = []

    # Who is on file already: for the areas test, and for a check's counts. An import by
    # someone who may import anywhere skips it (the writing counts); ``_count_spooled`` counts
    # when it is refused.
    ask = keep is False or places.prefixes is not None

    def flush() -> None:
        nonlocal batches
        on_file = {}
        if ask:
            with connection.cursor() as cursor:
                on_file = _on_file(cursor, [r.digest for r in batch], "area_code")
        kept = _drop_foreign(batch, on_file, places, validator, result)
        for r in kept:
            if r.digest in on_file:
                on_file_rows.add(r.rowno)
                result.updated += 1
            else:
                result.created += 1
        if keep and kept:
            spooled = [(r.values, r.household_key, r.tag_ids, r.rowno, r.digest) for r in kept]
            pickle.dump(spooled, spool, protocol=pickle.HIGHEST_PROTOCOL)
            batches += 1
        if progress:
            progress("checking", result.total, 0)

    for rowno, raw in rows:
        if not any(_text(v) for v in raw):
            continue  # blank line
        result.total += 1
        row = validator.row(rowno, raw, result)
        if row is None:
            result.rejected += 1
        else:
            batch.append(row)
        if len(batch) >= BATCH:
            flush()
            batch = []
    if batch:
        flush()
    if result.total == 0:
        raise ImportFileError(_("The file has column names but no data rows."))
    if not ask:
        on_file_rows = _count_spooled(spool, batches, result) if result.rejected else set()
    return batches, on_file_rows


def _count_spooled(spool, batches: int, result: ImportResult) -> set[int]:
    """Rows of the spool whose person is on file (a refused import's would-be counts)."""
    on_file_rows = set()
    spool.seek(0)
    with connection.cursor() as cursor:
        for _n in range(batches):
            chunk = pickle.load(spool)
            on_file = _on_file(cursor, [digest for *_rest, digest in chunk])
            on_file_rows.update(rowno for *_r, rowno, digest in chunk if digest in on_file)
    spool.seek(0, io.SEEK_END)
    result.updated += len(on_file_rows)
    result.created -= len(on_file_rows)
    return on_file_rows


def _refuse_duplicates(validator: _Validator, result: ImportResult) -> set[int]:
    """Refuse the first row of each ID number that appears again (the later rows were refused
    as they came): the clerk must decide which is right. Returns the rows refused now."""
    column = validator.header[validator.columns["id_number"]]
    late = set()
    for first, later in validator.duplicates.items():
        result.add_error(
            first,
            column,
            _("Same ID number as row %(rows)s; check which is right.")
            % {"rows": "、".join(map(str, later))},
        )
        if first not in validator.refused_firsts:
            late.add(first)
            result.rejected += 1
    return late


def _write_spooled(spool, batches, late, places, validator, result, progress) -> None:
    """The writing stage: each spooled batch in its own transaction."""
    to_write = result.created + result.updated - len(late)
    result.created = result.updated = 0
    sql = _upsert_sql()
    spool.seek(0)
    done = 0
    for _n in range(batches):
        rows = [
            _Row(values, household_key, tag_ids, rowno, digest)
            for values, household_key, tag_ids, rowno, digest in pickle.load(spool)
            if rowno not in late
        ]
        with transaction.atomic():
            _write_batch(_refuse_outside(rows, places, validator, result), places, result, sql)
        done += len(rows)
        if progress:
            progress("writing", done, to_write)
    result.written = True


def validated_batches(
    header: list[str], rows: Iterable[list[object]], *, actor, batch_size: int = BATCH
) -> Iterator[list[list]]:
    """The database rows (in ``COLUMNS`` order) that importing ``rows`` would write, batch by
    batch, rejected rows left out. It creates the buildings and households the rows name but
    never writes residents: the benchmark's floor inserts these rows with a plain
    ``executemany`` to measure the database's share of an import (``doorstep.bench``)."""
    columns = map_header(header)
    result = ImportResult()
    places = _Places(area_prefixes(actor, IMPORT_RESIDENTS))
    validator = _Validator(columns, header, places)
    batch: list[_Row] = []
    for rowno, raw in rows:
        if not any(_text(v) for v in raw):
            continue
        row = validator.row(rowno, raw, result)
        if row is not None:
            batch.append(row)
        if len(batch) >= batch_size:
            _assign_households(batch, places)
            yield [r.values for r in batch]
            batch = []
    if batch:
        _assign_households(batch, places)
        yield [r.values for r in batch]
