"""The rules pages for scheduled rules: writing one, hostile posts, the next run in the list,
and "Run now" for administrators."""

from __future__ import annotations

from datetime import time

import pytest
from django.urls import reverse

from kartoteka.cases.models import Case
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory, SegmentFactory
from kartoteka.testing.workflows import make_mailbox, make_rule
from kartoteka.workflows.models import Rule, ScheduledRun

pytestmark = pytest.mark.django_db


def management(prefix: str, total: int, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "20",
    }


def scheduled_post(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Przegląd miesięczny",
        "active": "on",
        "trigger": "scheduled",
        "schedule_frequency": "monthly",
        "schedule_day": "1",
        "schedule_time": "07:00",
        **management("conditions", 0),
        **management("actions", 1),
        "actions-0-kind": "create_case",
        "actions-0-case_subject": "Przegląd miesięczny — {customer}",
    }
    data.update(overrides)
    return data


@pytest.fixture
def segment():
    segment = SegmentFactory(name="Serwis kotłów")
    for name in ("Ciepłownia Radom", "Kotłownia Kielce"):
        AccountFactory(name=name).segments.add(segment)
    return segment


def scheduled_rule(segment) -> Rule:
    return make_rule(
        Rule.Trigger.SCHEDULED,
        name="Przegląd miesięczny",
        schedule={"frequency": "monthly", "day": 1, "at": time(7, 0)},
        actions=[{"kind": "create_case", "case_subject": "Przegląd", "segment": segment}],
    )


def test_an_administrator_writes_a_monthly_rule_for_a_segment(admin, segment) -> None:
    # when
    response = client_for(admin).post(
        reverse("workflows:rule-create"), scheduled_post(**{"actions-0-segment": str(segment.pk)})
    )
    # then
    assert response.status_code == 302
    rule = Rule.objects.get()
    assert (
        rule.trigger,
        rule.schedule_frequency,
        rule.schedule_day,
        rule.schedule_weekday,
        rule.schedule_time,
    ) == ("scheduled", "monthly", 1, None, time(7, 0))
    assert rule.schedule_from is not None
    action = rule.actions.get()
    assert (action.kind, action.segment, action.case_subject) == (
        "create_case",
        segment,
        "Przegląd miesięczny — {customer}",
    )


def test_the_form_says_what_a_scheduled_rule_lacks(admin, segment) -> None:
    response = client_for(admin).post(
        reverse("workflows:rule-create"),
        scheduled_post(
            schedule_frequency="weekly",
            schedule_time="",
            **{"actions-0-segment": str(segment.pk), "actions-0-case_subject": " "},
        ),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {
        "schedule_weekday": ["Choose the weekday the rule runs on."],
        "schedule_time": ["Enter the time of day the rule runs at."],
    }
    assert response.context["actions"].forms[0].errors == {"case_subject": ["Enter a subject."]}
    assert not Rule.objects.exists()


def test_a_scheduled_rule_with_another_action_is_refused_with_the_reason(admin) -> None:
    mailbox = make_mailbox()
    response = client_for(admin).post(
        reverse("workflows:rule-create"),
        scheduled_post(**{"actions-0-kind": "set_mailbox", "actions-0-mailbox": str(mailbox.pk)}),
    )
    assert response.status_code == 200
    assert (
        "A scheduled rule can only create cases; Set the case&#x27;s mailbox needs a case that "
        "something happened to." in response.text
    )
    assert not Rule.objects.exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"schedule_day": "0"},
        {"schedule_day": "32"},
        {"schedule_day": "1; DROP TABLE"},
        {"schedule_time": "25:99"},
        {"schedule_frequency": "hourly"},
        {"schedule_weekday": "9", "schedule_frequency": "weekly"},
        {"actions-0-account": "999999"},
        {"actions-0-segment": "abc"},
        {"actions-0-case_type": "1 OR 1=1"},
        {"actions-0-mailbox": "999999"},
        {"actions-0-case_subject": "x" * 300},
    ],
)
def test_hostile_values_are_refused_and_save_nothing(admin, segment, overrides) -> None:
    data = scheduled_post(**{"actions-0-segment": str(segment.pk), **overrides})
    response = client_for(admin).post(reverse("workflows:rule-create"), data)
    assert response.status_code == 200
    assert not Rule.objects.exists()


def test_a_customer_the_administrator_may_not_see_is_not_offered_nor_accepted(
    agent, support_team, sales_team
) -> None:
    # given a configurator of the Sales side and a restricted customer of Support
    agent.can_configure_cases = True
    agent.team = sales_team
    agent.save(update_fields=["can_configure_cases", "team"])
    secret = AccountFactory(name="Tajny", restricted=True, team=support_team)
    client = client_for(agent)
    # then
    assert "Tajny" not in client.get(reverse("workflows:rule-create")).text
    response = client.post(
        reverse("workflows:rule-create"),
        scheduled_post(**{"actions-0-account": str(secret.pk)}),
    )
    assert response.status_code == 200
    assert "account" in response.context["actions"].forms[0].errors
    assert not Rule.objects.exists()


def test_the_list_shows_when_a_scheduled_rule_runs_next(admin, segment) -> None:
    rule = scheduled_rule(segment)
    response = client_for(admin).get(reverse("workflows:rule-list"))
    listed = response.context["rules"][0]
    assert listed.next_run is not None
    assert listed.next_run.day == 1
    assert "Every month" in response.text or "every month" in response.text
    assert rule.get_absolute_url() in response.text


def test_the_administrator_runs_a_scheduled_rule_now_and_the_cases_appear(
    admin, segment, django_capture_on_commit_callbacks
) -> None:
    rule = scheduled_rule(segment)
    client = client_for(admin)
    page = client.get(rule.get_absolute_url())
    assert reverse("workflows:rule-run-now", args=[rule.pk]) in page.text
    # when (the immediate task backend of the tests works the run once the post commits)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("workflows:rule-run-now", args=[rule.pk]))
    response = client.get(response["Location"])
    # then
    assert response.status_code == 200
    assert sorted(Case.objects.values_list("account__name", flat=True)) == [
        "Ciepłownia Radom",
        "Kotłownia Kielce",
    ]
    run = ScheduledRun.objects.get()
    assert (run.by_hand, run.started_by, run.created) == (True, admin, 2)
    assert "2 cases created." in response.text


def test_run_now_is_only_for_administrators_and_scheduled_rules(agent, admin, segment) -> None:
    agent.can_configure_cases = True
    agent.save(update_fields=["can_configure_cases"])
    rule = scheduled_rule(segment)
    other = make_rule(actions=[{"kind": "set_field", "field": "due_date", "days": 1}])
    url = reverse("workflows:rule-run-now", args=[rule.pk])
    assert url not in client_for(agent).get(rule.get_absolute_url()).text
    assert client_for(agent).post(url).status_code == 404
    assert client_for(admin).get(url).status_code == 405
    assert (
        client_for(admin).post(reverse("workflows:rule-run-now", args=[other.pk])).status_code
        == 404
    )
    assert client_for(admin).post(reverse("workflows:rule-run-now", args=[999])).status_code == 404
    assert not Case.objects.exists()


def test_run_now_needs_the_csrf_token(admin, segment) -> None:
    from django.test import Client

    rule = scheduled_rule(segment)
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    response = client.post(reverse("workflows:rule-run-now", args=[rule.pk]))
    assert response.status_code == 403
    assert not ScheduledRun.objects.exists()
