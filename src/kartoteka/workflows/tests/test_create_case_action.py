"""The actions "create a case" and "set the case's mailbox", and what ``rule_save`` lets a
rule of each trigger hold."""

from __future__ import annotations

from datetime import time

import pytest
from django.core.exceptions import ValidationError

from kartoteka.cases.history import case_history
from kartoteka.cases.models import Case, Priority
from kartoteka.mail.mailboxes import mailbox_for_case
from kartoteka.testing.cases import make_case
from kartoteka.testing.customers import AccountFactory, SegmentFactory
from kartoteka.testing.workflows import created, make_mailbox, make_rule
from kartoteka.workflows.engine import rules_apply
from kartoteka.workflows.models import Rule, RuleRun

pytestmark = pytest.mark.django_db

MONTHLY = {"frequency": "monthly", "day": 1, "at": time(7, 0)}


def create_case(**fields) -> dict:
    return {"kind": "create_case", "case_subject": "Oddzwonić do {customer}", **fields}


def refused(**kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as raised:
        make_rule(**kwargs)
    assert not Rule.objects.exists()
    return raised.value.message_dict


# On a case's happening


def test_a_rule_on_a_new_case_creates_a_case_for_its_customer_and_does_not_loop() -> None:
    # given
    partner = AccountFactory(name="Serwis Kotłów")
    make_rule(actions=[create_case(account=partner)])
    case = make_case("Awaria kotła")
    # when
    rules_apply(created(case), case)
    # then
    made = Case.objects.exclude(pk=case.pk).get()
    assert (made.subject, made.account, made.channel) == (
        "Oddzwonić do Serwis Kotłów",
        partner,
        "rule",
    )
    assert RuleRun.objects.get().outcome == (f"Case #{made.number} created for Serwis Kotłów.")
    # the rule's own case is a rule's happening: the rule does not run on it
    rules_apply(created(made).__class__(**{**created(made).as_json(), "by_rule": True}), made)
    assert Case.objects.count() == 2


def test_set_mailbox_sets_it_records_it_and_says_so_when_already_set(admin) -> None:
    make_mailbox(is_default=True)
    service = make_mailbox("serwis", "serwis@firma.example")
    make_rule(actions=[{"kind": "set_mailbox", "mailbox": service}])
    case = make_case()
    rules_apply(created(case), case)
    rules_apply(created(case), case)
    assert mailbox_for_case(case) == service
    assert list(RuleRun.objects.order_by("pk").values_list("outcome", flat=True)) == [
        "Mailbox set to serwis <serwis@firma.example>.",
        "The mailbox was already serwis <serwis@firma.example>.",
    ]
    changes = [c for e in case_history(case) for c in e.changes if c.field == "mailbox"]
    assert [(c.old, c.new) for c in changes] == [
        ("the default mailbox", "serwis <serwis@firma.example>")
    ]


def test_set_mailbox_of_a_mailbox_deactivated_since_does_nothing_and_says_so() -> None:
    service = make_mailbox("serwis", "serwis@firma.example")
    make_rule(actions=[{"kind": "set_mailbox", "mailbox": service}])
    service.active = False
    service.save(update_fields=["active"])
    case = make_case()
    rules_apply(created(case), case)
    assert RuleRun.objects.get().outcome == (
        "Mailbox not set: serwis <serwis@firma.example> cannot send."
    )


# What rule_save refuses


def test_a_scheduled_rule_needs_its_schedule() -> None:
    account = AccountFactory()
    errors = refused(
        trigger="scheduled",
        schedule={"frequency": "monthly", "day": 32, "at": None},
        actions=[create_case(account=account)],
    )
    assert errors == {
        "schedule_day": ["Enter the day of the month, 1 to 31 (a shorter month: its last day)."],
        "schedule_time": ["Enter the time of day the rule runs at."],
    }
    assert refused(trigger="scheduled", schedule={"frequency": "weekly", "at": time(8)}) == {
        "schedule_weekday": ["Choose the weekday the rule runs on."],
        "actions": ["A rule needs at least one action: say what it does."],
    }
    assert refused(trigger="scheduled", schedule={"frequency": "hourly", "at": time(8)}) == {
        "schedule_frequency": ["Choose how often the rule runs."],
        "actions": ["A rule needs at least one action: say what it does."],
    }


def test_a_scheduled_rule_only_creates_cases_and_has_no_conditions() -> None:
    account = AccountFactory()
    errors = refused(
        trigger="scheduled",
        schedule=MONTHLY,
        conditions=[{"field": "subject_contains", "value": "awaria"}],
        actions=[
            create_case(account=account),
            {"kind": "set_field", "field": "due_date", "days": 1},
        ],
    )
    assert errors == {
        "conditions": ["A scheduled rule has no case to look at: remove its conditions."],
        "actions": [
            "A scheduled rule can only create cases; Set a field needs a case that something "
            "happened to."
        ],
    }


def test_a_segments_cases_are_made_only_on_a_schedule() -> None:
    segment = SegmentFactory(name="Kotły")
    assert refused(actions=[create_case(segment=segment)]) == {
        "actions": [
            "A case for each customer of a segment is made only on a schedule; choose one "
            "customer, or make the rule scheduled."
        ]
    }


def test_create_case_refuses_hostile_and_missing_values() -> None:
    account, segment = AccountFactory(), SegmentFactory(name="Kotły")
    priority = Priority.objects.get(is_default=True)
    cases = {
        "no target": (create_case(), "Choose the customer, or the segment whose customers"),
        "both targets": (
            create_case(account=account, segment=segment),
            "Choose one customer or a segment, not both.",
        ),
        "wrong model as customer": (create_case(account=priority), "That customer does not"),
        "no subject": (create_case(account=account, case_subject="  "), "Enter a subject."),
        "injected type": (
            create_case(account=account, case_type="1 OR 1=1"),
            "That type does not exist (any more)",
        ),
        "unknown priority": (
            create_case(account=account, case_priority="999999"),
            "That priority does not exist (any more)",
        ),
        "assignment without group": (
            create_case(account=account, case_assignment="round_robin"),
            "Choose the group whose members take the new cases.",
        ),
        "unknown assignment": (
            create_case(account=account, case_assignment="everyone"),
            "Unknown assignment.",
        ),
    }
    for name, (action, message) in cases.items():
        errors = refused(trigger="scheduled", schedule=MONTHLY, actions=[action])
        assert list(errors) == ["actions"], name
        assert message in errors["actions"][0], name


def test_create_case_refuses_an_assignee_who_does_not_work_with_cases(clerk) -> None:
    account = AccountFactory()
    errors = refused(actions=[create_case(account=account, case_assignee=clerk)])
    assert errors == {"actions": [f"Row 1: These users do not work with cases: {clerk}."]}


def test_set_mailbox_refuses_an_archive_and_nothing() -> None:
    archive = make_mailbox("archiwum", "bcc@firma.example", purpose="archive")
    expected = "Row 1: Choose a mailbox that can send (active, not an archive)."
    assert refused(actions=[{"kind": "set_mailbox", "mailbox": archive}]) == {"actions": [expected]}
    assert refused(actions=[{"kind": "set_mailbox"}]) == {"actions": [expected]}


def test_saving_a_new_schedule_restarts_it_and_another_save_keeps_it() -> None:
    account = AccountFactory()
    rule = make_rule("scheduled", schedule=MONTHLY, actions=[create_case(account=account)])
    first = rule.schedule_from
    assert first is not None
    from kartoteka.workflows.services import rule_save

    def save(schedule: dict) -> Rule:
        return rule_save(
            rule=rule,
            by=None,
            name="Renamed",
            active=True,
            trigger="scheduled",
            schedule=schedule,
            conditions=[],
            actions=[create_case(account=account)],
        )

    assert save(MONTHLY).schedule_from == first
    assert save({**MONTHLY, "day": 2}).schedule_from > first
    unscheduled = rule_save(
        rule=rule, by=None, name="x", active=True, trigger="case_created", conditions=[],
        actions=[create_case(account=account)],
    )  # fmt: skip
    assert (unscheduled.schedule_from, unscheduled.schedule_frequency) == (None, "")
