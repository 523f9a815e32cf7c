"""An agent at the desk in a real browser: finds the duplicate of a case, merges it in, follows
the merged case, and sees both cases' history say so."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from kartoteka.cases.models import Case, CaseFollower
from kartoteka.people.models import User
from kartoteka.testing.browser import log_in
from kartoteka.testing.cases import make_case
from kartoteka.testing.customers import AccountFactory
from kartoteka.testing.mail.sending import add_message
from kartoteka.testing.people import PASSWORD

pytestmark = pytest.mark.browser


def test_agent_merges_a_duplicate_case_and_follows_the_result(page: Page, agent: User) -> None:
    # given: the same customer opened two cases about one broken printer, each with an email
    account = AccountFactory(name="Drukarnia Łódź")
    duplicate = make_case("Drukarka znowu nie drukuje", account=account)
    original = make_case("Drukarka HP w biurze", account=account)
    add_message(duplicate, subject="Drukarka znowu nie drukuje", text="Papier się zacina.")
    add_message(original, subject="Drukarka HP w biurze", text="Nie drukuje od rana.")
    log_in(page, "agent", PASSWORD)

    # when: from the duplicate's page the agent searches for the original and chooses it
    page.goto(duplicate.get_absolute_url())
    page.click(f"a[href='{reverse('desk:case-merge', args=[duplicate.number])}']")
    page.wait_for_function("() => window.htmx !== undefined")
    page.fill("#case-picker-q", "HP w biurze")
    choose = page.locator("#case-results a.button")
    expect(choose).to_have_count(1)
    choose.click()

    # then: both cases stand side by side before anything happens
    sides = page.locator(".merge-sides")
    expect(sides).to_contain_text(f"#{duplicate.number}")
    expect(sides).to_contain_text(f"#{original.number}")
    assert Case.objects.get(pk=duplicate.pk).merged_into_id is None

    # when: the merge is confirmed
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=f"Merge into case #{original.number}").click()

    # then: the original's page shows both emails and says one moved
    page.wait_for_url(re.compile(rf"/cases/{original.number}/$"))
    expect(page.locator("#messages")).to_contain_text(
        f"Case #{duplicate.number} merged into this case. 1 message moved."
    )
    expect(page.locator(".message-card")).to_have_count(2)
    assert Case.objects.get(pk=duplicate.pk).merged_into_id == original.pk

    # when: the agent follows the merged case (htmx swaps the followers card)
    assert not CaseFollower.objects.filter(case=original, user=agent).exists()
    page.locator("#followers").get_by_role("button", name="Follow", exact=True).click()

    # then: the button says so, and the agent follows it
    expect(page.locator("#followers button.follow-button")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert CaseFollower.objects.filter(case=original, user=agent).exists()

    # when: the printable view of the merged case opens
    page.goto(reverse("desk:case-print", args=[original.number]))

    # then: its history names the case merged into it
    expect(page.locator("body")).to_contain_text(f"#{duplicate.number}")
    expect(page.locator("body")).to_contain_text("Nie drukuje od rana.")
    expect(page.locator("body")).to_contain_text("Papier się zacina.")
