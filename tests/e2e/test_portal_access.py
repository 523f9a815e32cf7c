"""The customer portal's sign-in side in a real browser: a staff member invites a contact
from the contact's page; the contact opens the emailed link, sets a password and lands in
the portal, signs out and signs in again."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from kartoteka.people.models import User
from kartoteka.testing.browser import log_in
from kartoteka.testing.customers import AccountFactory
from kartoteka.testing.mail.sending import make_mailbox
from kartoteka.testing.portal_access import contact_with_email, link_in, sent_to

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Zielona-herbata-42"


@pytest.fixture(autouse=True)
def _outbox(monkeypatch) -> None:
    """Queued mail stays queued: the story reads the invitation from the outbox."""
    monkeypatch.setattr("kartoteka.mail.sending.outbound._enqueue_sending", lambda: None)


def test_an_invited_contact_sets_a_password_and_signs_in(page: Page, agent: User) -> None:
    # given: a British customer's contact (English emails) and the default mailbox
    make_mailbox(is_default=True)
    contact = contact_with_email(
        "jan.kowalski@budimex.example", account=AccountFactory(name="Budimex Ltd", country="GB")
    )

    # when: an agent invites the contact from the contact's page
    log_in(page, "agent")
    page.goto(contact.get_absolute_url())
    expect(page.locator(".portal-login-state")).to_contain_text("No portal login.")
    page.get_by_role("button", name="Invite to the portal").click()

    # then: the page says so, and the box shows the invitation
    expect(page.get_by_text("Invitation to the portal sent to jan.kowalski@budimex.example."))
    expect(page.locator(".portal-login-state")).to_contain_text("Invited")
    [email] = sent_to("jan.kowalski@budimex.example")
    assert email.subject == "Your login to the customer portal"

    # when: the contact, in a browser of their own, opens the link and sets a password
    page.context.clear_cookies()
    page.goto(link_in(email))
    expect(page).to_have_url(re.compile(re.escape(reverse("portal:invitation-password"))))
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    page.get_by_role("button", name="Set the password and sign in").click()

    # then: signed in, in the portal
    expect(page).to_have_url(re.compile(re.escape(reverse("portal:case-list"))))
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    # when: signing out
    page.get_by_role("button", name="Sign out").click()

    # then: back at the portal's sign-in
    expect(page).to_have_url(re.compile(re.escape(reverse("portal:login"))))

    # when: signing in again with the new password
    page.fill("#id_username", "jan.kowalski@budimex.example")
    page.fill("#id_password", NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # then
    expect(page).to_have_url(re.compile(re.escape(reverse("portal:case-list"))))
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
