"""The register template offered on the import page: an XLSX with the headers the importer
reads, one example row that is plainly not a person (the standard's own sample ID number, a
compound that does not exist, so importing the file untouched adds nobody), and the ID and phone
columns formatted as text so Excel keeps all 18 digits and a trailing X."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from .importer import HEADERS, REQUIRED

TEXT = "@"
TEXT_COLUMNS = ("id_number", "phone", "building", "room")
PREFILLED_ROWS = 2000  # rows given the text format ahead of the typing
# GB 11643's own sample number: valid, and nobody's.
EXAMPLE = {
    "name": "示例 张三",
    "id_number": "11010519491231002X",
    "phone": "13800000000",
    "area": "示例小区",
    "building": "2栋",
    "room": "301",
    "tags": "独居老人",
    "note": "示例行：导入前请删除",
}
WIDTHS = {"name": 14, "id_number": 22, "phone": 15, "area": 18, "note": 24}


def build_register_template() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("Register of residents")
    fields = list(HEADERS)
    sheet.append([HEADERS[f][0] for f in fields])
    sheet.append([EXAMPLE[f] for f in fields])
    bold, grey = Font(bold=True), Font(italic=True, color="808080")
    for index, name in enumerate(fields, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.cell(row=1, column=index).font = bold
        if name in REQUIRED:
            sheet.cell(row=1, column=index).fill = PatternFill("solid", fgColor="FFF2CC")
        sheet.cell(row=2, column=index).font = grey
        sheet.column_dimensions[letter].width = WIDTHS.get(name, 10)
        if name in TEXT_COLUMNS:
            sheet.column_dimensions[letter].number_format = TEXT
            for row in range(2, PREFILLED_ROWS + 2):
                sheet.cell(row=row, column=index).number_format = TEXT
    id_letter = sheet.cell(row=1, column=fields.index("id_number") + 1).column_letter
    check = DataValidation(
        type="textLength", operator="equal", formula1="18", allow_blank=True, showErrorMessage=True
    )
    check.error = _("An ID number has 18 characters.")
    sheet.add_data_validation(check)
    check.add(f"{id_letter}2:{id_letter}{PREFILLED_ROWS + 1}")
    sheet.freeze_panes = "A2"
    _notes(book.create_sheet(_("How to fill it in")))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _notes(sheet) -> None:
    lines = [
        _("One resident per row, under the header row. Delete the grey example row first."),
        _("Required columns (yellow): 姓名, 公民身份号码, 小区."),
        _("公民身份号码: all 18 characters; the column is text, so a final X and the digits stay."),
        _("小区: the compound's name or code as the system knows it."),
        _("楼栋 and 房号: both or neither. 2, 2栋, 2号楼 and 二栋 are the same building."),
        _("标签: tags known to the system, separated by 、"),
        _(
            "A resident already on file is updated, not duplicated; a blank cell keeps what "
            "is on file."
        ),
    ]
    sheet.column_dimensions["A"].width = 90
    for line in lines:
        sheet.append([line])
