"""Signing in, in a real browser: two-factor sign-in with an authenticator app's code, and a
locked-out sign-in that an administrator unlocks."""

from __future__ import annotations

import re
from base64 import b32decode

import pytest
from django.urls import reverse
from django_otp.oath import totp
from playwright.sync_api import Browser, Page, expect

from kartoteka.people.models import User
from kartoteka.people.two_factor import sign_in_policy_set
from kartoteka.testing.people import PASSWORD

pytestmark = pytest.mark.browser


def give_password(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto(reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    # the answer arrives before the caller goes on: a page opened while the sign-in is still
    # under way would be a second, concurrent request
    with page.expect_navigation():
        page.click("form:has(#id_password) button[type=submit]")


def app_code(secret: str, *, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for the secret the page gave (the real computation)."""
    key = b32decode(secret.replace(" ", ""))
    return f"{totp(key, drift=steps_ahead):06d}"


def test_an_administrator_sets_up_an_authenticator_and_signs_in_with_its_code(
    page: Page, admin: User
) -> None:
    # given: the installation requires two-factor sign-in of administrators
    sign_in_policy_set(two_factor_required_for_administrators=True)

    # when: the administrator signs in with the password alone
    give_password(page, "admin")
    page.goto(reverse("customers:account-list"))

    # then: the setup comes before anything else, with a QR code and the secret
    expect(page).to_have_url(re.compile(re.escape(reverse("people:two-factor"))))
    expect(page.locator(".qr-code svg")).to_be_visible()
    secret = page.locator("#two-factor-secret").inner_text()

    # when: the app's first code is entered
    page.fill("#id_code", app_code(secret))
    page.click("form:has(#id_code) button[type=submit]")

    # then: ten recovery codes, shown this once
    expect(page.locator(".recovery-codes li")).to_have_count(10)

    # when: signing in again, in a fresh browser session, with the password and then a code
    page.context.clear_cookies()
    give_password(page, "admin")
    expect(page).to_have_url(re.compile(re.escape(reverse("sign-in-code"))))
    expect(page.get_by_text("Enter the code your authenticator app shows now")).to_be_visible()
    page.fill("#id_code", app_code(secret, steps_ahead=1))
    page.click("form:has(#id_code) button[type=submit]")

    # then: signed in, and the pages open
    expect(page).not_to_have_url(re.compile(r"/login/"))
    page.goto(reverse("customers:account-list"))
    expect(page).to_have_url(re.compile(re.escape(reverse("customers:account-list"))))


def test_a_locked_out_user_sees_why_and_an_administrator_unlocks_them(
    page: Page, browser: Browser, live_server, admin: User, agent: User
) -> None:
    # given: an administrator already signed in, in a browser of their own
    admin_context = browser.new_context(base_url=live_server.url, locale="en-GB")
    admin_page = admin_context.new_page()
    give_password(admin_page, "admin")
    expect(admin_page).not_to_have_url(re.compile(r"/login/"))

    # when: the agent mistypes the password five times
    for _ in range(5):
        give_password(page, "agent", "wrong password")

    # then: the sign-in page says it is locked and until when
    alert = page.locator("[role=alert]")
    expect(alert).to_contain_text("Too many failed sign-ins. Signing in is locked for a while")
    expect(alert).to_contain_text(re.compile(r"try again after \d\d:\d\d"))

    # when: the administrator finds the user name and the address locked, and unlocks the name
    admin_page.goto(reverse("people:user-list"))
    admin_page.click("text=Sign-in security")
    locks = admin_page.locator("table.list tbody tr")
    expect(locks).to_have_count(2)
    locks.filter(has_text="agent").locator("button", has_text="Unlock").click()

    # then: the failures were all the agent's, so the address is free too
    expect(admin_page.get_by_text("agent can sign in again.")).to_be_visible()
    expect(admin_page.get_by_text("No sign-in is locked.")).to_be_visible()
    admin_context.close()

    # then: the agent signs in
    give_password(page, "agent")
    expect(page).not_to_have_url(re.compile(r"/login/"))
