"""Resident ID numbers (公民身份号码, GB 11643-1999).

We check length, characters, birth date and check character. We deliberately do *not* check
that the 6-digit address code existed in the birth year, as ``stdnum.cn.ric.validate()`` does:
the code records where the number was first issued (from 1984), so a person born in 1930 may
legitimately carry a code created in 1983. stdnum's check-digit helper is used as is.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn.ric import calc_check_digit

_SHAPE = re.compile(r"^\d{17}[\dX]$")
_MIN_BIRTH = datetime.date(1880, 1, 1)


@dataclass(frozen=True, slots=True)
class IdFacts:
    number: str
    birth_date: datetime.date
    sex: str  # "M" or "F"


def normalize(value: str) -> str:
    return value.strip().replace(" ", "").upper()


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
    today = today or datetime.date.today()
    if not _MIN_BIRTH <= birth <= today:
        raise ValidationError(
            _("The birth date %(d)s in this ID number is impossible.") % {"d": number[6:14]},
            code="id_birth_date",
        )
    if calc_check_digit(number[:17]) != number[17]:
        raise ValidationError(
            _("The check character of this ID number is wrong; please re-check every digit."),
            code="id_check",
        )
    return IdFacts(number, birth, "M" if int(number[16]) % 2 else "F")


def make(address: str, birth: datetime.date, seq: int) -> str:
    """Build a valid ID number (for synthetic data and tests)."""
    body = f"{address}{birth:%Y%m%d}{seq:03d}"
    return body + calc_check_digit(body)


def mask(number: str) -> str:
    return f"{number[:6]}********{number[-4:]}"
