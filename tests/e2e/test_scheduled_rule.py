"""An administrator plans a monthly inspection for the customers of a segment, runs it at once,
and the cases appear; the API documentation opens within the product's CSP (real Chromium).
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from kartoteka.cases.models import Case
from kartoteka.testing.browser import log_in
from kartoteka.testing.customers import AccountFactory, SegmentFactory
from kartoteka.workflows.models import Rule

pytestmark = pytest.mark.browser


def test_a_monthly_rule_for_a_segment_run_now_creates_the_inspections(
    page: Page, live_server, admin
) -> None:
    # given: a segment of two customers, and a third customer outside it
    segment = SegmentFactory(name="Kotłownie")
    for name in ("Ciepłownia Radom", "Kotłownia Kielce"):
        AccountFactory(name=name).segments.add(segment)
    AccountFactory(name="Piekarnia Nowak")

    # when: the administrator writes the rule
    log_in(page, admin.username)
    page.goto(reverse("workflows:rule-create"))
    page.fill("#id_name", "Przegląd miesięczny")
    expect(page.locator("#id_schedule_day")).to_be_hidden()  # only for "on a schedule"
    page.select_option("#id_trigger", "scheduled")
    page.select_option("#id_schedule_frequency", "monthly")
    page.fill("#id_schedule_day", "1")
    page.fill("#id_schedule_time", "07:00")
    page.select_option("#id_actions-0-kind", "create_case")
    expect(page.locator("#id_actions-0-email_subject")).to_be_hidden()
    page.fill("#id_actions-0-case_subject", "Przegląd miesięczny — {customer}")
    page.select_option("#id_actions-0-segment", str(segment.pk))
    page.click("form.rule-form button[type=submit].primary")
    expect(page.locator(".toast, .messages").first).to_contain_text("added")
    rule = Rule.objects.get()

    # then: the list says when it runs next
    page.goto(reverse("workflows:rule-list"))
    row = page.locator("tr", has_text="Przegląd miesięczny")
    expect(row).to_contain_text("every month")
    expect(row.locator("time")).to_have_count(1)

    # when: the administrator runs it now
    page.goto(reverse("workflows:rule-edit", args=[rule.pk]))
    page.get_by_role("button", name="Run now").click()
    expect(page.locator(".toast, .messages").first).to_contain_text("runs now")

    # then: one inspection per customer of the segment, listed on the rule and in the cases
    expect(page.locator("#scheduled-runs-heading")).to_be_visible()
    subjects = sorted(Case.objects.values_list("subject", flat=True))
    assert subjects == [
        "Przegląd miesięczny — Ciepłownia Radom",
        "Przegląd miesięczny — Kotłownia Kielce",
    ]
    page.reload()
    expect(page.locator("table.list").last).to_contain_text("2 cases created.")
    page.goto(reverse("cases:case-list"))
    expect(page.locator("body")).to_contain_text("Przegląd miesięczny — Kotłownia Kielce")
    expect(page.locator("body")).not_to_contain_text("Piekarnia Nowak")


def test_the_api_documentation_opens_without_breaking_the_content_security_policy(
    page: Page, live_server, agent
) -> None:
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text)
            if "Content Security Policy" in message.text or "Refused" in message.text
            else None
        ),
    )
    log_in(page, agent.username)
    page.goto(reverse("api-docs"))
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Kartoteka API")
    expect(page.locator(".opblock-tag-section").first).to_be_visible()
    assert refused == []
