"""The iCalendar feed: a secret, revocable address that answers without a session with the
user's events and open tasks as RFC 5545 text, read back here with the ``icalendar`` parser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from kartoteka.activities.feed import (
    feed_enable,
    feed_renew,
    feed_revoke,
    feed_url,
    ical_fold,
    ical_text,
)
from kartoteka.activities.models import CalendarFeed, Event
from kartoteka.activities.services import NextTask, event_record, task_create
from kartoteka.mail.models import Message
from kartoteka.mail.rawstore import raw_read
from kartoteka.testing.activities import ResourceFactory, at, call_recorded, event_type
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory, ContactFactory, EmailAddressFactory
from kartoteka.testing.mail.sending import make_mailbox

pytestmark = pytest.mark.django_db

SETTINGS = reverse("activities:feed-settings")
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """``django.utils.timezone.now()`` stands at 1 December 2026, noon UTC: the feed's window
    is counted from then, and the meetings of 7 December are still to come."""
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def fetch(token: str):
    return Client().get(reverse("activities:feed", args=[token]))


def entries(user) -> dict[str, dict[str, str]]:
    """The feed's VEVENTs by UID, each with its main properties as text."""
    response = fetch(feed_enable(user=user).token)
    assert (response.status_code, response["Content-Type"]) == (
        200,
        "text/calendar; charset=utf-8",
    )
    calendar = Calendar.from_ical(response.content)
    found = {}
    for entry in calendar.walk("VEVENT"):
        found[str(entry["UID"])] = {
            "start": entry.decoded("DTSTART").isoformat(),
            "end": entry.decoded("DTEND").isoformat(),
            "summary": str(entry["SUMMARY"]),
            **{
                name.lower(): str(entry[name])
                for name in ("DESCRIPTION", "LOCATION", "URL", "CLASS")
                if name in entry
            },
        }
    return found


# The address


def test_creating_the_address_shows_a_long_secret_url(agent) -> None:
    # when
    client = client_for(agent)
    response = client.post(SETTINGS, {"action": "enable"}, follow=True)
    # then
    feed = CalendarFeed.objects.get(user=agent)
    assert len(feed.token) >= 43  # 32 random bytes
    assert f'value="{feed_url(feed)}"' in response.text
    assert feed_url(feed).endswith(f"/activities/feed/{feed.token}.ics")
    assert "Your calendar address is ready; copy it below." in response.text


def test_enabling_twice_keeps_the_address(agent) -> None:
    first = feed_enable(user=agent).token
    assert feed_enable(user=agent).token == first


def test_a_renewed_address_replaces_the_old_one(agent) -> None:
    # given
    old = feed_enable(user=agent).token
    # when
    client_for(agent).post(SETTINGS, {"action": "renew"})
    # then
    new = CalendarFeed.objects.get(user=agent).token
    assert new != old
    assert (fetch(old).status_code, fetch(new).status_code) == (404, 200)


def test_a_revoked_address_answers_404(agent) -> None:
    token = feed_enable(user=agent).token
    response = client_for(agent).post(SETTINGS, {"action": "revoke"}, follow=True)
    assert "The address is revoked; it no longer works." in response.text
    assert CalendarFeed.objects.filter(user=agent).exists() is False
    assert fetch(token).status_code == 404


def test_revoking_needs_a_post_with_the_csrf_token(agent) -> None:
    # given
    token = feed_enable(user=agent).token
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    # when
    refused = client.post(SETTINGS, {"action": "revoke"})
    client.get(SETTINGS, {"action": "revoke"})
    # then
    assert refused.status_code == 403
    assert fetch(token).status_code == 200


def test_an_unknown_action_changes_nothing_and_says_so(agent) -> None:
    token = feed_enable(user=agent).token
    response = client_for(agent).post(SETTINGS, {"action": "steal"}, follow=True)
    assert "Choose to create, renew or revoke the address." in response.text
    assert CalendarFeed.objects.get(user=agent).token == token


@pytest.mark.parametrize("token", ["nope", "x" * 43, "a" * 200])
def test_a_wrong_token_answers_404(agent, token) -> None:
    feed_enable(user=agent)
    assert fetch(token).status_code == 404


def test_a_deactivated_users_feed_answers_404(agent) -> None:
    token = feed_enable(user=agent).token
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    assert fetch(token).status_code == 404


def test_the_settings_page_is_for_staff_only(portal_user, client) -> None:
    assert client_for(portal_user).get(SETTINGS).status_code == 404
    assert client.get(SETTINGS).status_code == 302


def test_each_user_manages_only_their_own_address(agent, outsider) -> None:
    token = feed_enable(user=agent).token
    client_for(outsider).post(SETTINGS, {"action": "revoke"})
    assert fetch(token).status_code == 200


# What the feed holds


def test_a_warsaw_winter_morning_is_written_in_utc(agent) -> None:
    # given: a meeting 10:00-11:00 in Warsaw (UTC+1 in winter) in Sala Wisła
    room = ResourceFactory(name="Sala Wisła")
    meeting = event_record(
        by=agent,
        account=AccountFactory(name="Alfa sp. z o.o."),
        event_type=event_type("Meeting"),
        starts_at=at(7, 10),
        resource=room,
        description="Omówienie oferty",
    )
    # when
    feed = entries(agent)
    # then
    assert feed == {
        f"event-{meeting.pk}@127.0.0.1": {
            "start": "2026-12-07T09:00:00+00:00",
            "end": "2026-12-07T10:00:00+00:00",
            "summary": "Meeting — Alfa sp. z o.o.",
            "description": "Omówienie oferty",
            "location": "Sala Wisła",
            "url": f"http://127.0.0.1:8000/activities/events/{meeting.pk}/",
            "class": "PUBLIC",
        }
    }


def test_the_calendar_carries_its_name_product_and_version(agent) -> None:
    response = fetch(feed_enable(user=agent).token)
    calendar = Calendar.from_ical(response.content)
    assert (str(calendar["VERSION"]), str(calendar["PRODID"]), str(calendar["X-WR-CALNAME"])) == (
        "2.0",
        "-//Kartoteka//Activities//EN",
        f"Kartoteka: {agent}",
    )
    assert response["Cache-Control"] == "private, no-store"


def test_polish_text_with_commas_semicolons_and_newlines_survives(agent) -> None:
    # given
    text = "Zażółć gęślą jaźń, potem; cena:\n1 250,00 zł — ustalić \\ z szefem"
    call = call_recorded(
        agent,
        AccountFactory(name="Łódź, Żółw; S.A."),
        starts_at=at(7, 10),
        description=text,
        result="Zgoda, podpis; jutro",
    )
    # when
    response = fetch(feed_enable(user=agent).token)
    # then: escaped on the wire, the same text after parsing, no line over 75 octets
    assert "SUMMARY:Phone call — Łódź\\, Żółw\\; S.A.".encode() in response.content
    assert all(len(line) <= 75 for line in response.content.split(b"\r\n"))
    entry = entries(agent)[f"event-{call.pk}@127.0.0.1"]
    assert (entry["summary"], entry["description"]) == (
        "Phone call — Łódź, Żółw; S.A.",
        f"{text}\n\nResult: Zgoda, podpis; jutro",
    )


def test_open_tasks_are_events_at_their_due_time_and_done_ones_leave(agent) -> None:
    # given: a call planning the next call on 9 December at 10:00, and a done task
    account = AccountFactory(name="Alfa")
    call_recorded(agent, account, starts_at=at(7, 10), next_in=timedelta(days=2))
    done = task_create(
        by=agent,
        account=account,
        plan=NextTask(event_type=event_type(), due_at=at(8, 9), assignee=agent, note="Gotowe"),
    )
    call_recorded(agent, account, starts_at=at(8, 9), completes=done)
    open_task = agent.activity_tasks.get(state="open", planned_by_event__isnull=False)
    # when
    feed = entries(agent)
    # then
    assert feed[f"task-{open_task.pk}@127.0.0.1"] == {
        "start": "2026-12-09T09:00:00+00:00",
        "end": "2026-12-09T09:15:00+00:00",
        "summary": "To do: Phone call — Alfa",
        "url": f"http://127.0.0.1:8000/activities/tasks/{open_task.pk}/",
    }
    assert f"task-{done.pk}@127.0.0.1" not in feed


def test_my_confidential_events_are_in_my_feed_marked(agent) -> None:
    call = call_recorded(agent, AccountFactory(), starts_at=at(7, 10), confidential=True)
    assert entries(agent)[f"event-{call.pk}@127.0.0.1"]["class"] == "CONFIDENTIAL"


def test_events_i_take_part_in_are_in_my_feed_others_are_not(agent, supervisor, clerk) -> None:
    # given: the supervisor's call with me, and the clerk's confidential call without me
    with_me = call_recorded(supervisor, AccountFactory(), starts_at=at(7, 10), participants=[agent])
    call_recorded(clerk, AccountFactory(), starts_at=at(7, 11), confidential=True)
    call_recorded(clerk, AccountFactory(), starts_at=at(7, 12))
    # then
    assert list(entries(agent)) == [f"event-{with_me.pk}@127.0.0.1"]


def test_an_event_of_a_customer_hidden_from_me_stays_out_of_my_feed(agent, outsider) -> None:
    # given: I am named on a call with a restricted customer of another team
    hidden = AccountFactory(restricted=True, team=agent.team)
    call_recorded(agent, hidden, starts_at=at(7, 10), participants=[outsider])
    # then
    assert entries(outsider) == {}


def test_the_feed_spans_90_days_back_and_a_year_ahead(agent) -> None:
    # given
    account = AccountFactory()
    inside = [
        call_recorded(agent, account, starts_at=NOW - timedelta(days=89)),
        call_recorded(agent, account, starts_at=NOW + timedelta(days=364)),
    ]
    call_recorded(agent, account, starts_at=NOW - timedelta(days=91))
    call_recorded(agent, account, starts_at=NOW + timedelta(days=366))
    # then
    assert sorted(entries(agent)) == sorted(f"event-{e.pk}@127.0.0.1" for e in inside)


def test_the_feed_costs_the_same_queries_for_few_and_many_events(
    agent, django_assert_max_num_queries
) -> None:
    # given: 60 events and 30 tasks
    token = feed_enable(user=agent).token
    account = AccountFactory()
    for n in range(30):
        call_recorded(
            agent, account, starts_at=at(2, 8) + timedelta(hours=n), next_in=timedelta(days=1)
        )
    # then: the token, the events, the tasks
    with django_assert_max_num_queries(3):
        assert fetch(token).status_code == 200


def test_the_feed_is_in_the_users_language(agent) -> None:
    agent.language = "pl"
    agent.save(update_fields=["language"])
    call_recorded(agent, AccountFactory(name="Alfa"), starts_at=at(7, 10), result="Tak")
    entry = next(iter(entries(agent).values()))
    assert entry["description"].startswith("Wynik: ")


def test_a_session_is_not_needed_and_not_enough(agent, client) -> None:
    # A signed-in user without the token still gets 404 for a made-up one.
    feed_enable(user=agent)
    assert client_for(agent).get(reverse("activities:feed", args=["made-up"])).status_code == 404


def test_renewing_and_revoking_through_the_services(agent) -> None:
    feed_enable(user=agent)
    renewed = feed_renew(user=agent)
    feed_revoke(user=agent)
    assert (fetch(renewed.token).status_code, CalendarFeed.objects.count()) == (404, 0)


def test_long_polish_lines_fold_at_75_octets_between_characters() -> None:
    # given
    line = "DESCRIPTION:" + "żółć gęślą " * 20
    # when
    physical = ical_fold(line).split(b"\r\n")
    # then: short lines, each whole UTF-8, joining back to the line
    assert [len(part) <= 75 for part in physical] == [True] * len(physical)
    assert [part.startswith(b" ") for part in physical] == [False] + [True] * (len(physical) - 1)
    assert "".join(part.decode()[1 if n else 0 :] for n, part in enumerate(physical)) == line


def test_control_characters_are_dropped_from_text() -> None:
    assert ical_text("a\x00b\tc\r\nd\x1b") == "ab\tc\\nd"


# Invitations (iTIP REQUEST)


@pytest.fixture
def meeting_with_contacts(agent):
    account = AccountFactory(name="Alfa")
    anna = ContactFactory(account=account, first_name="Anna", last_name="Nowak")
    EmailAddressFactory(contact=anna, address="anna@alfa.example")
    jan = ContactFactory(account=account, first_name="Jan", last_name="Kowalski, jr.")
    EmailAddressFactory(contact=jan, address="jan@alfa.example")
    no_email = ContactFactory(account=account, first_name="Ewa", last_name="Bez")
    return event_record(
        by=agent,
        account=account,
        event_type=event_type("Meeting"),
        starts_at=at(7, 10),
        resource=ResourceFactory(name="Sala Wisła"),
        contacts=[anna, jan, no_email],
        description="Wewnętrzna notatka: rabat do 10%",
    )


def invite(user, event, **data: str):
    return client_for(user).post(reverse("activities:event-invite", args=[event.pk]), data)


def test_an_invitation_mails_the_contacts_an_itip_request(agent, meeting_with_contacts) -> None:
    # given
    make_mailbox(is_default=True)
    # when
    response = invite(agent, meeting_with_contacts, note="Zapraszamy; kawa, herbata.")
    # then: one queued message to the two contacts with an address, by surname
    assert (response.status_code, response["Location"]) == (
        302,
        meeting_with_contacts.get_absolute_url(),
    )
    message = Message.objects.get()
    assert (message.state, [entry["address"] for entry in message.to]) == (
        "queued",
        ["jan@alfa.example", "anna@alfa.example"],
    )
    raw = message_from_bytes(raw_read(message.raw_sha256), policy=policy.default)
    [part] = [part for part in raw.walk() if part.get_content_type() == "text/calendar"]
    assert (part.get_param("method"), part.get_filename()) == ("REQUEST", "invite.ics")
    calendar = Calendar.from_ical(part.get_payload(decode=True))
    [entry] = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "REQUEST"
    assert (
        str(entry["UID"]),
        entry.decoded("DTSTART").isoformat(),
        str(entry["LOCATION"]),
        str(entry["DESCRIPTION"]),
        str(entry["ORGANIZER"]),
    ) == (
        f"event-{meeting_with_contacts.pk}@127.0.0.1",
        "2026-12-07T09:00:00+00:00",
        "Sala Wisła",
        "Zapraszamy; kawa, herbata.",
        "mailto:pomoc@firma.example",
    )
    assert [
        (str(a), a.params["CN"], a.params["PARTSTAT"], a.params["RSVP"]) for a in entry["ATTENDEE"]
    ] == [
        ("mailto:jan@alfa.example", "Jan Kowalski, jr.", "NEEDS-ACTION", "TRUE"),
        ("mailto:anna@alfa.example", "Anna Nowak", "NEEDS-ACTION", "TRUE"),
    ]
    assert b"rabat" not in raw_read(message.raw_sha256)  # the internal note stays inside


def test_without_contacts_with_an_address_the_invitation_is_refused(agent) -> None:
    make_mailbox(is_default=True)
    call = call_recorded(agent, AccountFactory(), starts_at=at(7, 10))
    response = invite(agent, call)
    assert response.status_code == 400
    assert "Add the customer&#x27;s people taking part, with an email address, first." in (
        response.text
    )
    assert Message.objects.count() == 0


def test_a_past_meeting_is_not_invited_to(agent, meeting_with_contacts) -> None:
    make_mailbox(is_default=True)
    Event.objects.filter(pk=meeting_with_contacts.pk).update(
        starts_at=NOW - timedelta(hours=2), ends_at=NOW - timedelta(hours=1)
    )
    response = invite(agent, meeting_with_contacts)
    assert "The meeting is over; there is nothing to invite to." in response.text
    assert Message.objects.count() == 0


def test_without_a_mailbox_the_invitation_says_what_to_do(agent, meeting_with_contacts) -> None:
    response = invite(agent, meeting_with_contacts)
    assert response.status_code == 400
    assert "an administrator sets a default mailbox." in response.text


def test_the_invitation_page_lists_the_recipients(agent, meeting_with_contacts) -> None:
    make_mailbox(is_default=True)
    response = client_for(agent).get(
        reverse("activities:event-invite", args=[meeting_with_contacts.pk])
    )
    assert response.status_code == 200
    assert "Anna Nowak &lt;anna@alfa.example&gt;" in response.text
    assert "Sent from pomoc@firma.example." in response.text


def test_an_outsider_cannot_invite_to_a_hidden_meeting(agent, outsider) -> None:
    # given: a meeting with a restricted customer of the agent's team
    make_mailbox(is_default=True)
    account = AccountFactory(restricted=True, team=agent.team)
    contact = ContactFactory(account=account)
    EmailAddressFactory(contact=contact)
    meeting = event_record(
        by=agent,
        account=account,
        event_type=event_type("Meeting"),
        starts_at=at(7, 10),
        contacts=[contact],
    )
    # then
    assert invite(outsider, meeting).status_code == 404
    assert invite(outsider, meeting.__class__(pk=999999)).status_code == 404
    assert Message.objects.count() == 0


def test_sending_an_invitation_needs_the_csrf_token(agent, meeting_with_contacts) -> None:
    make_mailbox(is_default=True)
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    response = client.post(reverse("activities:event-invite", args=[meeting_with_contacts.pk]))
    assert response.status_code == 403
    assert Message.objects.count() == 0
