"""What each action does, and the service's refusals of hostile rules."""

from __future__ import annotations

import sys
import types
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kartoteka.cases.following import case_followers
from kartoteka.cases.models import Case, CaseGroup, Category, Priority, Status
from kartoteka.mail.models import Message
from kartoteka.testing.cases import make_case
from kartoteka.testing.customers import AccountFactory, ContactFactory, EmailAddressFactory
from kartoteka.testing.people import TeamFactory, UserFactory
from kartoteka.testing.workflows import created, make_mailbox, make_members, make_rule
from kartoteka.workflows.engine import rules_apply
from kartoteka.workflows.models import Rule, RuleRun

pytestmark = pytest.mark.django_db


def run(rule_actions: list[dict], **case_fields) -> tuple[Case, str]:
    rule = make_rule(actions=rule_actions)
    case = make_case(**case_fields)
    rules_apply(created(case), case)
    return Case.objects.get(pk=case.pk), RuleRun.objects.get(rule=rule).outcome


# Set a field.


def test_set_field_sets_each_list_field() -> None:
    status = Status.objects.get(name="Open")
    priority = Priority.objects.create(name="Rule critical", position=9)
    category = Category.objects.get(name="Technical")
    group = CaseGroup.objects.get(name="Sales")
    case, outcome = run(
        [
            {"kind": "set_field", "field": "status", "value": str(status.pk)},
            {"kind": "set_field", "field": "priority", "value": str(priority.pk)},
            {"kind": "set_field", "field": "category", "value": str(category.pk)},
            {"kind": "set_field", "field": "group", "value": str(group.pk)},
            {"kind": "set_field", "field": "case_type", "value": ""},
            {"kind": "set_field", "field": "due_date", "days": 5},
        ]
    )
    assert (case.status, case.priority, case.category, case.group, case.case_type) == (
        status,
        priority,
        category,
        group,
        None,
    )
    assert case.due_date == timezone.localdate() + timedelta(days=5)
    assert outcome.startswith("status set to Open. priority set to Rule critical.")


def test_set_assignee_refuses_a_user_who_cannot_see_the_case(support_team, outsider, agent) -> None:
    restricted = AccountFactory(restricted=True, team=support_team)
    case, outcome = run(
        [{"kind": "set_field", "field": "assignee", "value": str(outsider.pk)}], account=restricted
    )
    assert case.assignee is None
    assert outcome == f"{outsider} may not see the case; assignee not set."
    case, _outcome = run(
        [{"kind": "set_field", "field": "assignee", "value": str(agent.pk)}], account=restricted
    )
    assert case.assignee == agent


def test_set_field_to_a_deleted_value_does_nothing_and_says_so() -> None:
    category = Category.objects.create(name="Rule gone", position=9)
    rule = make_rule(
        actions=[{"kind": "set_field", "field": "category", "value": str(category.pk)}]
    )
    category.delete()
    case = make_case()
    rules_apply(created(case), case)
    assert RuleRun.objects.get(rule=rule).outcome == "category not set: the value no longer exists."


def test_a_failing_action_is_recorded_and_the_next_one_runs(monkeypatch) -> None:
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("kartoteka.workflows.engine.case_assign_in_group", broken)
    group = CaseGroup.objects.get(is_default=True)
    case, outcome = run(
        [
            {"kind": "assign_round_robin", "group": group},
            {"kind": "set_field", "field": "due_date", "days": 0},
        ]
    )
    assert case.due_date == timezone.localdate()
    assert outcome == (
        "Assign in turn within a group failed; see the log. expected resolution set to "
        f"{timezone.localdate()}."
    )


# Notify and followers.


@pytest.fixture
def notified(monkeypatch) -> list[dict]:
    calls: list[dict] = []
    fake = types.ModuleType("kartoteka.notifications.services")

    def notify(*, users, case, kind, actor=None, text=""):
        calls.append({"users": list(users), "case": case.pk, "kind": kind, "text": text})
        return list(users)

    fake.notify = notify  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "kartoteka.notifications.services", fake)
    return calls


def test_notify_tells_the_users_and_the_teams_members(notified) -> None:
    team = TeamFactory(name="Escalations")
    lead, *members = make_members(3)
    for member in members:
        member.team = team
        member.save(update_fields=["team"])
    rule = make_rule(
        name="VIP",
        actions=[{"kind": "notify", "users": [lead], "team": team, "message": "A VIP wrote."}],
    )
    case = make_case()
    rules_apply(created(case), case)
    assert notified == [
        {"users": [lead, *members], "case": case.pk, "kind": "rule", "text": "VIP: A VIP wrote."}
    ]
    assert RuleRun.objects.get(rule=rule).outcome == "Notified 3 users."


def test_add_followers_adds_those_who_may_see_the_case(support_team, agent, outsider) -> None:
    restricted = AccountFactory(restricted=True, team=support_team)
    case, outcome = run([{"kind": "add_followers", "users": [agent, outsider]}], account=restricted)
    assert case_followers(case) == [agent]
    assert outcome == "1 users began to follow."


# Send an email.


def test_send_email_fills_placeholders_and_goes_to_reporter_contacts_and_addresses(
    django_capture_on_commit_callbacks,
) -> None:
    # given
    make_mailbox(is_default=True)
    account = AccountFactory(name="ACME sp. z o.o.")
    reporter = ContactFactory(account=account, first_name="Jan", last_name="Kowalski")
    other = ContactFactory(account=account)
    EmailAddressFactory(contact=reporter, address="jan@acme.example")
    EmailAddressFactory(contact=other, address="ewa@acme.example")
    rule = make_rule(
        actions=[
            {
                "kind": "send_email",
                "email_subject": "We have {case_tag}\n{case_subject}",
                "email_body": "Hello {contact_first_name}",
                "email_reporter": True,
                "email_contacts": True,
                "email_addresses": "kierownik@firma.example",
            }
        ]
    )
    # unknown placeholders are refused on save; one slipped in is left as typed
    from kartoteka.workflows.models import RuleAction

    RuleAction.objects.filter(rule=rule).update(
        email_body="Hello {contact_first_name} of {customer_name}, case {case_number} is "
        "{case_status}. {unknown} {case_number.__class__}"
    )
    case = make_case("Drukarka", account=account, contacts=(reporter, other), reporter=reporter)
    # when
    rules_apply(created(case), case)
    # then
    message = Message.objects.get(direction=Message.Direction.OUTBOUND)
    assert [entry["address"] for entry in message.to] == [
        "jan@acme.example",
        "ewa@acme.example",
        "kierownik@firma.example",
    ]
    assert message.subject.endswith(f"We have [KART#{case.number}] Drukarka")
    assert message.text == (
        f"Hello Jan of ACME sp. z o.o., case {case.number} is New. "
        "{unknown} {case_number.__class__}\n"
    )
    assert message.automatic is True
    assert RuleRun.objects.get(rule=rule).outcome.startswith("Email queued to jan@acme.example")


def test_send_email_without_a_default_mailbox_sends_nothing_and_says_so() -> None:
    _case, outcome = run(
        [
            {
                "kind": "send_email",
                "email_subject": "Hi",
                "email_body": "Text",
                "email_addresses": "a@firma.example",
            }
        ]
    )
    assert not Message.objects.exists()
    assert outcome == "Email not sent: there is no default mailbox."


# The service refuses hostile rules.


def save_refused(**kwargs) -> dict[str, list[str]]:
    defaults = {"actions": [{"kind": "set_field", "field": "due_date", "days": 1}]}
    with pytest.raises(ValidationError) as raised:
        make_rule(**{**defaults, **kwargs})
    assert not Rule.objects.exists()
    return raised.value.message_dict


def test_rule_save_refuses_another_models_object_as_the_group() -> None:
    priority = Priority.objects.get(is_default=True)
    assert save_refused(actions=[{"kind": "assign_least_busy", "group": priority}]) == {
        "actions": ["Row 1: Choose the group."]
    }


def test_rule_save_refuses_a_value_that_does_not_exist() -> None:
    assert save_refused(conditions=[{"field": "group", "value": "999999"}]) == {
        "conditions": ["Row 1: That group does not exist (any more); choose one from the list."]
    }
    assert save_refused(conditions=[{"field": "group", "value": "1 OR 1=1"}]) == {
        "conditions": ["Row 1: That group does not exist (any more); choose one from the list."]
    }


def test_rule_save_refuses_unknown_fields_kinds_and_triggers() -> None:
    assert save_refused(conditions=[{"field": "is_superuser", "value": "1"}]) == {
        "conditions": ["Row 1: Unknown condition."]
    }
    assert save_refused(actions=[{"kind": "delete_everything"}]) == {
        "actions": ["Row 1: Choose what the rule does."]
    }
    assert save_refused(trigger="note_added") == {"trigger": ["Choose when the rule runs."]}


def test_rule_save_refuses_notifying_users_who_do_not_work_with_cases(clerk, portal_user) -> None:
    errors = save_refused(actions=[{"kind": "notify", "users": [clerk, portal_user]}])
    assert errors == {
        "actions": [f"Row 1: These users do not work with cases: {clerk}, {portal_user}."]
    }


def test_rule_save_refuses_an_empty_name_and_no_actions() -> None:
    assert save_refused(name=" ", actions=[]) == {
        "name": ["Enter a name."],
        "actions": ["A rule needs at least one action: say what it does."],
    }


def test_rule_save_keeps_only_what_the_kind_needs() -> None:
    user = UserFactory(username="x", can_work_with_cases=True)
    rule = make_rule(
        actions=[
            {"kind": "set_field", "field": "due_date", "days": 2, "users": [user], "message": "m"}
        ]
    )
    action = rule.actions.get()
    assert (action.days, action.message, list(action.users.all())) == (2, "", [])
