"""A web form from setup to case, in a real browser.

An administrator creates the form "Zgłoszenie serwisowe" and copies its snippet; a visitor
fills the public form without JavaScript and sees the thank-you text; the administrator turns
proof of work on, a visitor with JavaScript sends the form again (``pow.js`` does the work)
and one without JavaScript is told to turn it on. Each accepted form is a case with the
channel "web form" and its confirmation waits in the outbox.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from kartoteka.cases.models import Case
from kartoteka.mail.models import Message
from kartoteka.testing.browser import log_in
from kartoteka.testing.mail.sending import make_mailbox
from kartoteka.webforms.models import WebForm

pytestmark = pytest.mark.browser

THANKS = "Dziękujemy, serwisant oddzwoni jutro."


def fill_and_send(visitor: Page, url: str, *, subject: str) -> None:
    visitor.goto(url)
    visitor.fill("#id_name", "Anna Nowak")
    visitor.fill("#id_email", "anna.nowak@klient.example")
    visitor.fill("#id_subject", subject)
    visitor.fill("#id_message", "Ekspres w sali konferencyjnej nie grzeje wody.")
    visitor.click("button[type=submit]")


def test_an_administrators_form_brings_a_visitors_case(
    browser: Browser, page: Page, live_server, admin, settings
) -> None:
    # given: the installation's address is the live server's, and a default mailbox
    settings.SITE_URL = live_server.url
    make_mailbox("serwis@firma.example", is_default=True)

    # when: the administrator creates the form and copies the snippet
    log_in(page, "admin")
    page.goto(reverse("webforms:form-list"))
    expect(page.get_by_text("No web forms yet.")).to_be_visible()
    page.click("text=Add a web form")
    page.fill("#id_name", "Zgłoszenie serwisowe")
    page.fill("#id_thank_you_text", THANKS)
    page.fill("#id_origins", "https://www.firma.example")
    page.click("form.form button[type=submit]")
    expect(page.locator("[data-snippet=iframe]")).to_be_visible()
    form = WebForm.objects.get()
    url = f"{live_server.url}/forms/{form.key}/"
    assert f'<iframe src="{url}"' in page.locator("[data-snippet=iframe]").input_value()
    assert f'action="{url}"' in page.locator("[data-snippet=form]").input_value()

    # and a visitor without JavaScript sends the form
    plain = browser.new_context(java_script_enabled=False, locale="pl-PL")
    visitor = plain.new_page()
    fill_and_send(visitor, url, subject="Ekspres nie grzeje")
    # then
    expect(visitor.get_by_text(THANKS)).to_be_visible()
    case = Case.objects.get()
    assert (case.channel, case.subject) == (Case.Channel.WEB_FORM, "Ekspres nie grzeje")
    confirmation = Message.objects.get(case=case, direction=Message.Direction.OUTBOUND)
    assert confirmation.state == Message.State.QUEUED
    assert f"#{case.number}]" in confirmation.subject

    # when: proof of work is turned on
    page.goto(reverse("webforms:form-edit", args=[form.pk]))
    page.check("#id_proof_of_work")
    page.fill("#id_proof_of_work_bits", "10")
    page.click("form.form button[type=submit]")
    expect(page.get_by_text("Proof of work is on")).to_be_visible()

    # then a visitor without JavaScript is told to turn it on, and nothing is created
    fill_and_send(visitor, url, subject="Bez JavaScriptu")
    expect(visitor.get_by_text("Ten formularz potrzebuje JavaScriptu").first).to_be_visible()
    assert Case.objects.count() == 1
    plain.close()

    # and a visitor with JavaScript sends it: pow.js does the work before sending
    scripted = browser.new_context(locale="pl-PL")
    visitor = scripted.new_page()
    fill_and_send(visitor, url, subject="Z JavaScriptem")
    expect(visitor.get_by_text(THANKS)).to_be_visible()
    scripted.close()
    assert sorted(Case.objects.values_list("subject", flat=True)) == [
        "Ekspres nie grzeje",
        "Z JavaScriptem",
    ]

    # and the administrator finds both in the log
    page.goto(reverse("webforms:form-submissions", args=[form.pk]))
    expect(page.get_by_text("Z JavaScriptem")).to_be_visible()
