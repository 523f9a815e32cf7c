"""The outbox in a real browser: a reply the server refuses shows as failed, with the server's
answer, in the outbox and on its case; once the server is back it is sent again, and the
status chosen with it is set only then."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from kartoteka.cases.models import Case, CaseEvent, Status
from kartoteka.mail.models import Message
from kartoteka.mail.sending.outbox import outbox_send_due
from kartoteka.people.models import User
from kartoteka.testing.cases import make_case
from kartoteka.testing.mail.sending import make_inbound, make_mailbox
from kartoteka.testing.people import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, username: str) -> None:
    page.goto(reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form:has(#id_password) button[type=submit]")
    expect(page).not_to_have_url(re.compile(r"/login/"))


def test_a_refused_reply_is_seen_failed_retried_when_the_server_is_back_and_then_sets_the_status(
    page: Page, manager: User, smtp_server, settings
) -> None:
    # given: the worker runs only when the test says (its pass function), not in requests
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    mailbox = make_mailbox(is_default=True)
    smtp_server.point(mailbox)
    case = make_case("Brak faktury do zamówienia 45/2026")
    make_inbound(
        case, mailbox=mailbox, sender="biuro@budimex-test.pl", text="Nie dostaliśmy faktury."
    )
    opened = case.status
    closed = Status.objects.get(name="Closed")
    smtp_server.mode = "refuse"  # the customer's server knows no such address

    # when: the manager replies from the case page, choosing to close the case
    log_in(page, "manager")
    page.goto(case.get_absolute_url())
    page.wait_for_function("() => window.htmx !== undefined")
    page.locator(".message-card").first.get_by_role("link", name="Reply", exact=True).click()
    # (scripts run here, so the formatting editor replaces the plain text field)
    body = page.locator("#composer [data-editor-area]")
    expect(body).to_be_visible()
    expect(page.locator("[data-composer-body]")).to_be_hidden()
    body.click()
    body.press("Control+Home")
    page.keyboard.type("Dzień dobry, faktura jest już w drodze. ")
    page.select_option("#composer select[name=status]", label="Closed")
    page.click("#composer button[data-composer-send]")
    page.wait_for_url(re.compile(rf"/cases/{case.number}/$"))

    # then: queued; the case is not closed yet and says it will be
    expect(page.locator(".case-status-pending")).to_contain_text(
        "The status will change to “Closed” when the reply"
    )
    case.refresh_from_db()
    assert case.status == opened

    # when: the outbox worker runs and the server refuses
    assert outbox_send_due().failed == 1

    # then: the case says the reply failed, with the server's answer, and stays open
    page.reload()
    banner = page.locator(".case-reply-failed")
    expect(banner).to_contain_text("A reply was not sent.")
    expect(banner).to_contain_text("550 5.1.1 <biuro@budimex-test.pl>")
    expect(banner).to_contain_text("The status “Closed” was not set.")
    case.refresh_from_db()
    assert case.status == opened

    # and: the navigation counts it; the outbox lists it with the answer and links the case
    outbox_link = page.locator("nav.sidebar a[href='/mail/outbox/']")
    expect(outbox_link.locator(".nav-count")).to_have_text("1")
    outbox_link.click()
    message = Message.objects.get(direction=Message.Direction.OUTBOUND)
    row = page.locator(f"#outbox-{message.pk}")
    expect(row).to_contain_text("Failed")
    expect(row).to_contain_text("Recipient address rejected: User unknown")
    expect(row.locator(f"a[href='{case.get_absolute_url()}#message-{message.pk}']")).to_be_visible()

    # when: the server is back and the manager sends it again
    smtp_server.mode = "accept"
    row.get_by_role("button", name="Send again").click()
    expect(page.locator("body")).to_contain_text("The message is queued to be sent again now.")
    assert Message.objects.get(pk=message.pk).state == Message.State.QUEUED
    assert outbox_send_due().sent == 1

    # then: the server has it, the case is closed by the manager's reply, the banner is gone
    assert len(smtp_server.received) == 1
    assert smtp_server.received[0].rcpt_tos == ["biuro@budimex-test.pl"]
    assert "faktura jest już w drodze" in smtp_server.received[0].data.decode("utf-8", "replace")
    page.goto(case.get_absolute_url())
    expect(page.locator("#property-status .property-value")).to_have_text("Closed")
    expect(page.locator(".case-reply-failed")).to_have_count(0)
    expect(page.locator(".case-status-pending")).to_have_count(0)
    case = Case.objects.get(pk=case.pk)
    assert case.status == closed
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.REPLY_RETRIED).count() == 1
    page.goto(reverse("mail:outbox") + "?view=sent")
    expect(page.locator(f"#outbox-{message.pk}")).to_contain_text("Sent")
