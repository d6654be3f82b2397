"""The recipient list of a programme as an .xlsx file: who a run would grant (from the
preview's query) or who a run granted (its entitlements), with the amount each receives and
the total. openpyxl's write-only workbook, one row at a time.

Names are shown in full only to staff who may see the resident's record there; others get the
surname and stars, as the preview's sample does. The file says who exported it and when
(DESIGN.md §6), in its properties and in its last lines.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from doorstep.core.names import masked_name
from doorstep.staff.roles import VIEW_RESIDENTS
from doorstep.staff.scoping import covers

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def shown_name(user, name: str, area_code: str) -> str:
    return name if covers(user, VIEW_RESIDENTS, area_code or "") else masked_name(name)


def recipients_xlsx(
    rows: Iterable[tuple[str, str, str, Decimal | None]], *, user, title: str
) -> bytes:
    """``rows`` of (name, masked ID, area code, amount) as a workbook: a header, one row per
    recipient, the count and total, and who exported it when."""
    book = Workbook(write_only=True)
    by = user.get_full_name() or user.get_username()
    book.properties.title = title[:200]
    book.properties.creator = book.properties.lastModifiedBy = by
    sheet = book.create_sheet(_("Recipients"))
    sheet.append([_("Name"), _("ID number"), _("Area code"), _("Amount (yuan)")])
    count, total = 0, Decimal(0)
    for name, id_masked, area, amount in rows:
        sheet.append([shown_name(user, name, area), id_masked, area, amount])
        count += 1
        total += amount or 0
    sheet.append([])
    sheet.append([_("Recipients"), count, _("Total (yuan)"), total])
    when = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    sheet.append([_("Exported by %(name)s at %(when)s") % {"name": by, "when": when}])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
