"""A manager's workflow rule shares new email cases out, in a real browser and a real IMAP server.

The manager writes the rule "a case created from an email in group Support → assign in turn
within Support" on the rules page; two customers write to the support mailbox (Dovecot); the
worker's follow-up of each new case runs the rule; each of the two agents then finds one case
assigned to them, told by the bell in the top bar.
"""

from __future__ import annotations

from email.utils import make_msgid

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from kartoteka.cases.models import Case, CaseGroup
from kartoteka.customers.models import EmailAddress
from kartoteka.mail.receiving.fetch import fetch_all
from kartoteka.people.models import User
from kartoteka.testing.browser import log_in
from kartoteka.testing.customers import AccountFactory, ContactFactory
from kartoteka.testing.people import UserFactory

pytestmark = pytest.mark.browser


def email(*, sender: str, subject: str) -> bytes:
    return (
        f"From: {sender}\r\n"
        "To: Pomoc <pomoc@firma.example>\r\n"
        f"Subject: {subject}\r\n"
        f"Message-ID: {make_msgid(domain='klient.example')}\r\n"
        "Date: Mon, 23 Nov 2026 10:00:00 +0100\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n"
        "\r\n"
        "Dzień dobry, proszę o pomoc.\r\n"
    ).encode()


def customer(name: str, address: str) -> None:
    person = ContactFactory(account=AccountFactory(name=name), last_name=name.split()[0])
    EmailAddress.objects.create(contact=person, address=address)


def test_a_round_robin_rule_gives_each_agent_one_new_email_case(
    browser: Browser, page: Page, live_server, support_team, account, make_mailbox
) -> None:
    # given: the Support group of two agents; the support mailbox files its cases there
    support = CaseGroup.objects.create(name="Support", position=99)
    ewa, marek = (
        UserFactory(username=name, team=support_team, can_work_with_cases=True)
        for name in ("ewa", "marek")
    )
    support.members.set([ewa, marek])
    UserFactory(username="kierownik", role=User.Role.MANAGER, can_configure_cases=True)
    make_mailbox(is_default=True, group=support)
    customer("Budimex SA", "anna@budimex.example")
    customer("Orlen SA", "piotr@orlen.example")

    # when: the manager writes the rule on the rules page
    log_in(page, "kierownik")
    page.goto(reverse("workflows:rule-create"))
    page.fill("#id_name", "Nowe zgłoszenia mailowe po kolei")
    page.select_option("#id_trigger", "case_updated")
    expect(page.locator("#id_changed_field")).to_be_visible()
    page.select_option("#id_trigger", "case_created")
    expect(page.locator("#id_changed_field")).to_be_hidden()  # only for "a field changes"
    page.select_option("#id_conditions-0-field", "channel")
    page.select_option("#id_conditions-0-choice", "channel:email")
    page.select_option("#id_conditions-1-field", "group")
    page.select_option("#id_conditions-1-choice", f"group:{support.pk}")
    expect(page.locator("#id_actions-0-group")).to_be_hidden()  # no kind chosen yet
    page.select_option("#id_actions-0-kind", "assign_round_robin")
    page.select_option("#id_actions-0-group", str(support.pk))
    expect(page.locator("#id_actions-0-email_subject")).to_be_hidden()  # only what it uses
    page.click("form.rule-form button[type=submit].primary")
    expect(page.locator(".toast, .messages").first).to_contain_text("added")

    # and: two customers write to the support mailbox
    account.append(email(sender="Anna <anna@budimex.example>", subject="Awaria drukarki"))
    account.append(email(sender="Piotr <piotr@orlen.example>", subject="Brak faktury"))
    fetch_all()

    # then: each agent has one of the two cases, and the bell says so
    cases = list(Case.objects.order_by("number"))
    assert [case.group for case in cases] == [support, support]
    assert sorted(case.assignee.username for case in cases) == ["ewa", "marek"]
    for agent in (ewa, marek):
        context = browser.new_context(base_url=live_server.url, locale="en-GB")
        agent_page = context.new_page()
        log_in(agent_page, agent.username)
        bell = agent_page.locator("#notification-bell")
        expect(bell).to_have_attribute("aria-label", "Notifications, 1 unread")
        bell.click()
        [mine] = [case for case in cases if case.assignee == agent]
        item = agent_page.locator(".notification.unread")
        expect(item).to_have_count(1)
        expect(item).to_contain_text(f"#{mine.number} {mine.subject}")
        item.get_by_role("link").click()
        expect(agent_page.locator("#property-assignee .property-value")).to_have_text(str(agent))
        context.close()
