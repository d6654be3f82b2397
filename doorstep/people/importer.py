"""Registry import: CSV (UTF-8 or GBK/GB18030) and XLSX/XLS with Chinese headers.

The file is streamed row by row; each row is validated and turned into a database row in plain
Python (no model objects), and batches are written with one ``executemany`` upsert on the ID
hash, so a resident already on file is updated rather than duplicated. The whole import is one
transaction: when any row is rejected and the caller did not ask for "valid rows only", it is
rolled back and nothing is written.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.core import crypto, idnumber, phone
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
    "id_tail_rev",
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


class _Rollback(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Reading


def read_table(source: Path | IO[bytes]) -> tuple[list[str], Iterator[list[object]], int]:
    """Return (header, data rows, size in bytes) of a CSV, XLSX or XLS file."""
    stream = open(source, "rb") if isinstance(source, Path) else source
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size == 0:
        raise ImportFileError(_("The file is empty."))
    head = stream.read(8)
    stream.seek(0)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"):
        rows = _spreadsheet_rows(stream)
    else:
        rows = _csv_rows(stream)
    if stream is not source:
        rows = _closing(rows, stream)
    header = next(rows, None)
    if header is None:
        raise ImportFileError(_("The file has no rows."))
    return [str(h or "").strip() for h in header], rows, size


def _closing(rows: Iterator[list[object]], stream: IO[bytes]) -> Iterator[list[object]]:
    try:
        yield from rows
    finally:
        stream.close()


def _spreadsheet_rows(stream: IO[bytes]) -> Iterator[list[object]]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_filelike(stream).get_sheet_by_index(0)
        yield from sheet.iter_rows()
    except (CalamineError, ValueError, OSError) as exc:
        raise ImportFileError(_("This spreadsheet cannot be read: it may be damaged.")) from exc


def _csv_rows(stream: IO[bytes]) -> Iterator[list[object]]:
    sample = stream.read(1 << 20)
    stream.seek(0)
    if b"\x00" in sample:
        raise ImportFileError(
            _("This is not a CSV or Excel file. Save the table as CSV or XLSX and try again.")
        )
    encoding = "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        encoding = "gb18030"
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    reader = csv.reader(text)
    try:
        yield from reader
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _(
                "Near row %(row)d the text is in neither UTF-8 nor GBK; save the file again as "
                "CSV UTF-8."
            )
            % {"row": reader.line_num + 1}
        ) from exc
    except csv.Error as exc:
        raise ImportFileError(
            _("Row %(row)d is not valid CSV.") % {"row": reader.line_num}
        ) from exc


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
                "Required columns are missing: %(cols)s. The first row must hold the column "
                "names, e.g. %(example)s."
            )
            % {"cols": "、".join(missing), "example": "、".join(h[0] for h in HEADERS.values())}
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


@dataclass
class _Row:
    values: list
    household_key: tuple[int, str, str] | None
    tag_ids: list[int] | None
    rowno: int = 0


class _Validator:
    def __init__(self, columns: dict[str, int], header: list[str], places: _Places):
        self.columns, self.header, self.places = columns, header, places
        self.tags = dict(Tag.objects.values_list("name", "pk"))
        self.encrypt, self.digest = crypto.encrypter()
        self.seen: dict[str, int] = {}
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
            fail(
                "id_number",
                _(
                    "The ID number was stored as a number and lost digits; format "
                    "the column as text in the spreadsheet."
                ),
            )
        else:
            try:
                facts = idnumber.check(_text(raw_id), today=self.today)
                digest = self.digest(facts.number)
                first = self.seen.setdefault(digest, rowno)
                if first != rowno:
                    fail("id_number", _("Same ID number as row %(row)d.") % {"row": first})
            except ValidationError as exc:
                fail("id_number", exc)
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
        building, room = _text(self.cell(raw, "building")), _text(self.cell(raw, "room"))
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
            for column, reason in errors:
                result.add_error(rowno, column, reason)
            return None
        full, initials = pinyin.keys(name)
        number = facts.number
        values = [
            name,
            full,
            initials,
            self.encrypt(number),
            digest,
            idnumber.mask(number),
            number[:-7:-1],
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
        return _Row(values, household_key, tag_ids, rowno)


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
    hashes = [r.values[4] for r in rows]
    on_file = Resident.objects.filter(id_hash__in=hashes).values_list("id_hash", "area_code")
    foreign = {h for h, code in on_file if not any(code.startswith(p) for p in places.prefixes)}
    if not foreign:
        return rows
    column = validator.header[validator.columns["id_number"]]
    for r in rows:
        if r.values[4] in foreign:
            result.rejected += 1
            result.add_error(
                r.rowno, column, _("This person is registered in an area you do not serve.")
            )
    return [r for r in rows if r.values[4] not in foreign]


def _executemany(cursor, sql: str, rows: list) -> None:
    """``cursor.executemany``; on PostgreSQL with server-side parameters, which psycopg
    pipelines (Django's psycopg cursors bind client-side, a round trip per row)."""
    if connection.vendor != "postgresql":
        cursor.executemany(sql, rows)
        return
    import psycopg

    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as raw:
        raw.executemany(sql, rows)


def _on_file(cursor, hashes: list[str]) -> dict[str, int]:
    """{ID hash: resident pk} of those of ``hashes`` already on file."""
    marks = ", ".join(["%s"] * len(hashes))
    cursor.execute(
        f"SELECT id_hash, id FROM {Resident._meta.db_table} WHERE id_hash IN ({marks})", hashes
    )
    return dict(cursor.fetchall())


def _write_batch(rows: list[_Row], places: _Places, result: ImportResult, sql: str) -> None:
    if not rows:
        return
    _assign_households(rows, places)
    hashes = [r.values[4] for r in rows]
    with connection.cursor() as cursor:
        existing = _on_file(cursor, hashes)
        if connection.vendor == "sqlite" and len(existing) < len(rows):
            # SQLite's upsert costs over twice a plain INSERT, and the import's transaction
            # holds SQLite's write lock, so no one can add these people meanwhile: new ones
            # are inserted plainly, those on file upserted.
            new = [r.values for r in rows if r.values[4] not in existing]
            cursor.executemany(_insert_sql(), new)
            if existing:
                cursor.executemany(sql, [r.values for r in rows if r.values[4] in existing])
        else:
            _executemany(cursor, sql, [r.values for r in rows])
        result.updated += len(existing)
        result.created += len(rows) - len(existing)
        tagged = [r for r in rows if r.tag_ids is not None]
        if tagged:
            ids = _on_file(cursor, hashes)
            # Only people already on file can have tags to replace.
            stale = [existing[r.values[4]] for r in tagged if r.values[4] in existing]
            if stale:
                marks = ", ".join(["%s"] * len(stale))
                cursor.execute(
                    f"DELETE FROM {ResidentTag._meta.db_table} WHERE resident_id IN ({marks})",
                    stale,
                )
            links = [(ids[r.values[4]], t) for r in tagged for t in set(r.tag_ids)]
            if links:
                cursor.executemany(
                    f"INSERT INTO {ResidentTag._meta.db_table} (resident_id, tag_id) "
                    "VALUES (%s, %s)",
                    links,
                )


def import_rows(
    header: list[str],
    rows: Iterable[list[object]],
    *,
    actor,
    valid_only: bool = False,
    check_only: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Validate and write registry rows. See the module docstring for the all-or-nothing rule."""
    started = time.perf_counter()
    columns = map_header(header)
    result = ImportResult()
    places = _Places(area_prefixes(actor, IMPORT_RESIDENTS))
    validator = _Validator(columns, header, places)
    sql = _upsert_sql()
    try:
        with transaction.atomic():
            batch: list[_Row] = []
            for rowno, raw in enumerate(rows, start=2):
                if not any(_text(v) for v in raw):
                    continue  # blank line
                result.total += 1
                row = validator.row(rowno, raw, result)
                if row is None:
                    result.rejected += 1
                else:
                    batch.append(row)
                if len(batch) >= BATCH:
                    _write_batch(
                        _refuse_outside(batch, places, validator, result), places, result, sql
                    )
                    batch = []
                    if progress:
                        progress(result.total)
            if batch:
                _write_batch(_refuse_outside(batch, places, validator, result), places, result, sql)
            if progress:
                progress(result.total)
            if result.total == 0:
                raise ImportFileError(_("The file has column names but no data rows."))
            if check_only or (result.rejected and not valid_only):
                raise _Rollback
    except _Rollback:
        pass
    else:
        result.written = True
    result.seconds = time.perf_counter() - started
    return result


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
    for rowno, raw in enumerate(rows, start=2):
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
