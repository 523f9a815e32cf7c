"""A confidential document in a real browser: its author opens the customer, sees the timeline
with an email, a case and the documents, narrows it to documents and opens the confidential
one; another agent opens the same customer and finds no trace of it — not in the timeline, the
file's search, the Documents figure, the API nor the global search."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from kartoteka.documents.tests.conftest import make_document, upload
from kartoteka.people.models import User
from kartoteka.testing.browser import log_in
from kartoteka.testing.cases import make_case
from kartoteka.testing.customers import AccountFactory, ContactFactory
from kartoteka.testing.mail.sending import add_message

pytestmark = pytest.mark.browser

TITLE = "Umowa ramowa Kolibri"
MARKER = "ZNACZNIK-OKAPI-7731"


def test_a_confidential_document_is_its_authors_and_leaves_no_trace_for_another_agent(
    page: Page, agent: User, outsider: User
) -> None:
    # given: a customer with a case, the customer's email in it, an offer and a confidential
    # contract of the agent's (its text extracted at once in the tests)
    account = AccountFactory(name="Drukpol")
    contact = ContactFactory(account=account, first_name="Anna", last_name="Nowak")
    case = make_case("Drukarka nie drukuje", by=agent, account=account, contacts=(contact,))
    add_message(case, subject="Przesyłka niekompletna", text_new="Brakuje dwóch kartonów.")
    offer = make_document(
        by=agent,
        account=account,
        title="Oferta na drukarki",
        files=[upload("oferta.txt", b"Oferta na drukarki laserowe")],
    )
    secret = make_document(
        by=agent,
        account=account,
        title=TITLE,
        description="Rabat Pelikan dla zarządu",
        case=case,
        files=[upload("kontrakt-jaguar.txt", f"{MARKER}: warunki".encode())],
        confidential=True,
    )
    entries = page.locator(".timeline-entry")
    figures = page.locator("dl.key-figures")

    # when: the author opens the customer
    log_in(page, "agent")
    page.goto(account.get_absolute_url())

    # then: the timeline shows the email, the case and both documents; both are counted
    expect(entries.filter(has_text="Przesyłka niekompletna")).to_have_count(1)
    expect(entries.filter(has_text=f"Case #{case.number} opened")).to_have_count(1)
    expect(entries.filter(has_text=TITLE)).to_have_count(1)
    expect(entries.filter(has_text="Oferta na drukarki")).to_have_count(1)
    expect(figures).to_contain_text(re.compile(r"Documents\s*2"))

    # when: narrowed to documents, the confidential one opened
    page.get_by_role("link", name="Documents", exact=True).click()
    expect(entries).to_have_count(2)
    entries.get_by_role("link", name=re.compile(TITLE)).click()

    # then: its page with its description and file
    page.wait_for_url(re.compile(rf"/documents/{secret.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    expect(page.get_by_role("link", name="kontrakt-jaguar.txt")).to_be_visible()

    # and the global search finds it by the text inside its file
    page.goto(reverse("search:search") + "?q=okapi")
    expect(page.locator("main")).to_contain_text(TITLE)

    # when: another agent, who sees the customer, opens it
    page.context.clear_cookies()
    log_in(page, "outsider")
    page.goto(account.get_absolute_url())

    # then: the email, the case and the offer, not a trace of the contract
    expect(entries.filter(has_text="Przesyłka niekompletna")).to_have_count(1)
    expect(entries.filter(has_text=f"Case #{case.number} opened")).to_have_count(1)
    expect(entries.filter(has_text="Oferta na drukarki")).to_have_count(1)
    expect(page.locator("main")).not_to_contain_text("Kolibri")
    expect(figures).to_contain_text(re.compile(r"Documents\s*1"))

    # when: the Documents tab, then the file's search for the contract's inner text
    page.get_by_role("link", name="Documents", exact=True).click()
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text("Oferta na drukarki")
    page.get_by_label("Search this customer").fill("okapi")
    page.get_by_role("button", name="Filter").click()

    # then: nothing is found
    expect(entries).to_have_count(0)
    expect(page.locator(".timeline .empty")).to_be_visible()

    # and the API, asked with the same session, lists the offer only and hides the contract
    listed = page.request.get(reverse("api-v1:account-document-list", args=[account.pk]))
    assert [row["title"] for row in listed.json()["results"]] == ["Oferta na drukarki"]
    assert [row["id"] for row in listed.json()["results"]] == [offer.pk]
    assert page.request.get(reverse("api-v1:document-detail", args=[secret.pk])).status == 404
    assert page.goto(secret.get_absolute_url()).status == 404  # type: ignore[union-attr]

    # and the global search finds neither the contract's text nor its title
    for query in ("okapi", "kolibri"):
        page.goto(reverse("search:search") + f"?q={query}")
        expect(page.locator("main")).not_to_contain_text("Kolibri")
