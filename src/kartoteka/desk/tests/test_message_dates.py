"""The conversation and the case tree show one moment per message: when we received (or sent)
it, with the sender's Date on hover; a fast clock is never "in 2 minutes"."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from kartoteka.mail.models import Message
from kartoteka.testing.cases import make_case
from kartoteka.testing.clients import client_for
from kartoteka.testing.mail.sending import add_message

pytestmark = pytest.mark.django_db

TIME = re.compile(r'<time datetime="([^"]+)" title="([^"]+)">([^<]+)</time>')


def render(text: str, **context: object) -> str:
    return Template("{% load case_tags %}" + text).render(Context(context))


def page_of(case, user) -> str:
    return client_for(user).get(reverse("desk:case-detail", args=[case.number])).text


def card_and_tree_times(page: str, message: Message) -> tuple[tuple[str, ...], tuple[str, ...]]:
    card = page[page.index(f'id="message-{message.pk}"') :]
    card_time = TIME.search(card[card.index("message-date") :]).groups()
    tree = page[page.index(f'href="#message-{message.pk}"') :]
    tree_time = TIME.search(tree[tree.index("tree-when") :]).groups()
    return card_time, tree_time


def test_a_fast_senders_clock_shows_when_we_received_it(agent) -> None:
    # given: the sender's clock runs two minutes fast, its Date is in our future
    case = make_case()
    now = timezone.now()
    message = add_message(case, date=now + dt.timedelta(minutes=2))
    # when
    page = page_of(case, agent)
    # then
    card_time, tree_time = card_and_tree_times(page, message)
    assert card_time == tree_time
    assert card_time[0] == timezone.localtime(message.created_at).isoformat()
    assert card_time[2] == "now" or card_time[2].endswith(" ago")  # a slow test machine
    assert "Received: " in card_time[1]
    assert "Sender&#x27;s date: " in card_time[1] or "Sender's date: " in card_time[1]
    assert "from now" not in page


def test_an_old_message_shows_its_received_time_not_its_date_header(agent) -> None:
    # given: written a day before it reached us
    case = make_case()
    message = add_message(case, date=timezone.now() - dt.timedelta(days=3))
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    message.refresh_from_db()
    # when
    card_time, tree_time = card_and_tree_times(page_of(case, agent), message)
    # then
    assert card_time == tree_time
    assert card_time[0] == timezone.localtime(message.created_at).isoformat()


def test_a_sent_message_shows_when_the_server_took_it(agent) -> None:
    # given
    case = make_case()
    sent_at = timezone.now() - dt.timedelta(days=1)
    message = add_message(case, direction=Message.Direction.OUTBOUND, sent_at=sent_at, date=sent_at)
    # when
    card_time, tree_time = card_and_tree_times(page_of(case, agent), message)
    # then
    assert card_time == tree_time
    assert card_time[0] == timezone.localtime(sent_at).isoformat()
    assert card_time[1].startswith("Sent: ")


def test_a_message_not_sent_yet_shows_when_it_was_written() -> None:
    message = Message(direction=Message.Direction.OUTBOUND, created_at=timezone.now(), sent_at=None)
    assert message.received_at == message.created_at


def test_the_hover_is_in_the_users_language_and_zone() -> None:
    # given
    received = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    message = Message(
        direction=Message.Direction.INBOUND,
        created_at=received,
        date=received - dt.timedelta(hours=1),
    )
    # when
    with translation.override("pl"), timezone.override("Europe/Warsaw"):
        html = render("{{ message|message_moment }}", message=message)
    # then
    datetime_attr, title, _shown = TIME.search(html).groups()
    assert datetime_attr == "2026-03-02T10:00:00+01:00"
    assert "10:00" in title
    assert "09:00" in title
    assert "Received" not in title


@pytest.mark.parametrize("ahead", [dt.timedelta(seconds=30), dt.timedelta(hours=5)])
def test_moment_never_shows_a_future_time_as_to_come(ahead) -> None:
    with translation.override("en"):
        html = render("{{ value|moment }}", value=timezone.now() + ahead)
    assert TIME.search(html).group(3) == "now"


def test_a_message_without_a_date_header_shows_only_when_received() -> None:
    message = Message(direction=Message.Direction.INBOUND, created_at=timezone.now(), date=None)
    with translation.override("en"):
        html = render("{{ message|message_moment }}", message=message)
    assert "Sender" not in html
    assert TIME.search(html).group(2).startswith("Received: ")


def test_the_print_view_dates_a_message_when_it_was_received(agent) -> None:
    # given: the sender's Date says a day earlier than it reached us
    case = make_case()
    received = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    message = add_message(case, date=received - dt.timedelta(days=1))
    Message.objects.filter(pk=message.pk).update(created_at=received)
    agent.language = "en"
    agent.save(update_fields=["language"])
    # when
    page = client_for(agent).get(reverse("desk:case-print", args=[case.number])).text
    # then
    with translation.override("en"):
        shown = date_format(timezone.localtime(received), "DATETIME_FORMAT")
        written = date_format(timezone.localtime(message.date), "DATETIME_FORMAT")
    assert f"<dd>{shown}" in page
    assert written not in page
