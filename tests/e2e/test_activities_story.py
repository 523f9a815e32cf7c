"""Activities in a real browser: an agent logs a call on a customer and plans "call in 2 days",
finds the task on "My work", hears of it under the bell when its time comes (the reminder job
run with the clock two days on), records the follow-up call from the reminder and closes the
thread; then books a room for a meeting and sees a second booking of that hour refused."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from kartoteka.activities.models import Event, Task, Thread
from kartoteka.notifications.task_reminders import task_reminders_send
from kartoteka.people.models import User
from kartoteka.testing.activities import ResourceFactory
from kartoteka.testing.browser import log_in
from kartoteka.testing.customers import AccountFactory, ContactFactory

pytestmark = pytest.mark.browser


def test_a_call_plans_the_next_one_which_is_reminded_done_and_closes_the_thread(
    page: Page, agent: User
) -> None:
    # given: a customer with a contact
    account = AccountFactory(name="Kolibri Sp. z o.o.")
    ContactFactory(account=account, first_name="Anna", last_name="Nowak")
    log_in(page, "agent")

    # when: the agent logs a call from the customer file and plans a call in 2 days
    page.goto(account.get_absolute_url())
    page.get_by_role("link", name="Log a call").click()
    page.fill("#id_description", "Omówienie oferty na drukarki.")
    page.fill("#id_result", "Klientka przeczyta ofertę do czwartku.")
    page.check("input[name=next_step][value=plan]")
    page.select_option("#id_next_due_quick", "in_2_days")
    page.get_by_role("button", name="Record event").click()

    # then: the thread is open, with the call and its planned task
    expect(page).to_have_url(re.compile(r"/activities/threads/\d+/"))
    expect(page.get_by_text("Klientka przeczyta ofertę do czwartku.")).to_be_visible()
    task = Task.objects.get()
    assert task.due_at - Event.objects.get().starts_at == timedelta(days=2)

    # and: the task waits on "My work"
    page.goto(reverse("desk:my-work"))
    expect(page.locator("main").get_by_text("Kolibri Sp. z o.o.").first).to_be_visible()

    # when: two days later the reminder job runs
    task_reminders_send(now=task.due_at)
    page.goto(reverse("desk:my-work"))

    # then: the bell tells the agent, and its entry leads to the task
    expect(page.locator("#notification-bell .bell-count")).to_have_text("1")
    page.locator("#notification-bell").click()
    page.get_by_role("link", name=re.compile("Kolibri")).first.click()
    expect(page).to_have_url(re.compile(rf"/activities/tasks/{task.pk}/"))

    # when: the follow-up call is recorded from the task, closing the thread
    page.get_by_role("link", name="Done: record its event").click()
    page.fill("#id_result", "Zamawiają 12 drukarek, umowa w przyszłym tygodniu.")
    page.check("input[name=next_step][value=close]")
    page.fill("#id_close_reason", "Zamówienie przyjęte.")
    page.get_by_role("button", name="Record event").click()

    # then: the thread holds both calls and is closed; the task is done
    expect(page.get_by_text("Zamawiają 12 drukarek, umowa w przyszłym tygodniu.")).to_be_visible()
    thread = Thread.objects.get()
    task.refresh_from_db()
    assert (thread.state, thread.close_reason, thread.events.count()) == (
        "closed",
        "Zamówienie przyjęte.",
        2,
    )
    assert task.state == "done"


def test_a_room_booked_for_an_hour_is_refused_to_a_second_meeting(page: Page, agent: User) -> None:
    # given: a customer and a meeting room
    account = AccountFactory(name="Drukpol S.A.")
    room = ResourceFactory(name="Sala Wisła")
    tomorrow = timezone.localdate() + timedelta(days=1)
    log_in(page, "agent")

    def meeting_at_ten() -> None:
        page.goto(account.get_absolute_url())
        page.get_by_role("link", name="Meeting", exact=True).click()
        page.fill("#id_starts_at_0", tomorrow.isoformat())
        page.fill("#id_starts_at_1", "10:00")
        page.select_option("#id_resource", str(room.pk))
        page.check("input[name=next_step][value=open]")
        page.get_by_role("button", name="Record event").click()

    # when: the room is booked for a meeting at ten
    meeting_at_ten()
    expect(page).to_have_url(re.compile(r"/activities/threads/\d+/"))

    # and: a second meeting at the same hour asks for the same room
    meeting_at_ten()

    # then: it is refused, naming the booking in the way, and nothing more is stored
    expect(
        page.get_by_text(re.compile(r"Sala Wisła is already booked on .* from 10:00"))
    ).to_be_visible()
    assert Event.objects.filter(resource=room).count() == 1
