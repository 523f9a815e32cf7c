"""The top bar's search in a real browser: "/" jumps to the box, a word typed without Polish
letters finds the case and the email that hold it, grouped, each a link to its object."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from kartoteka.mail.search_entries import message_index
from kartoteka.people.models import User
from kartoteka.testing.browser import log_in
from kartoteka.testing.cases import make_case
from kartoteka.testing.customers import AccountFactory
from kartoteka.testing.mail.sending import add_message

pytestmark = pytest.mark.browser


def test_the_top_bar_finds_a_case_and_its_email_without_polish_letters(
    page: Page, agent: User, tmp_path: Path
) -> None:
    # given: a case about a parcel and an email in it that names the parcel
    account = AccountFactory(name="Drukpol")
    case = make_case("Przesyłka uszkodzona", by=agent, account=account)
    message = add_message(case, subject="Zdjęcia", text_new="Przesyłka przyszła zgnieciona.")
    message_index(message)  # stored past the services by the helper, indexed as they would

    # when: the agent presses "/" on any page and searches without Polish letters
    log_in(page, "agent")
    page.goto(account.get_absolute_url())
    page.keyboard.press("/")
    expect(page.get_by_label("Search everything")).to_be_focused()
    page.keyboard.type("przesylka")
    page.keyboard.press("Enter")

    # then: the case and the email, each in its group, the word marked in the excerpt
    page.wait_for_url(re.compile(r"/search/\?q=przesylka"))
    groups = page.locator(".search-group")
    expect(groups.locator("h2")).to_have_text(["Cases", "Emails"])
    expect(page.locator(".search-excerpt mark").first).to_have_text("Przesyłka")
    page.screenshot(path=str(tmp_path / "search.png"), full_page=True)

    # when: the case is opened from its hit
    page.get_by_role("link", name=f"#{case.number} Przesyłka uszkodzona").click()

    # then: its page
    page.wait_for_url(re.compile(rf"/cases/{case.number}/$"))
