"""Events and the tasks they plan in the customer file's timeline, on the contact page and in
the file's header; a confidential event leaves no trace for whoever may not see it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kartoteka.activities.models import Event, Task
from kartoteka.activities.timeline_entries import ActivityEntries
from kartoteka.customers.models import Account
from kartoteka.customers.timeline import Cursor, Window, timeline_page
from kartoteka.testing.activities import at, call_recorded
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

ACTIVITIES = frozenset({"event", "task"})


@pytest.fixture
def alfa(db: None) -> Account:
    return AccountFactory(name="Alfa")


def shown(user, account, **window) -> list[tuple[str, str]]:
    page = timeline_page(Window(user=user, account_id=account.pk, kinds=ACTIVITIES, **window))
    return [(entry.kind, entry.title) for entry in page.entries]


def file_html(user, account, **params) -> str:
    response = client_for(user).get(reverse("customers:account-detail", args=[account.pk]), params)
    assert response.status_code == 200
    return response.text


def test_an_event_shows_its_type_icon_and_the_task_it_planned(agent, alfa) -> None:
    # given: a call on 1 December planning the next one two days later
    call = call_recorded(
        agent, alfa, starts_at=at(1, 10), next_in=timedelta(days=2), result="Oferta przyjęta"
    )
    Task.objects.filter(planned_by_event=call).update(created_at=at(1, 10, 5))
    # when
    page = timeline_page(Window(user=agent, account_id=alfa.pk, kinds=ACTIVITIES))
    # then: the task planned after the call, newest first
    task = call.planned_tasks.get()
    assert [(e.kind, e.title, e.text, e.url) for e in page.entries] == [
        ("task", "📞 Phone call planned for 12/03/2026 10 a.m.", "", task.get_absolute_url()),
        ("event", "📞 Phone call", "Oferta przyjęta", call.get_absolute_url()),
    ]
    assert page.entries[0].context == f"Open · for {agent}"


@pytest.mark.parametrize(
    ("persona", "sees"),
    [("agent", True), ("supervisor", True), ("admin", True), ("outsider", False)],
)
def test_a_confidential_event_is_in_the_file_only_for_who_may_see_it(
    request, persona, sees, agent, alfa
) -> None:
    # given: the agent's confidential call and an ordinary one
    call_recorded(agent, alfa, starts_at=at(1, 10), description="Rabat Zebra", confidential=True)
    call_recorded(agent, alfa, starts_at=at(2, 10), description="Zwykła rozmowa")
    user = request.getfixturevalue(persona)
    # when: the file, its activities tab and its search box
    timeline = file_html(user, alfa)
    tab = file_html(user, alfa, tab="activities")
    search = file_html(user, alfa, q="zebra")
    # then
    for html in (timeline, tab, search):
        assert ("Rabat Zebra" in html) is sees
    assert "Zwykła rozmowa" in timeline


def test_the_search_box_finds_an_event_by_its_result_and_product(agent, alfa) -> None:
    # given
    from kartoteka.testing.activities import ProductFactory

    toner = ProductFactory(name="Toner Laserowy", code="TL-1")
    call_recorded(agent, alfa, starts_at=at(1, 10), products=[toner], result="Zamówią")
    call_recorded(agent, alfa, starts_at=at(2, 10), result="Nie teraz")
    # then: by the product's name, and by a word of the result written without accents
    assert [title for _kind, title in shown(agent, alfa, query="toner")] == ["📞 Phone call"]
    found = timeline_page(Window(user=agent, account_id=alfa.pk, kinds=ACTIVITIES, query="zamowia"))
    assert [entry.text for entry in found.entries] == ["Zamówią"]


def test_older_pages_follow_the_cursor_over_equal_moments_without_gaps(agent, alfa) -> None:
    # given: seven calls, three of them at the very same moment
    moments = [at(1, 9), at(1, 10), at(1, 10), at(1, 10), at(2, 8), at(3, 8), at(4, 8)]
    for number, moment in enumerate(moments):
        call_recorded(agent, alfa, starts_at=moment, result=f"Rozmowa {number}")
    seen: list[str] = []
    before: Cursor | None = None
    # when: pages of two are read to the end
    for _page in range(10):
        page = timeline_page(
            Window(
                user=agent, account_id=alfa.pk, kinds=frozenset({"event"}), limit=2, before=before
            )
        )
        seen += [entry.text for entry in page.entries]
        if page.older is None:
            break
        before = page.older
    # then: each once, newest first (the same moment: the later recorded first)
    assert seen == [
        "Rozmowa 6", "Rozmowa 5", "Rozmowa 4", "Rozmowa 3", "Rozmowa 2", "Rozmowa 1", "Rozmowa 0",
    ]  # fmt: skip


def test_the_contact_page_shows_the_events_the_contact_took_part_in(agent, alfa) -> None:
    # given
    jan = ContactFactory(account=alfa, first_name="Jan", last_name="Kowal")
    call_recorded(agent, alfa, starts_at=at(1, 10), contacts=[jan], result="Z Janem")
    call_recorded(agent, alfa, starts_at=at(2, 10), result="Z kimś innym")
    # when
    html = client_for(agent).get(reverse("customers:contact-detail", args=[jan.pk])).text
    # then
    assert "Z Janem" in html
    assert "Z kimś innym" not in html


def test_filters_by_user_and_case(agent, supervisor, alfa) -> None:
    from kartoteka.testing.cases import make_case

    case = make_case("Reklamacja", account=alfa)
    call_recorded(agent, alfa, starts_at=at(1, 10), result="Agenta", case=case)
    call_recorded(supervisor, alfa, starts_at=at(2, 10), result="Kierownika")
    by_agent = timeline_page(
        Window(user=agent, account_id=alfa.pk, kinds=ACTIVITIES, by_user_id=agent.pk)
    )
    of_case = timeline_page(
        Window(user=agent, account_id=alfa.pk, kinds=ACTIVITIES, case_number=case.number)
    )
    assert [entry.text for entry in by_agent.entries] == ["Agenta"]
    assert [entry.text for entry in of_case.entries] == ["Agenta"]


def test_the_header_shows_the_next_task_and_the_open_threads(agent, alfa) -> None:
    # given: two threads, one with a task due on 3 December at 10:00, one closed
    call_recorded(agent, alfa, starts_at=at(1, 10), next_in=timedelta(days=2))
    call_recorded(agent, alfa, starts_at=at(1, 11), next_in=timedelta(days=5))
    call_recorded(agent, alfa, starts_at=at(1, 12), close_thread=True)
    # when
    figures = ActivityEntries().figures(agent, alfa.pk)
    # then
    assert [(figure.label, figure.value) for figure in figures] == [
        ("Next planned task", "12/03/2026 10 a.m."),
        ("Open threads", "2"),
    ]


def test_the_header_shows_no_task_to_whoever_may_not_see_the_customer(
    agent, outsider, support_team
) -> None:
    secret = AccountFactory(restricted=True, team=support_team)
    call_recorded(agent, secret, starts_at=at(1, 10), next_in=timedelta(days=2))
    figures = ActivityEntries().figures(outsider, secret.pk)
    assert [(figure.label, figure.value) for figure in figures] == [
        ("Next planned task", "—"),
        ("Open threads", "0"),
    ]


def test_the_file_makes_the_same_queries_for_3_and_30_events(agent, alfa) -> None:
    def queries() -> int:
        client = client_for(agent)
        url = reverse("customers:account-detail", args=[alfa.pk])
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    for number in range(3):
        call_recorded(agent, alfa, starts_at=at(1, 8, number), next_in=timedelta(days=1))
    few = queries()
    for number in range(27):
        call_recorded(agent, alfa, starts_at=at(2, 8, number), next_in=timedelta(days=1))
    assert Event.objects.count() == 30
    assert queries() == few


def test_the_activities_tab_shows_only_events_and_tasks(agent, alfa) -> None:
    call_recorded(agent, alfa, starts_at=at(1, 10), result="Rozmowa o cenach")
    html = file_html(agent, alfa, tab="activities")
    kinds = set(re.findall(r'class="timeline-entry timeline-(\w+)"', html))
    assert kinds == {"event"}
