"""Steps of the browser tests (Playwright driving Debian's Chromium)."""

from __future__ import annotations

import re

from django.urls import reverse
from playwright.sync_api import Page, expect

from kartoteka.testing.people import PASSWORD


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login page and wait until it has let the user in."""
    page.goto(reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form:has(#id_password) button[type=submit]")
    expect(page).not_to_have_url(re.compile(r"/login/"))
