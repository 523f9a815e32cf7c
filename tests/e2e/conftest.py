"""Debian's Chromium driven by Playwright against pytest-django's live server.

The live server serves static files through django.contrib.staticfiles' handler (finders),
so the pages load their real CSS and htmx without collectstatic.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from kartoteka.env import env_bool

CHROMIUM = Path("/usr/bin/chromium")
# Without the networking flags Chromium tries to reach Google's services and fills the log.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]

# Playwright's sync API runs an event loop in the test's thread; the test's own database
# calls are still synchronous, so Django's async-safety check must stand aside.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium package"
        if env_bool("KARTOTEKA_REQUIRE_BROWSER"):
            pytest.fail(f"KARTOTEKA_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, live_server, settings, tmp_path: Path) -> Iterator[Page]:
    settings.DATA_DIR = tmp_path / "data"  # raw mail and attachments of this test
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


# The mail servers of the whole-story tests: a real Dovecot and an aiosmtpd server.
from kartoteka.testing.mail.dovecot import dovecot  # noqa: E402, F401
from kartoteka.testing.mail.fetching import account, make_mailbox  # noqa: E402, F401
from kartoteka.testing.mail.smtp_server import smtp_server  # noqa: E402, F401
