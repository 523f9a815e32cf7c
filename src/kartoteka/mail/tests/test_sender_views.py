"""Sender verification as people see it: the mailbox settings, the message card, the composer
and the triage inbox."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from django.urls import reverse

from kartoteka.mail.models import Mailbox, Message
from kartoteka.mail.receiving.inbound import message_receive
from kartoteka.mail.tests.test_mailbox_views import CREATE, form_data
from kartoteka.testing.clients import client_for
from kartoteka.testing.mail.receiving import CUSTOMER, SUPPORT

pytestmark = pytest.mark.usefixtures("data_dir")


def receive(mailbox: Mailbox, *, sender: str, subject: str, reply_to: str = "") -> Message:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = SUPPORT
    message["Subject"] = subject
    message["Message-ID"] = f"<{abs(hash((sender, subject)))}@klient.example>"
    if reply_to:
        message["Reply-To"] = reply_to
    message.set_content("Dzień dobry.")
    receipt = message_receive(raw=message.as_bytes(), mailbox=mailbox, source="test")
    return Message.objects.get(pk=receipt.message_pk)


# Mailbox settings


def test_trusted_servers_are_stored_lower_cased_once_each(admin):
    data = form_data(
        trusted_authserv_ids="MX.firma.example; mx.firma.example, mx2.firma.example",
        verify_dkim="on",
    )
    response = client_for(admin).post(CREATE, data)
    assert response.status_code == 302
    mailbox = Mailbox.objects.get()
    assert (mailbox.trusted_authserv_ids, mailbox.verify_dkim) == (
        "mx.firma.example, mx2.firma.example",
        True,
    )


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("mx firma!", "“firma!” is not a server name such as mx.example.com."),
        (";".join(f"mx{n}.example" for n in range(11)), "Name at most 10 servers."),
        ("a" * 300, f"“{'a' * 300}” is not a server name such as mx.example.com."),
    ],
)
def test_a_wrong_server_name_is_refused_with_a_message(admin, typed, error):
    response = client_for(admin).post(CREATE, form_data(trusted_authserv_ids=typed))
    assert response.status_code == 200
    assert response.context["form"].errors["trusted_authserv_ids"] == [error]
    assert Mailbox.objects.count() == 0


# The message card


def test_the_card_shows_a_reply_to_other_than_the_sender_and_the_sender_state(mailbox, case, agent):
    # given
    received = receive(
        mailbox,
        sender=f"Jan <{CUSTOMER}>",
        subject=f"[KART#{case.number}] faktura",
        reply_to="Księgowość <faktury@inna.example>",
    )
    assert received.case == case
    # when
    response = client_for(agent).get(case.get_absolute_url())
    # then
    assert "Reply-To: Księgowość &lt;faktury@inna.example&gt;" in response.text
    state = '<span class="muted sender-state" title="no trusted Authentication-Results">'
    assert f"{state}sender not verified</span>" in response.text


def test_the_card_shows_no_reply_to_when_it_is_the_sender(mailbox, case, agent):
    receive(mailbox, sender=CUSTOMER, subject=f"[KART#{case.number}]", reply_to=CUSTOMER)
    response = client_for(agent).get(case.get_absolute_url())
    assert "Reply-To:" not in response.text


def test_the_composer_says_the_reply_goes_to_the_reply_to_address(mailbox, case, agent):
    # given
    received = receive(
        mailbox,
        sender=f"Jan <{CUSTOMER}>",
        subject=f"[KART#{case.number}] faktura",
        reply_to="faktury@inna.example",
    )
    url = reverse("mail:compose", args=[case.number])
    # when
    response = client_for(agent).get(f"{url}?kind=reply&message={received.pk}")
    # then
    assert response.context["form"]["to"].value() == "faktury@inna.example"
    assert (
        f"The message asks for replies to its Reply-To address, not to the sender {CUSTOMER}: "
        "this reply goes to faktury@inna.example."
    ) in response.text


# Triage


def test_triage_marks_mail_claiming_to_be_us_and_suspicious_mail(mailbox, admin, agent):
    # given
    held = receive(mailbox, sender=admin.email, subject="Przelew pilny")
    odd = receive(mailbox, sender="szef@klient.example <m-s@evil.example>", subject="Faktura")
    client = client_for(agent)
    # when
    listing = client.get(reverse("mail:triage"))
    held_page = client.get(reverse("mail:triage-message", args=[held.pk]))
    odd_page = client.get(reverse("mail:triage-message", args=[odd.pk]))
    # then
    assert listing.text.count('<span class="pill pill-forged">Sender not verified</span>') == 1
    assert listing.text.count('<span class="pill pill-forged">Suspicious sender</span>') == 1
    assert "Sender not verified: the message claims to come from a colleague" in held_page.text
    assert "Suspicious sender: the sender&#x27;s name is another email address." in odd_page.text


# The API


def test_the_messages_api_tells_how_the_sender_was_judged(mailbox, case, agent):
    from rest_framework.test import APIClient

    received = receive(mailbox, sender=f"Jan <{CUSTOMER}>", subject=f"[KART#{case.number}]")
    client = APIClient()
    client.force_authenticate(agent)
    rows = client.get(f"/api/v1/cases/{case.number}/messages/").json()["results"]
    assert [
        (row["id"], row["sender_verification"], row["sender_claims_own"], row["sender_suspicion"])
        for row in rows
    ] == [(received.pk, "not-verified", False, "")]


def test_the_mailbox_api_shows_the_verification_settings(admin, mailbox):
    from rest_framework.test import APIClient

    Mailbox.objects.filter(pk=mailbox.pk).update(
        trusted_authserv_ids="mx.firma.example", verify_dkim=True
    )
    client = APIClient()
    client.force_authenticate(admin)
    body = client.get("/api/v1/mailboxes/").json()
    rows = body["results"] if isinstance(body, dict) else body
    assert [(row["trusted_authserv_ids"], row["verify_dkim"]) for row in rows] == [
        ("mx.firma.example", True)
    ]
