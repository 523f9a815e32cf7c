"""Writing to the customer from the file: a new email to an account or a contact opens its
case, and a case without mail offers its first email to its people."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.urls import reverse

from kartoteka.cases.models import Case
from kartoteka.mail.models import Message
from kartoteka.mail.sending.outbound import ATTACHMENTS_MAX_BYTES
from kartoteka.people.models import User
from kartoteka.testing.cases import make_case
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory, ContactFactory, EmailAddressFactory
from kartoteka.testing.mail.composing import posted, raw_of
from kartoteka.testing.mail.sending import make_mailbox
from kartoteka.testing.people import UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path) -> None:
    settings.DATA_DIR = tmp_path


@pytest.fixture
def mailbox():
    return make_mailbox()


@pytest.fixture
def account():
    return AccountFactory(name="Drukarnia Kowalski")


@pytest.fixture
def contact(account):
    person = ContactFactory(account=account, first_name="Anna", last_name="Nowak")
    EmailAddressFactory(contact=person, address="anna@drukarnia.example")
    return person


def new_email_url(**query) -> str:
    return reverse("mail:compose-new") + "?" + "&".join(f"{k}={v}" for k, v in query.items())


def opened(client, **query):
    response = client.get(new_email_url(**query))
    assert response.status_code == 200
    return response.context["form"]


# Opening the composer


def test_new_email_to_a_contact_starts_with_its_address_and_the_default_mailbox(
    agent, contact, mailbox
) -> None:
    form = opened(client_for(agent), contact=contact.pk)

    assert form.initial["to"] == "Anna Nowak <anna@drukarnia.example>"
    assert form.initial["mailbox"] == mailbox
    assert "subject" not in form.initial


def test_new_email_to_an_account_starts_with_its_shared_address_else_its_first_contacts(
    agent, account, contact, mailbox
) -> None:
    client = client_for(agent)
    assert opened(client, account=account.pk)["to"].value() == (
        "Anna Nowak <anna@drukarnia.example>"
    )

    EmailAddressFactory(contact=None, account=account, address="biuro@drukarnia.example")

    assert opened(client, account=account.pk)["to"].value() == (
        "Drukarnia Kowalski <biuro@drukarnia.example>"
    )


@pytest.mark.parametrize("query", ["account=0", "account=abc", "contact=999999", ""])
def test_new_email_for_no_such_addressee_is_not_found(agent, query) -> None:
    response = client_for(agent).get(reverse("mail:compose-new") + "?" + query)

    assert response.status_code == 404


def test_new_email_to_a_hidden_account_or_its_contact_is_not_found(agent, mailbox) -> None:
    hidden = AccountFactory(name="Tajny Klient", restricted=True)
    person = ContactFactory(account=hidden)
    client = client_for(agent)

    for query in (f"account={hidden.pk}", f"contact={person.pk}"):
        get = client.get(reverse("mail:compose-new") + "?" + query)
        post = client.post(reverse("mail:compose-new") + "?" + query, {"to": "x@y.example"})
        assert (get.status_code, post.status_code) == (404, 404)
    assert not Case.objects.exists()


def test_new_email_is_only_for_users_who_work_with_cases(support_team, contact) -> None:
    seller = UserFactory(role=User.Role.AGENT, team=support_team, can_work_with_cases=False)

    response = client_for(seller).get(new_email_url(contact=contact.pk))

    assert response.status_code == 404


# Sending opens the case


def test_sending_a_new_email_to_a_contact_opens_its_case_with_the_message_queued(
    agent, account, contact, mailbox
) -> None:
    client = client_for(agent)
    form = opened(client, contact=contact.pk)

    response = client.post(
        new_email_url(contact=contact.pk),
        posted(form, subject="Oferta na papier", body="Dzień dobry, przesyłam ofertę."),
    )

    case = Case.objects.get()
    assert response.status_code == 302
    assert response.url == case.get_absolute_url()
    assert (case.subject, case.account, case.channel) == (
        "Oferta na papier", account, Case.Channel.EMAIL,
    )  # fmt: skip
    assert list(case.contacts.all()) == [contact]
    assert case.reporter == contact
    assert case.created_by == agent
    message = Message.objects.get()
    assert (message.case, message.direction, message.state, message.author) == (
        case, Message.Direction.OUTBOUND, Message.State.QUEUED, agent,
    )  # fmt: skip
    assert message.to == [{"name": "Anna Nowak", "address": "anna@drukarnia.example"}]
    # a new topic: the case's tag, and no "Re:" (it answers nothing)
    assert str(raw_of(message)["Subject"]).endswith(f"#{case.number}] Oferta na papier")
    assert not str(raw_of(message)["Subject"]).startswith("Re:")


def test_new_email_to_an_account_makes_its_contacts_among_the_recipients_the_case_contacts(
    agent, account, contact, mailbox
) -> None:
    other = ContactFactory(account=AccountFactory(), first_name="Piotr", last_name="Obcy")
    EmailAddressFactory(contact=other, address="piotr@inna.example")
    client = client_for(agent)
    form = opened(client, account=account.pk)

    client.post(
        new_email_url(account=account.pk),
        posted(
            form,
            to="anna@drukarnia.example, Piotr <piotr@inna.example>",
            subject="Spotkanie",
            body="Zapraszamy.",
        ),
    )

    case = Case.objects.get()
    assert case.account == account
    assert list(case.contacts.all()) == [contact]
    assert [entry["address"] for entry in Message.objects.get().to] == [
        "anna@drukarnia.example", "piotr@inna.example",
    ]  # fmt: skip


def test_a_contact_of_another_customer_as_recipient_still_opens_the_case_of_the_account(
    agent, account, mailbox
) -> None:
    stranger = ContactFactory(account=AccountFactory(name="Inna firma"))
    EmailAddressFactory(contact=stranger, address="ktos@inna.example")
    client = client_for(agent)
    form = opened(client, account=account.pk)

    response = client.post(
        new_email_url(account=account.pk),
        posted(form, to="ktos@inna.example", subject="Pytanie", body="Treść."),
    )

    case = Case.objects.get()
    assert response.status_code == 302
    assert case.account == account
    assert list(case.contacts.all()) == []
    assert case.reporter is None
    assert Message.objects.get().case == case


def test_the_same_new_email_posted_twice_opens_one_case(agent, contact, mailbox) -> None:
    client = client_for(agent)
    data = posted(opened(client, contact=contact.pk), subject="Raz", body="Tylko raz.")

    first = client.post(new_email_url(contact=contact.pk), data)
    second = client.post(new_email_url(contact=contact.pk), data, **HTMX)

    case = Case.objects.get()
    assert first.url == second["HX-Redirect"] == case.get_absolute_url()
    assert Message.objects.count() == 1


def test_a_malformed_address_is_a_form_error_and_creates_nothing(agent, contact, mailbox) -> None:
    client = client_for(agent)
    form = opened(client, contact=contact.pk)

    response = client.post(
        new_email_url(contact=contact.pk),
        posted(form, to="anna@@drukarnia", subject="Oferta", body="Treść zostaje."),
    )

    assert response.status_code == 400
    assert response.context["form"].errors["to"]
    assert "Treść zostaje." in response.content.decode()
    assert not Case.objects.exists()
    assert not Message.objects.exists()


def test_a_refused_send_with_files_says_to_choose_them_again(agent, contact, mailbox) -> None:
    client = client_for(agent)
    form = opened(client, contact=contact.pk)
    upload = SimpleUploadedFile("oferta.pdf", b"%PDF-", content_type="application/pdf")

    response = client.post(
        new_email_url(contact=contact.pk), posted(form, subject="", body="x", files=upload)
    )

    assert response.status_code == 400
    assert response.context["files_lost"] is True
    assert not Case.objects.exists()


def test_a_mail_refused_when_sending_leaves_no_case(agent, contact, mailbox) -> None:
    # The files' size is checked by the sending service, after the case was created.
    client = client_for(agent)
    data = posted(opened(client, contact=contact.pk), subject="Oferta", body="Treść.")
    too_big = SimpleUploadedFile("duzy.bin", b"x" * (ATTACHMENTS_MAX_BYTES + 1))

    response = client.post(new_email_url(contact=contact.pk), {**data, "files": too_big})

    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert not Case.objects.exists()


# A case without mail


def test_a_case_without_mail_offers_a_new_email_to_its_reporter(agent, mailbox) -> None:
    case = make_case("Awaria", reporter_address="jan@klient.example")
    client = client_for(agent)

    page = client.get(case.get_absolute_url()).content.decode()
    response = client.get(reverse("mail:compose", args=[case.number]), **HTMX)

    assert reverse("mail:compose", args=[case.number]) in page
    assert response.status_code == 200
    assert response.context["kind_label"] == "New email"
    assert response.context["form"].initial["to"] == "Jan Kowalski <jan@klient.example>"


def test_a_case_without_mail_or_reporter_writes_to_its_contacts(agent, account, contact) -> None:
    case = make_case("Awaria", account=account, contacts=(contact,))

    response = client_for(agent).get(reverse("mail:compose", args=[case.number]), **HTMX)

    assert response.context["form"].initial["to"] == "Anna Nowak <anna@drukarnia.example>"


# The buttons on the file


def test_a_contacts_page_offers_a_new_email_and_a_new_case_for_it(agent, contact) -> None:
    page = client_for(agent).get(contact.get_absolute_url()).content.decode()

    assert f'href="{new_email_url(contact=contact.pk)}"' in page
    assert f'href="{reverse("cases:case-create")}?contact={contact.pk}"' in page


def test_the_file_actions_of_an_account_are_only_for_users_who_work_with_cases(
    agent, support_team, account
) -> None:
    seller = UserFactory(role=User.Role.AGENT, team=support_team, can_work_with_cases=False)

    shown = render_to_string("customers/file_actions.html", {"account": account, "user": agent})
    hidden = render_to_string("customers/file_actions.html", {"account": account, "user": seller})

    assert f'href="{new_email_url(account=account.pk)}"' in shown
    assert f'href="{reverse("cases:case-create")}?account={account.pk}"' in shown
    assert "href" not in hidden
