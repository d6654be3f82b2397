"""Resident ID numbers (公民身份号码, GB 11643-1999).

We check length, characters, birth date and check character. We deliberately do *not* check
that the 6-digit address code existed in the birth year, as ``stdnum.cn.ric.validate()`` does:
the code records where the number was first issued (from 1984), so a person born in 1930 may
legitimately carry a code created in 1983. stdnum's check-digit helper is used as is.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.cn.ric import calc_check_digit

# ASCII digits only: ``\d`` would also let full-width (１２３) and other scripts' digits through.
_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")
_MIN_BIRTH = datetime.date(1880, 1, 1)


@dataclass(frozen=True, slots=True)
class IdFacts:
    number: str
    birth_date: datetime.date
    sex: str  # "M" or "F"


def normalize(value: str) -> str:
    # NFKC folds full-width digits, Ｘ and the ideographic space that Chinese input methods type.
    return unicodedata.normalize("NFKC", value).strip().replace(" ", "").upper()


def check_char(body: str) -> str:
    """The check character for the first 17 digits.

    stdnum's ``calc_check_digit()`` takes the number *with* its check character and ignores the
    last one, so it is given a placeholder; passing the bare 17 digits would drop one.
    """
    return calc_check_digit(body[:17] + "?")


def check(value: str, *, today: datetime.date | None = None) -> IdFacts:
    """Validate an ID number and return what it tells; raise ValidationError with a code."""
    number = normalize(value)
    if len(number) != 18:
        raise ValidationError(
            _("An ID number has 18 characters; this one has %(n)d.") % {"n": len(number)},
            code="id_length",
        )
    if not _SHAPE.match(number):
        raise ValidationError(
            _("An ID number is 17 digits followed by a digit or X."), code="id_chars"
        )
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("The birth date %(d)s in this ID number does not exist.") % {"d": number[6:14]},
            code="id_birth_date",
        ) from None
    today = today or timezone.localdate()
    if not _MIN_BIRTH <= birth <= today:
        raise ValidationError(
            _("The birth date %(d)s in this ID number is impossible.") % {"d": number[6:14]},
            code="id_birth_date",
        )
    if check_char(number) != number[17]:
        raise ValidationError(
            _("The check character of this ID number is wrong; please re-check every digit."),
            code="id_check",
        )
    return IdFacts(number, birth, "M" if int(number[16]) % 2 else "F")


def make(address: str, birth: datetime.date, seq: int) -> str:
    """Build a valid ID number (for synthetic data and tests)."""
    body = f"{address}{birth:%Y%m%d}{seq:03d}"
    return body + check_char(body)


def mask(number: str) -> str:
    """The area code and 12 stars. No character after the birth date is shown: with the birth
    date (stored plain, shown on the resident page) the last four would rebuild the number."""
    return f"{number[:6]}{'*' * 12}"
