"""The mailbox form in a real browser: a pipe mailbox hides the IMAP/POP3 fields, and "Test
connection" answers beside its button without reloading the page."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from kartoteka.mail.models import Mailbox
from kartoteka.people.models import User
from kartoteka.testing.browser import log_in

pytestmark = pytest.mark.browser


def test_a_pipe_mailbox_hides_its_server_fields_and_tests_beside_the_button(
    page: Page, admin: User
) -> None:
    # given
    log_in(page, admin.username)
    page.goto(reverse("mail:mailbox-create"))
    host = page.locator(".field:has(#id_host)")
    folder = page.locator(".field:has(#id_imap_folder)")
    expect(host).to_be_visible()
    expect(folder).to_be_visible()

    # when: POP3 hides the IMAP folder, the pipe hides every incoming field
    page.select_option("#id_protocol", "pop3")
    expect(folder).to_be_hidden()
    expect(host).to_be_visible()
    page.select_option("#id_protocol", "none")
    expect(host).to_be_hidden()
    expect(page.locator(".field:has(#id_fetch_every_minutes)")).to_be_hidden()
    expect(page.locator(".field:has(#id_smtp_host)")).to_be_visible()

    # and "Test connection" answers beside its button, the page staying as it is
    page.fill("#id_name", "Pipe")
    page.fill("#id_address", "pipe@firma.example")
    page.fill("#id_smtp_host", "127.0.0.1")
    page.fill("#id_smtp_port", "9")
    page.evaluate("window.notReloaded = true")
    page.click("text=Test connection")
    answer = page.locator(".connection-check #connection-test")
    expect(answer).to_contain_text("The connection test found a problem")
    expect(answer).to_contain_text("nothing to connect to")
    assert page.evaluate("window.notReloaded") is True
    expect(host).to_be_hidden()

    # then: saved without any incoming field
    page.click("form button[type=submit].primary")
    expect(page).to_have_url(reverse("mail:mailbox-list"))
    assert Mailbox.objects.get(name="Pipe").protocol == Mailbox.Protocol.NONE
