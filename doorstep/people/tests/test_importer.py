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
    assert errors(result) == [
        (
            2,
            "公民身份号码",
            "The ID number was stored as a number and lost digits; format the column as text "
            "in the spreadsheet.",
        )
    ]
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
        "姓名,公民身份号码,小区\n".encode("utf-16"),  # Excel's "Unicode text"
    ],
    ids=["random", "png", "utf16"],
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
        ["张景林", pid(1), "", ERYIN, "", "", ""],  # 12: same ID as row 2
        ["", pid(11), "1381234567", QILI, "1栋", "101", ""],  # 13: three problems
        ["王十", pid(12), "", ERYIN, "", "", ""],  # 14: good
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
    assert reasons[12] == "Same ID number as row 2."
    assert reasons[13] == "A building and room need a compound, not a community."
    assert (result.total, result.rejected) == (13, 11)


def test_any_rejected_row_means_nothing_is_written(tmp_path, clerk, make_resident):
    existing = make_resident("王十", id_number=pid(12))  # row 14 would update this resident
    stamp = existing.updated_at
    before = counts()
    batch, result = run(csv_file(tmp_path, _bad_rows(), BAD_HEADER), clerk)
    assert not result.written
    # Buildings and households named by the good rows were created in the same transaction.
    assert counts() == before
    assert not Building.objects.filter(number="1栋").exists()
    existing.refresh_from_db()
    assert existing.updated_at == stamp
    assert (batch.status, batch.created, batch.updated, batch.rejected) == (
        ImportStatus.FAILED,
        0,
        0,
        11,
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
    assert (result.total, result.created, result.updated, result.rejected) == (13, 1, 1, 11)
    assert (batch.status, batch.created, batch.updated, batch.rejected) == (
        ImportStatus.DONE,
        1,
        1,
        11,
    )
    assert sorted(Resident.objects.values_list("name", flat=True)) == ["张景林", "王十"]
    assert Resident.objects.get(pk=existing.pk).phone == "13900000000"  # blank kept it
    zhang = Resident.objects.select_related("household__building").get(name="张景林")
    assert (zhang.household.building.number, zhang.household.room) == ("1栋", "101")
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
    assert (result.rejected, result.written) == (11, False)
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
    assert r.id_masked == f"420105********{number[-4:]}"
    assert r.id_tail_rev == number[-6:][::-1]
    assert (r.phone, r.phone_tail) == ("13812345678", "5678")
    assert (r.area, r.area_code) == (personas.compound_a, ERYIN)
    assert (r.household.building.compound, r.household.building.number) == (
        personas.compound_a,
        "1栋",
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
    ]
    _b, result = run(csv_file(tmp_path, rows), clerk, valid_only=True)
    assert errors(result) == [(3, "公民身份号码", "Same ID number as row 2.")]
    r = Resident.objects.get()
    assert (r.id_number(), r.phone) == (pid(1), "13812345678")


def test_female_and_x_numbers(tmp_path, clerk):
    number = "11010519491231002X"
    run(csv_file(tmp_path, [["李秀英", number[:-1] + "x", "", ERYIN, "", "", ""]]), clerk)
    r = Resident.objects.get()
    assert (r.sex, r.birth_date, r.id_tail_rev) == ("F", datetime.date(1949, 12, 31), "X20013")


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
        first = next(rows)
        assert len(first) == len(header)
        assert stream.tell() < size / 2  # not slurped
        assert sum(1 for _ in rows) == 40_000 - 1
