from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from kartoteka.customers.identifiers import (
    format_phone,
    normalise_email,
    normalise_nip,
    normalise_phone,
    normalise_regon,
)
from kartoteka.testing.customers import valid_nip, valid_regon


@pytest.mark.parametrize(
    ("given_nip", "stored"),
    [
        ("5260001246", "5260001246"),
        ("526-000-12-46", "5260001246"),
        ("PL 526 000 12 46", "5260001246"),
        ("  ", ""),
    ],
)
def test_nip_is_stored_as_ten_digits(given_nip: str, stored: str) -> None:
    assert normalise_nip(given_nip) == stored


def test_nip_with_wrong_check_digit_says_so() -> None:
    with pytest.raises(ValidationError) as raised:
        normalise_nip("5260001247")
    assert raised.value.code == "nip_checksum"
    assert "wrong check digit" in raised.value.messages[0]


def test_nip_with_missing_digits_counts_them() -> None:
    with pytest.raises(ValidationError) as raised:
        normalise_nip("526000124")
    assert raised.value.messages == ["NIP must have 10 digits; 526000124 has 9."]


def test_nip_with_letters_is_rejected() -> None:
    with pytest.raises(ValidationError) as raised:
        normalise_nip("52600O1246")
    assert raised.value.code == "nip_format"


@given(st.integers(min_value=0, max_value=10_000))
def test_every_generated_nip_and_regon_round_trip(seed: int) -> None:
    nip = valid_nip(seed)
    regon = valid_regon(seed)
    assert normalise_nip(f"{nip[:3]}-{nip[3:6]}-{nip[6:8]}-{nip[8:]}") == nip
    assert normalise_regon(regon) == regon


@pytest.mark.parametrize("regon", ["123456785", "12345678512347"])
def test_regon_of_nine_or_fourteen_digits_is_accepted(regon: str) -> None:
    assert normalise_regon(regon) == regon


@pytest.mark.parametrize(
    ("bad", "code"),
    [("123456786", "regon_checksum"), ("1234567", "regon_length"), ("12345678A", "regon_format")],
)
def test_bad_regon_names_the_problem(bad: str, code: str) -> None:
    with pytest.raises(ValidationError) as raised:
        normalise_regon(bad)
    assert raised.value.code == code


@pytest.mark.parametrize(
    ("given_phone", "stored"),
    [
        ("601 234 567", "+48601234567"),
        ("+48 (22) 123-45-67", "+48221234567"),
        ("0048601234567", "+48601234567"),
        ("+420 601 123 456", "+420601123456"),
    ],
)
def test_phone_numbers_are_stored_in_e164(given_phone: str, stored: str) -> None:
    assert normalise_phone(given_phone) == stored


@pytest.mark.parametrize(("bad", "code"), [("abc", "phone_parse"), ("+48 12", "phone_invalid")])
def test_bad_phone_number_is_rejected(bad: str, code: str) -> None:
    with pytest.raises(ValidationError) as raised:
        normalise_phone(bad)
    assert raised.value.code == code


def test_phone_is_shown_nationally_at_home_and_internationally_abroad() -> None:
    assert format_phone("+48601234567") == "601 234 567"
    assert format_phone("+420601123456") == "+420 601 123 456"


def test_email_is_lower_cased_and_stripped() -> None:
    assert normalise_email("  Jan.Kowalski@Firma.PL ") == "jan.kowalski@firma.pl"


@pytest.mark.parametrize("bad", ["jan@", "jan kowalski@firma.pl", "@firma.pl", "a@b@c.pl"])
def test_malformed_email_is_rejected(bad: str) -> None:
    with pytest.raises(ValidationError) as raised:
        normalise_email(bad)
    assert raised.value.code == "invalid_address"
