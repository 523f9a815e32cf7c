"""Searching text ignores letter case and accents alike on SQLite and PostgreSQL.

These run on whichever database the suite uses; run them on both.
"""

from __future__ import annotations

import pytest

from kartoteka.core.models import Dictionary
from kartoteka.core.text_search import contains_ignoring_case, fold

pytestmark = pytest.mark.django_db

NAMES = ["Przesyłka kurierska", "łódź", "ŁÓDŹ – oddział", "Lodz", "Gdańsk", "Straße"]


@pytest.fixture
def dictionaries() -> None:
    for name in NAMES:
        Dictionary.objects.create(name=name, applies_to=Dictionary.AppliesTo.ACCOUNT)


def found(text: str) -> list[str]:
    return sorted(
        Dictionary.objects.filter(contains_ignoring_case("name", text)).values_list(
            "name", flat=True
        )
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ŁÓDŹ", "lodz"),
        ("Przesyłka", "przesylka"),
        ("ŻÓŁW", "zolw"),
        ("zażółć gęślą jaźń", "zazolc gesla jazn"),
        ("Straße", "strasse"),
        ("ﬁrma", "firma"),
    ],
)
def test_fold_drops_case_and_accents(text: str, expected: str) -> None:
    assert fold(text) == expected


@pytest.mark.usefixtures("dictionaries")
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("przesylka", ["Przesyłka kurierska"]),
        ("PRZESYŁKA", ["Przesyłka kurierska"]),
        ("ŁÓDŹ", ["Lodz", "ŁÓDŹ – oddział", "łódź"]),
        ("łódź", ["Lodz", "ŁÓDŹ – oddział", "łódź"]),
        ("LODZ", ["Lodz", "ŁÓDŹ – oddział", "łódź"]),
        ("gdańsk", ["Gdańsk"]),
        ("GDANSK", ["Gdańsk"]),
        ("strasse", ["Straße"]),
    ],
)
def test_contains_ignores_case_and_accents(text: str, expected: list[str]) -> None:
    assert found(text) == expected


@pytest.mark.usefixtures("dictionaries")
@pytest.mark.parametrize(("text", "expected"), [("50%", []), ("_", []), ("%", [])])
def test_contains_takes_wildcards_literally(text: str, expected: list[str]) -> None:
    assert found(text) == expected


def test_a_long_accented_query_makes_one_short_statement() -> None:
    # given: a text whose upper/lower spellings number 2**1000
    text = "ą" * 1000
    # when
    sql, params = Dictionary.objects.filter(
        contains_ignoring_case("name", text)
    ).query.sql_with_params()
    # then: one parameter, the folded text, and a statement that does not grow with the text
    assert [len(str(param)) for param in params] == [1002]
    assert len(sql) < 400
    assert list(Dictionary.objects.filter(contains_ignoring_case("name", text))) == []
