"""The rules pages: who may open them, the forms with their rows, hostile posts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kartoteka.cases.models import CaseGroup, Priority
from kartoteka.cases.services import case_create
from kartoteka.testing.cases import make_case
from kartoteka.testing.clients import client_for
from kartoteka.testing.workflows import created, make_group, make_members, make_rule
from kartoteka.workflows.engine import rules_apply
from kartoteka.workflows.models import Rule, RuleAction, RuleCondition

pytestmark = pytest.mark.django_db


def management(prefix: str, total: int, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "20",
    }


def post_data(**overrides: str) -> dict[str, str]:
    group = CaseGroup.objects.get(is_default=True)
    data = {
        "name": "Portal to helpdesk",
        "active": "on",
        "trigger": "case_created",
        **management("conditions", 1),
        "conditions-0-field": "channel",
        "conditions-0-choice": "channel:portal",
        **management("actions", 1),
        "actions-0-kind": "assign_round_robin",
        "actions-0-group": str(group.pk),
        "actions-0-only_unassigned": "on",
    }
    data.update(overrides)
    return data


@pytest.fixture
def rule() -> Rule:
    group = CaseGroup.objects.get(is_default=True)
    return make_rule(
        name="Existing",
        conditions=[{"field": "subject_contains", "value": "awaria"}],
        actions=[{"kind": "assign_least_busy", "group": group}],
    )


def pages(rule: Rule) -> list[str]:
    return [
        reverse("workflows:rule-list"),
        reverse("workflows:rule-create"),
        reverse("workflows:rule-edit", args=[rule.pk]),
        reverse("workflows:rule-delete", args=[rule.pk]),
    ]


@pytest.mark.parametrize(
    ("persona", "status"),
    [("outsider", 403), ("agent", 403), ("clerk", 403), ("supervisor", 403), ("portal_user", 404)],
)
def test_only_users_who_configure_cases_may_use_the_pages(request, persona, status, rule) -> None:
    # as the rest of the case settings: staff without the right are refused, others find nothing
    client = client_for(request.getfixturevalue(persona))
    for url in pages(rule):
        assert client.get(url).status_code == status
    assert client.post(reverse("workflows:rule-delete", args=[rule.pk])).status_code == status
    assert Rule.objects.filter(pk=rule.pk).exists()


def test_administrator_and_case_configurator_open_every_page(admin, agent, rule) -> None:
    agent.can_configure_cases = True
    agent.save(update_fields=["can_configure_cases"])
    for user in (admin, agent):
        client = client_for(user)
        for url in pages(rule):
            assert client.get(url).status_code == 200


def test_anonymous_visitor_is_sent_to_log_in(client, rule) -> None:
    response = client.get(reverse("workflows:rule-list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_unknown_rule_is_not_found(admin) -> None:
    assert client_for(admin).get(reverse("workflows:rule-edit", args=[999])).status_code == 404


def test_the_list_shows_rules_in_order_with_a_fixed_number_of_queries(
    admin, rule, django_assert_num_queries
) -> None:
    # given: the page's queries with one rule (the frame's own queries vary with the session)
    client = client_for(admin)
    client.get(reverse("workflows:rule-list"))
    with CaptureQueriesContext(connection) as one_rule:
        client.get(reverse("workflows:rule-list"))
    make_rule(name="Second", actions=[{"kind": "set_field", "field": "due_date", "days": 1}])
    # when / then: two rules take as many, the rules themselves one
    with django_assert_num_queries(len(one_rule)):
        response = client.get(reverse("workflows:rule-list"))
    assert sum("workflows_rule" in q["sql"] for q in one_rule.captured_queries) == 1
    assert [r.name for r in response.context["rules"]] == ["Existing", "Second"]
    assert [(r.condition_count, r.action_count) for r in response.context["rules"]] == [
        (1, 1),
        (0, 1),
    ]


def test_case_settings_link_to_the_rules(admin) -> None:
    response = client_for(admin).get(reverse("cases:case-settings"))
    assert reverse("workflows:rule-list") in response.content.decode()


def test_administrator_creates_a_rule_that_then_assigns(admin) -> None:
    # given
    members = make_members(2)
    group = make_group("Helpdesk", members)
    # when
    response = client_for(admin).post(
        reverse("workflows:rule-create"), post_data(**{"actions-0-group": str(group.pk)})
    )
    # then
    rule = Rule.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("workflows:rule-edit", args=[rule.pk])
    assert (rule.name, rule.trigger, rule.active, rule.created_by) == (
        "Portal to helpdesk",
        "case_created",
        True,
        admin,
    )
    assert list(rule.conditions.values_list("field", "value")) == [("channel", "portal")]
    assert list(rule.actions.values_list("kind", "group")) == [("assign_round_robin", group.pk)]
    case = case_create(by=None, subject="Printer", channel="portal")
    rules_apply(created(case), case)
    assert case.assignee == members[0]


def test_a_rule_posted_twice_is_created_once(admin) -> None:
    client = client_for(admin)
    form = client.get(reverse("workflows:rule-create")).context["form"]
    token = form.initial["submission_token"]
    for _ in range(2):
        client.post(reverse("workflows:rule-create"), post_data(submission_token=token))
    assert Rule.objects.count() == 1


def test_editing_keeps_unchanged_rows_deletes_checked_ones_and_adds_new(admin, rule) -> None:
    # given: the form as the page fills it
    client = client_for(admin)
    urgent = Priority.objects.create(name="Rule critical", position=9)
    data = {
        "name": "Renamed",
        "trigger": "case_updated",
        "changed_field": "priority",
        "changed_to": f"priority:{urgent.pk}",
        **management("conditions", 2, 1),
        "conditions-0-field": "subject_contains",
        "conditions-0-words": "awaria",
        "conditions-1-field": "",
        **management("actions", 2, 1),
        "actions-0-kind": "assign_least_busy",
        "actions-0-group": str(rule.actions.get().group_id),
        "actions-0-ORDER": "2",
        "actions-0-DELETE": "on",
        "actions-1-kind": "set_field",
        "actions-1-field": "due_date",
        "actions-1-days": "3",
        "actions-1-ORDER": "1",
    }
    # when
    response = client.post(reverse("workflows:rule-edit", args=[rule.pk]), data)
    # then
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.name, rule.active, rule.trigger, rule.changed_field, rule.changed_to) == (
        "Renamed",
        False,
        "case_updated",
        "priority",
        str(urgent.pk),
    )
    assert list(rule.conditions.values_list("field", "value")) == [("subject_contains", "awaria")]
    assert list(rule.actions.values_list("kind", "field", "days")) == [("set_field", "due_date", 3)]


def test_the_edit_page_shows_the_last_runs(admin, rule) -> None:
    case = make_case("Awaria drukarki")
    rules_apply(created(case), case)
    response = client_for(admin).get(reverse("workflows:rule-edit", args=[rule.pk]))
    assert [run.case_number for run in response.context["runs"]] == [case.number]
    assert f"#{case.number}" in response.content.decode()


def post_refused(admin, data: dict[str, str]) -> dict[str, list[str]]:
    response = client_for(admin).post(reverse("workflows:rule-create"), data)
    assert response.status_code == 200
    assert Rule.objects.count() == 0
    errors: dict[str, list[str]] = {}
    for name, form in (("rule", response.context["form"]),):
        for field, messages in form.errors.items():
            errors[f"{name}.{field}"] = list(messages)
    for name in ("conditions", "actions"):
        for index, form in enumerate(response.context[name].forms):
            for field, messages in form.errors.items():
                errors[f"{name}.{index}.{field}"] = list(messages)
    return errors


def test_a_rule_without_actions_is_refused(admin) -> None:
    errors = post_refused(admin, post_data(**{"actions-0-kind": "", "actions-0-group": ""}))
    assert errors == {"rule.__all__": ["A rule needs at least one action: say what it does."]}


def test_an_unknown_condition_field_is_refused(admin) -> None:
    errors = post_refused(admin, post_data(**{"conditions-0-field": "password"}))
    assert errors["conditions.0.field"] == [
        "Select a valid choice. password is not one of the available choices."
    ]


def test_a_value_of_another_list_is_refused(admin) -> None:
    group = CaseGroup.objects.get(is_default=True)
    errors = post_refused(
        admin,
        post_data(**{"conditions-0-field": "priority", "conditions-0-choice": f"group:{group.pk}"}),
    )
    assert errors == {"conditions.0.choice": ["Choose a value of the list chosen in this row."]}


def test_a_group_that_does_not_exist_is_refused(admin) -> None:
    errors = post_refused(admin, post_data(**{"actions-0-group": "987654"}))
    assert errors == {
        "actions.0.group": [
            "Select a valid choice. That choice is not one of the available choices."
        ]
    }


def test_an_assignment_without_a_group_is_refused(admin) -> None:
    errors = post_refused(admin, post_data(**{"actions-0-group": ""}))
    assert errors == {"actions.0.group": ["Choose the group."]}


def test_an_email_with_unknown_placeholders_or_no_recipient_is_refused(admin) -> None:
    errors = post_refused(
        admin,
        post_data(
            **{
                "actions-0-kind": "send_email",
                "actions-0-email_subject": "Case {case_number}",
                "actions-0-email_body": "Hello {password.__class__}{secret}",
                "actions-0-email_addresses": "not-an-address",
            }
        ),
    )
    assert errors == {
        "actions.0.email_body": ["Unknown placeholders: {secret}."],
        "actions.0.email_addresses": ["“not-an-address” is not an email address."],
    }


def test_set_field_refuses_clearing_the_status(admin) -> None:
    errors = post_refused(
        admin,
        post_data(
            **{
                "actions-0-kind": "set_field",
                "actions-0-field": "status",
                "actions-0-value": "status:",
            }
        ),
    )
    assert errors == {
        "actions.0.value": ["Select a valid choice. status: is not one of the available choices."]
    }


def test_case_updated_needs_its_field(admin) -> None:
    errors = post_refused(admin, post_data(trigger="case_updated"))
    assert errors == {"rule.changed_field": ["Choose the field whose change runs the rule."]}


def test_words_without_a_field_are_refused(admin) -> None:
    errors = post_refused(
        admin,
        post_data(
            **{"conditions-0-field": "", "conditions-0-choice": "", "conditions-0-words": "x"}
        ),
    )
    assert errors == {"conditions.0.field": ["Choose the field this condition looks at."]}


def test_too_many_rows_are_refused(admin) -> None:
    data = post_data(**management("conditions", 25))
    for index in range(25):
        data[f"conditions-{index}-field"] = "subject_contains"
        data[f"conditions-{index}-words"] = f"w{index}"
    response = client_for(admin).post(reverse("workflows:rule-create"), data)
    assert response.status_code == 200
    assert Rule.objects.count() == 0
    assert response.context["conditions"].non_form_errors() == ["Please submit at most 20 forms."]


def test_list_buttons_move_and_switch_rules(admin, rule) -> None:
    second = make_rule(
        name="Second", actions=[{"kind": "set_field", "field": "due_date", "days": 1}]
    )
    client = client_for(admin)
    client.post(reverse("workflows:rule-list"), {"rule": second.pk, "action": "up"})
    assert list(Rule.objects.order_by("position").values_list("name", flat=True)) == [
        "Second",
        "Existing",
    ]
    client.post(reverse("workflows:rule-list"), {"rule": rule.pk, "action": "off"})
    rule.refresh_from_db()
    assert rule.active is False
    response = client.post(reverse("workflows:rule-list"), {"rule": 999, "action": "on"})
    assert response.status_code == 302


def test_delete_asks_then_deletes(admin, rule) -> None:
    client = client_for(admin)
    assert client.get(reverse("workflows:rule-delete", args=[rule.pk])).status_code == 200
    assert Rule.objects.filter(pk=rule.pk).exists()
    response = client.post(reverse("workflows:rule-delete", args=[rule.pk]))
    assert response["Location"] == reverse("workflows:rule-list")
    assert not Rule.objects.exists()
    assert not RuleCondition.objects.exists()
    assert not RuleAction.objects.exists()
