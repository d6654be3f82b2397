"""Mainland China mobile numbers."""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# 1 followed by 3-9, then 9 digits; a leading +86 / 86 / 0086 is accepted and dropped.
_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")  # ASCII digits only, not ``\d``
_PREFIX = re.compile(r"^(\+?86|0086)")


def normalize(value: str) -> str:
    # NFKC folds full-width digits, ＋ and （）, which Chinese input methods type.
    digits = re.sub(r"[\s\-()]", "", unicodedata.normalize("NFKC", value).strip())
    return _PREFIX.sub("", digits) if len(digits) > 11 else digits


def check(value: str) -> str:
    number = normalize(value)
    if not _MOBILE.match(number):
        raise ValidationError(
            _("“%(v)s” is not a mainland mobile number (11 digits starting with 13–19).")
            % {"v": value.strip()[:20]},
            code="phone",
        )
    return number


def mask(number: str) -> str:
    return f"{number[:3]}****{number[-4:]}" if len(number) == 11 else number


# A landline with its area code (010, 02x, 0xxx) and a 7- or 8-digit number, an optional
# extension after "-" or "转"; what a desk or a service centre answers on.
_LANDLINE = re.compile(r"^0(?:10|2[0-9]|[3-9][0-9]{2})-?[2-9][0-9]{6,7}(?:-[0-9]{1,6})?$")


def check_contact(value: str) -> str:
    """A mobile number (normalised as ``check`` does) or a landline written "027-84561234"."""
    text = unicodedata.normalize("NFKC", value).strip().replace("转", "-")
    if _MOBILE.match(normalize(text)):
        return normalize(text)
    landline = re.sub(r"[\s()]", "", text)
    if not _LANDLINE.match(landline):
        raise ValidationError(
            _(
                "“%(v)s” is not a phone number: write a mobile number (11 digits) or a landline "
                "with its area code, such as 027-84561234."
            )
            % {"v": value.strip()[:20]},
            code="phone",
        )
    return landline
