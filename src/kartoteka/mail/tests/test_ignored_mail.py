"""Ignored mail stays findable: administrators see what was set aside and why, and can move a
message a person wrote to the triage inbox."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from django.urls import reverse

from kartoteka.mail.models import Message
from kartoteka.mail.receiving.inbound import message_receive
from kartoteka.testing.clients import client_for
from kartoteka.testing.mail.receiving import SUPPORT

pytestmark = pytest.mark.usefixtures("data_dir")

LIST_URL = reverse("mail:ignored-list")


def out_of_office(number: int = 1) -> bytes:
    message = EmailMessage()
    message["From"] = "Ewa Zięba <ewa@klient.example>"
    message["To"] = SUPPORT
    message["Subject"] = f"Odpowiedź automatyczna: urlop {number}"
    message["Message-ID"] = f"<oof{number}@klient.example>"
    message["Auto-Submitted"] = "auto-replied"
    message.set_content("Jestem na urlopie do poniedziałku.")
    return message.as_bytes()


def ignored(mailbox, number: int = 1) -> Message:
    receipt = message_receive(raw=out_of_office(number), mailbox=mailbox, source="test")
    assert receipt.action == "ignored"
    return Message.objects.get(pk=receipt.message_pk)


def test_an_administrator_sees_ignored_mail_with_its_reason(admin, mailbox) -> None:
    ignored(mailbox)
    response = client_for(admin).get(LIST_URL)
    assert response.status_code == 200
    assert "Odpowiedź automatyczna: urlop 1" in response.text
    assert "An automatic reply that names no case" in response.text
    assert (
        'href="/mail/mailboxes/ignored/"'
        in client_for(admin).get(reverse("mail:mailbox-list")).text
    )


def test_the_reason_is_told_in_polish(admin, mailbox) -> None:
    ignored(mailbox)
    admin.language = "pl"
    admin.save(update_fields=["language"])
    response = client_for(admin).get(LIST_URL)
    assert "Odpowiedź automatyczna, która nie wskazuje sprawy" in response.text


def test_moving_to_triage_puts_the_message_where_a_person_places_it(admin, mailbox) -> None:
    message = ignored(mailbox)
    response = client_for(admin).post(reverse("mail:ignored-to-triage", args=[message.pk]))
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.state == Message.State.TRIAGE
    assert message.reason.startswith(f"moved from ignored mail by {admin.username}")
    assert "Odpowiedź automatyczna" not in client_for(admin).get(LIST_URL).text


def test_moving_twice_is_refused_with_a_message(admin, mailbox) -> None:
    message = ignored(mailbox)
    client = client_for(admin)
    client.post(reverse("mail:ignored-to-triage", args=[message.pk]))
    response = client.post(reverse("mail:ignored-to-triage", args=[message.pk]), follow=True)
    assert response.status_code == 404


def test_only_administrators_see_ignored_mail(agent, mailbox) -> None:
    message = ignored(mailbox)
    client = client_for(agent)
    assert client.get(LIST_URL).status_code == 403
    assert client.post(reverse("mail:ignored-to-triage", args=[message.pk])).status_code == 403
    assert Message.objects.get(pk=message.pk).state == Message.State.IGNORED


def test_a_placed_message_cannot_be_moved_from_here(admin, mailbox) -> None:
    placed = ignored(mailbox)
    Message.objects.filter(pk=placed.pk).update(state=Message.State.PLACED)
    response = client_for(admin).post(reverse("mail:ignored-to-triage", args=[placed.pk]))
    assert response.status_code == 404


def test_the_list_pages_with_a_fixed_number_of_queries(
    admin, mailbox, django_assert_max_num_queries
) -> None:
    for number in range(60):
        ignored(mailbox, number)
    client = client_for(admin)
    client.get(LIST_URL)
    with django_assert_max_num_queries(12):
        first = client.get(LIST_URL)
    assert first.text.count("Move to triage") == 50
    assert client.get(LIST_URL + "?page=2").text.count("Move to triage") == 10
