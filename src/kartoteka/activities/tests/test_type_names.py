"""An event type has a name per language, as the case lists do: the administrator names "Wizyta
serwisowa" once for Polish and once for Czech, and each colleague reads their own everywhere
the type is shown: the calendar, the event, the feed, the reminder, the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kartoteka.activities.feed import feed_enable
from kartoteka.activities.models import EventType
from kartoteka.activities.services import NextTask, event_record, task_create
from kartoteka.notifications.models import Notification
from kartoteka.notifications.task_reminders import task_reminders_send
from kartoteka.people.models import User
from kartoteka.testing.activities import at
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory

pytestmark = pytest.mark.django_db

VISIT = {"name": "Wizyta serwisowa", "names": {"cs": "Servisní návštěva", "en": "Service visit"}}


@pytest.fixture
def visit() -> EventType:
    return EventType.objects.create(icon="🔧", **VISIT)


def speaking(user: User, language: str) -> User:
    user.language = language
    user.save(update_fields=["language"])
    return user


def test_an_administrator_names_a_type_in_each_language(admin) -> None:
    # when
    response = client_for(admin).post(
        reverse("activities:event-type-create"),
        {
            "name": "Wizyta serwisowa",
            "name_pl": "",
            "name_cs": " Servisní  návštěva ",
            "name_en": "Service visit",
            "kind": "meeting",
            "icon": "🔧",
            "duration_minutes": "60",
            "delay_days": "2",
            "position": "8",
            "active": "on",
        },
    )
    # then
    assert response.status_code == 302
    visit = EventType.objects.get(name="Wizyta serwisowa")
    assert visit.names == {"cs": "Servisní návštěva", "en": "Service visit"}
    edit = client_for(admin).get(reverse("activities:event-type-edit", args=[visit.pk])).text
    assert 'name="name_cs" value="Servisní návštěva"' in edit


def test_the_calendar_and_the_event_show_the_reader_s_name(agent, visit) -> None:
    # given
    event = event_record(
        by=agent, account=AccountFactory(name="Alfa"), event_type=visit, starts_at=at(7, 10)
    )
    speaking(agent, "cs")
    client = client_for(agent)
    # when
    calendar = client.get(reverse("activities:calendar"), {"date": "2026-12-07"}).text
    page = client.get(event.get_absolute_url()).text
    # then
    assert "Servisní návštěva" in calendar
    assert "Servisní návštěva" in page
    assert "Wizyta serwisowa" not in page


def test_the_feed_and_the_reminder_speak_the_user_s_language(agent, visit, monkeypatch) -> None:
    # given: a visit due on 8 December, 10:00, told 15 minutes before
    monkeypatch.setattr(timezone, "now", lambda: at(1, 12))
    speaking(agent, "en")
    task_create(
        by=agent,
        account=AccountFactory(name="ACME Sp. z o.o."),
        plan=NextTask(
            event_type=visit,
            due_at=at(8, 10),
            assignee=agent,
            remind_before=timedelta(minutes=15),
        ),
    )
    # when
    feed = Client().get(reverse("activities:feed", args=[feed_enable(user=agent).token]))
    task_reminders_send(now=at(8, 9, 45))
    # then
    summaries = [str(entry["SUMMARY"]) for entry in Calendar.from_ical(feed.content).walk("VEVENT")]
    assert summaries == ["To do: Service visit — ACME Sp. z o.o."]
    reminder = Notification.objects.get(recipient=agent, kind=Notification.Kind.TASK_REMINDER)
    assert reminder.text == "Service visit: ACME Sp. z o.o. — due 10:00"


def test_the_api_gives_the_names_and_the_reader_s(agent, visit) -> None:
    speaking(agent, "cs")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=agent).key}")
    rows = {row["name"]: row for row in api.get("/api/v1/event-types/").json()}
    assert (rows["Wizyta serwisowa"]["names"], rows["Wizyta serwisowa"]["local_name"]) == (
        VISIT["names"],
        "Servisní návštěva",
    )
    assert rows["Phone call"]["local_name"] == "Telefonát"
