"""Who sees an event: everyone who sees the customer, unless it is confidential — then its
author, the people taking part or named, the author's supervisor and successor, and
administrators."""

from __future__ import annotations

import pytest

from kartoteka.activities.models import Event, Task
from kartoteka.activities.services import NextTask, task_create
from kartoteka.testing.activities import at, call_recorded, event_type
from kartoteka.testing.customers import AccountFactory
from kartoteka.testing.people import UserFactory

pytestmark = pytest.mark.django_db


def seen_by(user) -> list[str]:
    return list(Event.objects.visible_to(user).values_list("description", flat=True))


def test_an_ordinary_event_is_seen_by_everyone_who_sees_the_customer(agent, outsider) -> None:
    call_recorded(agent, AccountFactory(), starts_at=at(7, 10), description="Zwykła rozmowa")
    assert seen_by(outsider) == ["Zwykła rozmowa"]


def test_an_event_of_a_restricted_customer_is_hidden_like_the_customer(agent, outsider) -> None:
    account = AccountFactory(restricted=True, team=agent.team)
    call_recorded(agent, account, starts_at=at(7, 10), description="Zastrzeżone")
    assert seen_by(outsider) == []
    assert seen_by(agent) == ["Zastrzeżone"]


def test_a_confidential_event_is_seen_by_those_it_concerns(
    agent, supervisor, outsider, admin, clerk
) -> None:
    # given: the agent's confidential call, with the clerk taking part
    account = AccountFactory()
    call_recorded(
        agent,
        account,
        starts_at=at(7, 10),
        description="Poufne",
        confidential=True,
        participants=[clerk],
    )
    successor = UserFactory(username="następca")
    agent.successor = successor
    agent.save(update_fields=["successor"])
    # then
    assert seen_by(agent) == ["Poufne"]
    assert seen_by(clerk) == ["Poufne"]
    assert seen_by(supervisor) == ["Poufne"]
    assert seen_by(successor) == ["Poufne"]
    assert seen_by(admin) == ["Poufne"]
    assert seen_by(outsider) == []


def test_portal_users_see_no_activities(agent, portal_user) -> None:
    call_recorded(agent, AccountFactory(), starts_at=at(7, 10), next_in=at(8, 9) - at(7, 10))
    assert seen_by(portal_user) == []
    assert list(Task.objects.visible_to(portal_user)) == []


def test_the_assignee_sees_their_task_even_on_a_restricted_customer(agent, outsider) -> None:
    # given: a restricted account of the agent's team, a task given to the outsider
    account = AccountFactory(restricted=True, team=agent.team)
    call = call_recorded(agent, account, starts_at=at(7, 10))
    task_create(
        by=agent,
        account=account,
        thread=call.thread,
        plan=NextTask(event_type=event_type(), due_at=at(8, 10), assignee=outsider),
    )
    # then
    assert Task.objects.visible_to(outsider).count() == 1


def test_the_follow_up_of_a_confidential_event_is_hidden_with_it(agent, outsider, clerk) -> None:
    # given: the agent's confidential call plans a task for the clerk
    account = AccountFactory()
    call_recorded(agent, account, starts_at=at(7, 10), confidential=True)
    task_create(
        by=agent,
        account=account,
        thread=Event.objects.get().thread,
        plan=NextTask(event_type=event_type(), due_at=at(8, 10), assignee=clerk),
    )
    Task.objects.update(planned_by_event=Event.objects.get())
    # then: the assignee and the author see it, nobody else who merely sees the customer
    assert Task.objects.visible_to(clerk).count() == 1
    assert Task.objects.visible_to(agent).count() == 1
    assert Task.objects.visible_to(outsider).count() == 0
