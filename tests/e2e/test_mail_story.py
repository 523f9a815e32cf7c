"""The whole story of an email, in a real browser, through real mail servers.

A message from a new address arrives over IMAP (Dovecot) and waits in triage; the agent
attaches it to the customer and remembers the address; the agent's reply reaches the SMTP
server (aiosmtpd) tagged, with Reply-To and threading headers, and the case is "Closed"; the
customer's answer, without the tag but with In-Reply-To, lands in the same case and opens it
again; a new subject from the remembered address makes a new case without triage.
"""

from __future__ import annotations

import re
from email.utils import make_msgid

import pytest
from playwright.sync_api import Page, expect

from kartoteka.cases.models import Case, CaseSettings, Status
from kartoteka.customers.models import Contact, EmailAddress
from kartoteka.mail.models import Message
from kartoteka.mail.receiving.fetch import fetch_all
from kartoteka.people.models import User
from kartoteka.testing.browser import log_in
from kartoteka.testing.customers import AccountFactory, ContactFactory

pytestmark = pytest.mark.browser

SENDER = "anna.zielinska@budimex-test.pl"


def email(*, subject: str, body: str, in_reply_to: str = "") -> tuple[str, bytes]:
    message_id = make_msgid(domain="budimex-test.pl")
    threading = (
        f"In-Reply-To: {in_reply_to}\r\nReferences: {in_reply_to}\r\n" if in_reply_to else ""
    )
    raw = (
        f"From: Anna Zielińska <{SENDER}>\r\n"
        "To: Pomoc <pomoc@firma.example>\r\n"
        f"Subject: {subject}\r\n"
        f"Message-ID: {message_id}\r\n"
        f"{threading}"
        "Date: Mon, 23 Nov 2026 10:00:00 +0100\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n"
        "\r\n"
        f"{body}\r\n"
    ).encode()
    return message_id, raw


def status_shown(page: Page) -> str:
    return page.locator("#property-status .property-value").inner_text().strip()


def test_a_message_from_a_new_address_becomes_a_case_answered_and_followed(
    page: Page, agent: User, account, make_mailbox, smtp_server
) -> None:
    # given: a customer we know by another address in the same domain; a mailbox read over
    # IMAP and sending over SMTP; replies close a case, the customer's mail opens it
    budimex = AccountFactory(name="Budimex Test SA")
    colleague = ContactFactory(account=budimex, first_name="Jan", last_name="Kowal")
    EmailAddress.objects.create(contact=colleague, address="jan.kowal@budimex-test.pl")
    mailbox = make_mailbox(is_default=True, sender_name="Pomoc Firma")
    smtp = smtp_server.variant(auth=True)  # the mailbox logs in to send, as most servers want
    smtp.point(mailbox)
    settings_row = CaseSettings.objects.get(pk=1)
    assert (settings_row.reply_status.name, settings_row.incoming_status.name) == (
        "Closed",
        "Open",
    )
    first_id, first = email(
        subject="Zamówienie 45/2026 – brak faktury",
        body="Dzień dobry, nie dostaliśmy faktury do zamówienia 45/2026.\r\nAnna Zielińska",
    )
    account.append(first)

    # when: the worker fetches the mailbox
    fetch_all()

    # then: the message waits in triage
    waiting = Message.objects.get(message_id=first_id.strip("<>"))
    assert waiting.state == Message.State.TRIAGE

    # when: the agent opens triage and the message
    log_in(page, "agent")
    page.click("nav.sidebar a[href='/mail/triage/']")
    expect(page.locator("body")).to_contain_text("Zamówienie 45/2026 – brak faktury")
    page.click("text=Zamówienie 45/2026 – brak faktury")

    # then: the customer is suggested by the sender's domain; the agent chooses it,
    # remembers the address as a new contact and creates the case
    suggestions = page.locator("#account-results")
    expect(suggestions).to_contain_text("Budimex Test SA")
    suggestions.get_by_role("link", name="Choose").first.click()
    page.select_option(
        "#new-case select[name=remember]", label="As a new contact of Budimex Test SA"
    )
    page.click("#new-case button:has-text('Create the case')")
    page.wait_for_url(re.compile(r"/cases/\d+/$"))
    case = Case.objects.get(account=budimex)
    anna = Contact.objects.get(emails__address=SENDER)
    assert (anna.account, anna.first_name, anna.last_name) == (budimex, "Anna", "Zielińska")
    expect(page.locator("h1")).to_contain_text(f"#{case.number}")
    expect(page.locator(".conversation")).to_contain_text("nie dostaliśmy faktury")

    # when: the agent replies from the case page
    page.locator(f"#message-{waiting.pk}").get_by_role("link", name="Reply", exact=True).click()
    body = page.locator("#composer [data-editor-area]")
    expect(body).to_be_focused()
    body.type("Dzień dobry, faktura jest już w drodze. ")
    page.click("#composer button[data-composer-send]")
    expect(page.locator(".conversation")).to_contain_text("faktura jest już w drodze")

    # then: the SMTP server received the reply, tagged and threaded, and the case is closed
    prefix = settings_row.prefix
    assert len(smtp.received) == 1
    sent = smtp.received[0].message
    assert f"[{prefix}#{case.number}]" in sent["Subject"]
    assert sent["Reply-To"].addresses[0].addr_spec == mailbox.address
    assert sent["In-Reply-To"] == first_id
    assert first_id in sent["References"]
    assert smtp.received[0].rcpt_tos == [SENDER]
    assert "faktura jest już w drodze" in sent.get_body(("plain",)).get_content()
    page.reload()
    assert status_shown(page) == "Closed"

    # when: the customer answers without the tag, but In-Reply-To our reply
    answer_id, answer = email(
        subject="Re: Zamówienie 45/2026 – brak faktury",
        body="Dziękuję, faktura dotarła.",
        in_reply_to=sent["Message-ID"],
    )
    account.append(answer)
    fetch_all()

    # then: it is in the same case, which is open again
    assert Message.objects.get(message_id=answer_id.strip("<>")).case == case
    page.reload()
    expect(page.locator(".conversation")).to_contain_text("Dziękuję, faktura dotarła.")
    assert status_shown(page) == "Open"

    # when: a message on a new subject comes from the remembered address
    new_id, new = email(subject="Nowe zamówienie 46/2026", body="Prosimy o ofertę.")
    account.append(new)
    fetch_all()

    # then: a new case of the customer, without triage
    placed = Message.objects.get(message_id=new_id.strip("<>"))
    assert placed.state == Message.State.PLACED
    assert placed.case not in (None, case)
    assert placed.case.account == budimex
    assert not Message.objects.filter(state=Message.State.TRIAGE).exists()
    page.goto(placed.case.get_absolute_url())
    expect(page.locator("h1")).to_contain_text("Nowe zamówienie 46/2026")
    assert Status.objects.get(pk=placed.case.status_id).name in ("New", "Open")
