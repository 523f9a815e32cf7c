"""The thread page: its events in order, its open tasks, the "no next step" flag, closing it
with a reason; a restricted customer's thread is not found by those who may not see it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from kartoteka.activities.models import Task, Thread
from kartoteka.activities.services import NextTask, task_create
from kartoteka.customers.models import Account
from kartoteka.testing.activities import at, call_recorded, event_type
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(db: None) -> Account:
    return AccountFactory(name="Drukpol")


def close_url(thread: Thread) -> str:
    return reverse("activities:thread-close", args=[thread.pk])


def test_the_thread_shows_its_events_in_order_and_its_open_task(agent, account) -> None:
    # given
    first = call_recorded(agent, account, starts_at=at(7, 10), result="Pierwsza rozmowa")
    call_recorded(
        agent,
        account,
        starts_at=at(8, 10),
        thread=first.thread,
        result="Druga rozmowa",
        next_in=timedelta(days=2),
    )
    # when
    response = client_for(agent).get(first.thread.get_absolute_url())
    # then
    page = response.text
    assert response.status_code == 200
    assert page.index("Pierwsza rozmowa") < page.index("Druga rozmowa")
    assert f"{reverse('activities:event-create')}?task={Task.objects.get().pk}" in page
    assert "No next step" not in page


def test_an_open_thread_without_an_open_task_is_flagged(agent, account) -> None:
    call = call_recorded(agent, account, starts_at=at(7, 10))
    response = client_for(agent).get(call.thread.get_absolute_url())
    assert response.context["no_next_step"] is True
    assert "No next step" in response.text


def test_an_overdue_task_is_highlighted(agent, account) -> None:
    call = call_recorded(agent, account, starts_at=at(1, 10), next_in=timedelta(days=1))
    response = client_for(agent).get(call.thread.get_absolute_url())
    assert response.context["overdue"] == {Task.objects.get().pk}
    assert "pill-overdue" in response.text


def test_closing_with_a_reason_closes_the_thread_and_cancels_its_tasks(agent, account) -> None:
    # given
    call = call_recorded(agent, account, starts_at=at(7, 10), next_in=timedelta(days=2))
    # when
    response = client_for(agent).post(close_url(call.thread), {"close_reason": "Brak budżetu."})
    # then
    thread = Thread.objects.get()
    assert response.status_code == 302
    assert response["Location"] == thread.get_absolute_url()
    assert (thread.state, thread.close_reason, thread.closed_by) == (
        "closed",
        "Brak budżetu.",
        agent,
    )
    assert list(Task.objects.values_list("state", flat=True)) == ["cancelled"]


def test_closing_without_a_reason_asks_for_one(agent, account) -> None:
    call = call_recorded(agent, account, starts_at=at(7, 10))
    response = client_for(agent).post(close_url(call.thread), {"close_reason": "   "})
    assert response.status_code == 422
    assert response.context["close_form"].errors == {"close_reason": ["Say why the thread ends."]}
    assert Thread.objects.get().state == "open"


def test_a_closed_thread_cannot_be_closed_again(agent, account) -> None:
    call = call_recorded(agent, account, starts_at=at(7, 10))
    client = client_for(agent)
    client.post(close_url(call.thread), {"close_reason": "Koniec."})
    response = client.post(close_url(call.thread), {"close_reason": "Jeszcze raz."})
    assert response.status_code == 422
    assert response.context["close_form"].non_field_errors() == ["The thread is already closed."]
    assert Thread.objects.get().close_reason == "Koniec."


def test_closing_is_a_post(agent, account) -> None:
    call = call_recorded(agent, account, starts_at=at(7, 10))
    assert client_for(agent).get(close_url(call.thread)).status_code == 405


def test_the_outsider_does_not_find_a_restricted_customers_thread(
    agent, outsider, support_team
) -> None:
    # given
    account = AccountFactory(restricted=True, team=support_team)
    thread = call_recorded(agent, account, starts_at=at(7, 10)).thread
    client = client_for(outsider)
    # then
    assert client.get(thread.get_absolute_url()).status_code == 404
    assert client.post(close_url(thread), {"close_reason": "Nie moje."}).status_code == 404
    assert Thread.objects.get().state == "open"


def test_portal_users_do_not_find_threads(agent, portal_user, account) -> None:
    thread = call_recorded(agent, account, starts_at=at(7, 10)).thread
    assert client_for(portal_user).get(thread.get_absolute_url()).status_code == 404


def test_a_confidential_event_is_left_out_for_those_it_does_not_concern(
    agent, outsider, account
) -> None:
    call = call_recorded(agent, account, starts_at=at(7, 10), result="Zwykła")
    call_recorded(
        agent,
        account,
        starts_at=at(8, 10),
        thread=call.thread,
        result="Poufna",
        confidential=True,
    )
    page = client_for(outsider).get(call.thread.get_absolute_url()).text
    assert "Zwykła" in page
    assert "Poufna" not in page


@pytest.mark.parametrize("events", [1, 8])
def test_the_thread_pages_query_count_does_not_grow_with_events(
    agent, account, django_assert_num_queries, events: int
) -> None:
    # given: a thread of calls, each planning a task, and tasks alone in it
    first = call_recorded(agent, account, starts_at=at(1, 10), next_in=timedelta(days=30))
    for day in range(2, events + 1):
        call_recorded(
            agent, account, starts_at=at(day, 10), thread=first.thread, next_in=timedelta(days=30)
        )
        task_create(
            by=agent,
            account=account,
            thread=first.thread,
            plan=NextTask(event_type=event_type("Meeting"), due_at=at(28, 9), assignee=agent),
        )
    client = client_for(agent)
    # when / then
    with django_assert_num_queries(7):
        response = client.get(first.thread.get_absolute_url())
    assert len(response.context["events"]) == events
