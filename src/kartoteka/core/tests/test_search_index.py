"""How the index reads texts and searches (the database part is tested through the search app)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kartoteka.core.search_index import Query, normalise, phone_keys, query_parse
from kartoteka.core.text_search import STROKED, fold


def test_texts_are_folded_to_plain_words() -> None:
    assert normalise("Przesyłka nr 12/2024, ŁÓDŹ! jan.kowalski@acme.pl") == (
        "przesylka nr 12 2024 lodz jan kowalski acme pl"
    )


def test_a_long_text_is_cut_at_a_word() -> None:
    assert normalise("alfa beta gamma", 12) == "alfa beta"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3932", Query(("3932",), (("3932",),), 3932)),
        ("#3932", Query(("3932",), (("3932",),), 3932)),
        ("[ACME#3932]", Query(("acme", "3932"), (("3932",),), 3932)),
        ("+48 601-234-567", Query(("48", "601", "234", "567"), (("48601234567",),))),
        ("0048601234567", Query(("0048601234567",), (("0048601234567",), ("48601234567",)))),
        ("PL 526-025-02-74", Query(("pl", "526", "025", "02", "74"), (("5260250274",),))),
        (
            "Jan.Kowalski@acme.pl",
            Query(("jan", "kowalski", "acme", "pl"), (("jan", "kowalski", "acme", "pl"),)),
        ),
        ('"NEAR(a* OR -b)', Query(("near", "a", "or", "b"))),
        ("\x00", Query()),
    ],
)
def test_identifiers_are_recognised_before_words(text, expected) -> None:
    assert query_parse(text) == expected


def test_an_overlong_query_is_shortened_and_says_so() -> None:
    query = query_parse("słowo " * 100)

    assert (len(query.words), query.shortened) == (8, True)


def test_a_phone_is_kept_as_international_digits_and_national_number(settings) -> None:
    settings.PHONE_REGION = "PL"

    assert phone_keys("+48 601 234 567") == ["48601234567", "601234567"]
    assert phone_keys("+420 601 234 567") == ["420601234567", "601234567"]
    assert phone_keys("  ") == []


@given(st.text(max_size=60))
def test_folding_character_by_character_equals_folding_the_whole_text(text: str) -> None:
    # the definition: NFKD of the case-folded text without combining marks, strokes dropped
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    whole = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(STROKED)

    assert fold(text) == whole
