"""Resident ID numbers: what we accept, what we reject and why (DOMAIN.md, "Resident ID")."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from doorstep.core import idnumber

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
TODAY = datetime.date(2025, 6, 1)


def gb11643_check(body: str) -> str:
    """The check character computed straight from the standard, independently of stdnum."""
    return "10X98765432"[sum(int(c) * w for c, w in zip(body, WEIGHTS, strict=True)) % 11]


def valid(body: str) -> str:
    return body + gb11643_check(body)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def reject(value: str) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        idnumber.check(value, today=TODAY)
    return info.value


# ---------------------------------------------------------------------------------------------
# Accepted


def test_the_example_from_the_standard_is_valid():
    # GB 11643-1999's own worked example.
    facts = idnumber.check("11010519491231002X", today=TODAY)
    assert facts.number == "11010519491231002X"
    assert facts.birth_date == datetime.date(1949, 12, 31)
    assert facts.sex == "F"  # sequence 002 is even


@pytest.mark.parametrize(
    ("body", "birth", "sex"),
    [
        ("42010519500307001", datetime.date(1950, 3, 7), "M"),
        ("42010519881229124", datetime.date(1988, 12, 29), "F"),
        ("42010520000229013", datetime.date(2000, 2, 29), "M"),  # a leap day
        ("42010520250601998", TODAY, "F"),  # born today
    ],
)
def test_valid_numbers_give_birth_date_and_sex(body, birth, sex):
    facts = idnumber.check(valid(body), today=TODAY)
    assert (facts.birth_date, facts.sex) == (birth, sex)


def test_lowercase_x_is_accepted_and_normalised():
    assert idnumber.check("11010519491231002x", today=TODAY).number == "11010519491231002X"


def test_spaces_are_stripped():
    number = valid("42010519500307001")
    spaced = f"  {number[:6]} {number[6:14]} {number[14:]}\n"
    assert idnumber.check(spaced, today=TODAY).number == number


def test_full_width_digits_and_ideographic_spaces_are_folded():
    number = "11010519491231002X"
    typed = "\u3000" + "".join(chr(ord(c) + 0xFEE0) for c in number) + "\u3000"  # １１０…Ｘ
    assert idnumber.check(typed, today=TODAY).number == number


def test_default_today_is_the_local_date():
    # Shanghai's date, not the server's: a baby born this evening is not from the future.
    born_today = valid(f"420105{timezone.localdate():%Y%m%d}001")
    idnumber.check(born_today)


# ---------------------------------------------------------------------------------------------
# Rejected, each with its own code and message


@pytest.mark.parametrize("value", ["", "4201051950030700", "42010519500307001X1", "123"])
def test_wrong_length(value):
    error = reject(value)
    assert error.code == "id_length"
    assert error.messages == [f"An ID number has 18 characters; this one has {len(value.strip())}."]


@pytest.mark.parametrize(
    "value",
    [
        "42010519500307001A",
        "4201051950030700X1",  # X only as the last character
        "42010519500307-011",
        "４２０１０５１９５００３０７００１" + "٣",  # Arabic-Indic digit at the end
        "42010519500307001" + "\u0663",
    ],
)
def test_non_digit_characters(value):
    error = reject(value)
    assert error.code == "id_chars"
    assert error.messages == ["An ID number is 17 digits followed by a digit or X."]


@pytest.mark.parametrize(
    ("body", "shown", "message"),
    [
        ("42010519990230001", "19990230", "does not exist"),
        ("42010519991301001", "19991301", "does not exist"),
        ("42010519990000001", "19990000", "does not exist"),
        ("42010520250602001", "20250602", "is impossible"),  # tomorrow
        ("42010518500101001", "18500101", "is impossible"),
    ],
)
def test_impossible_birth_date(body, shown, message):
    error = reject(valid(body))
    assert error.code == "id_birth_date"
    assert error.messages == [f"The birth date {shown} in this ID number {message}."]


def test_wrong_check_character():
    number = valid("42010519500307001")
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    error = reject(wrong)
    assert error.code == "id_check"
    assert error.messages == [
        "The check character of this ID number is wrong; please re-check every digit."
    ]


def test_a_number_with_the_check_over_16_digits_is_rejected():
    # Regression: the check character used to be computed over the first 16 digits only.
    body = "42010519500307001"
    wrong = body + ric.calc_check_digit(body)  # stdnum wants the check character included
    assert wrong[17] != gb11643_check(body)
    assert reject(wrong).code == "id_check"


# ---------------------------------------------------------------------------------------------
# Where we deliberately differ from python-stdnum


def test_old_person_with_a_newer_address_code_is_accepted_where_stdnum_rejects_it():
    number = valid("42010519300307001")
    facts = idnumber.check(number, today=TODAY)
    assert facts.birth_date == datetime.date(1930, 3, 7)
    # Documenting python-stdnum 2.2: 420105 did not exist in 1930, so it rejects the number.
    with pytest.raises(ric.ValidationError):
        ric.validate(number)
    assert ric.calc_check_digit(number) == number[17]  # its check-digit helper agrees with us


def test_address_code_that_stdnum_crashes_on_is_accepted():
    number = valid("34052419800101001")
    assert idnumber.check(number, today=TODAY).birth_date == datetime.date(1980, 1, 1)
    # Documenting python-stdnum 2.2: an uncaught KeyError, not even its own ValidationError.
    with pytest.raises(KeyError):
        ric.validate(number)


# ---------------------------------------------------------------------------------------------
# Properties

addresses = st.sampled_from(["420105", "420102", "340524", "110105", "510104", "429004"])
births = st.dates(min_value=datetime.date(1880, 1, 1), max_value=TODAY)
seqs = st.integers(min_value=0, max_value=999)


@given(addresses, births, seqs)
def test_make_round_trips_through_check(address, birth, seq):
    number = idnumber.make(address, birth, seq)
    assert number[17] == gb11643_check(number[:17])
    facts = idnumber.check(number, today=TODAY)
    assert facts.number == number
    assert facts.birth_date == birth
    assert facts.sex == ("M" if seq % 2 else "F")


@given(addresses, births, seqs, st.integers(0, 16), st.integers(1, 9))
def test_changing_one_digit_is_rejected(address, birth, seq, position, delta):
    number = idnumber.make(address, birth, seq)
    digit = str((int(number[position]) + delta) % 10)
    altered = number[:position] + digit + number[position + 1 :]
    with pytest.raises(ValidationError) as info:
        idnumber.check(altered, today=TODAY)
    # A changed date digit may make the date impossible; otherwise the check character catches it.
    assert info.value.code in {"id_check", "id_birth_date"}


@given(addresses, births, seqs, st.integers(0, 15))
def test_swapping_two_adjacent_different_digits_is_rejected(address, birth, seq, position):
    number = idnumber.make(address, birth, seq)
    a, b = number[position], number[position + 1]
    if a == b:
        return
    swapped = number[:position] + b + a + number[position + 2 :]
    with pytest.raises(ValidationError):
        idnumber.check(swapped, today=TODAY)


def test_mask():
    # No character of the birth date or the tail: with the plain birth date they rebuild it.
    assert idnumber.mask("420105195003071234") == "420105************"
    assert idnumber.mask("11010519491231002X") == "110105************"
