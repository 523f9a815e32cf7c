"""An agent answers a Polish-named customer in HTML, with a canned response that greets him in
the vocative and the agent's own signature above the mailbox's, in a real browser; the mail
a real SMTP server receives carries both parts and his name correctly encoded."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from kartoteka.mail.models import CannedResponse, Message
from kartoteka.people.models import User
from kartoteka.testing.browser import log_in
from kartoteka.testing.cases import make_case
from kartoteka.testing.customers import AccountFactory, ContactFactory, EmailAddressFactory
from kartoteka.testing.mail.sending import make_inbound
from kartoteka.testing.mail.sending import make_mailbox as make_sending_mailbox

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_replies_in_html_with_salutation_and_signature(
    page: Page, agent: User, smtp_server
) -> None:
    # given: Marcin Piguła wrote in; his salutation is written down, the agent signs her mail
    account = AccountFactory(name="Piguła i Wspólnicy")
    marcin = ContactFactory(
        account=account,
        first_name="Marcin",
        last_name="Piguła",
        salutation="Szanowny Panie Marcinie",
    )
    EmailAddressFactory(contact=marcin, address="m.pigula@pigula.example")
    case = make_case("Brak faktury za listopad", account=account, contacts=(marcin,))
    case.reporter = marcin
    case.save(update_fields=["reporter"])
    mailbox = make_sending_mailbox(is_default=True, signature_text="Zespół pomocy Kartoteka")
    smtp_server.point(mailbox)
    make_inbound(
        case,
        mailbox=mailbox,
        sender="m.pigula@pigula.example",
        from_name="Marcin Piguła",
        text="Nie dostałem faktury za listopad.",
    )
    CannedResponse.objects.create(
        name="Potwierdzenie",
        body="{salutation}\n\ndziękujemy za wiadomość w sprawie {case_tag}.",
        active=True,
    )
    agent.signature = "Angelika Ragan\nDział obsługi klienta"
    agent.save(update_fields=["signature"])
    log_in(page, "agent")

    # when: Reply on his message
    page.goto(case.get_absolute_url())
    page.wait_for_function("() => window.htmx !== undefined")
    page.get_by_role("link", name="Reply", exact=True).first.click()

    # then: the composer has the focus, addressed to him by his name as written
    editor = page.locator("#composer [data-editor-area]")
    expect(editor).to_be_focused()
    expect(page.locator("#id_to")).to_have_value("Marcin Piguła <m.pigula@pigula.example>")
    expect(page.locator("[data-composer-body]")).to_be_hidden()
    expect(page.locator("[data-signature-preview]")).to_contain_text("Angelika Ragan")
    expect(editor.locator("blockquote")).to_contain_text("Nie dostałem faktury za listopad.")

    # when: the canned response goes in, then a bold line and a bulleted list are written
    page.select_option("#composer-canned", label="Potwierdzenie")
    expect(editor).to_contain_text("Szanowny Panie Marcinie,")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Bold", exact=True).click()
    page.keyboard.type("Faktura jest w załączniku")
    page.get_by_role("button", name="Bold", exact=True).click()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Bulleted list").click()
    page.keyboard.type("numer FV/11/2026")
    expect(editor.locator("b, strong")).to_have_text("Faktura jest w załączniku")
    page.click("[data-composer-send]")

    # then: the case page again, with the reply; the server received one mail with both parts
    expect(page.locator(".conversation")).to_contain_text("Faktura jest w załączniku")
    message = Message.objects.get(direction=Message.Direction.OUTBOUND)
    for _attempt in range(100):
        if smtp_server.received:
            break
        page.wait_for_timeout(100)
    assert [received.rcpt_tos for received in smtp_server.received] == [["m.pigula@pigula.example"]]
    raw = smtp_server.received[0].data
    headers = raw.split(b"\r\n\r\n", 1)[0]
    # RFC 2047: an encoded word for what is not ASCII ("Marcin =?utf-8?q?Pigu=C5=82a?=")
    to_header = re.search(rb"^To: ([^\r\n]*)\r\n", headers, re.M)
    assert to_header is not None
    assert re.fullmatch(
        rb"(Marcin )?=\?utf-8\?[qQbB]\?[!-~]+\?= <m\.pigula@pigula\.example>", to_header.group(1)
    )
    sent = smtp_server.received[0].message
    assert [(a.display_name, a.addr_spec) for a in sent["To"].addresses] == [
        ("Marcin Piguła", "m.pigula@pigula.example")
    ]
    assert sent.get_content_type() == "multipart/alternative"
    text = sent.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = sent.get_body(("html",)).get_content()
    assert text.startswith("Szanowny Panie Marcinie,\n\ndziękujemy za wiadomość w sprawie ")
    assert "Faktura jest w załączniku" in text
    assert "- numer FV/11/2026" in text
    assert "-- \nAngelika Ragan\nDział obsługi klienta\n\nZespół pomocy Kartoteka" in text
    assert text.index("Zespół pomocy Kartoteka") < text.index("> Nie dostałem faktury")
    assert "Szanowny Panie Marcinie," in html
    assert re.search(r"<(b|strong)>Faktura jest w załączniku</\1>", html)
    assert "<li>numer FV/11/2026</li>" in html
    assert "Angelika Ragan<br>" in html
    assert html.index("Zespół pomocy Kartoteka") < html.index("<blockquote>")
    assert "<script" not in html
    assert message.html  # the conversation shows the HTML as sent
