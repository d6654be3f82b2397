"""The register template from the import page, opened back with openpyxl; and building
numbers written several ways in a register land in one building."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from doorstep.core import idnumber
from doorstep.people.actions import do_import_residents
from doorstep.people.importer import HEADERS, map_header
from doorstep.people.models import Resident
from doorstep.places.models import Building

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(client, user):
    client.force_login(user)
    return client.get(reverse("people-import-template"))


def test_the_template_downloads_and_reads_back(client, personas):
    response = _download(client, personas.clerk_a)
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header == [spellings[0] for spellings in HEADERS.values()]
    assert set(map_header(header)) == set(HEADERS)  # the importer reads its own template
    id_column = header.index("公民身份号码") + 1
    letter = sheet.cell(row=1, column=id_column).column_letter
    example = sheet.cell(row=2, column=id_column)
    assert example.value == "11010519491231002X" and example.number_format == "@"
    assert sheet.cell(row=500, column=id_column).number_format == "@"
    assert sheet.column_dimensions[letter].number_format == "@"
    phone = sheet.cell(row=2, column=header.index("手机号码") + 1)
    assert isinstance(phone.value, str) and phone.number_format == "@"
    assert "示例" in sheet.cell(row=2, column=1).value  # plainly not a person
    assert len(book.worksheets) == 2  # and how to fill it in


def test_the_import_page_links_the_template(client, personas):
    client.force_login(personas.clerk_a)
    page = client.get(reverse("people-import")).content.decode()
    assert reverse("people-import-template") in page


@pytest.mark.parametrize("who", ["reviewer", "outsider", "administrator"])
def test_the_template_needs_the_import_role(client, personas, who):
    assert _download(client, getattr(personas, who)).status_code == 403


def test_the_template_needs_a_login(client, personas):
    response = client.get(reverse("people-import-template"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_untouched_template_imports_nobody(client, personas, tmp_path):
    path = tmp_path / "template.xlsx"
    path.write_bytes(_download(client, personas.clerk_a).content)
    _batch, result = do_import_residents(path, actor=personas.clerk_a, filename=path.name)
    assert not Resident.objects.exists()
    assert result.rejected == 1 and result.total == 1


def test_building_spellings_land_in_one_building(personas, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["姓名", "公民身份号码", "小区", "楼栋", "房号"])
    for n, spelled in enumerate(["2", "2栋", "2号楼", "二栋"], start=1):
        number = idnumber.make("420105", datetime.date(1950, 1, n), n)
        sheet.append([f"住户{n}", number, "420105006001001", spelled, "301" if n < 3 else "401"])
    path = tmp_path / "名册.xlsx"
    book.save(path)
    do_import_residents(path, actor=personas.clerk_a, filename=path.name)
    building = Building.objects.get(compound=personas.compound_a)
    assert building.number == "2"
    assert sorted(building.households.values_list("room", flat=True)) == ["301", "401"]
    assert Resident.objects.filter(household__room="301").count() == 2
