"""The team's work for those who oversee it: a supervisor sees the teams they supervise,
managers and administrators every team, anyone else gets 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kartoteka.activities.services import NextTask, event_record, task_create
from kartoteka.testing.activities import at, call_recorded, event_type
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory
from kartoteka.testing.people import UserFactory

pytestmark = pytest.mark.django_db

EVENTS = reverse("activities:team-events")
TASKS = reverse("activities:team-tasks")
SUMMARY = reverse("activities:team-summary")


@pytest.fixture(autouse=True)
def _today(monkeypatch) -> None:
    """The lists start a month back by default: the tests' events are of this December."""
    monkeypatch.setattr(timezone, "now", lambda: at(6, 12))


def meeting(by, account, starts_at, **fields):
    return event_record(
        by=by, account=account, event_type=event_type("Meeting"), starts_at=starts_at, **fields
    )


def descriptions(response) -> list[str]:
    return [event.description for event in response.context["page_obj"].object_list]


@pytest.fixture
def work(agent, outsider):
    """The agent's (Support) ordinary and confidential calls, a meeting, and the outsider's
    (Sales) call."""
    account = AccountFactory()
    call_recorded(agent, account, starts_at=at(7, 10), description="Rozmowa")
    call_recorded(agent, account, starts_at=at(8, 10), description="Poufna", confidential=True)
    meeting(agent, account, at(9, 10), description="Spotkanie")
    call_recorded(outsider, account, starts_at=at(9, 11), description="Sprzedaż")
    return account


def test_supervisor_sees_their_teams_events_confidential_included(supervisor, work):
    response = client_for(supervisor).get(EVENTS)
    assert response.status_code == 200
    assert descriptions(response) == ["Spotkanie", "Poufna", "Rozmowa"]
    first = response.context["page_obj"].object_list[0]
    assert f'<a href="{first.get_absolute_url()}">' in response.text


def test_manager_sees_every_teams_events(manager, work):
    # a manager is nobody's supervisor: a confidential event stays with those it concerns
    response = client_for(manager).get(EVENTS)
    assert descriptions(response) == ["Sprzedaż", "Spotkanie", "Rozmowa"]


@pytest.mark.parametrize("url", [EVENTS, TASKS, SUMMARY])
@pytest.mark.parametrize("persona", ["agent", "outsider", "portal_user"])
def test_who_supervises_nobody_gets_404(request, persona, url):
    user = request.getfixturevalue(persona)
    assert client_for(user).get(url).status_code == 404


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"event_type": "meeting"}, ["Spotkanie"]),
        ({"since": "2026-12-08", "until": "2026-12-08"}, ["Poufna"]),
        ({"team": "sales"}, ["Sprzedaż"]),
        ({"person": "outsider"}, ["Sprzedaż"]),
    ],
)
def test_filters_narrow_the_events(admin, agent, outsider, work, params, expected):
    # given: the ids the filters take
    ids = {
        "meeting": event_type("Meeting").pk,
        "sales": outsider.team_id,
        "outsider": outsider.pk,
    }
    query = {key: ids.get(value, value) for key, value in params.items()}

    # when
    response = client_for(admin).get(EVENTS, query)

    # then
    assert descriptions(response) == expected


def test_supervisor_may_not_name_a_person_of_another_team(supervisor, outsider, work):
    # when
    response = client_for(supervisor).get(EVENTS, {"person": outsider.pk})

    # then
    assert response.status_code == 400
    assert "Person: Select a valid choice." in response.text
    assert descriptions(response) == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"since": "wczoraj"}, "From: Enter a valid date."),
        ({"since": "2026-12-09", "until": "2026-12-08"}, "To: The end of the range is before"),
        ({"team": "abc"}, "Team: Select a valid choice."),
    ],
)
def test_bad_filters_say_what_is_wrong(supervisor, work, params, message):
    response = client_for(supervisor).get(EVENTS, params)
    assert response.status_code == 400
    assert message in response.text


def test_team_tasks_lists_the_teams_tasks_with_filters(supervisor, agent, outsider):
    # given
    account = AccountFactory()
    for user, note in ((agent, "Zadanie agenta"), (outsider, "Zadanie obcego")):
        task_create(
            by=user,
            account=account,
            plan=NextTask(event_type=event_type(), due_at=at(10, 9), assignee=user, note=note),
        )

    # when
    response = client_for(supervisor).get(TASKS, {"since": "2026-12-10", "until": "2026-12-10"})

    # then
    assert [task.note for task in response.context["page_obj"].object_list] == ["Zadanie agenta"]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch):
    """``timezone.now()`` at the moment last set with ``clock.set``."""

    class Clock:
        moment = at(7, 8)

        def set(self, moment):
            self.moment = moment

    the_clock = Clock()
    monkeypatch.setattr(timezone, "now", lambda: the_clock.moment)
    return the_clock


def test_weekly_summary_counts_events_by_type_tasks_done_and_overdue(supervisor, agent, clock):
    # given: in the week of Monday 7 December 2026 the agent made two calls and a meeting,
    # did one task on time, one late, and left one undone past its due time
    account = AccountFactory()
    clock.set(at(7, 10))
    first = call_recorded(agent, account, starts_at=at(7, 10), next_in=timedelta(days=1))
    clock.set(at(8, 9))
    call_recorded(agent, account, starts_at=at(8, 9), completes=first.planned_tasks.get())
    late = task_create(
        by=agent,
        account=account,
        plan=NextTask(event_type=event_type(), due_at=at(9, 8), assignee=agent),
    )
    clock.set(at(9, 15))
    meeting(agent, account, at(9, 15), completes=late)
    task_create(
        by=agent,
        account=account,
        plan=NextTask(event_type=event_type(), due_at=at(10, 8), assignee=agent),
    )
    call_recorded(agent, account, starts_at=at(14, 10))  # the next week

    # when: on Friday 11 December
    clock.set(at(11, 12))
    response = client_for(supervisor).get(SUMMARY, {"week": "2026-12-09", "person": agent.pk})

    # then
    summary = response.context["summary"]
    assert summary.monday.isoformat() == "2026-12-07"
    (row,) = summary.rows
    counts = dict(zip([kind.name for kind in summary.event_types], row.events_by_type, strict=True))
    assert (counts["Phone call"], counts["Meeting"]) == (2, 1)
    assert (row.events, row.tasks_done, row.tasks_overdue) == (3, 2, 2)


def test_weekly_summary_lists_each_member_of_the_supervised_team(supervisor, agent, clerk):
    response = client_for(supervisor).get(SUMMARY, {"week": "2026-12-07"})
    people = [row.person for row in response.context["summary"].rows]
    assert sorted(person.username for person in people) == ["agent", "clerk", "supervisor"]
    assert people == sorted(people, key=lambda p: (p.last_name, p.first_name, p.username))


@pytest.mark.parametrize("rows", [3, 15])
def test_query_counts_do_not_grow_with_rows(supervisor, agent, rows, django_assert_num_queries):
    # given
    account = AccountFactory()
    for n in range(rows):
        call_recorded(
            agent, account, starts_at=at(7, 8) + timedelta(minutes=n), next_in=timedelta(days=1)
        )
    UserFactory(team=agent.team)
    client = client_for(supervisor)

    # when / then: session, user, whether a supervisor, triage count, bell; the filter
    # choices (team, person, type), the ids of the people, count and page, and the events'
    # threads
    with django_assert_num_queries(12):
        client.get(EVENTS)
    with django_assert_num_queries(11):
        client.get(TASKS)
    # and the summary: the choices, the people, the types, the events and the tasks counted
    with django_assert_num_queries(12):
        client.get(SUMMARY, {"week": "2026-12-07"})


def test_summary_links_a_supervisor_to_each_members_hand_over(supervisor, manager, agent):
    link = reverse("activities:handover", args=[agent.pk])
    assert link in client_for(supervisor).get(SUMMARY).text
    assert link not in client_for(manager).get(SUMMARY).text


def test_the_lists_start_a_month_back_unless_a_range_is_given(supervisor, agent) -> None:
    # given: a call of last week and one of two months ago
    account = AccountFactory()
    call_recorded(agent, account, starts_at=at(1, 10), description="Niedawna")
    call_recorded(agent, account, starts_at=at(1, 10) - timedelta(days=60), description="Dawna")
    client = client_for(supervisor)
    # when / then: by default the last month; with a range, what it asks for
    assert descriptions(client.get(EVENTS)) == ["Niedawna"]
    assert descriptions(client.get(EVENTS, {"since": "2026-01-01"})) == ["Niedawna", "Dawna"]
