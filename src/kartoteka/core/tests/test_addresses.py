from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kartoteka.core.addresses import address_entries, addresses_clean, addresses_parse


def test_commas_semicolons_and_line_breaks_separate_but_not_inside_a_quoted_name() -> None:
    # given: Outlook's separator, a name with a comma in quotes, a line break, a repeat
    typed = 'a@klient.example; "Kowalski, Jan" <Jan@Klient.example>,\nA@klient.example'
    # when
    parsed = addresses_parse(typed)
    # then
    assert parsed == [("", "a@klient.example"), ("Kowalski, Jan", "jan@klient.example")]


def test_the_stored_form_is_addresses_only_lower_cased_once() -> None:
    assert addresses_clean(' "Biuro" <Biuro@Klient.example>;; biuro@klient.example ') == (
        "biuro@klient.example"
    )
    assert addresses_clean("") == ""


def test_every_bad_entry_is_named_as_typed() -> None:
    # when
    with pytest.raises(ValidationError) as refused:
        addresses_parse(["jan@klient.example; nie ma adresu", "szef@ "])
    # then
    assert refused.value.messages == [
        "“nie ma adresu” is not an email address.",
        "“szef@” is not an email address.",
    ]
    assert [error.code for error in refused.value.error_list] == [
        "invalid_address",
        "invalid_address",
    ]


def test_bare_addresses_separated_by_spaces_are_one_entry_each() -> None:
    # given: addresses pasted one after another, and a name with spaces (not split)
    typed = "a@klient.example  b@klient.example\nJan Maria Kowalski <jan@klient.example>"
    # then
    assert address_entries(typed) == [
        "a@klient.example",
        "b@klient.example",
        "Jan Maria Kowalski <jan@klient.example>",
    ]


def test_words_that_are_not_all_addresses_stay_one_entry_and_are_refused_as_typed() -> None:
    with pytest.raises(ValidationError) as refused:
        addresses_parse("a@klient.example oraz b@klient.example")
    assert refused.value.messages == [
        "“a@klient.example oraz b@klient.example” is not an email address."
    ]
