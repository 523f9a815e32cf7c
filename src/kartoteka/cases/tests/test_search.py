"""Subject and number search mean the same on SQLite (FTS5) and PostgreSQL (pg_trgm).

These run on whichever database the suite uses; run them on both.
"""

from __future__ import annotations

import pytest
from django.db import connection

from kartoteka.cases import search, selectors, services
from kartoteka.cases.models import Case, CaseSettings
from kartoteka.cases.selectors import case_list
from kartoteka.people.models import User
from kartoteka.testing.cases import make_case

SUBJECTS = [
    "Dostawa do Łodzi",
    "ŁÓDŹ: brak prądu",
    "Łódź – faktura korygująca",
    "Lodz bez polskich liter",
    "Rabat 50% na serwis",
    "Rabat 500 zł",
    "pole_nazwa puste",
    "polenazwa pusta",
]


@pytest.fixture
def cases(manager: User) -> None:
    for subject in SUBJECTS:
        make_case(subject, by=manager)


def found(user: User, **filters: str) -> list[str]:
    return sorted(case.subject for case in case_list(user=user, filters=filters))


@pytest.mark.usefixtures("cases")
@pytest.mark.parametrize("text", ["łódź", "ŁÓDŹ", "Łódź", "  łÓdŹ "])
def test_subject_search_ignores_the_case_of_polish_letters(manager, text: str) -> None:
    assert found(manager, subject=text) == sorted(["Łódź – faktura korygująca", "ŁÓDŹ: brak prądu"])


@pytest.mark.usefixtures("cases")
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FAKTURA", ["Łódź – faktura korygująca"]),
        ("łóD", ["Łódź – faktura korygująca", "ŁÓDŹ: brak prądu"]),
        ("ÓDŹ", ["Łódź – faktura korygująca", "ŁÓDŹ: brak prądu"]),
        ("0 zŁ", ["Rabat 500 zł"]),
        ("lodz", ["Lodz bez polskich liter"]),
        ("a do ł", ["Dostawa do Łodzi"]),
    ],
)
def test_subject_search_finds_a_part_ignoring_letter_case(manager, text: str, expected) -> None:
    assert found(manager, subject=text) == sorted(expected)


@pytest.mark.usefixtures("cases")
@pytest.mark.parametrize("text", ["łÓ", "Ź"])
def test_subject_search_of_a_short_text_ignores_letter_case(text: str) -> None:
    # given: under three characters, as the triage wizard's case search asks
    matching = search.subject_contains(Case.objects.all(), text)
    # then
    assert sorted(case.subject for case in matching) == sorted(
        ["Łódź – faktura korygująca", "ŁÓDŹ: brak prądu"]
    )


@pytest.mark.usefixtures("cases")
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("50%", ["Rabat 50% na serwis"]),
        ("0% n", ["Rabat 50% na serwis"]),
        ("e_n", ["pole_nazwa puste"]),
        ("o_e", []),
        ('"do', []),
        ('"dostawa', []),
        ("zeppelin", []),
    ],
)
def test_subject_search_takes_wildcards_and_quotes_literally(manager, text: str, expected) -> None:
    assert found(manager, subject=text) == expected


@pytest.mark.parametrize("text", ["ł", "zŁ", " ó "])
def test_subject_search_asks_for_three_characters(manager, text: str) -> None:
    filterset = selectors.case_filterset(user=manager, filters={"subject": text})
    assert filterset.is_valid() is False
    assert filterset.errors == {"subject": ["Type at least 3 characters of the subject."]}


def test_subject_search_follows_a_changed_subject(manager) -> None:
    # given
    case = make_case("Awaria drukarki", by=manager)
    # when
    services.case_update(case=case, by=manager, data={"subject": "Awaria skanera"})
    # then
    assert found(manager, subject="drukark") == []
    assert found(manager, subject="skaner") == ["Awaria skanera"]


def test_subject_search_forgets_a_deleted_case(manager) -> None:
    # given
    make_case("Awaria drukarki", by=manager).delete()
    make_case("Awaria drukarki w biurze", by=manager)
    # then
    assert found(manager, subject="drukark") == ["Awaria drukarki w biurze"]


@pytest.fixture
def numbered(manager: User) -> None:
    for last_number in (1038, 3930, 3931, 3932, 120):
        CaseSettings.objects.filter(pk=1).update(last_number=last_number)
        make_case(f"Sprawa {last_number + 1}", by=manager)


def numbers(user: User, text: str) -> list[int]:
    return sorted(case.number for case in case_list(user=user, filters={"number": text}))


@pytest.mark.usefixtures("numbered")
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("39", [1039, 3931, 3932, 3933]),
        ("393", [3931, 3932, 3933]),
        ("932", [3932]),
        ("#3932", [3932]),
        ("3932", [3932]),
        ("1", [121, 1039, 3931]),
        ("121", [121]),
        ("21", [121]),
        ("9999", []),
    ],
)
def test_number_search_finds_a_part_of_the_number(manager, text: str, expected) -> None:
    assert numbers(manager, text) == expected


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 triggers exist on SQLite only")
def test_search_index_repair_restores_triggers_lost_in_a_table_rebuild(manager) -> None:
    # given: a rebuild of cases_case (as Django's SQLite schema editor does) dropped them
    make_case("Awaria drukarki", by=manager)
    with connection.cursor() as cursor:
        for name in search.SQLITE_TRIGGERS:
            cursor.execute(f"DROP TRIGGER {name}")
    make_case("Awaria skanera", by=manager)
    # when
    search.search_index_repair(using="default")
    make_case("Awaria kopiarki", by=manager)
    # then
    assert found(manager, subject="awaria") == [
        "Awaria drukarki",
        "Awaria kopiarki",
        "Awaria skanera",
    ]
    assert Case.objects.count() == 3


@pytest.mark.usefixtures("cases")
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("łódź", ["Łódź – faktura korygująca", "ŁÓDŹ: brak prądu"]),
        ("FAKTURA", ["Łódź – faktura korygująca"]),
        ("50%", ["Rabat 50% na serwis"]),
        ("e_n", ["pole_nazwa puste"]),
        pytest.param("ŁÓDŹ " * 250, [], id="a-thousand-polish-letters"),
    ],
)
def test_subject_search_of_a_frequent_word_finds_the_same(
    manager, monkeypatch, text: str, expected
) -> None:
    # given: every word counts as frequent (the SQLite plan for common words)
    monkeypatch.setattr(search, "FREQUENT", -1)
    # then
    assert found(manager, subject=text) == sorted(expected)
