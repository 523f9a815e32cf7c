"""'New case' on a customer's or a contact's page starts with them; an account or contact
the user may not see is left out, and its name is never shown."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

CREATE_URL = reverse("cases:case-create")


def test_new_case_for_an_account_starts_with_it_and_offers_its_contacts(agent) -> None:
    account = AccountFactory(name="Drukarnia Kowalski")
    person = ContactFactory(account=account, first_name="Anna", last_name="Nowak")

    response = client_for(agent).get(f"{CREATE_URL}?account={account.pk}")

    form = response.context["form"]
    assert response.status_code == 200
    assert form["account"].value() == account.pk
    assert form.people == [(person.pk, "Anna Nowak")]
    assert "contacts" not in form.initial


def test_new_case_for_a_contact_starts_with_its_customer_as_contact_and_reporter(agent) -> None:
    account = AccountFactory(name="Drukarnia Kowalski")
    person = ContactFactory(account=account, first_name="Anna", last_name="Nowak")
    ContactFactory(account=account, first_name="Piotr", last_name="Zalewski")

    form = client_for(agent).get(f"{CREATE_URL}?contact={person.pk}").context["form"]

    assert form["account"].value() == account.pk
    assert form["contacts"].value() == [person.pk]
    assert form["reporter"].value() == person.pk
    assert len(form.people) == 2


def test_new_case_for_a_contact_of_no_customer_offers_that_contact(agent) -> None:
    person = ContactFactory(account=None, first_name="Jan", last_name="Sam")

    form = client_for(agent).get(f"{CREATE_URL}?contact={person.pk}").context["form"]

    assert form["account"].value() is None
    assert form.people == [(person.pk, "Jan Sam")]
    assert form["reporter"].value() == person.pk


@pytest.mark.parametrize("kind", ["account", "contact"])
def test_a_hidden_account_or_contact_is_ignored_without_showing_its_name(agent, kind) -> None:
    hidden = AccountFactory(name="Tajny Klient Sp. z o.o.", restricted=True)
    person = ContactFactory(account=hidden, first_name="Ukryta", last_name="Osoba")
    pk = hidden.pk if kind == "account" else person.pk

    response = client_for(agent).get(f"{CREATE_URL}?{kind}={pk}")

    form = response.context["form"]
    assert response.status_code == 200
    assert form["account"].value() is None
    assert form.people == []
    page = response.content.decode()
    assert "Tajny Klient" not in page
    assert "Ukryta" not in page


@pytest.mark.parametrize("query", ["account=abc", "contact=-1", "account=999999"])
def test_a_malformed_or_unknown_customer_in_the_address_is_ignored(agent, query) -> None:
    response = client_for(agent).get(f"{CREATE_URL}?{query}")

    assert response.status_code == 200
    assert response.context["form"]["account"].value() is None
