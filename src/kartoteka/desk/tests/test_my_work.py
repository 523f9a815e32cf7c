"""The "My work" start page: the user's tasks by when they are due, their open cases, the
unassigned cases of their groups, followed cases with news and threads without a next step."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kartoteka.activities.models import Task
from kartoteka.activities.services import NextTask, task_create
from kartoteka.cases.following import case_follow
from kartoteka.cases.models import CaseGroup, Status
from kartoteka.notifications.models import Notification
from kartoteka.testing.activities import call_recorded, event_type
from kartoteka.testing.cases import make_case
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory

pytestmark = pytest.mark.django_db

URL = reverse("desk:my-work")


def section(response, key: str):
    return next(s for s in response.context["sections"] if s.key == key)


def counts(response) -> dict[str, int]:
    return {s.key: s.count for s in response.context["sections"]}


def task_due(user, account, due_at, note: str = "") -> Task:
    return task_create(
        by=user,
        account=account,
        plan=NextTask(event_type=event_type(), due_at=due_at, assignee=user, note=note),
    )


@pytest.fixture
def now():
    return timezone.now()


def test_home_redirects_to_my_work(agent):
    response = client_for(agent).get("/")
    assert response.status_code == 302
    assert response["Location"] == URL


def test_navigation_links_to_my_work(agent):
    response = client_for(agent).get(URL)
    assert f'<a href="{URL}" aria-current="page">My work</a>' in response.text


def test_tasks_fall_into_overdue_today_and_next_seven_days(agent, outsider, now):
    # given: the agent's tasks at every distance, one done, and the outsider's
    account = AccountFactory(name="Alfa")
    task_due(agent, account, now - timedelta(days=3), note="zaległe")
    task_due(agent, account, now - timedelta(minutes=1), note="przed chwilą")
    tomorrow = timezone.localtime(now).replace(hour=12, minute=0) + timedelta(days=1)
    task_due(agent, account, tomorrow, note="jutro")
    task_due(agent, account, tomorrow + timedelta(days=5), note="za 6 dni")
    task_due(agent, account, tomorrow + timedelta(days=30), note="za miesiąc")
    done = task_due(agent, account, now - timedelta(days=1), note="zrobione")
    Task.objects.filter(pk=done.pk).update(state=Task.State.DONE)
    task_due(outsider, account, now - timedelta(days=1), note="cudze")

    # when
    response = client_for(agent).get(URL)

    # then
    overdue = section(response, "overdue")
    assert overdue.count == 2
    assert [task.note for task in overdue.rows] == ["zaległe", "przed chwilą"]
    assert [task.note for task in section(response, "upcoming").rows] == ["jutro", "za 6 dni"]
    # and the overdue rows are highlighted and link to the task and the customer
    first = overdue.rows[0]
    assert f'<a href="{reverse("activities:task", args=[first.pk])}">' in response.text
    assert f'<a href="{account.get_absolute_url()}">Alfa</a>' in response.text
    assert response.text.count('<tr class="overdue">') == 2


def test_a_task_due_later_today_is_due_today(agent, now):
    # given: a task a minute from now, unless the day ends sooner
    end_of_day = timezone.localtime(now).replace(hour=23, minute=59, second=0)
    due = min(now + timedelta(minutes=1), end_of_day)
    if due <= now:
        pytest.skip("the day ends within a minute")
    task_due(agent, AccountFactory(), due, note="dziś")

    # when
    response = client_for(agent).get(URL)

    # then
    assert [task.note for task in section(response, "today").rows] == ["dziś"]


def test_cases_sections_show_mine_unassigned_in_my_groups_and_followed_with_news(
    agent, manager, support_team
):
    # given
    sales = CaseGroup.objects.get(name="Sales")
    sales.members.add(agent)
    make_case("Moja", by=agent, assignee=agent)
    make_case("Moja zamknięta", by=agent, assignee=agent, status=Status.objects.get(name="Closed"))
    make_case("Niczyja w mojej grupie", by=manager, group=sales)
    make_case("Niczyja mojego zespołu", by=manager, account=AccountFactory(team=support_team))
    make_case("Niczyja obca", by=manager)
    news = make_case("Śledzona z nowinami", by=manager, assignee=manager)
    quiet = make_case("Śledzona bez nowin", by=manager, assignee=manager)
    for case in (news, quiet):
        case_follow(case=case, user=agent)
    Notification.objects.create(recipient=agent, case=news, kind=Notification.Kind.NOTE)
    Notification.objects.create(recipient=agent, case=news, kind=Notification.Kind.MESSAGE)
    Notification.objects.create(
        recipient=agent, case=quiet, kind=Notification.Kind.NOTE, read_at=timezone.now()
    )

    # when
    response = client_for(agent).get(URL)

    # then
    assert [c.subject for c in section(response, "my-cases").rows] == ["Moja"]
    assert [c.subject for c in section(response, "unassigned").rows] == [
        "Niczyja mojego zespołu",
        "Niczyja w mojej grupie",
    ]
    followed = section(response, "followed").rows
    assert [(c.subject, c.news) for c in followed] == [("Śledzona z nowinami", 2)]


def test_an_unassigned_case_of_my_group_and_my_team_counts_once(agent, manager, support_team):
    # given: one case both of my group and of my team's customer, one taken, one closed
    sales = CaseGroup.objects.get(name="Sales")
    sales.members.add(agent)
    ours = AccountFactory(team=support_team)
    make_case("Niczyja podwójnie nasza", by=manager, group=sales, account=ours)
    make_case("Wzięta", by=manager, group=sales, account=ours, assignee=manager)
    make_case("Zamknięta", by=manager, group=sales, status=Status.objects.get(name="Closed"))
    # when
    unassigned = section(client_for(agent).get(URL), "unassigned")
    # then
    assert (unassigned.count, [c.subject for c in unassigned.rows]) == (
        1,
        ["Niczyja podwójnie nasza"],
    )


def test_threads_without_a_next_step_are_listed(agent, now):
    # given: a call planning nothing (flagged) and one planning a call (not flagged)
    account = AccountFactory()
    flagged = call_recorded(agent, account, starts_at=now - timedelta(hours=2))
    call_recorded(agent, account, starts_at=now - timedelta(hours=1), next_in=timedelta(days=1))

    # when
    response = client_for(agent).get(URL)

    # then
    assert [t.pk for t in section(response, "threads").rows] == [flagged.thread_id]


def test_a_user_without_case_rights_sees_no_case_sections(clerk):
    response = client_for(clerk).get(URL)
    assert list(counts(response)) == ["overdue", "today", "upcoming", "threads"]


def test_each_section_shows_ten_rows_and_links_to_all(agent, now):
    # given
    account = AccountFactory()
    for n in range(12):
        task_due(agent, account, now - timedelta(hours=n + 1))

    # when
    response = client_for(agent).get(URL)
    page = client_for(agent).get(reverse("desk:my-work-section", args=["overdue"]))

    # then
    assert section(response, "overdue").count == 12
    assert len(section(response, "overdue").rows) == 10
    assert reverse("desk:my-work-section", args=["overdue"]) in response.text
    assert "See all 12" in response.text
    assert len(page.context["page_obj"].object_list) == 12


def test_an_unknown_section_is_404(agent):
    response = client_for(agent).get(reverse("desk:my-work-section", args=["wszystko"]))
    assert response.status_code == 404


def test_a_case_section_is_404_for_a_user_without_case_rights(clerk):
    response = client_for(clerk).get(reverse("desk:my-work-section", args=["my-cases"]))
    assert response.status_code == 404


def test_portal_user_gets_404(portal_user):
    assert client_for(portal_user).get(URL).status_code == 404


def test_outsider_sees_no_unassigned_case_of_a_restricted_account(outsider, support_team):
    # given: an unassigned case of Support's restricted customer, in the outsider's group
    sales = CaseGroup.objects.get(name="Sales")
    sales.members.add(outsider)
    make_case("Tajna", group=sales, account=AccountFactory(restricted=True, team=support_team))

    # when
    response = client_for(outsider).get(URL)

    # then
    assert section(response, "unassigned").count == 0
    assert "Tajna" not in response.text


def _fill(agent, manager, now, n: int) -> None:
    account = AccountFactory()
    sales = CaseGroup.objects.get(name="Sales")
    sales.members.add(agent)
    for i in range(n):
        task_due(agent, account, now - timedelta(hours=i + 1))
        task_due(agent, account, now + timedelta(days=2, hours=i))
        call_recorded(agent, account, starts_at=now - timedelta(days=1, hours=i))
        make_case(f"Moja {i}", by=agent, assignee=agent)
        make_case(f"Niczyja {i}", by=manager, group=sales)
        case = make_case(f"Śledzona {i}", by=manager, assignee=manager)
        case_follow(case=case, user=agent)
        Notification.objects.create(recipient=agent, case=case, kind=Notification.Kind.NOTE)


@pytest.mark.parametrize("rows", [2, 12])
def test_query_count_does_not_grow_with_rows(agent, manager, now, rows, django_assert_num_queries):
    # given
    _fill(agent, manager, now, rows)
    client = client_for(agent)

    # when / then: session, user, triage count, bell, whether a supervisor; the task counts
    # and the rows of the overdue and upcoming groups (the empty "today" costs none); count
    # and rows of my cases, the unassigned, the followed and the threads
    with django_assert_num_queries(16):
        response = client.get(URL)
    assert counts(response)["my-cases"] == rows


def test_supervisor_gets_a_link_to_the_teams_work(supervisor, agent):
    link = reverse("activities:team-events")
    assert link in client_for(supervisor).get(URL).text
    assert link not in client_for(agent).get(URL).text


def test_page_speaks_polish(agent):
    # given
    agent.language = "pl"
    agent.save(update_fields=["language"])

    # when
    response = client_for(agent).get(URL)

    # then
    assert "Moja praca" in response.text
    assert "Zaległe zadania" in response.text
    assert "Wątki bez następnego kroku" in response.text
