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
