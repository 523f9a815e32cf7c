"""The customer lists' text filter uses the global search besides its own substring match."""

from __future__ import annotations

import pytest

from kartoteka.customers.services import account_create, contact_create
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import valid_nip

pytestmark = pytest.mark.django_db


def test_the_contact_list_finds_a_phone_written_with_the_international_prefix(agent) -> None:
    contact = contact_create(
        by=agent, data={"last_name": "Nowak"}, phones=[("601 234 567", "mobile")]
    )
    contact_create(by=agent, data={"last_name": "Kowalski"}, phones=[("602 111 222", "mobile")])

    page = client_for(agent).get("/customers/contacts/", {"q": "0048 601 234 567"})

    assert list(page.context["page_obj"].object_list) == [contact]


def test_the_customer_list_finds_a_word_of_the_notes_in_any_spelling(agent) -> None:
    account = account_create(
        by=agent, data={"name": "Drukpol", "nip": valid_nip(4), "notes": "Stały klient z Łodzi"}
    )
    account_create(by=agent, data={"name": "Papirus"})

    page = client_for(agent).get("/customers/", {"q": "LODZI"})

    assert list(page.context["page_obj"].object_list) == [account]
