"""Matching a file's headers to the import's fields, in Polish, Czech and English."""

from __future__ import annotations

import pytest

from kartoteka.core.models import Dictionary
from kartoteka.imports.columns import (
    FIELDS,
    FieldSpec,
    columns_match,
    dictionary_fields,
    field_by_key,
    normalise_header,
)


def test_polish_headers_match():
    headers = [
        "Rodzaj", "Nazwa firmy", "Skrót", "NIP", "REGON", "Ulica", "Nr domu", "Nr lokalu",
        "Kod pocztowy", "Miejscowość", "Kraj", "Telefon", "E-mail", "WWW", "Opiekun",
        "Zespół", "Uwagi", "Imię", "Nazwisko", "Stanowisko", "E-mail osoby kontaktowej",
        "Telefon osoby kontaktowej",
    ]  # fmt: skip
    assert columns_match(headers, dictionaries=[]) == {
        0: "kind", 1: "name", 2: "short_name", 3: "nip", 4: "regon", 5: "street",
        6: "building", 7: "apartment", 8: "postal_code", 9: "city", 10: "country",
        11: "phone", 12: "email", 13: "website", 14: "account_manager", 15: "team",
        16: "notes", 17: "contact_first_name", 18: "contact_last_name",
        19: "contact_position", 20: "contact_email", 21: "contact_phone",
    }  # fmt: skip


def test_czech_headers_match():
    headers = [
        "Název firmy", "Zkratka", "Ulice", "PSČ", "Město", "Země", "Telefon",
        "E-mailová adresa", "Webové stránky", "Obchodník", "Tým", "Poznámka",
        "Kontaktní osoba", "Pozice",
    ]  # fmt: skip
    assert columns_match(headers, dictionaries=[]) == {
        0: "name", 1: "short_name", 2: "street", 3: "postal_code", 4: "city", 5: "country",
        6: "phone", 7: "email", 8: "website", 9: "account_manager", 10: "team", 11: "notes",
        12: "contact_name", 13: "contact_position",
    }  # fmt: skip


def test_english_headers_match():
    headers = [
        "Company name", "Tax ID", "Street address", "ZIP code", "City", "Country",
        "Phone number", "Email address", "Website", "Account manager", "First name",
        "Last name", "Job title",
    ]  # fmt: skip
    assert columns_match(headers, dictionaries=[]) == {
        0: "name", 1: "nip", 2: "street", 3: "postal_code", 4: "city", 5: "country",
        6: "phone", 7: "email", 8: "website", 9: "account_manager", 10: "contact_first_name",
        11: "contact_last_name", 12: "contact_position",
    }  # fmt: skip


@pytest.mark.parametrize(
    "header",
    ["Kod pocztowy", "KOD POCZTOWY", "kod_pocztowy", " Kod-Pocztowy: ", "KÓD POCZTOWY"],
)
def test_case_diacritics_spaces_and_punctuation_do_not_matter(header):
    assert columns_match([header], dictionaries=[]) == {0: "postal_code"}


def test_miejscowosc_without_diacritics_matches():
    assert normalise_header("Miejscowość") == normalise_header("MIEJSCOWOSC") == "miejscowosc"
    assert normalise_header("Zespół") == "zespol"


def test_several_phone_and_email_columns_all_map_and_numbered_ones_too():
    headers = ["Telefon", "Telefon 2", "Tel. 3", "E-mail", "E-mail2", "Phone 1"]
    assert columns_match(headers, dictionaries=[]) == {
        0: "phone",
        1: "phone",
        2: "phone",
        3: "email",
        4: "email",
        5: "phone",
    }


def test_a_single_valued_field_takes_only_the_first_column():
    assert columns_match(["Nazwa", "Název", "NIP", "NIP"], dictionaries=[]) == {
        0: "name",
        2: "nip",
    }


def test_numbered_header_of_a_single_valued_field_is_not_matched():
    assert columns_match(["Nazwa 2", "NIP1"], dictionaries=[]) == {}


def test_unknown_headers_and_czech_company_ids_stay_unmapped():
    assert columns_match(["IČO", "DIČ", "Obrót 2023", ""], dictionaries=[]) == {}


@pytest.mark.parametrize("language", ["pl", "cs", "en"])
def test_every_label_in_every_language_matches_its_own_field(language):
    from django.utils import translation

    with translation.override(language):
        headers = [str(spec.label) for spec in FIELDS]
    assert columns_match(headers, dictionaries=[]) == {
        index: spec.key for index, spec in enumerate(FIELDS)
    }


def test_dictionary_columns_match_by_the_dictionary_name():
    industry = FieldSpec("dict:7", "Branża", ("Branża",), multiple=False)
    assert columns_match(["Nazwa", "BRANZA"], dictionaries=[industry]) == {
        0: "name",
        1: "dict:7",
    }


def test_a_fixed_field_wins_over_a_dictionary_of_the_same_name():
    clash = FieldSpec("dict:9", "Team", ("Team",))
    assert columns_match(["Team"], dictionaries=[clash]) == {0: "team"}


@pytest.mark.django_db
def test_dictionary_fields_are_the_account_dictionaries_in_order(django_assert_num_queries):
    # given dictionaries for accounts and one for contacts
    size = Dictionary.objects.create(name="Wielkość", applies_to="account", position=2)
    industry = Dictionary.objects.create(
        name="Branża", applies_to="account", position=1, multiple=True
    )
    Dictionary.objects.create(name="Rola", applies_to="contact")
    # when the fields are read, then only the accounts' come, in their order, in one query
    with django_assert_num_queries(1):
        fields = dictionary_fields()
    assert fields == [
        FieldSpec(f"dict:{industry.pk}", "Branża", ("Branża",), True, "classification"),
        FieldSpec(f"dict:{size.pk}", "Wielkość", ("Wielkość",), False, "classification"),
    ]
    assert columns_match(["wielkosc", "Nazwa"]) == {0: f"dict:{size.pk}", 1: "name"}
    assert field_by_key(f"dict:{size.pk}") == fields[1]
    assert field_by_key("nip", []) == FIELDS[3]
    assert field_by_key("dict:0", fields) is None
