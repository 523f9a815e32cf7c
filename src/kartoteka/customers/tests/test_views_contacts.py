from __future__ import annotations

import pytest
from django.urls import reverse

from kartoteka.core.models import Dictionary, DictionaryEntry
from kartoteka.customers.models import Contact, EmailAddress
from kartoteka.customers.views.accounts import PAGE_SIZE
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import (
    AccountFactory,
    ContactFactory,
    EmailAddressFactory,
    PhoneNumberFactory,
)

pytestmark = pytest.mark.django_db

LIST_URL = reverse("customers:contact-list")
CREATE_URL = reverse("customers:contact-create")


def listed_names(response) -> list[str]:
    return [str(contact) for contact in response.context["page_obj"].object_list]


def contact_post(
    phones: list[tuple[str, str]] = (), initial_phones: int = 0, **overrides: object
) -> dict[str, object]:
    """What the contact form posts: its fields and the phone rows, the first
    ``initial_phones`` of them being the contact's numbers shown for editing."""
    rows = list(phones) or [("", "mobile")]
    data: dict[str, object] = {
        "first_name": "Jan",
        "last_name": "Kowalski",
        "phones-TOTAL_FORMS": str(len(rows)),
        "phones-INITIAL_FORMS": str(initial_phones),
    }
    for index, (number, kind) in enumerate(rows):
        data[f"phones-{index}-number"] = number
        data[f"phones-{index}-kind"] = kind
    data.update(overrides)
    return data


# The list


def test_outsider_does_not_see_contacts_of_restricted_support_account(outsider, support_team):
    # given
    ContactFactory(first_name="Anna", last_name="Open")
    secret = AccountFactory(restricted=True, team=support_team)
    ContactFactory(account=secret, first_name="Piotr", last_name="Secret")

    # when
    response = client_for(outsider).get(LIST_URL)

    # then
    assert listed_names(response) == ["Anna Open"]
    assert "Secret" not in response.text


@pytest.mark.parametrize("text", ["ŻÓŁW", "zolw", "Żółw"])
def test_search_ignores_letter_case_and_polish_accents(agent, text):
    # given
    ContactFactory(first_name="Jan", last_name="Żółw")
    ContactFactory(first_name="Ewa", last_name="Lis")

    # when
    response = client_for(agent).get(LIST_URL, {"q": text})

    # then
    assert listed_names(response) == ["Jan Żółw"]


def test_search_finds_contact_by_email(agent):
    # given
    EmailAddressFactory(
        contact=ContactFactory(first_name="Jan", last_name="Nowak"), address="jn@x.example"
    )
    ContactFactory(first_name="Ewa", last_name="Lis")

    # when
    response = client_for(agent).get(LIST_URL, {"q": "jn@x"})

    # then
    assert listed_names(response) == ["Jan Nowak"]


def test_search_finds_contact_by_phone(agent):
    # given
    PhoneNumberFactory(
        contact=ContactFactory(first_name="Jan", last_name="Nowak"), number="+48601234567"
    )
    ContactFactory(first_name="Ewa", last_name="Lis")

    # when
    response = client_for(agent).get(LIST_URL, {"q": "601-234-567"})

    # then
    assert listed_names(response) == ["Jan Nowak"]


def test_filter_by_account_lists_its_contacts(agent):
    # given
    alpha = AccountFactory(name="Alpha")
    ContactFactory(account=alpha, first_name="Jan", last_name="Nowak")
    ContactFactory(first_name="Ewa", last_name="Lis")

    # when
    response = client_for(agent).get(LIST_URL, {"account": alpha.pk})

    # then
    assert listed_names(response) == ["Jan Nowak"]


def test_account_filter_does_not_offer_hidden_accounts(outsider, support_team):
    # given
    secret = AccountFactory(name="Secret SA", restricted=True, team=support_team)

    # when
    response = client_for(outsider).get(LIST_URL)

    # then
    assert secret not in response.context["filter"].form.fields["account"].queryset
    assert "Secret SA" not in response.text


def test_htmx_request_gets_only_the_results_partial(agent):
    # given
    ContactFactory(first_name="Jan", last_name="Nowak")

    # when
    response = client_for(agent).get(LIST_URL, {"q": "Nowak"}, headers={"HX-Request": "true"})

    # then
    assert response.text.lstrip().startswith('<div id="results" class="results">')
    assert "<html" not in response.text
    assert "Jan Nowak" in response.text


def test_empty_list_says_how_to_add_a_contact(agent):
    # when
    response = client_for(agent).get(LIST_URL)

    # then
    assert f'No contacts yet — <a href="{CREATE_URL}">add one</a>.' in response.text


@pytest.mark.parametrize("rows", [5, 30])
def test_list_query_count_does_not_grow_with_rows(agent, rows, django_assert_num_queries):
    # given
    for contact in ContactFactory.create_batch(rows):
        EmailAddressFactory(contact=contact)
        PhoneNumberFactory(contact=contact)
    client = client_for(agent)

    # when / then: session, user, count, page, emails, phones, and the classification
    # choices of the filters (the customer is a picker: nothing to read when none is chosen)
    with django_assert_num_queries(9):
        response = client.get(LIST_URL)
    # and every contact of the page is listed with its address
    assert response.status_code == 200
    assert response.text.count('href="mailto:') == min(rows, PAGE_SIZE)


# Access


def test_anonymous_user_is_sent_to_login(client):
    # when
    response = client.get(LIST_URL)

    # then
    assert response.status_code == 302
    assert response.url == f"/login/?next={LIST_URL}"


@pytest.mark.parametrize("name", ["contact-detail", "contact-edit", "contact-delete"])
def test_outsider_gets_404_on_contact_of_restricted_support_account(outsider, support_team, name):
    # given
    contact = ContactFactory(account=AccountFactory(restricted=True, team=support_team))

    # when
    response = client_for(outsider).get(reverse(f"customers:{name}", args=[contact.pk]))

    # then
    assert response.status_code == 404


@pytest.mark.parametrize("name", ["contact-list", "contact-create"])
def test_portal_user_gets_404(portal_user, name):
    # when
    response = client_for(portal_user).get(reverse(f"customers:{name}"))

    # then
    assert response.status_code == 404


# Detail


def test_detail_shows_emails_phones_and_account(agent):
    # given
    contact = ContactFactory(account=AccountFactory(name="Alpha"), position="CFO")
    EmailAddressFactory(contact=contact, address="cfo@alpha.example")
    PhoneNumberFactory(contact=contact, number="+48601234567", kind="work")

    # when
    response = client_for(agent).get(contact.get_absolute_url())

    # then
    assert response.status_code == 200
    assert '<a href="tel:+48601234567">601 234 567</a> <span class="muted">Work</span>' in (
        response.text
    )
    assert f'<a href="{contact.account.get_absolute_url()}">Alpha</a>' in response.text
    assert "cfo@alpha.example" in response.text


# Create and edit


def test_create_form_preselects_the_account_from_the_url(agent):
    # given
    alpha = AccountFactory(name="Alpha")

    # when
    response = client_for(agent).get(CREATE_URL, {"account": alpha.pk})

    # then
    assert f'<option value="{alpha.pk}" selected>Alpha</option>' in response.text


def test_create_form_does_not_offer_hidden_accounts(outsider, support_team):
    # given
    secret = AccountFactory(name="Secret SA", restricted=True, team=support_team)

    # when
    response = client_for(outsider).get(CREATE_URL, {"account": secret.pk})

    # then
    assert "Secret SA" not in response.text
    assert secret not in response.context["form"].fields["account"].queryset


def test_create_with_hidden_account_is_refused(outsider, support_team):
    # given
    secret = AccountFactory(restricted=True, team=support_team)

    # when
    response = client_for(outsider).post(CREATE_URL, contact_post(account=secret.pk))

    # then
    assert response.status_code == 400
    assert response.context["form"].errors["account"] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    assert Contact.objects.filter(account=secret).exists() is False


def test_create_saves_contact_with_emails_phones_and_classifications(agent):
    # given
    alpha = AccountFactory(name="Alpha")
    role = Dictionary.objects.create(name="Role", applies_to="contact", multiple=True)
    buyer = DictionaryEntry.objects.create(dictionary=role, label="Buyer")
    payer = DictionaryEntry.objects.create(dictionary=role, label="Payer")
    data = contact_post(
        phones=[("601 234 567", "work"), ("", "mobile"), ("+420 601 123 456", "mobile")],
        account=alpha.pk,
        position="CFO",
        emails="Jan@Alpha.example\njk@alpha.example",
        **{f"dictionary_{role.pk}": [buyer.pk, payer.pk]},
    )

    # when
    response = client_for(agent).post(f"{CREATE_URL}?account={alpha.pk}", data)

    # then
    contact = Contact.objects.get()
    assert response.status_code == 302
    assert response.url == contact.get_absolute_url()
    assert (str(contact), contact.position, contact.account) == ("Jan Kowalski", "CFO", alpha)
    assert [e.address for e in contact.emails.all()] == ["jan@alpha.example", "jk@alpha.example"]
    assert [(p.number, p.kind) for p in contact.phones.all()] == [
        ("+48601234567", "work"),
        ("+420601123456", "mobile"),
    ]
    assert set(contact.classifications.all()) == {buyer, payer}


def test_create_with_email_of_another_contact_names_the_owner(agent):
    # given
    owner = ContactFactory(first_name="Anna", last_name="Zawada")
    EmailAddressFactory(contact=owner, address="biuro@alpha.example")

    # when
    response = client_for(agent).post(CREATE_URL, contact_post(emails="biuro@alpha.example"))

    # then
    assert response.status_code == 400
    assert "biuro@alpha.example already belongs to Anna Zawada." in response.text
    assert Contact.objects.count() == 1


def test_create_with_shared_email_of_an_account_names_the_account(agent):
    # given
    EmailAddress.objects.create(account=AccountFactory(name="Alpha"), address="biuro@alpha.example")

    # when
    response = client_for(agent).post(CREATE_URL, contact_post(emails="biuro@alpha.example"))

    # then
    assert response.status_code == 400
    assert "biuro@alpha.example already belongs to Alpha." in response.text


def test_create_with_invalid_phone_says_so_and_saves_nothing(agent):
    # when
    response = client_for(agent).post(CREATE_URL, contact_post(phones=[("12", "mobile")]))

    # then
    assert response.status_code == 400
    assert "12 is not a valid phone number; include the country code, e.g. +48." in response.text
    assert Contact.objects.count() == 0


def test_edit_form_shows_current_emails_and_phones(agent):
    # given
    contact = ContactFactory()
    EmailAddressFactory(contact=contact, address="jan@alpha.example")
    EmailAddressFactory(contact=contact, address="jk@alpha.example")
    PhoneNumberFactory(contact=contact, number="+48601234567", kind="work")

    # when
    response = client_for(agent).get(reverse("customers:contact-edit", args=[contact.pk]))

    # then
    form = response.context["form"]
    assert form["emails"].value() == "jan@alpha.example\njk@alpha.example"
    assert [row["number"].value() for row in form.phones] == ["+48601234567", None, None]
    assert [row["kind"].value() for row in form.phones] == ["work", "mobile", "mobile"]


def test_edit_keeps_phone_kinds_and_replaces_emails(agent):
    # given
    contact = ContactFactory(first_name="Jan", last_name="Kowalski")
    EmailAddressFactory(contact=contact, address="old@alpha.example")
    PhoneNumberFactory(contact=contact, number="+48601234567", kind="work")

    # when
    response = client_for(agent).post(
        reverse("customers:contact-edit", args=[contact.pk]),
        contact_post(
            phones=[("+48601234567", "work"), ("", "mobile")],
            initial_phones=1,
            last_name="Nowak",
            emails="new@alpha.example",
            account=contact.account.pk,
        ),
    )

    # then
    contact.refresh_from_db()
    assert response.status_code == 302
    assert (str(contact), contact.updated_by) == ("Jan Nowak", agent)
    assert [e.address for e in contact.emails.all()] == ["new@alpha.example"]
    assert [(p.number, p.kind) for p in contact.phones.all()] == [("+48601234567", "work")]


# Delete


def test_delete_asks_first(agent):
    # given
    contact = ContactFactory(first_name="Jan", last_name="Kowalski")

    # when
    response = client_for(agent).get(reverse("customers:contact-delete", args=[contact.pk]))

    # then
    assert response.status_code == 200
    assert "Delete Jan Kowalski?" in response.text
    assert Contact.objects.count() == 1


def test_delete_removes_contact_and_returns_to_its_account(agent):
    # given
    contact = ContactFactory()
    account = contact.account

    # when
    response = client_for(agent).post(reverse("customers:contact-delete", args=[contact.pk]))

    # then
    assert response.status_code == 302
    assert response.url == account.get_absolute_url()
    assert Contact.objects.count() == 0
