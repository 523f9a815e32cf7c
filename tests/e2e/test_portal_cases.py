"""A customer works with their cases in the portal, in a real browser.

An agent invites a customer's contact from the contact's page; the contact opens the emailed
link and sets a password; types a new case and is offered a help article, creates the case
with a photo; an agent answers with a public comment and adds an internal note on the staff's case
page; the customer sees the answer in the portal and in the email the outbox holds, never the
note; the customer answers that email, which lands in the case, on the staff's page and in the
portal.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.utils import make_msgid

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, BrowserContext, Page, expect

from kartoteka.cases.models import Case
from kartoteka.cases.services import case_settings
from kartoteka.kb.models import Article
from kartoteka.mail.models import Mailbox, Message
from kartoteka.mail.receiving.inbound import message_receive
from kartoteka.people.models import User
from kartoteka.testing.browser import log_in
from kartoteka.testing.customers import AccountFactory
from kartoteka.testing.kb import make_article
from kartoteka.testing.portal_access import contact_with_email, link_in, sent_to

pytestmark = pytest.mark.browser

CUSTOMER = "anna.nowak@stalmar-test.pl"
SECRET = "Notatka wewnętrzna: klient zalega z płatnościami"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db00000000049454e44ae426082"
)


@pytest.fixture
def customer(browser: Browser, live_server) -> Iterator[Page]:
    """A second browser, Anna's, signed in as nobody yet."""
    context: BrowserContext = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_an_invited_customer_creates_a_case_and_talks_with_the_agent(
    page: Page, customer: Page, agent: User, monkeypatch
) -> None:
    anna = contact_with_email(CUSTOMER, account=AccountFactory(name="Stal-Mar Test", country="GB"))
    monkeypatch.setattr("kartoteka.mail.sending.outbound._enqueue_sending", lambda: None)
    mailbox = Mailbox.objects.create(
        name="pomoc",
        address="pomoc@firma.example",
        protocol=Mailbox.Protocol.NONE,
        is_default=True,
    )
    article = make_article(
        "Pęknięta obudowa drukarki",
        "Zrób zdjęcie pękniętej obudowy i dołącz je do zgłoszenia reklamacyjnego.",
        visibility=Article.Visibility.PORTAL,
        language="en",
    )

    # when: the agent invites Anna from her contact page
    log_in(page, agent.username)
    page.goto(anna.get_absolute_url())
    page.get_by_role("button", name="Invite to the portal").click()
    expect(page.locator(".portal-login-state")).to_contain_text("Invited")

    # and Anna opens the emailed link and sets a password
    [invitation] = sent_to(CUSTOMER)
    customer.goto(link_in(invitation))
    customer.fill("#id_new_password1", "Zielona-herbata-42")
    customer.fill("#id_new_password2", "Zielona-herbata-42")
    customer.get_by_role("button", name="Set the password and sign in").click()
    expect(customer).to_have_url(re.compile(re.escape(reverse("portal:case-list"))))

    # when: Anna types a new case, a help article is offered
    customer.goto(reverse("portal:case-new"))
    customer.wait_for_function("() => window.htmx !== undefined")
    customer.fill("#id_subject", "Pęknięta obudowa drukarki")
    suggestion = customer.locator("#suggestions a", has_text=article.title)
    expect(suggestion).to_be_visible()
    assert re.search(r"\?draft=[\w-]{8,}$", suggestion.get_attribute("href") or "")

    # and creates it anyway, with a photo
    customer.fill("#id_description", "Obudowa pękła przy montażu, zdjęcie w załączniku.")
    customer.set_input_files(
        "#id_attachments", files=[{"name": "obudowa.png", "mimeType": "image/png", "buffer": PNG}]
    )
    customer.click("form.portal-form button[type=submit]")
    customer.wait_for_url(re.compile(r"/portal/cases/\d+/$"))
    case = Case.objects.get(subject="Pęknięta obudowa drukarki")
    assert case.channel == Case.Channel.PORTAL
    assert case.assignee is None
    expect(customer.get_by_role("link", name="obudowa.png")).to_be_visible()

    # when: the agent answers with a public comment and adds an internal note
    page.goto(reverse("desk:case-detail", args=[case.number]))
    page.wait_for_function("() => window.htmx !== undefined")
    page.fill("#id_text", "Wyślemy nową obudowę jutro.")
    page.uncheck("#id_internal")
    page.click("form.note-form button[type=submit]")
    expect(page.locator("#notes")).to_contain_text("Wyślemy nową obudowę jutro.")
    page.fill("#id_text", SECRET)
    page.click("form.note-form button[type=submit]")
    expect(page.locator("#notes")).to_contain_text(SECRET)

    # then: Anna sees the answer in the portal, never the note
    customer.reload()
    expect(customer.locator("#conversation-heading ~ article")).to_contain_text(
        ["Wyślemy nową obudowę jutro."]
    )
    assert SECRET not in customer.content()
    # and got it by email, tagged, from the case's mailbox
    tag = case.tag(case_settings().prefix)
    emails = [
        message
        for message in Message.objects.filter(case=case, direction="out").order_by("pk")
        if CUSTOMER in [entry["address"] for entry in message.to]
    ]
    assert [email.subject.startswith(tag) for email in emails] == [True]
    assert "Wyślemy nową obudowę jutro." in emails[0].text
    assert emails[0].mailbox == mailbox
    assert not Message.objects.filter(text__contains="zalega").exists()

    # when: Anna answers that email
    raw = (
        f"From: Anna Nowak <{CUSTOMER}>\r\n"
        "To: Pomoc <pomoc@firma.example>\r\n"
        f"Subject: Re: {emails[0].subject}\r\n"
        f"Message-ID: {make_msgid(domain='stalmar-test.pl')}\r\n"
        f"In-Reply-To: {emails[0].message_id}\r\n"
        "Date: Mon, 23 Nov 2026 10:00:00 +0100\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n"
        "\r\n"
        "Dziękuję, czekam na obudowę.\r\n"
    ).encode()
    receipt = message_receive(raw=raw, mailbox=mailbox)

    # then: it lands in the case, on the staff's page and in the portal
    assert receipt.case_number == case.number
    page.reload()
    expect(page.get_by_text("Dziękuję, czekam na obudowę.").first).to_be_visible()
    customer.reload()
    expect(customer.get_by_text("Dziękuję, czekam na obudowę.").first).to_be_visible()
    assert SECRET not in customer.content()
