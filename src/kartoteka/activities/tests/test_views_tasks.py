"""Tasks from the pages: planning one alone, its page, doing it by recording its event (which
continues its thread), cancelling it; hidden from those who may not see it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kartoteka.activities.models import Event, Task
from kartoteka.customers.models import Account
from kartoteka.testing.activities import at, call_recorded, event_type
from kartoteka.testing.cases import make_case
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory

pytestmark = pytest.mark.django_db

CREATE = reverse("activities:task-create")
RECORD = reverse("activities:event-create")


@pytest.fixture
def account(db: None) -> Account:
    return AccountFactory(name="Drukpol")


def task_data(user, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "next_type": event_type().pk,
        "next_due_0": "2026-12-10",
        "next_due_1": "09:00",
        "next_assignee": user.pk,
        "next_note": "Zapytać o budżet",
    }
    return data | changes


def test_a_task_alone_is_planned_for_the_customer(agent, clerk, account) -> None:
    # given
    case = make_case(by=agent, account=account)
    # when
    response = client_for(agent).post(
        f"{CREATE}?account={account.pk}", task_data(clerk, case=case.pk, next_remind_before="0")
    )
    # then
    task = Task.objects.get()
    assert response.status_code == 302
    assert response["Location"] == task.get_absolute_url()
    assert (task.account, task.thread, task.case, task.created_by) == (account, None, case, agent)
    assert (task.due_at, task.remind_at, task.assignee) == (at(10, 9), at(10, 9), clerk)
    assert task.note == "Zapytać o budżet"


def test_a_quick_choice_counts_from_now(agent, account, frozen_now) -> None:
    client_for(agent).post(
        f"{CREATE}?account={account.pk}",
        task_data(agent, next_due_0="", next_due_1="", next_due_quick="tomorrow"),
    )
    expected = timezone.localtime(frozen_now).replace(second=0) + timedelta(days=1)
    assert Task.objects.get().due_at == expected


def test_a_task_needs_its_due_time(agent, account) -> None:
    response = client_for(agent).post(
        f"{CREATE}?account={account.pk}", task_data(agent, next_due_0="", next_due_1="")
    )
    assert response.status_code == 422
    assert response.context["form"].errors == {"next_due": ["Say when the task is due."]}
    assert not Task.objects.exists()


def test_another_customers_thread_and_case_are_refused(agent, account) -> None:
    other = AccountFactory()
    others_thread = call_recorded(agent, other, starts_at=at(7, 10)).thread
    response = client_for(agent).post(
        f"{CREATE}?account={account.pk}",
        task_data(agent, thread=others_thread.pk, case=make_case(by=agent, account=other).pk),
    )
    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"thread", "case"}
    assert not Task.objects.exists()


def test_a_portal_user_cannot_be_given_a_task(agent, portal_user, account) -> None:
    response = client_for(agent).post(f"{CREATE}?account={account.pk}", task_data(portal_user))
    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"next_assignee"}


def test_the_task_page_highlights_an_overdue_task_and_offers_to_do_it(agent, account) -> None:
    # given
    call_recorded(agent, account, starts_at=at(1, 10), next_in=timedelta(days=1))
    task = Task.objects.get()
    # when
    response = client_for(agent).get(task.get_absolute_url())
    # then
    assert response.status_code == 200
    assert response.context["overdue"] is True
    assert "pill-overdue" in response.text
    assert f'href="{RECORD}?task={task.pk}"' in response.text


def test_recording_the_tasks_event_does_it_and_continues_its_thread(agent, account) -> None:
    # given
    first = call_recorded(agent, account, starts_at=at(7, 10), next_in=timedelta(days=2))
    task = Task.objects.get()
    client = client_for(agent)
    # when: the form starts from the task
    form = client.get(f"{RECORD}?task={task.pk}").context["form"]
    response = client.post(
        f"{RECORD}?task={task.pk}",
        {
            "event_type": form.initial["event_type"],
            "thread": form.initial["thread"],
            "starts_at_0": "2026-12-09",
            "starts_at_1": "10:00",
            "currency": "PLN",
            "result": "Przeczytali ofertę, chcą spotkania.",
            "next_step": "plan",
            "next_type": event_type("Meeting").pk,
            "next_due_quick": "next_week",
            "next_assignee": agent.pk,
        },
    )
    # then
    task.refresh_from_db()
    second = Event.objects.exclude(pk=first.pk).get()
    assert (form.initial["event_type"], form.initial["thread"]) == (
        event_type().pk,
        first.thread_id,
    )
    assert response.status_code == 302
    assert (task.state, task.done_event) == ("done", second)
    assert second.thread == first.thread
    assert list(Task.objects.filter(state="open").values_list("event_type__name", "due_at")) == [
        ("Meeting", at(16, 10))
    ]


def test_a_done_task_cannot_be_done_again(agent, account) -> None:
    call_recorded(agent, account, starts_at=at(7, 10), next_in=timedelta(days=2))
    task = Task.objects.get()
    Task.objects.update(state="done")
    assert client_for(agent).get(f"{RECORD}?task={task.pk}").status_code == 404


def test_the_task_and_the_account_must_match(agent, account) -> None:
    call_recorded(agent, account, starts_at=at(7, 10), next_in=timedelta(days=2))
    task = Task.objects.get()
    other = AccountFactory()
    response = client_for(agent).get(f"{RECORD}?task={task.pk}&account={other.pk}")
    assert response.status_code == 404


def test_cancelling_a_task(agent, account) -> None:
    # given
    call_recorded(agent, account, starts_at=at(7, 10), next_in=timedelta(days=2))
    task = Task.objects.get()
    url = reverse("activities:task-cancel", args=[task.pk])
    client = client_for(agent)
    # when
    response = client.post(url)
    again = client.post(url, follow=True)
    # then
    task.refresh_from_db()
    assert response.status_code == 302
    assert (task.state, task.closed_at is not None) == ("cancelled", True)
    assert "The task is already closed." in again.text
    assert client.get(url).status_code == 405


def test_the_outsider_does_not_find_a_restricted_customers_task(
    agent, outsider, support_team
) -> None:
    # given
    account = AccountFactory(restricted=True, team=support_team)
    call_recorded(agent, account, starts_at=at(7, 10), next_in=timedelta(days=2))
    task = Task.objects.get()
    client = client_for(outsider)
    # then
    assert client.get(task.get_absolute_url()).status_code == 404
    assert client.get(f"{RECORD}?task={task.pk}").status_code == 404
    assert client.post(reverse("activities:task-cancel", args=[task.pk])).status_code == 404
    assert client.get(f"{CREATE}?account={account.pk}").status_code == 404
    assert Task.objects.get().state == "open"


def test_portal_users_do_not_find_tasks(agent, portal_user, account, client) -> None:
    call_recorded(agent, account, starts_at=at(7, 10), next_in=timedelta(days=2))
    task = Task.objects.get()
    assert client_for(portal_user).get(task.get_absolute_url()).status_code == 404
    assert client_for(portal_user).get(f"{CREATE}?account={account.pk}").status_code == 404
    assert client.get(task.get_absolute_url()).status_code == 302  # to the login page
