"""The calendar: my events and open tasks by day, week and month in my time zone; a team's for
its supervisor, managers and administrators; a resource's bookings as free/busy for everyone,
in full only where the event may be seen."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kartoteka.activities.calendar import (
    Calendar,
    calendar_of_user,
    period_for,
    period_parse,
)
from kartoteka.activities.services import NextTask, event_record, task_create
from kartoteka.testing.activities import ResourceFactory, at, call_recorded, event_type
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory
from kartoteka.testing.people import UserFactory

pytestmark = pytest.mark.django_db

WARSAW = zoneinfo.ZoneInfo("Europe/Warsaw")
CALENDAR = reverse("activities:calendar")


def by_day(calendar: Calendar) -> dict[str, list[str]]:
    """The days that have items, each as "HH:MM kind title · customer" lines."""
    return {
        day.day.isoformat(): [
            f"{item.starts_at.astimezone(WARSAW):%H:%M} {item.kind} {item.title} · {item.account}"
            for item in day.items
        ]
        for day in calendar.days
        if day.items
    }


def page(client, **query: object):
    return client.get(CALENDAR, query)


# Periods


def test_a_week_runs_monday_to_sunday_and_steps_by_seven_days() -> None:
    period = period_for("week", date(2026, 12, 10))
    assert (period.first, period.after, period.previous, period.next) == (
        date(2026, 12, 7),
        date(2026, 12, 14),
        date(2026, 12, 3),
        date(2026, 12, 17),
    )


def test_a_month_shows_whole_weeks_and_steps_to_the_neighbouring_months() -> None:
    period = period_for("month", date(2026, 12, 31))
    assert (period.first, period.after, period.previous, period.next, len(period.days)) == (
        date(2026, 11, 30),
        date(2027, 1, 4),
        date(2026, 11, 1),
        date(2027, 1, 1),
        35,
    )


def test_the_day_of_the_spring_dst_change_has_23_hours() -> None:
    start, end = period_for("day", date(2026, 3, 29)).bounds(WARSAW)
    assert (start.astimezone(UTC).isoformat(), end.astimezone(UTC).isoformat()) == (
        "2026-03-28T23:00:00+00:00",
        "2026-03-29T22:00:00+00:00",
    )


def test_the_default_is_the_week_of_today() -> None:
    period = period_parse(None, None, today=date(2026, 12, 9))
    assert (period.view, period.first) == ("week", date(2026, 12, 7))


# My calendar


def test_my_week_shows_my_events_and_open_tasks_by_day(agent, outsider) -> None:
    # given: my call on Monday planning a call on Wednesday, my meeting on Thursday, and
    # someone else's call
    account = AccountFactory(name="Alfa")
    call_recorded(agent, account, starts_at=at(7, 10), next_in=timedelta(days=2, hours=1))
    event_record(
        by=agent,
        account=AccountFactory(name="Beta"),
        event_type=event_type("Meeting"),
        starts_at=at(10, 14),
    )
    call_recorded(outsider, account, starts_at=at(8, 9))
    # when
    response = page(client_for(agent), date="2026-12-09")
    # then
    assert response.status_code == 200
    assert by_day(response.context["calendar"]) == {
        "2026-12-07": ["10:00 event Phone call · Alfa"],
        "2026-12-09": ["11:00 task Phone call · Alfa"],
        "2026-12-10": ["14:00 event Meeting · Beta"],
    }


def test_an_event_i_take_part_in_is_in_my_calendar(agent, supervisor) -> None:
    call_recorded(supervisor, AccountFactory(name="Alfa"), starts_at=at(7, 9), participants=[agent])
    response = page(client_for(agent), date="2026-12-07", view="day")
    assert by_day(response.context["calendar"]) == {"2026-12-07": ["09:00 event Phone call · Alfa"]}


def test_done_tasks_leave_the_calendar(agent) -> None:
    account = AccountFactory(name="Alfa")
    call_recorded(agent, account, starts_at=at(7, 10), next_in=timedelta(days=1))
    task = agent.activity_tasks.get()
    call_recorded(agent, account, starts_at=at(8, 10), completes=task)
    response = page(client_for(agent), date="2026-12-07")
    assert by_day(response.context["calendar"]) == {
        "2026-12-07": ["10:00 event Phone call · Alfa"],
        "2026-12-08": ["10:00 event Phone call · Alfa"],
    }


def test_days_are_the_users_own_time_zone(agent) -> None:
    # given: a call at 03:00 in Warsaw, which is 21:00 the day before in New York
    agent.time_zone = "America/New_York"
    agent.save(update_fields=["time_zone"])
    call_recorded(agent, AccountFactory(name="Alfa"), starts_at=at(7, 3))
    # when
    response = page(client_for(agent), date="2026-12-06", view="day")
    # then
    [item] = response.context["calendar"].days[0].items
    assert (item.title, item.starts_at.astimezone(zoneinfo.ZoneInfo("America/New_York")).hour) == (
        "Phone call",
        21,
    )
    assert ">21:00</time>" in response.text


def test_an_evening_event_on_the_dst_day_stays_on_that_day(agent) -> None:
    # given: 23:30 on 29 March 2026, after the clocks went forward
    late = datetime(2026, 3, 29, 23, 30, tzinfo=WARSAW)
    call_recorded(agent, AccountFactory(name="Alfa"), starts_at=late)
    # when
    calendar = calendar_of_user(agent, period_for("week", date(2026, 3, 29)), zone=WARSAW, now=late)
    # then
    assert by_day(calendar) == {"2026-03-29": ["23:30 event Phone call · Alfa"]}


def test_an_event_over_midnight_is_on_both_days(agent) -> None:
    event_record(
        by=agent,
        account=AccountFactory(name="Alfa"),
        event_type=event_type("Meeting"),
        starts_at=at(7, 23),
        ends_at=at(8, 1),
    )
    response = page(client_for(agent), date="2026-12-07")
    assert by_day(response.context["calendar"]) == {
        "2026-12-07": ["23:00 event Meeting · Alfa"],
        "2026-12-08": ["23:00 event Meeting · Alfa"],
    }


def test_an_event_of_a_month_is_on_every_day_of_the_weeks_it_spans(agent) -> None:
    # given a training from 20 November to 20 December
    event_record(
        by=agent, account=AccountFactory(name="Alfa"), event_type=event_type("Meeting"),
        starts_at=at(1, 9) - timedelta(days=11), ends_at=at(20, 9),
    )  # fmt: skip
    # when the week of 14 December is shown
    days = by_day(page(client_for(agent), date="2026-12-16").context["calendar"])
    # then it is there every day
    assert sorted(days) == [f"2026-12-{day}" for day in range(14, 21)]


def test_the_month_view_lays_out_whole_weeks(agent) -> None:
    call_recorded(agent, AccountFactory(name="Alfa"), starts_at=at(31, 10))
    response = page(client_for(agent), view="month", date="2026-12-15")
    calendar = response.context["calendar"]
    assert [len(week) for week in calendar.weeks] == [7, 7, 7, 7, 7]
    assert [day.in_period for day in calendar.weeks[0][:2]] == [False, True]
    assert by_day(calendar) == {"2026-12-31": ["10:00 event Phone call · Alfa"]}


def test_navigation_keeps_the_view_and_steps_the_period(agent) -> None:
    response = page(client_for(agent), view="day", date="2026-12-31")
    navigation = response.context["navigation"]
    assert (navigation["previous"], navigation["next"], navigation["today"]) == (
        f"{CALENDAR}?view=day&date=2026-12-30",
        f"{CALENDAR}?view=day&date=2027-01-01",
        f"{CALENDAR}?view=day",
    )


def test_an_overdue_task_is_marked(agent) -> None:
    yesterday = timezone.now() - timedelta(days=1)
    task_create(
        by=agent,
        account=AccountFactory(name="Alfa"),
        plan=NextTask(event_type=event_type(), due_at=yesterday, assignee=agent),
    )
    response = page(client_for(agent), date=timezone.localdate(yesterday).isoformat(), view="day")
    [item] = response.context["calendar"].days[0].items
    assert (item.kind, item.overdue) == ("task", True)
    assert '<span class="pill">Overdue</span>' in response.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"date": "garbage"}, "garbage is not a date; use the form 2026-12-07."),
        ({"date": "2026-02-30"}, "2026-02-30 is not a date; use the form 2026-12-07."),
        ({"date": "0001-01-01"}, "Choose a date between the years 1900 and 9998."),
        ({"view": "year"}, "Choose the day, week or month view."),
    ],
)
def test_a_bad_period_shows_this_week_with_a_message(agent, query, message) -> None:
    response = page(client_for(agent), **query)
    assert response.status_code == 400
    assert message in response.text
    assert response.context["calendar"].period.view == "week"


def test_portal_users_have_no_calendar(portal_user) -> None:
    assert page(client_for(portal_user)).status_code == 404


def test_the_calendar_needs_a_sign_in(client) -> None:
    response = page(client)
    assert (response.status_code, response["Location"].split("?")[0]) == (302, reverse("login"))


def test_my_week_costs_the_same_queries_for_2_and_40_items(agent) -> None:
    client = client_for(agent)

    def queries() -> int:
        client.get(CALENDAR, {"date": "2026-12-07"})
        with CaptureQueriesContext(connection) as captured:
            assert client.get(CALENDAR, {"date": "2026-12-07"}).status_code == 200
        return len(captured)

    account = AccountFactory()
    call_recorded(agent, account, starts_at=at(7, 8), next_in=timedelta(days=1))
    few = queries()
    for hour in range(9, 19):
        for day in (7, 8):
            call_recorded(agent, account, starts_at=at(day, hour), next_in=timedelta(days=2))
    assert queries() == few


# A team's calendar


@pytest.fixture
def support_call(agent):
    return call_recorded(
        agent, AccountFactory(name="Alfa"), starts_at=at(7, 10), next_in=timedelta(days=1)
    )


def test_the_supervisor_sees_the_teams_events_and_tasks_with_who(
    supervisor, agent, outsider, support_team, support_call
) -> None:
    # given: besides the agent's call and task, a call of the other team
    call_recorded(outsider, AccountFactory(name="Gamma"), starts_at=at(7, 11))
    # when
    response = page(client_for(supervisor), team=support_team.pk, date="2026-12-07")
    # then
    calendar = response.context["calendar"]
    assert by_day(calendar) == {
        "2026-12-07": ["10:00 event Phone call · Alfa"],
        "2026-12-08": ["10:00 task Phone call · Alfa"],
    }
    assert [item.who for day in calendar.days for item in day.items] == [str(agent)] * 2
    assert f"Calendar of {support_team.name}" in response.text


def test_a_manager_sees_any_teams_calendar(manager, support_team, support_call) -> None:
    response = page(client_for(manager), team=support_team.pk, date="2026-12-07")
    assert response.context["calendar"].item_count == 2


def test_a_team_calendar_keeps_confidential_events_of_others_hidden(
    admin, manager, support_team, agent, clerk
) -> None:
    # given: the clerk's confidential call (the manager is not its supervisor)
    call_recorded(clerk, AccountFactory(name="Alfa"), starts_at=at(7, 10), confidential=True)
    # then
    assert (
        page(client_for(manager), team=support_team.pk, date="2026-12-07")
        .context["calendar"]
        .item_count
        == 0
    )
    assert (
        page(client_for(admin), team=support_team.pk, date="2026-12-07")
        .context["calendar"]
        .item_count
        == 1
    )


@pytest.mark.parametrize("team", ["support", "sales", "999999", "abc", "-1"])
def test_an_agent_cannot_open_a_teams_calendar(agent, outsider, support_team, team) -> None:
    # given: the agent is a member of Support, not its supervisor
    ids = {"support": support_team.pk, "sales": outsider.team_id}
    response = page(client_for(agent), team=ids.get(team, team))
    assert response.status_code == 404


def test_an_empty_team_or_resource_choice_shows_my_own_calendar(agent) -> None:
    response = page(client_for(agent), team="", resource="")
    assert (response.status_code, response.context["heading"]) == (200, "My calendar")


def test_a_supervisor_cannot_open_another_teams_calendar(supervisor, sales_team) -> None:
    assert page(client_for(supervisor), team=sales_team.pk).status_code == 404


def test_a_team_week_costs_the_same_queries_for_few_and_many_members(
    supervisor, support_team
) -> None:
    client = client_for(supervisor)
    account = AccountFactory()

    def queries() -> int:
        client.get(CALENDAR, {"team": support_team.pk, "date": "2026-12-07"})
        with CaptureQueriesContext(connection) as captured:
            response = client.get(CALENDAR, {"team": support_team.pk, "date": "2026-12-07"})
            assert response.status_code == 200
        return len(captured)

    call_recorded(supervisor, account, starts_at=at(7, 8), next_in=timedelta(days=1))
    few = queries()
    for n in range(8):
        member = UserFactory(username=f"member{n}", team=support_team)
        call_recorded(member, account, starts_at=at(8, 9 + n), next_in=timedelta(days=1))
    assert queries() == few


# A resource's calendar


@pytest.fixture
def booked_room(agent):
    room = ResourceFactory(name="Sala Wisła")
    event_record(
        by=agent,
        account=AccountFactory(name="Tajny klient"),
        event_type=event_type("Meeting"),
        starts_at=at(7, 10),
        resource=room,
        confidential=True,
        description="Negocjacje",
    )
    event_record(
        by=agent,
        account=AccountFactory(name="Alfa"),
        event_type=event_type("Meeting"),
        starts_at=at(7, 13),
        resource=room,
    )
    return room


def test_anyone_sees_when_a_room_is_busy_but_not_a_confidential_meeting(
    outsider, booked_room
) -> None:
    # when
    response = page(client_for(outsider), resource=booked_room.pk, date="2026-12-07")
    # then
    assert response.status_code == 200
    assert by_day(response.context["calendar"]) == {
        "2026-12-07": ["10:00 busy Busy · ", "13:00 event Meeting · Alfa"]
    }
    assert "Tajny klient" not in response.text
    assert "Bookings of Sala Wisła" in response.text


def test_the_author_sees_their_confidential_booking_in_full(agent, booked_room) -> None:
    response = page(client_for(agent), resource=booked_room.pk, date="2026-12-07", view="day")
    assert by_day(response.context["calendar"]) == {
        "2026-12-07": ["10:00 event Meeting · Tajny klient", "13:00 event Meeting · Alfa"]
    }


@pytest.mark.parametrize("resource", ["999999", "x1", "-1"])
def test_an_unknown_resource_is_404(agent, resource) -> None:
    assert page(client_for(agent), resource=resource).status_code == 404


def test_the_resource_calendar_costs_the_same_queries_for_few_and_many_bookings(
    agent, outsider
) -> None:
    room = ResourceFactory()
    account = AccountFactory()
    client = client_for(outsider)

    def queries() -> int:
        client.get(CALENDAR, {"resource": room.pk, "date": "2026-12-07"})
        with CaptureQueriesContext(connection) as captured:
            assert (
                client.get(CALENDAR, {"resource": room.pk, "date": "2026-12-07"}).status_code == 200
            )
        return len(captured)

    def book(hour: int, **fields: object) -> None:
        event_record(
            by=agent,
            account=account,
            event_type=event_type("Meeting"),
            starts_at=at(8, hour),
            resource=room,
            **fields,  # type: ignore[arg-type]
        )

    book(8)
    few = queries()
    for hour in range(9, 18):
        book(hour, confidential=hour % 2 == 0)
    assert queries() == few


# Free and busy resources


def test_the_availability_page_lists_each_room_with_its_bookings(outsider, booked_room) -> None:
    # given: another room, free
    ResourceFactory(name="Sala Odra")
    # when
    response = client_for(outsider).get(
        reverse("activities:resource-availability"), {"date": "2026-12-07"}
    )
    # then
    rows = response.context["rows"]
    assert [(row.resource.name, [item.kind for item in row.items]) for row in rows] == [
        ("Sala Odra", []),
        ("Sala Wisła", ["busy", "event"]),
    ]
    assert "Free all day" in response.text
    assert "Tajny klient" not in response.text


def test_the_availability_page_refuses_a_bad_date_with_a_message(agent) -> None:
    response = client_for(agent).get(reverse("activities:resource-availability"), {"date": "jutro"})
    assert response.status_code == 400
    assert "jutro is not a date; use the form 2026-12-07." in response.text


def test_the_availability_page_is_not_for_portal_users(portal_user) -> None:
    response = client_for(portal_user).get(reverse("activities:resource-availability"))
    assert response.status_code == 404


def test_the_calendar_speaks_the_users_language(agent, booked_room) -> None:
    agent.language = "pl"
    agent.save(update_fields=["language"])
    client = client_for(agent)
    response = page(client, view="month", date="2026-12-07")
    assert ("Mój kalendarz" in response.text, "Miesiąc" in response.text) == (True, True)
    availability = client.get(reverse("activities:resource-availability"), {"date": "2026-12-08"})
    assert "Wolne przez cały dzień" in availability.text


def test_an_item_links_its_event_with_its_times_and_escapes_what_users_typed(agent) -> None:
    event = event_record(
        by=agent,
        account=AccountFactory(name='<script>alert("x")</script> Sp. z o.o.'),
        event_type=event_type("Meeting"),
        starts_at=at(7, 10),
        ends_at=at(7, 11, 30),
        confidential=True,
    )
    text = page(client_for(agent), date="2026-12-07", view="day").text
    assert (
        '<li class="calendar-item calendar-event"><time datetime="2026-12-07T10:00:00+01:00">'
        '10:00</time>–<time datetime="2026-12-07T11:30:00+01:00">11:30</time> '
        f'<span aria-hidden="true">{event.event_type.icon}</span> '
        f'<a href="{event.get_absolute_url()}">Meeting · '
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Sp. z o.o.</a>"
        ' <span class="pill pill-restricted">Confidential</span></li>'
    ) in text
    assert "<script>alert" not in text
