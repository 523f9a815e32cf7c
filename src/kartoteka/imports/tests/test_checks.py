"""Checking imported rows: identifiers, phones, emails, people and dictionaries, with a
reason per cell."""

from __future__ import annotations

import pytest
from django.core.validators import URLValidator, validate_email
from django.utils import translation
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kartoteka.core.models import Dictionary, DictionaryEntry
from kartoteka.imports.checks import PLAIN_ADDRESS, PLAIN_URL, CheckedRow, RowChecker
from kartoteka.people.models import User
from kartoteka.testing.people import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def checker() -> RowChecker:
    return RowChecker()


def test_a_full_row_is_normalised(checker):
    # given a row as a spreadsheet holds it
    raw = {
        "kind": "Klient",
        "name": "  Łąka Sp. z o.o. ",
        "nip": "PL 526-000-12-46",
        "regon": "123456785",
        "street": "ul. Polna",
        "building": "12",
        "apartment": "3",
        "postal_code": "00950",
        "city": "Warszawa",
        "country": "Polska",
        "phone": ["601 234 567", "22 628 45 17"],
        "email": "Biuro@Laka.example; handel@laka.example",
        "website": "WWW.Laka.example/kontakt",
        "contact_name": "Jan Maria Kowalski",
        "contact_email": "J.Kowalski@Laka.example",
        "contact_phone": "+420 602 123 456",
    }
    # when it is checked
    checked = checker.check(raw)
    # then every value is in its stored form
    assert checked == CheckedRow(
        values={
            "kind": "customer",
            "name": "Łąka Sp. z o.o.",
            "nip": "5260001246",
            "regon": "123456785",
            "street": "ul. Polna 12/3",
            "postal_code": "00-950",
            "city": "Warszawa",
            "country": "PL",
            "phone": ["+48601234567", "+48226284517"],
            "email": ["biuro@laka.example", "handel@laka.example"],
            "website": "https://www.laka.example/kontakt",
            "contact_first_name": "Jan Maria",
            "contact_last_name": "Kowalski",
            "contact_email": "j.kowalski@laka.example",
            "contact_phone": "+420602123456",
        },
        errors={},
        warnings={},
    )
    assert checked.ok


@pytest.mark.parametrize(
    ("nip", "error"),
    [
        ("5260001247", "NIP 5260001247 has a wrong check digit; check it for a typo."),
        ("526000124", "NIP must have 10 digits; 526000124 has 9."),
        ("52600O1246", "NIP may contain only digits (and the PL prefix, spaces or dashes)."),
    ],
)
def test_invalid_nip_is_an_error_with_the_reason(checker, nip, error):
    checked = checker.check({"name": "A", "nip": nip})
    assert checked.errors == {"nip": error}
    assert checked.values["nip"] == nip
    assert not checked.ok


def test_blank_nip_and_regon_are_fine(checker):
    checked = checker.check({"name": "A", "nip": "", "regon": " "})
    assert (checked.values, checked.errors) == ({"name": "A", "nip": "", "regon": ""}, {})


@pytest.mark.parametrize("regon", ["123456785", "12345678512347"])
def test_nine_and_fourteen_digit_regons_pass(checker, regon):
    assert checker.check({"name": "A", "regon": regon}).values["regon"] == regon


def test_invalid_regon_is_an_error(checker):
    checked = checker.check({"name": "A", "regon": "123456786"})
    assert checked.errors == {
        "regon": "REGON 123456786 has a wrong check digit; check it for a typo."
    }


def test_regon_that_lost_its_leading_zero_in_a_spreadsheet_gets_it_back(checker):
    # 012345670 is valid; a spreadsheet storing it as a number shows 12345670
    from stdnum.pl import regon

    valid = "01234567" + regon.calc_check_digit("01234567")
    checked = checker.check({"name": "A", "regon": valid.lstrip("0")})
    assert checked.values["regon"] == valid
    assert checked.warnings == {
        "regon": f"A leading zero, lost in the spreadsheet, was put back: {valid}."
    }
    assert checked.ok


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("601234567", ["+48601234567"]),
        ("+48 (22) 628-45-17", ["+48226284517"]),
        ("0048 601 234 567", ["+48601234567"]),
        ("48601234567", ["+48601234567"]),
        ("+420 602 123 456", ["+420602123456"]),
        ("601 234 567, 601 234 567", ["+48601234567"]),
        ("", []),
    ],
)
def test_phones_are_stored_in_e164(checker, given, stored):
    checked = checker.check({"name": "A", "phone": given})
    assert (checked.values["phone"], checked.errors) == (stored, {})


def test_a_czech_account_reads_national_numbers_as_czech(checker):
    checked = checker.check({"name": "A", "country": "CZ", "phone": "602 123 456"})
    assert checked.values["phone"] == ["+420602123456"]


def test_a_national_number_valid_only_in_czechia_is_read_so_with_a_warning(checker):
    # 27x xxx xxx is a Czech landline range that Poland does not use
    checked = checker.check({"name": "A", "phone": "271 234 567"})
    assert checked.values["phone"] == ["+420271234567"]
    assert checked.warnings == {
        "phone": "271 234 567 is not a number of PL; it was read as +420271234567."
    }


def test_invalid_phone_is_an_error(checker):
    checked = checker.check({"name": "A", "phone": ["601 234 567", "12345"]})
    assert checked.values["phone"] == ["+48601234567"]
    assert checked.errors == {
        "phone": "12345 is not a valid phone number; include the country code, e.g. +48."
    }


@pytest.mark.parametrize(
    "given", ["jan.kowalski@", "jan kowalski@firma.pl", "jan@firma", "jan@@firma.pl"]
)
def test_invalid_email_is_an_error(checker, given):
    checked = checker.check({"name": "A", "email": ["ok@firma.example", given]})
    assert checked.values["email"] == ["ok@firma.example"]
    assert checked.errors == {"email": f"“{given}” is not an email address."}


def test_emails_with_names_and_several_separators(checker):
    checked = checker.check(
        {
            "name": "A",
            "email": '"Kowalski, Jan" <Jan@Firma.example>; b@firma.example c@firma.example',
        }
    )
    assert checked.values["email"] == ["jan@firma.example", "b@firma.example", "c@firma.example"]
    assert checked.ok


@settings(max_examples=300, deadline=None)
@given(st.from_regex(PLAIN_ADDRESS, fullmatch=True))
def test_every_plain_address_is_one_djangos_validator_accepts(address):
    assume(len(address) <= 254)
    validate_email(address)


@settings(max_examples=300, deadline=None)
@given(st.from_regex(PLAIN_URL, fullmatch=True))
def test_every_plain_web_address_is_one_djangos_validator_accepts(url):
    URLValidator(schemes=["http", "https"])(url)


def test_a_contact_takes_one_email_and_one_phone(checker):
    checked = checker.check(
        {
            "name": "A",
            "contact_last_name": "Nowak",
            "contact_email": "a@firma.example, b@firma.example",
            "contact_phone": "601234567; 601234568",
        }
    )
    assert checked.errors == {
        "contact_email": (
            "A contact takes one email address here; put the others in the account's email columns."
        ),
        "contact_phone": (
            "A contact takes one phone number here; put the others in the account's phone columns."
        ),
    }


def test_a_contact_needs_a_last_name(checker):
    checked = checker.check({"name": "A", "contact_first_name": "Jan", "contact_last_name": ""})
    assert checked.errors == {
        "contact_last_name": "The contact's last name is empty; a contact needs one."
    }


def test_separate_first_and_last_name_win_over_the_full_name(checker):
    checked = checker.check(
        {
            "name": "A",
            "contact_name": "X Y",
            "contact_first_name": "Jan",
            "contact_last_name": "Nowak",
        }
    )
    assert checked.values == {
        "name": "A",
        "contact_first_name": "Jan",
        "contact_last_name": "Nowak",
    }


def test_name_is_required(checker):
    assert checker.check({"nip": "5260001246"}).errors == {
        "name": "The name is empty; every account needs one."
    }
    assert checker.check({"nip": "5260001246"}, require_name=False).errors == {}


def test_too_long_text_is_an_error_not_cut(checker):
    checked = checker.check({"name": "A" * 256})
    assert checked.values["name"] == "A" * 256
    assert checked.errors == {"name": "256 characters is too long; at most 255 fit."}


@pytest.mark.parametrize(
    ("word", "kind"),
    [
        ("klient", "customer"),
        ("Zákazník", "customer"),
        ("CUSTOMER", "customer"),
        ("Potencjalny klient", "lead"),
        ("lead", "lead"),
        ("zájemce", "lead"),
        ("", ""),
    ],
)
def test_kind_words_in_three_languages(checker, word, kind):
    checked = checker.check({"name": "A", "kind": word})
    assert (checked.values["kind"], checked.errors) == (kind, {})


def test_unknown_kind_is_an_error(checker):
    assert checker.check({"name": "A", "kind": "dostawca"}).errors == {
        "kind": "“dostawca” is not a kind; write “Customer” or “Lead”."
    }


@pytest.mark.parametrize(
    ("given", "code"),
    [("pl", "PL"), ("Czechy", "CZ"), ("Česká republika", "CZ"), ("Slovensko", "SK"), ("", "")],
)
def test_country_names_become_codes(checker, given, code):
    assert checker.check({"name": "A", "country": given}).values["country"] == code


def test_unknown_country_is_an_error(checker):
    assert checker.check({"name": "A", "country": "Atlantyda"}).errors == {
        "country": "“Atlantyda” is not a country; write its two-letter code, such as PL or CZ."
    }


@pytest.mark.parametrize(
    ("country", "given", "stored", "warned"),
    [
        ("PL", "00-950", "00-950", False),
        ("PL", "950", "00-950", True),
        ("PL", "61243", "61-243", False),
        ("CZ", "11000", "110 00", False),
        ("PL", "SW1A 1AA", "SW1A 1AA", True),
        ("GB", "SW1A 1AA", "SW1A 1AA", False),
    ],
)
def test_postal_codes(checker, country, given, stored, warned):
    checked = checker.check({"name": "A", "country": country, "postal_code": given})
    assert checked.values["postal_code"] == stored
    assert ("postal_code" in checked.warnings) is warned
    assert checked.ok


def test_bad_website_is_an_error(checker):
    assert checker.check({"name": "A", "website": "nie mamy"}).errors == {
        "website": "nie mamy is not a web address."
    }


def test_formula_like_text_is_kept_and_flagged(checker):
    # given cells a spreadsheet would run as formulas
    checked = checker.check(
        {"name": '=HYPERLINK("http://zly.example","Kliknij")', "city": "@SUM(A1)", "building": "+1"}
    )
    # then they are kept as text, flagged, and the row still imports
    assert checked.values["name"] == '=HYPERLINK("http://zly.example","Kliknij")'
    assert checked.values["city"] == "@SUM(A1)"
    assert checked.values["street"] == "+1"
    assert checked.warnings == {
        "name": (
            "Starts with “=”, which a spreadsheet takes for a formula: it is stored as text and "
            "neutralised in exports."
        ),
        "city": (
            "Starts with “@”, which a spreadsheet takes for a formula: it is stored as text and "
            "neutralised in exports."
        ),
        "street": (
            "Starts with “+”, which a spreadsheet takes for a formula: it is stored as text and "
            "neutralised in exports."
        ),
    }
    assert checked.ok


def test_formula_cells_are_neutralised_by_the_export():
    from kartoteka.cases.export import neutralise

    assert neutralise('=HYPERLINK("http://zly.example")') == '\'=HYPERLINK("http://zly.example")'


# People and dictionaries, loaded once


@pytest.fixture
def people():
    sales = TeamFactory(name="Sprzedaż Południe")
    anna = UserFactory(
        username="anowak", first_name="Anna", last_name="Nowak", email="anna@firma.example"
    )
    UserFactory(username="jkowal1", first_name="Jan", last_name="Kowalski")
    UserFactory(username="jkowal2", first_name="Jan", last_name="Kowalski")
    UserFactory(username="gone", first_name="Ewa", last_name="Stara", is_active=False)
    UserFactory(username="klient", first_name="Piotr", last_name="Portal", role=User.Role.PORTAL)
    return {"sales": sales, "anna": anna}


@pytest.mark.parametrize("given", ["anowak", "ANNA@firma.example", "Anna Nowak", "nowak anna"])
def test_account_manager_by_username_email_or_full_name(people, given):
    checked = RowChecker().check({"name": "A", "account_manager": given})
    assert (checked.values["account_manager"], checked.errors) == (people["anna"].pk, {})


def test_ambiguous_account_manager_names_the_usernames(people):
    checked = RowChecker().check({"name": "A", "account_manager": "Jan Kowalski"})
    assert checked.errors == {
        "account_manager": (
            "“Jan Kowalski” fits several users (jkowal1, jkowal2); write the username."
        )
    }


@pytest.mark.parametrize("given", ["nikt", "gone", "klient"])
def test_unknown_inactive_or_portal_account_manager_is_an_error(people, given):
    checked = RowChecker().check({"name": "A", "account_manager": given})
    assert checked.values["account_manager"] is None
    assert checked.errors == {
        "account_manager": (
            f"There is no active user “{given}”; write a username, an email address or a full name."
        )
    }


def test_team_by_name_without_case_or_diacritics(people):
    checker = RowChecker()
    assert checker.check({"name": "A", "team": "sprzedaz poludnie"}).values["team"] == (
        people["sales"].pk
    )
    assert checker.check({"name": "A", "team": "Północ"}).errors == {
        "team": "There is no team “Północ”."
    }


@pytest.fixture
def dictionaries():
    industry = Dictionary.objects.create(name="Branża", applies_to="account", multiple=True)
    size = Dictionary.objects.create(name="Wielkość", applies_to="account")
    entries = {
        label: DictionaryEntry.objects.create(dictionary=dictionary, label=label, position=index)
        for index, (dictionary, label) in enumerate(
            [
                (industry, "Budownictwo"),
                (industry, "Handel"),
                (industry, "Usługi, inne"),
                (size, "Mała"),
                (size, "Duża"),
            ]
        )
    }
    return {"industry": f"dict:{industry.pk}", "size": f"dict:{size.pk}", "entries": entries}


def test_dictionary_values_become_entry_keys(dictionaries):
    entries = dictionaries["entries"]
    checked = RowChecker().check(
        {
            "name": "A",
            dictionaries["industry"]: "handel; BUDOWNICTWO",
            dictionaries["size"]: "mala",
        }
    )
    assert checked.errors == {}
    assert checked.values[dictionaries["industry"]] == [
        entries["Handel"].pk,
        entries["Budownictwo"].pk,
    ]
    assert checked.values[dictionaries["size"]] == [entries["Mała"].pk]


def test_a_dictionary_value_holding_a_separator_is_matched_whole(dictionaries):
    checked = RowChecker().check({"name": "A", dictionaries["industry"]: "Usługi, inne"})
    assert checked.values[dictionaries["industry"]] == [dictionaries["entries"]["Usługi, inne"].pk]


def test_unknown_dictionary_value_names_the_known_ones(dictionaries):
    checked = RowChecker().check({"name": "A", dictionaries["size"]: "Średnia"})
    assert checked.errors == {
        dictionaries["size"]: (
            "“Średnia” is not a value of Wielkość; the known values are: Mała, Duża."
        )
    }


def test_single_choice_dictionary_takes_one_value(dictionaries):
    checked = RowChecker().check({"name": "A", dictionaries["size"]: "Mała, Duża"})
    assert checked.errors == {dictionaries["size"]: "Wielkość takes one value; this cell has 2."}


def test_checker_loads_once_and_checks_rows_without_queries(
    people, dictionaries, django_assert_num_queries
):
    # given users, teams and dictionaries
    with django_assert_num_queries(4):
        checker = RowChecker()
    # when many rows are checked, then no query is made
    with django_assert_num_queries(0):
        for index in range(200):
            checker.check(
                {
                    "name": f"Firma {index}",
                    "account_manager": "anowak",
                    "team": "Sprzedaż Południe",
                    dictionaries["industry"]: "Handel",
                    "phone": "601 234 567",
                    "email": f"biuro{index}@firma.example",
                }
            )


def test_reasons_are_translated_to_polish_and_czech(checker):
    with translation.override("pl"):
        polish = checker.check({"name": "", "nip": "5260001247", "kind": "x"}).errors
    with translation.override("cs"):
        czech = checker.check({"name": "", "nip": "5260001247", "kind": "x"}).errors
    assert polish == {
        "name": "Nazwa jest pusta; każdy klient musi ją mieć.",
        "nip": (
            "NIP 5260001247 ma nieprawidłową cyfrę kontrolną; sprawdź, czy nie ma w nim literówki."
        ),
        "kind": "„x” nie jest rodzajem; wpisz „Klient” albo „Potencjalny klient”.",
    }
    assert czech["name"] == "Název je prázdný; každý zákazník ho musí mít."
    assert czech["kind"] == "„x“ není typ; napište „Zákazník“ nebo „Potenciální zákazník“."
    assert czech["nip"].startswith("NIP 5260001247 ")
