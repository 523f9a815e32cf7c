"""Which rules run: triggers, their details, every condition, order and the loop guard."""

from __future__ import annotations

import pytest

from kartoteka.cases.happenings import Happening, Kind
from kartoteka.cases.models import Case, CaseType, Category, Priority
from kartoteka.cases.services import case_create, case_update
from kartoteka.core.models import Dictionary, DictionaryEntry
from kartoteka.testing.cases import make_case
from kartoteka.testing.customers import AccountFactory, SegmentFactory
from kartoteka.testing.workflows import (
    created,
    make_mailbox,
    make_received,
    make_rule,
)
from kartoteka.workflows.engine import rules_apply
from kartoteka.workflows.followup import happening_follow
from kartoteka.workflows.models import Rule, RuleRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def urgent() -> Priority:
    return Priority.objects.create(name="Rule critical", position=9)


def set_priority(value: Priority) -> dict[str, str]:
    return {"kind": "set_field", "field": "priority", "value": str(value.pk)}


def fired(rule: Rule) -> list[int]:
    return list(RuleRun.objects.filter(rule=rule).values_list("case_number", flat=True))


# Triggers.


@pytest.mark.parametrize("channel", Case.Channel.values)
def test_case_created_rule_runs_for_every_channel_condition(channel, urgent) -> None:
    # given
    rule = make_rule(
        conditions=[{"field": "channel", "value": channel}], actions=[set_priority(urgent)]
    )
    other = next(value for value in Case.Channel.values if value != channel)
    matching = case_create(by=None, subject="A", channel=channel)
    not_matching = case_create(by=None, subject="B", channel=other)
    # when
    rules_apply(created(matching), matching)
    rules_apply(created(not_matching), not_matching)
    # then
    assert fired(rule) == [matching.number]
    assert matching.priority == urgent
    assert Case.objects.get(pk=not_matching.pk).priority != urgent


def test_case_created_rule_ignores_other_happenings(urgent) -> None:
    rule = make_rule(actions=[set_priority(urgent)])
    case = make_case()
    rules_apply(Happening(Kind.CASE_OVERDUE, case.pk), case)
    rules_apply(Happening(Kind.NOTE_ADDED, case.pk, note_id=1), case)
    assert fired(rule) == []


def test_case_updated_rule_runs_when_its_field_changes_to_its_value(urgent) -> None:
    # given
    low = Priority.objects.create(name="Rule lowest", position=10)
    rule = make_rule(
        Rule.Trigger.CASE_UPDATED,
        changed_field="priority",
        changed_to=str(urgent.pk),
        actions=[{"kind": "set_field", "field": "due_date", "days": 1}],
    )
    case = make_case()
    # when
    rules_apply(Happening(Kind.CASE_UPDATED, case.pk, changes={"priority": [1, low.pk]}), case)
    rules_apply(Happening(Kind.CASE_UPDATED, case.pk, changes={"subject": ["a", "b"]}), case)
    rules_apply(Happening(Kind.CASE_UPDATED, case.pk, changes={"priority": [1, urgent.pk]}), case)
    # then
    assert fired(rule) == [case.number]


def test_case_updated_rule_without_a_value_runs_on_any_change_of_its_field() -> None:
    rule = make_rule(
        Rule.Trigger.CASE_UPDATED,
        changed_field="assignee",
        actions=[{"kind": "set_field", "field": "due_date", "days": 2}],
    )
    case = make_case()
    rules_apply(Happening(Kind.CASE_UPDATED, case.pk, changes={"assignee": [None, 5]}), case)
    rules_apply(Happening(Kind.CASE_UPDATED, case.pk, changes={"status": [1, 2]}), case)
    assert fired(rule) == [case.number]


def test_message_received_rule_runs_on_a_received_message_but_not_an_auto_reply(urgent) -> None:
    rule = make_rule(Rule.Trigger.MESSAGE_RECEIVED, actions=[set_priority(urgent)])
    case = make_case()
    message = make_received(case, None, subject="Re: A", text="Hello")
    rules_apply(
        Happening(Kind.MESSAGE_RECEIVED, case.pk, message_id=message.pk, auto_reply=True), case
    )
    assert fired(rule) == []
    rules_apply(Happening(Kind.MESSAGE_RECEIVED, case.pk, message_id=message.pk), case)
    assert fired(rule) == [case.number]


def test_case_overdue_rule_runs_on_overdue(urgent) -> None:
    rule = make_rule(Rule.Trigger.CASE_OVERDUE, actions=[set_priority(urgent)])
    case = make_case()
    rules_apply(created(case), case)
    rules_apply(Happening(Kind.CASE_OVERDUE, case.pk), case)
    assert fired(rule) == [case.number]
    assert Case.objects.get(pk=case.pk).priority == urgent


# The loop guard, activity and order.


def test_a_happening_made_by_a_rule_runs_no_rule(urgent, django_assert_num_queries) -> None:
    make_rule(actions=[set_priority(urgent)])
    case = make_case()
    with django_assert_num_queries(0):
        rules_apply(Happening(Kind.CASE_CREATED, case.pk, channel="rule", by_rule=True), case)
    assert RuleRun.objects.count() == 0


def test_a_rules_change_reports_a_happening_marked_by_rule(
    urgent, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    # given: a rule on any priority change, and one that sets the priority on creation
    monkeypatch.setattr("kartoteka.workflows.followup.steps", lambda: (record,))
    SEEN.clear()
    make_rule(actions=[set_priority(urgent)])
    case = make_case()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        rules_apply(created(case), case)
    # then
    assert [(h.kind, h.changes, h.by_rule) for h in SEEN] == [
        (
            Kind.CASE_UPDATED,
            {"priority": [Priority.objects.get(is_default=True).pk, urgent.pk]},
            True,
        )
    ]


SEEN: list[Happening] = []


def record(happening: Happening, case: Case) -> None:
    SEEN.append(happening)


def test_an_inactive_rule_never_runs(urgent) -> None:
    rule = make_rule(actions=[set_priority(urgent)], active=False)
    case = make_case()
    rules_apply(created(case), case)
    assert fired(rule) == []


def test_rules_run_in_their_order_and_later_ones_see_earlier_changes(urgent) -> None:
    # given: the second rule needs the priority the first one sets
    category = Category.objects.create(name="Rule escalated", position=9)
    first = make_rule(name="First", actions=[set_priority(urgent)])
    second = make_rule(
        name="Second",
        conditions=[{"field": "priority", "value": str(urgent.pk)}],
        actions=[{"kind": "set_field", "field": "category", "value": str(category.pk)}],
    )
    case = make_case()
    # when
    rules_apply(created(case), case)
    # then
    assert fired(first) == fired(second) == [case.number]
    assert (case.priority, case.category) == (urgent, category)


def test_the_order_decides_when_two_rules_set_one_field(urgent) -> None:
    low = Priority.objects.create(name="Rule lowest", position=10)
    make_rule(name="First", actions=[set_priority(urgent)])
    make_rule(name="Second", actions=[set_priority(low)])
    case = make_case()
    rules_apply(created(case), case)
    assert Case.objects.get(pk=case.pk).priority == low


def test_the_worker_runs_the_rules_after_the_creating_transaction_commits(
    urgent, django_capture_on_commit_callbacks
) -> None:
    make_rule(actions=[set_priority(urgent)])
    with django_capture_on_commit_callbacks(execute=True):
        case = case_create(by=None, subject="Printer", channel=Case.Channel.PORTAL)
    assert Case.objects.get(pk=case.pk).priority == urgent


def test_happening_follow_runs_the_rules_step(urgent) -> None:
    make_rule(actions=[set_priority(urgent)])
    case = make_case()
    happening_follow(created(case))
    assert Case.objects.get(pk=case.pk).priority == urgent


# Conditions: each true and false.


def run_created(rule: Rule, case: Case) -> bool:
    rules_apply(created(case), case)
    return RuleRun.objects.filter(rule=rule, case=case).exists()


@pytest.mark.parametrize(
    ("field", "model"),
    [
        ("group", "CaseGroup"),
        ("case_type", "CaseType"),
        ("priority", "Priority"),
        ("category", "Category"),
    ],
)
def test_a_list_condition_holds_only_for_its_value(field, model, urgent) -> None:
    from kartoteka.cases import models

    model_class = getattr(models, model)
    wanted = model_class.objects.create(name="Rule wanted", position=20)
    other = model_class.objects.create(name="Rule other", position=21)
    rule = make_rule(
        conditions=[{"field": field, "value": str(wanted.pk)}],
        actions=[{"kind": "set_field", "field": "due_date", "days": 3}],
    )
    assert run_created(rule, make_case(**{field: wanted})) is True
    assert run_created(rule, make_case(**{field: other})) is False


def test_mailbox_condition_reads_the_received_message_or_the_cases_first_one() -> None:
    # given
    support, sales = make_mailbox(), make_mailbox("sprzedaz", "sprzedaz@firma.example")
    rule = make_rule(
        Rule.Trigger.MESSAGE_RECEIVED,
        conditions=[{"field": "mailbox", "value": str(support.pk)}],
        actions=[{"kind": "set_field", "field": "due_date", "days": 3}],
    )
    overdue = make_rule(
        Rule.Trigger.CASE_OVERDUE,
        conditions=[{"field": "mailbox", "value": str(support.pk)}],
        actions=[{"kind": "set_field", "field": "due_date", "days": 3}],
    )
    case = make_case()
    first = make_received(case, support)
    second = make_received(case, sales)
    # when
    rules_apply(Happening(Kind.MESSAGE_RECEIVED, case.pk, message_id=second.pk), case)
    # then: the message came to sales
    assert fired(rule) == []
    rules_apply(Happening(Kind.MESSAGE_RECEIVED, case.pk, message_id=first.pk), case)
    assert fired(rule) == [case.number]
    # and overdue looks at the first received message
    rules_apply(Happening(Kind.CASE_OVERDUE, case.pk), case)
    assert fired(overdue) == [case.number]
    bare = make_case()
    rules_apply(Happening(Kind.CASE_OVERDUE, bare.pk), bare)
    assert fired(overdue) == [case.number]


def test_segment_condition_holds_for_a_customer_in_the_segment() -> None:
    vip, small = SegmentFactory(name="VIP"), SegmentFactory(name="Small")
    in_vip, in_small = AccountFactory(), AccountFactory()
    in_vip.segments.add(vip)
    in_small.segments.add(small)
    rule = make_rule(
        conditions=[{"field": "account_segment", "value": str(vip.pk)}],
        actions=[{"kind": "set_field", "field": "due_date", "days": 3}],
    )
    assert run_created(rule, make_case(account=in_vip)) is True
    assert run_created(rule, make_case(account=in_small)) is False
    assert run_created(rule, make_case()) is False


def test_dictionary_condition_holds_for_a_customer_with_the_classification() -> None:
    industry = Dictionary.objects.create(name="Industry", applies_to="account")
    it = DictionaryEntry.objects.create(dictionary=industry, label="IT")
    retail = DictionaryEntry.objects.create(dictionary=industry, label="Retail")
    it_firm, shop = AccountFactory(), AccountFactory()
    it_firm.classifications.add(it)
    shop.classifications.add(retail)
    rule = make_rule(
        conditions=[{"field": "dictionary_entry", "value": str(it.pk)}],
        actions=[{"kind": "set_field", "field": "due_date", "days": 3}],
    )
    assert run_created(rule, make_case(account=it_firm)) is True
    assert run_created(rule, make_case(account=shop)) is False


def test_subject_condition_ignores_letter_case_and_reads_the_message_subject_too() -> None:
    rule = make_rule(
        conditions=[{"field": "subject_contains", "value": "faktura"}],
        actions=[{"kind": "set_field", "field": "due_date", "days": 3}],
    )
    on_message = make_rule(
        Rule.Trigger.MESSAGE_RECEIVED,
        conditions=[{"field": "subject_contains", "value": "FAKTURA"}],
        actions=[{"kind": "set_field", "field": "due_date", "days": 3}],
    )
    assert run_created(rule, make_case("Błędna FAKTURA nr 7")) is True
    assert run_created(rule, make_case("Drukarka")) is False
    case = make_case("Pytanie")
    message = make_received(case, None, subject="Re: faktura")
    rules_apply(Happening(Kind.MESSAGE_RECEIVED, case.pk, message_id=message.pk), case)
    assert fired(on_message) == [case.number]


def test_body_condition_reads_the_description_on_creation_and_the_message_text_on_receipt() -> None:
    rule = make_rule(
        conditions=[{"field": "body_contains", "value": "pilne"}],
        actions=[{"kind": "set_field", "field": "due_date", "days": 3}],
    )
    on_message = make_rule(
        Rule.Trigger.MESSAGE_RECEIVED,
        conditions=[{"field": "body_contains", "value": "pilne"}],
        actions=[{"kind": "set_field", "field": "due_date", "days": 3}],
    )
    assert run_created(rule, make_case(description="To jest PILNE!")) is True
    assert run_created(rule, make_case(description="Spokojnie")) is False
    case = make_case(description="pilne")
    quiet = make_received(case, None, text="Dziękuję")
    urgent_message = make_received(case, None, text="Bardzo pilne")
    rules_apply(Happening(Kind.MESSAGE_RECEIVED, case.pk, message_id=quiet.pk), case)
    assert fired(on_message) == []
    rules_apply(Happening(Kind.MESSAGE_RECEIVED, case.pk, message_id=urgent_message.pk), case)
    assert fired(on_message) == [case.number]


def test_all_conditions_must_hold() -> None:
    vip = SegmentFactory(name="VIP")
    account = AccountFactory()
    account.segments.add(vip)
    rule = make_rule(
        conditions=[
            {"field": "account_segment", "value": str(vip.pk)},
            {"field": "subject_contains", "value": "awaria"},
        ],
        actions=[{"kind": "set_field", "field": "due_date", "days": 3}],
    )
    assert run_created(rule, make_case("Awaria serwera", account=account)) is True
    assert run_created(rule, make_case("Pytanie", account=account)) is False
    assert run_created(rule, make_case("Awaria serwera")) is False


def test_a_condition_on_a_deleted_value_never_holds() -> None:
    kind = CaseType.objects.create(name="Gone", position=30)
    rule = make_rule(
        conditions=[{"field": "case_type", "value": str(kind.pk)}],
        actions=[{"kind": "set_field", "field": "due_date", "days": 3}],
    )
    kind.delete()
    assert run_created(rule, make_case(case_type=None)) is False


def test_rules_on_a_case_updated_by_a_user_run(
    urgent, agent, django_capture_on_commit_callbacks
) -> None:
    rule = make_rule(
        Rule.Trigger.CASE_UPDATED,
        changed_field="priority",
        actions=[{"kind": "set_field", "field": "due_date", "days": 0}],
    )
    case = make_case()
    with django_capture_on_commit_callbacks(execute=True):
        case_update(case=case, by=agent, data={"priority": urgent})
    assert fired(rule) == [case.number]
