"""The demo's scheduled rule and service mailbox: written once, believable, runnable."""

from __future__ import annotations

import pytest

from kartoteka.customers.models import Segment
from kartoteka.demo.rules import RULE_NAME, SERVICE_ADDRESS, demo_rules
from kartoteka.mail.mailboxes import mailbox_for_case
from kartoteka.mail.models import Mailbox
from kartoteka.testing.cases import make_case
from kartoteka.testing.customers import AccountFactory
from kartoteka.testing.mail.sending import make_mailbox
from kartoteka.workflows.models import Rule
from kartoteka.workflows.scheduled import rule_run_now, run_work

pytestmark = pytest.mark.django_db


def test_the_demo_plans_a_monthly_inspection_and_answers_some_cases_from_the_service(
    admin,
) -> None:
    # given
    make_mailbox("bok@kartoteka.example", is_default=True)
    segment = Segment.objects.create(name="Kluczowi klienci")
    account = AccountFactory(name="Ciepłownia Radom")
    account.segments.add(segment)
    cases = [make_case(f"Sprawa {n}", account=account) for n in range(6)]
    # when
    assert demo_rules() is True
    assert demo_rules() is False  # a rerun adds nothing
    # then
    rule = Rule.objects.get(name=RULE_NAME)
    assert (rule.trigger, rule.schedule_frequency, rule.schedule_day) == ("scheduled", "monthly", 1)
    service = Mailbox.objects.get(address=SERVICE_ADDRESS)
    assert [mailbox_for_case(case) == service for case in cases] == [True] * 5 + [False]
    run = rule_run_now(rule=rule, by=admin)
    assert run_work(run).created == 1
