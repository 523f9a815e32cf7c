"""A contact's salutation: written on the contact form, shown on the contact's page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kartoteka.customers.models import Contact
from kartoteka.desk.privacy.erase import contact_erase
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


def _post(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "first_name": "Jan",
        "last_name": "Kowalski",
        "phones-TOTAL_FORMS": "1",
        "phones-INITIAL_FORMS": "0",
        "phones-0-number": "",
        "phones-0-kind": "mobile",
    }
    data.update(overrides)
    return data


def test_a_new_contact_keeps_the_salutation_written_on_the_form(agent) -> None:
    response = client_for(agent).post(
        reverse("customers:contact-create"), _post(salutation="Szanowny Panie Janie")
    )

    contact = Contact.objects.get()
    assert response.status_code == 302
    assert contact.salutation == "Szanowny Panie Janie"


def test_editing_a_contact_changes_its_salutation_and_the_page_shows_it(agent) -> None:
    # given
    contact = ContactFactory(account=AccountFactory(), first_name="Anna", last_name="Nowak")
    client = client_for(agent)

    # when
    edit = client.get(reverse("customers:contact-edit", args=[contact.pk]))
    client.post(
        reverse("customers:contact-edit", args=[contact.pk]),
        _post(
            first_name="Anna",
            last_name="Nowak",
            account=contact.account_id,
            salutation="Szanowna Pani Anno",
        ),
    )
    page = client.get(contact.get_absolute_url())

    # then
    assert 'name="salutation"' in edit.content.decode()
    contact.refresh_from_db()
    assert contact.salutation == "Szanowna Pani Anno"
    assert "<dd>Szanowna Pani Anno</dd>" in page.content.decode()


def test_a_salutation_longer_than_the_field_is_refused(agent) -> None:
    response = client_for(agent).post(
        reverse("customers:contact-create"), _post(salutation="P" * 101)
    )

    assert list(response.context["form"].errors) == ["salutation"]
    assert not Contact.objects.exists()


def test_an_outsider_cannot_see_a_hidden_contacts_salutation(outsider, support_team) -> None:
    secret = AccountFactory(restricted=True, team=support_team)
    contact = ContactFactory(account=secret, salutation="Szanowny Panie Piotrze")

    response = client_for(outsider).get(contact.get_absolute_url())

    assert response.status_code == 404


def test_erasing_a_contacts_personal_data_erases_its_salutation_and_history(admin) -> None:
    # given
    contact = ContactFactory(first_name="Jan", last_name="Kowalski")
    contact.salutation = "Szanowny Panie Janie"
    contact.save()

    # when
    contact_erase(contact=contact, by=admin)

    # then
    contact.refresh_from_db()
    assert contact.salutation == ""
    assert set(Contact.history.filter(id=contact.pk).values_list("salutation", flat=True)) == {""}
