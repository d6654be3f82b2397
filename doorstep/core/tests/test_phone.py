"""Mainland mobile numbers."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from doorstep.core import phone


@pytest.mark.parametrize(
    "value",
    [
        "13812345678",
        " 13812345678 ",
        "138 1234 5678",
        "138-1234-5678",
        "+8613812345678",
        "+86 138 1234 5678",
        "+86-138-1234-5678",
        "(+86) 13812345678",
        "8613812345678",
        "0086 13812345678",
        "１３８１２３４５６７８",  # full-width digits, as Chinese input methods type them
    ],
)
def test_valid_mobiles_are_normalised(value):
    assert phone.check(value) == "13812345678"


@pytest.mark.parametrize("first_two", ["13", "14", "15", "16", "17", "18", "19"])
def test_every_mobile_range_is_accepted(first_two):
    assert phone.check(f"{first_two}012345678") == f"{first_two}012345678"


@pytest.mark.parametrize(
    "value",
    [
        "027-84561234",  # Wuhan landline
        "02784561234",
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "12812345678",  # 12x is not a mobile range
        "10012345678",
        "23812345678",
        "1381234567a",
        "abcdefghijk",
        "138１２３４５６７٨",  # an Arabic-Indic digit is not a digit here
        "+87 13812345678",
        "",
    ],
)
def test_invalid_numbers_are_rejected(value):
    with translation.override("en"), pytest.raises(ValidationError) as info:
        phone.check(value)
    assert info.value.code == "phone"
    assert "is not a mainland mobile number" in info.value.messages[0]


def test_the_message_quotes_what_was_typed():
    with translation.override("en"), pytest.raises(ValidationError) as info:
        phone.check(" 027-84561234 ")
    assert info.value.messages == [
        "“027-84561234” is not a mainland mobile number (11 digits starting with 13–19)."
    ]


def test_mask():
    assert phone.mask("13812345678") == "138****5678"
    assert phone.mask("") == ""


@given(
    st.sampled_from(["", "+86", "86", "0086", "+86 ", "(+86) "]),
    st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    st.lists(st.sampled_from(["", " ", "-"]), min_size=10, max_size=10),
)
def test_any_mobile_with_any_separators(prefix, number, seps):
    typed = prefix + "".join(d + s for d, s in zip(number, [*seps, ""], strict=True))
    assert phone.check(typed) == number
