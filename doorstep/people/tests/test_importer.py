"""Registry import: file formats, whole-file refusals, row errors, all-or-nothing, re-import."""

from __future__ import annotations

import csv
import datetime
import io
import os
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from doorstep.core import crypto, idnumber
from doorstep.people import importer, synthetic
from doorstep.people.actions import do_import_residents
from doorstep.people.choices import ImportStatus, ResidentStatus
from doorstep.people.importer import ImportFileError
from doorstep.people.models import ImportBatch, Resident, ResidentTag
from doorstep.places.models import Area, Building, Household

HEADER = ["姓名", "公民身份号码", "手机号码", "小区", "楼栋", "房号", "标签"]
ERYIN = "420105006001001"  # 二印小区, in clerk A's community
ERYIN_2 = "420105006001002"  # another compound of clerk A's community
QILI = "420105006001"  # 七里一村社区 itself
OUTSIDE = "420105001001001"  # a compound of clerk B's community


def pid(seq: int, birth: datetime.date = datetime.date(1950, 3, 7), address="420105") -> str:
    return idnumber.make(address, birth, seq)


def csv_bytes(rows: list[list[object]], header: list[str] = HEADER) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerows([header, *rows])
    return buf.getvalue()


def csv_file(tmp_path: Path, rows, header=HEADER, *, encoding="utf-8", name="名册.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(csv_bytes(rows, header).encode(encoding))
    return path


def xlsx_file(tmp_path: Path, rows, header=HEADER, *, name="名册.xlsx") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def run(path: Path, actor, **kw):
    return do_import_residents(path, actor=actor, filename=path.name, **kw)


def counts() -> dict[str, int]:
    models = (Resident, Building, Household, ResidentTag)
    return {m.__name__: m.objects.count() for m in models}


def errors(result) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.reason) for e in result.errors]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def clerk(personas):
    return personas.clerk_a


# ---------------------------------------------------------------------------------------------
# Formats


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_each_encoding(tmp_path, clerk, encoding):
    rows = [
        ["张景林", pid(1), "13812345678", ERYIN, "1栋", "101", "独居老人、低保"],
        ["欧阳秀英", pid(2), "", "二印小区", "", "", ""],
    ]
    batch, result = run(csv_file(tmp_path, rows, encoding=encoding), clerk)
    assert errors(result) == []
    assert (result.total, result.created, result.updated, result.written) == (2, 2, 0, True)
    assert sorted(Resident.objects.values_list("name", flat=True)) == ["张景林", "欧阳秀英"]
    zhang = Resident.objects.get(name="张景林")
    assert sorted(zhang.tags.values_list("name", flat=True)) == ["低保", "独居老人"]
    assert (batch.status, batch.created, batch.filename) == (ImportStatus.DONE, 2, "名册.csv")


def test_gb18030_characters_outside_gbk(tmp_path, clerk):
    # 䶮 (in 刘䶮) is in GB18030 but not in GBK.
    path = csv_file(tmp_path, [["刘䶮", pid(1), "", ERYIN, "", "", ""]], encoding="gb18030")
    _batch, result = run(path, clerk)
    assert result.written, errors(result)
    assert Resident.objects.get().name == "刘䶮"


def test_xlsx_with_the_id_column_as_text(tmp_path, clerk):
    rows = [
        ["张景林", pid(1), "13812345678", ERYIN, "1栋", "101", "独居老人"],
        # Cells Excel stores as numbers: phone, building and room.
        ["李秀英", pid(2, address="340524"), 13912345678, ERYIN, 3, 502, None],
    ]
    _batch, result = run(xlsx_file(tmp_path, rows), clerk)
    assert errors(result) == []
    assert result.created == 2
    li = Resident.objects.select_related("household__building").get(name="李秀英")
    assert li.phone == "13912345678"
    assert (li.household.building.number, li.household.room) == ("3", "502")


def test_xlsx_with_the_id_stored_as_a_number(tmp_path, clerk):
    number = pid(1)
    assert number[-1] != "X"
    rows = [["张景林", int(number), "", ERYIN, "", "", ""]]
    _batch, result = run(xlsx_file(tmp_path, rows), clerk)
    [(row, column, reason)] = errors(result)
    assert (row, column) == (2, "公民身份号码")
    assert reason.startswith(
        f"Excel has turned this ID number into a number ({number[0]}.{number[1:6]}E+17) and "
        "its last digits are lost."
    )
    assert "format the ID column as text, paste the ID numbers again" in reason
    assert not result.written
    assert counts()["Resident"] == 0


def test_a_file_object_works_like_a_path(clerk):
    data = csv_bytes([["张景林", pid(1), "", ERYIN, "", "", ""]]).encode()
    _batch, result = do_import_residents(io.BytesIO(data), actor=clerk, filename="upload.csv")
    assert result.created == 1


def test_ragged_rows_blank_lines_and_header_spellings(tmp_path, clerk):
    header = ["序号", "姓名", "身份证号", "所属小区", "备注"]  # an extra column, other spellings
    text = csv_bytes([["1", "张景林", pid(1), ERYIN, "行动不便"]], header)
    text += "\r\n,,,,\r\n" + "2,李秀英," + pid(2) + "," + ERYIN + "\r\n"  # blank row, short row
    path = tmp_path / "名册.csv"
    path.write_text(text, encoding="utf-8")
    _batch, result = run(path, clerk)
    assert (result.total, result.created, errors(result)) == (2, 2, [])
    assert Resident.objects.get(name="张景林").note == "行动不便"


# ---------------------------------------------------------------------------------------------
# Files refused as a whole


def refused(path: Path, actor) -> str:
    before = (counts(), ImportBatch.objects.count())
    with pytest.raises(ImportFileError) as info:
        run(path, actor)
    assert (counts(), ImportBatch.objects.count()) == before
    return str(info.value)


def test_empty_file(tmp_path, clerk):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert refused(path, clerk) == "The file is empty."


@pytest.mark.parametrize("tail", ["", "\r\n", "\r\n\r\n,,,,,,\r\n"])
def test_header_only(tmp_path, clerk, tail):
    path = tmp_path / "header.csv"
    path.write_text(",".join(HEADER) + tail, encoding="utf-8")
    assert refused(path, clerk) == "The file has column names but no data rows."


def test_wrong_headers_name_the_missing_columns(tmp_path, clerk):
    path = csv_file(tmp_path, [["张景林", pid(1), ERYIN]], header=["名字", "身份证", "小区"])
    message = refused(path, clerk)
    assert message.startswith("Required columns are missing: 姓名、公民身份号码.")


def test_only_blank_first_line(tmp_path, clerk):
    path = tmp_path / "blank.csv"
    path.write_bytes(b"\r\n")
    assert refused(path, clerk).startswith(
        "Required columns are missing: 姓名、公民身份号码、小区."
    )


@pytest.mark.parametrize(
    "data",
    [
        os.urandom(3000) + b"\x00" + os.urandom(3000),
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(2000),
    ],
    ids=["random", "png"],
)
def test_binary_files(tmp_path, clerk, data):
    path = tmp_path / "photo.csv"
    path.write_bytes(data)
    assert "not a CSV or Excel file" in refused(path, clerk)


def test_binary_junk_without_nul_bytes(tmp_path, clerk):
    junk = bytes(b for b in os.urandom(20000) if b)
    path = tmp_path / "junk.csv"
    path.write_bytes(junk)
    refused(path, clerk)


def _broken_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook")
    return buf.getvalue()


@pytest.mark.parametrize(
    "make",
    [
        lambda good: b"PK\x03\x04" + os.urandom(4000),
        lambda good: good[: len(good) // 2],
        lambda good: good[:-40],
        lambda good: _broken_zip(),
        lambda good: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(4000),  # a broken .xls
    ],
    ids=["pk-junk", "half", "truncated", "zip-not-xlsx", "ole-junk"],
)
def test_damaged_spreadsheets(tmp_path, clerk, make):
    good = xlsx_file(tmp_path, [["张景林", pid(1), "", ERYIN, "", "", ""]]).read_bytes()
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(make(good))
    assert refused(path, clerk) == "This spreadsheet cannot be read: it may be damaged."


def test_nul_bytes_after_the_first_megabyte_reject_the_row(tmp_path, clerk):
    # Past the 1 MB sniffed for binary content, Python's csv module passes NULs through; the
    # row is refused (PostgreSQL cannot store a NUL in text).
    good = csv_bytes([["张景林", pid(1), "", ERYIN, "", "", ""]]).encode()
    filler = b",,,,,,\r\n" * 140_000  # blank rows
    nul_row = f"李\x00秀英,{pid(2)},,{ERYIN},1栋\x00,101,\r\n".encode()
    path = tmp_path / "late-nul.csv"
    path.write_bytes(good + filler + nul_row)
    assert len(good + filler) > 1 << 20
    _b, result = run(path, clerk, valid_only=True)
    assert [(e.row, e.column) for e in result.errors] == [(140_003, "姓名")]
    assert "NUL" in result.errors[0].reason
    assert list(Resident.objects.values_list("name", flat=True)) == ["张景林"]


def test_utf8_then_something_else_past_the_sample(tmp_path, clerk):
    head = csv_bytes([["张景林", pid(1), "", ERYIN, "", "", ""]]).encode()
    filler = "张,,,,,,\r\n".encode() * 20 + b",,,,,,\r\n" * 140_000
    path = tmp_path / "mixed.csv"
    path.write_bytes(head + filler + "李秀英,,,,,,\r\n".encode("gbk"))
    assert len(head + filler) > 1 << 20
    assert "neither UTF-8 nor GBK" in refused(path, clerk)


# ---------------------------------------------------------------------------------------------
# Row errors


def _bad_rows() -> list[list[object]]:
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)
    wrong_check = pid(9)[:17] + ("0" if pid(9)[17] != "0" else "1")
    return [
        ["张景林", pid(1), "13812345678", ERYIN, "1栋", "101", "独居老人"],  # row 2: good
        ["李一", "4201051950030700", "", ERYIN, "", "", ""],  # 3: 16 characters
        ["李二", "42010519500307001A", "", ERYIN, "", "", ""],  # 4: a letter
        ["李三", idnumber.make("420105", tomorrow, 1), "", ERYIN, "", "", ""],  # 5: future
        ["李四", wrong_check, "", ERYIN, "", "", ""],  # 6: check character
        ["李五", pid(5), "027-84561234", ERYIN, "", "", ""],  # 7: landline
        ["李六", pid(6), "", "999999999999999", "", "", ""],  # 8: unknown area
        ["李七", pid(7), "", OUTSIDE, "", "", ""],  # 9: another community's compound
        ["李八", pid(8), "", ERYIN, "", "", "富豪"],  # 10: unknown tag
        ["李九", pid(10), "", ERYIN, "2栋", "", ""],  # 11: building without room
        ["王十一", pid(13), "", ERYIN, "", "", ""],  # 12: same ID as row 15
        ["", pid(11), "1381234567", QILI, "1栋", "101", ""],  # 13: three problems
        ["王十", pid(12), "", ERYIN, "", "", ""],  # 14: good
        ["王十一", pid(13), "", ERYIN, "", "", ""],  # 15: same ID as row 12
    ]


# The file spells two columns differently from our preferred names; errors quote the file.
BAD_HEADER = ["姓名", "身份证号", "联系电话", "小区", "楼栋", "房号", "标签"]


def test_row_errors_name_the_row_the_column_and_the_reason(tmp_path, clerk):
    _batch, result = run(csv_file(tmp_path, _bad_rows(), BAD_HEADER), clerk)
    found = errors(result)
    assert [(row, column) for row, column, _reason in found] == [
        (3, "身份证号"),
        (4, "身份证号"),
        (5, "身份证号"),
        (6, "身份证号"),
        (7, "联系电话"),
        (8, "小区"),
        (9, "小区"),
        (10, "标签"),
        (11, "房号"),
        (12, "身份证号"),
        (13, "姓名"),
        (13, "联系电话"),
        (13, "小区"),
        (15, "身份证号"),
    ]
    reasons = {row: reason for row, _column, reason in found}
    assert reasons[3] == "An ID number has 18 characters; this one has 16."
    assert reasons[4] == "An ID number is 17 digits followed by a digit or X."
    assert "is impossible" in reasons[5]
    assert reasons[6].startswith("The check character of this ID number is wrong")
    assert reasons[7].startswith("“027-84561234” is not a mainland mobile number")
    assert reasons[8] == "“999999999999999” is not a compound or community within your areas."
    assert reasons[9] == f"“{OUTSIDE}” is not a compound or community within your areas."
    assert reasons[10].startswith("Unknown tag “富豪”; known tags: ")
    assert reasons[11] == "Give both the building and the room, or neither."
    assert reasons[12] == "Same ID number as row 15; check which is right."
    assert reasons[13] == "A building and room need a compound, not a community."
    assert reasons[15] == "Same ID number as row 12."
    assert (result.total, result.rejected) == (14, 12)


def test_any_rejected_row_means_nothing_is_written(tmp_path, clerk, make_resident):
    existing = make_resident("王十", id_number=pid(12))  # row 14 would update this resident
    stamp = existing.updated_at
    before = counts()
    batch, result = run(csv_file(tmp_path, _bad_rows(), BAD_HEADER), clerk)
    assert not result.written
    # Buildings and households named by the good rows were created in the same transaction.
    assert counts() == before
    assert not Building.objects.filter(number__in=["1", "1栋"]).exists()
    existing.refresh_from_db()
    assert existing.updated_at == stamp
    assert (batch.status, batch.created, batch.updated, batch.rejected) == (
        ImportStatus.FAILED,
        0,
        0,
        12,
    )
    assert batch.errors[0] == {
        "row": 3,
        "column": "身份证号",
        "reason": "An ID number has 18 characters; this one has 16.",
    }


def test_rows_written_in_earlier_batches_are_rolled_back(tmp_path, clerk, monkeypatch):
    monkeypatch.setattr(importer, "BATCH", 2)
    rows = [["居民", pid(i), "", ERYIN, f"{i}栋", "101", "低保"] for i in range(1, 8)]
    rows.append(["坏人", "bad", "", ERYIN, "", "", ""])
    before = counts()
    _batch, result = run(csv_file(tmp_path, rows), clerk)
    assert (result.rejected, result.written) == (1, False)
    assert counts() == before


def test_valid_rows_only(tmp_path, clerk, make_resident):
    existing = make_resident("王十", id_number=pid(12), mobile="13900000000")
    batch, result = run(csv_file(tmp_path, _bad_rows(), BAD_HEADER), clerk, valid_only=True)
    assert result.written
    assert (result.total, result.created, result.updated, result.rejected) == (14, 1, 1, 12)
    assert (batch.status, batch.created, batch.updated, batch.rejected) == (
        ImportStatus.DONE,
        1,
        1,
        12,
    )
    assert sorted(Resident.objects.values_list("name", flat=True)) == ["张景林", "王十"]
    assert Resident.objects.get(pk=existing.pk).phone == "13900000000"  # blank kept it
    zhang = Resident.objects.select_related("household__building").get(name="张景林")
    # 1栋 is stored in the one spelling of building numbers (places.buildings).
    assert (zhang.household.building.number, zhang.household.room) == ("1", "101")
    assert list(zhang.tags.values_list("name", flat=True)) == ["独居老人"]
    assert Building.objects.count() == 1  # row 13's building was not created


def test_check_only_writes_nothing(tmp_path, clerk):
    rows = [["张景林", pid(1), "13812345678", ERYIN, "1栋", "101", "独居老人"]]
    batch, result = run(csv_file(tmp_path, rows), clerk, check_only=True)
    assert (result.total, result.created, result.rejected, result.written) == (1, 1, 0, False)
    assert counts() == {"Resident": 0, "Building": 0, "Household": 0, "ResidentTag": 0}
    assert (batch.status, batch.created) == (ImportStatus.CHECKED, 0)


def test_check_only_with_errors(tmp_path, clerk):
    _batch, result = run(csv_file(tmp_path, _bad_rows()), clerk, check_only=True, valid_only=True)
    assert (result.rejected, result.written) == (12, False)
    assert counts()["Resident"] == 0


def test_error_list_is_capped_but_every_row_is_counted(tmp_path, clerk, monkeypatch):
    monkeypatch.setattr(importer, "MAX_ERRORS_KEPT", 5)
    rows = [["李", "bad", "", ERYIN, "", "", ""] for _ in range(20)]
    _batch, result = run(csv_file(tmp_path, rows), clerk)
    assert (len(result.errors), result.rejected) == (5, 20)


def test_a_community_and_a_compound_by_name(tmp_path, clerk):
    rows = [
        ["张景林", pid(1), "", "二印小区", "", "", ""],
        ["李秀英", pid(2), "", "七里一村社区", "", "", ""],
    ]
    _batch, result = run(csv_file(tmp_path, rows), clerk)
    assert errors(result) == []
    assert dict(Resident.objects.values_list("name", "area_code")) == {
        "张景林": ERYIN,
        "李秀英": QILI,
    }


def test_a_compound_name_used_twice_needs_its_code(tmp_path, clerk):
    Area.objects.filter(code=ERYIN_2).update(name="二印小区")
    _batch, result = run(
        csv_file(tmp_path, [["张景林", pid(1), "", "二印小区", "", "", ""]]), clerk
    )
    assert errors(result) == [
        (2, "小区", "Several compounds are called “二印小区”; give its code.")
    ]


def test_a_file_without_a_room_column(tmp_path, clerk):
    # Regression: naming the missing 房号 column raised KeyError.
    header = ["姓名", "公民身份号码", "小区", "楼栋"]
    _batch, result = run(csv_file(tmp_path, [["张景林", pid(1), ERYIN, "1栋"]], header), clerk)
    assert errors(result) == [(2, "房号", "Give both the building and the room, or neither.")]


def test_long_values(tmp_path, clerk):
    rows = [
        ["张" * 51, pid(1), "", ERYIN, "", "", ""],
        ["李秀英", pid(2), "", ERYIN, "1" * 21, "101", ""],
    ]
    _batch, result = run(csv_file(tmp_path, rows), clerk)
    assert errors(result) == [
        (2, "姓名", "The name is longer than 50 characters."),
        (3, "房号", "Building and room are at most 20 characters."),
    ]


def test_superuser_may_import_anywhere(tmp_path, personas):
    rows = [["张景林", pid(1), "", ERYIN, "", "", ""], ["李秀英", pid(2), "", OUTSIDE, "", "", ""]]
    _batch, result = run(csv_file(tmp_path, rows), personas.admin)
    assert result.created == 2


@pytest.mark.parametrize("persona", ["reviewer", "outsider", "street_lead", "grid_a"])
def test_staff_without_the_import_capability_are_refused(tmp_path, personas, persona):
    path = csv_file(tmp_path, [["张景林", pid(1), "", ERYIN, "", "", ""]])
    with pytest.raises(PermissionDenied):
        run(path, getattr(personas, persona))
    assert counts()["Resident"] == 0
    assert not ImportBatch.objects.exists()


# ---------------------------------------------------------------------------------------------
# What is stored


def test_derived_fields(tmp_path, clerk, personas):
    number = idnumber.make("420105", datetime.date(1950, 3, 7), 123)
    rows = [["张景林", number.lower(), "+86 138-1234-5678", ERYIN, "1栋", "101", "低保"]]
    run(csv_file(tmp_path, rows, header=[*HEADER[:-1], "标签"]), clerk)
    r = Resident.objects.select_related("household__building").get()
    assert (r.birth_date, r.sex) == (datetime.date(1950, 3, 7), "M")
    assert (r.name_pinyin, r.name_initials) == ("zhangjinglin", "zjl")
    assert r.id_masked == "420105************"
    assert r.id_tail_hash == crypto.tail_hash(number[-4:])
    assert (r.phone, r.phone_tail) == ("13812345678", "5678")
    assert (r.area, r.area_code) == (personas.compound_a, ERYIN)
    assert (r.household.building.compound, r.household.building.number) == (
        personas.compound_a,
        "1",  # 1栋 in the one spelling
    )
    assert r.status == "active"
    assert number not in r.id_cipher and number[:14] not in r.id_cipher
    assert crypto.decrypt(r.id_cipher) == number == r.id_number()
    assert r.id_hash == crypto.keyed_hash(number)
    assert Resident.objects.by_id_number(number.lower()).get() == r


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def test_full_width_numbers_are_folded_and_count_as_duplicates(tmp_path, clerk):
    rows = [
        ["张景林", _full_width(pid(1)), _full_width("138 1234 5678"), ERYIN, "", "", ""],
        ["张景林", pid(1), "", ERYIN, "", "", ""],
        ["李秀英", _full_width(pid(2)), _full_width("138 1234 5678"), ERYIN, "", "", ""],
    ]
    _b, result = run(csv_file(tmp_path, rows), clerk, valid_only=True)
    assert errors(result) == [
        (2, "公民身份号码", "Same ID number as row 3; check which is right."),
        (3, "公民身份号码", "Same ID number as row 2."),
    ]
    r = Resident.objects.get()
    assert (r.id_number(), r.phone) == (pid(2), "13812345678")


def test_female_and_x_numbers(tmp_path, clerk):
    number = "11010519491231002X"
    run(csv_file(tmp_path, [["李秀英", number[:-1] + "x", "", ERYIN, "", "", ""]]), clerk)
    r = Resident.objects.get()
    assert (r.sex, r.birth_date) == ("F", datetime.date(1949, 12, 31))
    assert r.id_tail_hash == crypto.tail_hash("002X")


def test_reimport_updates_instead_of_duplicating(tmp_path, clerk, monkeypatch):
    first = [
        ["张景林", pid(1), "13812345678", ERYIN, "1栋", "101", "独居老人、低保"],
        ["李秀英", pid(2), "13912345678", ERYIN, "", "", ""],
    ]
    _b, result = run(csv_file(tmp_path, first, name="1.csv"), clerk)
    assert (result.created, result.updated) == (2, 0)
    zhang = Resident.objects.get(name="张景林")
    created_at, household = zhang.created_at, zhang.household_id

    second = [
        ["张景琳", pid(1), "", ERYIN_2, "", "", "残疾人"],  # renamed, moved, phone blank
        ["李秀英", pid(2), "13700000000", ERYIN, "", "", ""],
        ["王建国", pid(3), "", ERYIN, "", "", ""],
    ]
    _b, result = run(csv_file(tmp_path, second, name="2.csv"), clerk)
    assert (result.created, result.updated, result.written) == (1, 2, True)
    assert Resident.objects.count() == 3
    zhang = Resident.objects.get(pk=zhang.pk)
    assert (zhang.name, zhang.name_pinyin, zhang.name_initials) == ("张景琳", "zhangjinglin", "zjl")
    assert (zhang.phone, zhang.phone_tail) == ("13812345678", "5678")  # blank kept the old one
    assert zhang.area_code == ERYIN_2
    assert zhang.household_id is None  # moved compound: the old door is no longer theirs
    assert household is not None
    assert zhang.created_at == created_at and zhang.updated_at > created_at
    assert list(zhang.tags.values_list("name", flat=True)) == ["残疾人"]  # replaced
    assert Resident.objects.get(name="李秀英").phone == "13700000000"

    # A file without a 标签 column leaves tags alone.
    header = HEADER[:-1]
    third = [["张景琳", pid(1), "", ERYIN_2, "", ""]]
    _b, result = run(csv_file(tmp_path, third, header, name="3.csv"), clerk)
    assert result.updated == 1
    assert list(zhang.tags.values_list("name", flat=True)) == ["残疾人"]


def test_reimport_keeps_what_blanks_and_status_do_not_say(tmp_path, clerk):
    first = [["张景林", pid(1), "13812345678", ERYIN, "1栋", "101", "独居老人、低保"]]
    run(csv_file(tmp_path, first, name="1.csv"), clerk)
    zhang = Resident.objects.get(name="张景林")
    household = zhang.household_id
    Resident.objects.filter(pk=zhang.pk).update(status=ResidentStatus.DECEASED)

    # Same compound, blank building/room, blank tags: all kept; the death stays recorded.
    second = [["张景林", pid(1), "", ERYIN, "", "", ""]]
    _b, result = run(csv_file(tmp_path, second, name="2.csv"), clerk)
    assert (result.updated, result.written) == (1, True)
    zhang.refresh_from_db()
    assert zhang.household_id == household
    assert sorted(zhang.tags.values_list("name", flat=True)) == ["低保", "独居老人"]
    assert zhang.status == ResidentStatus.DECEASED


def test_a_resident_on_file_in_another_community_is_not_taken_over(
    tmp_path, clerk, make_resident, personas
):
    # Regression: the upsert on the ID hash let clerk A overwrite clerk B's resident and move
    # them into community A, knowing only the ID number.
    theirs = make_resident(
        "王建国", area=personas.compound_b, id_number=pid(1), mobile="13900000000"
    )
    rows = [
        ["冒名", pid(1), "13812345678", ERYIN, "1栋", "101", "低保"],
        ["李秀英", pid(2), "", ERYIN, "", "", ""],
    ]
    path = csv_file(tmp_path, rows, BAD_HEADER)
    before = counts()
    _b, result = run(path, clerk)
    assert errors(result) == [
        (2, "身份证号", "This person is registered in an area you do not serve.")
    ]
    assert not result.written and counts() == before

    _b, result = run(path, clerk, valid_only=True)
    assert (result.created, result.updated, result.rejected) == (1, 0, 1)
    theirs.refresh_from_db()
    assert (theirs.name, theirs.area_code, theirs.phone) == ("王建国", OUTSIDE, "13900000000")
    assert not theirs.tags.exists() and theirs.household is None
    assert Household.objects.count() == 0


def test_the_administrator_may_move_a_resident_anywhere(tmp_path, personas, make_resident):
    theirs = make_resident("王建国", area=personas.compound_b, id_number=pid(1))
    rows = [["王建国", pid(1), "", ERYIN, "", "", ""]]
    _b, result = run(csv_file(tmp_path, rows), personas.admin)
    assert result.updated == 1
    theirs.refresh_from_db()
    assert theirs.area_code == ERYIN


# ---------------------------------------------------------------------------------------------
# Size


def _community_a_compounds() -> list[str]:
    return list(
        Area.objects.filter(code__startswith=QILI, kind="compound")
        .order_by("code")
        .values_list("code", flat=True)
    )


def test_twenty_thousand_rows(tmp_path, clerk):
    path = synthetic.write_csv(tmp_path / "big.csv", 20_000, _community_a_compounds())
    _batch, result = run(path, clerk)  # how fast: bench/unit_timings.py (make bench)
    assert errors(result) == []
    assert (result.total, result.created, result.written) == (20_000, 20_000, True)
    assert Resident.objects.count() == 20_000
    assert Household.objects.count() > 5_000


def test_created_and_updated_counts_across_batches(tmp_path, clerk, monkeypatch):
    monkeypatch.setattr(importer, "BATCH", 3)
    first = [["居民", pid(i), "", ERYIN, "", "", "低保"] for i in range(1, 8)]
    _b, result = run(csv_file(tmp_path, first, name="1.csv"), clerk)
    assert (result.created, result.updated) == (7, 0)
    second = [["居民", pid(i), "", ERYIN, "", "", "特困"] for i in range(4, 12)]
    _b, result = run(csv_file(tmp_path, second, name="2.csv"), clerk)
    assert (result.created, result.updated) == (4, 4)
    assert Resident.objects.count() == 11
    assert ResidentTag.objects.filter(tag__name="低保").count() == 3
    assert ResidentTag.objects.filter(tag__name="特困").count() == 8


def test_the_file_is_read_as_it_goes(tmp_path):
    path = tmp_path / "big.csv"
    synthetic.write_csv(path, 40_000, ["420105006001001"])
    size = path.stat().st_size
    assert size > 2 << 20
    with open(path, "rb") as stream:
        header, rows, reported = importer.read_table(stream)
        assert header == synthetic.HEADER and reported == size
        number, first = next(rows)
        assert (number, len(first)) == (2, len(header))
        assert stream.tell() < size / 2  # not slurped
        assert sum(1 for _ in rows) == 40_000 - 1


# ---------------------------------------------------------------------------------------------
# Registers as other systems export them


TITLE = ["2026年七里一村社区居民花名册", "", "", "", "", "", ""]


@pytest.mark.parametrize("make", [csv_file, xlsx_file], ids=["csv", "xlsx"])
def test_title_rows_above_the_header_and_blank_rows_at_the_end(tmp_path, clerk, make):
    """Row 1 a title, row 2 the date of export, row 3 the header; an in-file duplicate (rows 4
    and 6) refuses both, named by the rows Excel shows; blank rows at the end are skipped."""
    rows = [
        ["导出日期：2026-11-30", "", "", "", "", "", ""],
        HEADER,
        ["张景林", pid(1), "", ERYIN, "", "", ""],  # row 4
        ["李秀英", pid(2), "", ERYIN, "", "", ""],  # row 5
        ["张敬林", pid(1), "", ERYIN, "", "", ""],  # row 6: row 4's ID number
        ["王建国", "bad", "", ERYIN, "", "", ""],  # row 7
        ["", "", "", "", "", "", ""],
        ["", "", "", "", "", "", ""],
    ]
    _b, result = run(make(tmp_path, rows, header=TITLE), clerk, valid_only=True)
    assert [(row, column) for row, column, _reason in errors(result)] == [
        (4, "公民身份号码"),
        (6, "公民身份号码"),
        (7, "公民身份号码"),
    ]
    reasons = [reason for _row, _column, reason in errors(result)]
    assert reasons[:2] == [
        "Same ID number as row 6; check which is right.",
        "Same ID number as row 4.",
    ]
    assert (result.total, result.created, result.rejected) == (4, 1, 3)
    assert list(Resident.objects.values_list("name", flat=True)) == ["李秀英"]


def test_the_header_is_looked_for_in_the_first_ten_rows_only(tmp_path, clerk):
    rows = [*([["说明"] + [""] * 6] * 10), HEADER, ["张景林", pid(1), "", ERYIN, "", "", ""]]
    message = refused(csv_file(tmp_path, rows, header=TITLE), clerk)
    assert message.startswith(
        "Required columns are missing: 姓名、公民身份号码、小区. One of the first 10"
    )


def test_xlsx_rows_are_numbered_from_the_top_of_the_sheet(tmp_path, clerk):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["B3"] = "title"  # rows 1-2 empty, a title in row 3, the header in row 5
    for col, title in enumerate(HEADER, start=2):
        sheet.cell(row=5, column=col, value=title)
    for col, value in enumerate(["李秀英", "bad", "", ERYIN], start=2):
        sheet.cell(row=9, column=col, value=value)
    path = tmp_path / "sparse.xlsx"
    book.save(path)
    _b, result = run(path, clerk)
    assert [(e.row, e.column) for e in result.errors] == [(9, "公民身份号码")]


def test_a_line_break_inside_a_cell_is_one_row_as_in_excel(tmp_path, clerk):
    rows = [
        ["张景林", pid(1), "", ERYIN, "", "", ""],  # row 3
        ["李秀英", pid(2), "", ERYIN, "", "", ""],  # row 4
        ["王建国", "bad", "", ERYIN, "", "", ""],  # row 5
    ]
    header = [*HEADER, "备注"]
    rows[0].append("行动不便\n需上门")  # two lines in one cell: still row 3 in Excel
    path = csv_file(tmp_path, [header, *rows], header=[*TITLE, ""])
    _b, result = run(path, clerk)
    assert [(e.row, e.column) for e in result.errors] == [(5, "公民身份号码")]


@pytest.mark.parametrize(
    "shown", ["4.20105E+17", "4.20105e+17", "420105195003070000"], ids=["E", "e", "zeros"]
)
def test_an_id_excel_turned_into_a_number_says_so_in_a_csv(tmp_path, clerk, shown):
    _b, result = run(csv_file(tmp_path, [["张景林", shown, "", ERYIN, "", "", ""]]), clerk)
    [(row, _column, reason)] = errors(result)
    assert row == 2
    assert reason.startswith(f"Excel has turned this ID number into a number ({shown})")
    assert "format the ID column as text, paste the ID numbers again" in reason


def test_an_xlsx_id_cell_in_scientific_notation(tmp_path, clerk):
    # What Excel keeps of an 18-digit number: 15 significant digits, as a float.
    rows = [["张景林", float(pid(1)[:15] + "000"), "", ERYIN, "", "", ""]]
    _b, result = run(xlsx_file(tmp_path, rows), clerk)
    [(_row, _column, reason)] = errors(result)
    assert reason.startswith("Excel has turned this ID number into a number (4.20105E+17)")


@pytest.mark.parametrize(
    ("encoding", "name", "header"),
    [
        ("big5", "Big5", ["姓名", "身份證號碼", "小區"]),
        ("shift_jis", "Shift-JIS", ["氏名", "番号", "住所"]),
        ("utf-16", "UTF-16", HEADER),  # with a byte-order mark (Excel's "Unicode text")
        ("utf-16-le", "UTF-16", HEADER),
        ("utf-16-be", "UTF-16", HEADER),
    ],
)
def test_unsupported_encodings_are_named(tmp_path, clerk, encoding, name, header):
    path = csv_file(tmp_path, [["張景林", pid(1), ERYIN]], header=header, encoding=encoding)
    message = refused(path, clerk)
    assert message == (
        f"This CSV file is in {name}, which cannot be imported. Save it as CSV in "
        "UTF-8、GBK (GB18030), or as XLSX, and try again."
    )


# ---------------------------------------------------------------------------------------------
# Spreadsheet bombs

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def bomb(path: Path, rows: int, *, dimension: str | None = None) -> Path:
    """An XLSX whose sheet repeats one row ``rows`` times, written in chunks: it packs about a
    thousand to one."""
    cells = ["张景林", pid(1), "", ERYIN]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _ROOT_RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?><worksheet '
                b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            )
            if dimension:
                sheet.write(f'<dimension ref="{dimension}"/>'.encode())
            head = "".join(_inline(f"{c}1", t) for c, t in zip("ABCD", HEADER[:4], strict=True))
            sheet.write(f'<sheetData><row r="1">{head}</row>'.encode())
            row = "<row>" + "".join(f'<c t="inlineStr"><is><t>{t}</t></is></c>' for t in cells)
            chunk = (row + "</row>").encode() * 1000
            for _ in range(rows // 1000):
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return path


def test_a_zip_bomb_is_refused_before_it_is_read(tmp_path, clerk, monkeypatch):
    path = bomb(tmp_path / "bomb.xlsx", 400_000)  # about 60 MB of XML in under 1 MB
    info = zipfile.ZipFile(path).getinfo("xl/worksheets/sheet1.xml")
    assert info.file_size > 200 * info.compress_size
    opened = []
    monkeypatch.setattr(openpyxl, "load_workbook", opened.append)
    message = refused(path, clerk)
    assert message.startswith(f"This spreadsheet unpacks to {info.file_size // 1_000_000} MB")
    assert opened == []


def test_the_unpacked_size_is_bounded(tmp_path, clerk, settings):
    path = xlsx_file(tmp_path, [["张景林", pid(i), "", ERYIN, "", "", ""] for i in range(200)])
    settings.DOORSTEP_IMPORT_MAX_UNPACKED = 20_000
    assert "unpacks to" in refused(path, clerk)
    settings.DOORSTEP_IMPORT_MAX_UNPACKED = 20_000_000
    assert run(path, clerk)[1].created == 200


def test_the_declared_cell_count_is_bounded(tmp_path, clerk, settings):
    settings.DOORSTEP_IMPORT_MAX_RATIO = 10_000  # only the cell count stops this one
    path = bomb(tmp_path / "wide.xlsx", 2_000, dimension="A1:XFD1048576")
    assert refused(path, clerk).startswith("This spreadsheet has more than 21,000,000 cells")


def test_cells_are_counted_as_they_are_read(tmp_path, clerk, settings):
    """A sheet that declares a small size and holds more is read to its end (not cut off at
    the declared size) and refused at the cell bound."""
    settings.DOORSTEP_IMPORT_MAX_RATIO = 10_000
    path = bomb(tmp_path / "liar.xlsx", 3_000, dimension="A1:D2")
    _b, result = run(path, clerk, check_only=True)
    assert (result.total, result.rejected) == (3_000, 3_000)  # all one ID number: all refused
    settings.DOORSTEP_IMPORT_MAX_CELLS = 10_000
    assert refused(path, clerk).startswith("This spreadsheet has more than 10,000 cells")


@pytest.mark.parametrize("who", ["clerk_a", "admin"])
@pytest.mark.parametrize("check_only", [False, True])
def test_a_refused_import_counts_who_would_be_created_and_updated(
    tmp_path, personas, make_resident, who, check_only
):
    make_resident("王十", id_number=pid(12))
    rows = [
        ["张景林", pid(1), "", ERYIN, "", "", ""],
        ["王十", pid(12), "", ERYIN, "", "", ""],
        ["坏人", "bad", "", ERYIN, "", "", ""],
    ]
    actor = getattr(personas, who)
    _b, result = run(csv_file(tmp_path, rows), actor, check_only=check_only)
    assert (result.created, result.updated, result.rejected, result.written) == (1, 1, 1, False)
    assert Resident.objects.count() == 1
