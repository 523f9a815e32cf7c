"""The customer and contact pickers: their endpoints and their form fields."""

from __future__ import annotations

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kartoteka.core.pickers import PICKS_LIMIT, QUERY_MAX, picker_text
from kartoteka.customers.models import Account, Contact
from kartoteka.customers.pickers import account_picker, contact_picker
from kartoteka.customers.search_entries import account_index, contact_index
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory, ContactFactory, EmailAddressFactory

pytestmark = pytest.mark.django_db


def indexed_account(**fields) -> Account:
    account = AccountFactory(**fields)
    account_index(account)
    return account


def indexed_contact(**fields) -> Contact:
    contact = ContactFactory(**fields)
    contact_index(contact)
    return contact


def picks(client, text: str, name: str = "customers:pick-accounts", **params) -> list[dict]:
    response = client.get(reverse(name), {"q": text, **params})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()["results"]


def labels(client, text: str, **params) -> list[str]:
    return [row["label"] for row in picks(client, text, **params)]


def test_three_letters_find_names_beginning_with_them_first(agent):
    # given
    indexed_account(name="Hurtownia Kowalski", city="Gdańsk")
    indexed_account(name="Kowalczyk Transport", city="Łódź")
    indexed_account(name="Nowak i Synowie", city="Kowary")
    indexed_account(name="Zielony Ogród", city="Kraków")
    # when
    found = labels(client_for(agent), "kow")
    # then: the name that begins with it, then a name with a word beginning with it, then city
    assert found == ["Kowalczyk Transport", "Hurtownia Kowalski", "Nowak i Synowie"]


def test_search_ignores_case_and_accents(agent):
    indexed_account(name="Łódzka Spółdzielnia Mleczarska", city="Łódź")
    client = client_for(agent)
    assert labels(client, "lodz") == ["Łódzka Spółdzielnia Mleczarska"]
    assert labels(client, "SPÓŁ") == ["Łódzka Spółdzielnia Mleczarska"]
    assert labels(client, "spol") == ["Łódzka Spółdzielnia Mleczarska"]


def test_nip_beginning_and_email_find_the_customer(agent):
    account = indexed_account(name="Apteka Pod Lwem", nip="5260250274")
    EmailAddressFactory(contact=None, account=account, address="biuro@apteka-lew.example")
    account_index(account)
    client = client_for(agent)
    assert picks(client, "526025") == [
        {"id": account.pk, "label": "Apteka Pod Lwem", "detail": f"5260250274 · {account.city}"}
    ]
    assert labels(client, "biuro@apteka") == ["Apteka Pod Lwem"]


def test_another_teams_restricted_customer_is_never_listed(agent, outsider, sales_team):
    # given: a restricted customer of the sales team
    indexed_account(name="Tajny Klient Sprzedaży", restricted=True, team=sales_team)
    indexed_account(name="Tajemnica Otwarta")
    # then
    assert labels(client_for(agent), "taj") == ["Tajemnica Otwarta"]
    assert labels(client_for(outsider), "taj") == ["Tajemnica Otwarta", "Tajny Klient Sprzedaży"]


def test_a_user_seeing_few_of_many_matches_still_gets_them(agent, sales_team, monkeypatch):
    from kartoteka.customers import pickers

    monkeypatch.setattr(pickers, "CANDIDATES", 5)
    visible = indexed_account(name="Bursztyn Widoczny")
    for n in range(12):
        indexed_account(name=f"Bursztyn Ukryty {n}", restricted=True, team=sales_team)
    assert labels(client_for(agent), "burs") == [visible.name]


def test_at_most_twenty_rows_come_back(agent):
    for n in range(PICKS_LIMIT + 5):
        indexed_account(name=f"Piekarnia nr {n}")
    assert len(picks(client_for(agent), "piek")) == PICKS_LIMIT


@pytest.mark.parametrize(
    "text",
    [
        "%",
        "_",
        "%%%_",
        "a%b",
        "pie_",
        "x" * 10_000,
        "pie\x00karnia",
        "🥖🥐",
        "' OR 1=1 --",
        '"pie" NEAR(a b)',
        "pie*",
        "\\",
        "",
        "   ",
    ],
)
def test_hostile_queries_answer_calmly(agent, text):
    indexed_account(name="Piekarnia Kowalski")
    found = labels(client_for(agent), text)
    assert found in ([], ["Piekarnia Kowalski"])
    if set(text) <= {"%", "_", " "}:
        assert found == []


def test_typed_text_is_cut_and_cleaned():
    assert picker_text("ab\x00cd\n") == "ab cd"
    assert len(picker_text("y" * 10_000)) == QUERY_MAX


def test_query_count_does_not_grow_with_rows(agent):
    client = client_for(agent)
    indexed_account(name="Stolarz Jeden")
    with CaptureQueriesContext(connection) as few:
        picks(client, "stol")
    for n in range(30):
        indexed_account(name=f"Stolarz {n}")
    with CaptureQueriesContext(connection) as many:
        picks(client, "stol")
    assert len(many) == len(few)


def test_portal_users_and_strangers_get_no_picks(portal_user, client):
    assert client_for(portal_user).get(reverse("customers:pick-accounts")).status_code == 404
    assert client.get(reverse("customers:pick-accounts"))["Location"].startswith("/")


def test_contacts_narrowed_to_a_customer(agent, sales_team):
    ours = indexed_account(name="Firma Nasza")
    theirs = indexed_account(name="Firma Ukryta", restricted=True, team=sales_team)
    jan = indexed_contact(account=ours, first_name="Jan", last_name="Kowalski")
    indexed_contact(account=ours, first_name="Anna", last_name="Nowak")
    indexed_contact(account=theirs, first_name="Janusz", last_name="Kowal")
    client = client_for(agent)
    # any visible contact
    assert labels(client, "kowal", name="customers:pick-contacts") == ["Jan Kowalski"]
    # one customer's, found by any part of the name, or all of them without a text
    assert labels(client, "kow", name="customers:pick-contacts", account=ours.pk) == [str(jan)]
    assert labels(client, "", name="customers:pick-contacts", account=ours.pk) == [
        "Jan Kowalski",
        "Anna Nowak",
    ]
    # a hidden customer's contacts do not exist; a malformed customer finds nothing
    assert labels(client, "", name="customers:pick-contacts", account=theirs.pk) == []
    assert labels(client, "", name="customers:pick-contacts", account="1 OR 1") == []


class CustomerForm(forms.Form):
    account = account_picker(label="Customer")
    contacts = contact_picker(label="Contacts", multiple=True, required=False)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = Account.objects.visible_to(user)
        self.fields["contacts"].queryset = Contact.objects.visible_to(user)


def test_field_refuses_a_customer_the_user_may_not_see(agent, sales_team):
    hidden = indexed_account(name="Ukryty", restricted=True, team=sales_team)
    form = CustomerForm({"account": str(hidden.pk)}, user=agent)
    assert not form.is_valid()
    assert form.errors["account"] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    # and the page shown again does not name it
    assert "Ukryty" not in str(form["account"])


def test_field_refuses_malformed_ids(agent):
    for value in ("abc", "1" * 40, "-1", "1; DROP TABLE", "\x00"):
        form = CustomerForm({"account": value}, user=agent)
        assert not form.is_valid(), value


def test_field_accepts_a_visible_customer_and_shows_its_label_again(agent):
    account = indexed_account(name="Browar Zamkowy")
    other = indexed_account(name="Drugi")
    form = CustomerForm({"account": str(account.pk), "contacts": ["999999"]}, user=agent)
    assert not form.is_valid()  # the contact does not exist
    with CaptureQueriesContext(connection) as queries:
        html = str(form["account"])
    assert len(queries) == 1
    assert f'<option value="{account.pk}" selected' in html
    assert "Browar Zamkowy" in html
    assert other.name not in html
    assert 'role="combobox"' in html
    assert 'aria-controls="id_account_listbox"' in html


def test_edit_form_shows_the_initial_row_with_one_query(agent):
    account = indexed_account(name="Młyn Wodny")
    form = CustomerForm(initial={"account": account}, user=agent)
    with CaptureQueriesContext(connection) as queries:
        html = str(form["account"])
    assert len(queries) == 1
    assert "Młyn Wodny" in html


def test_without_javascript_one_match_is_chosen(agent):
    account = indexed_account(name="Ceramika Bolesławiec")
    form = CustomerForm({"account": "", "account__q": "boles"}, user=agent)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["account"] == account


def test_without_javascript_several_matches_are_offered(agent):
    first = indexed_account(name="Ogrody Zimowe")
    second = indexed_account(name="Ogrody Letnie")
    form = CustomerForm({"account": "", "account__q": "ogro"}, user=agent)
    assert not form.is_valid()
    assert form.errors["account"] == ["Several match “ogro”: choose one in the list below."]
    html = str(form["account"])
    assert f'<option value="{first.pk}"' in html
    assert f'<option value="{second.pk}"' in html
    # the text box is empty again, so choosing in the list and posting takes the choice
    assert 'name="account__q"' in html
    assert 'value="ogro"' not in html


def test_without_javascript_nothing_found_says_so(agent):
    form = CustomerForm({"account": "", "account__q": "zzzz"}, user=agent)
    assert not form.is_valid()
    assert form.errors["account"] == ["Nothing matches “zzzz”."]


def test_multiple_choice_adds_the_match_to_the_chosen(agent):
    account = indexed_account(name="Firma")
    jan = indexed_contact(account=account, first_name="Jan", last_name="Wiśniewski")
    anna = indexed_contact(account=account, first_name="Anna", last_name="Zając")
    data = {"account": str(account.pk), "contacts": [str(jan.pk)], "contacts__q": "zajac"}
    form = CustomerForm(_querydict(data), user=agent)
    assert form.is_valid(), form.errors
    assert set(form.cleaned_data["contacts"]) == {jan, anna}


def _querydict(data: dict) -> object:
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for key, value in data.items():
        if isinstance(value, list):
            query.setlist(key, value)
        else:
            query[key] = value
    return query
