"""Recording events: threads continued, started and closed; tasks planned and done; what does
not belong to the customer refused; a resource never held twice."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from kartoteka.activities.models import Task, Thread
from kartoteka.activities.services import NextTask, event_record, task_create, thread_close
from kartoteka.testing.activities import ResourceFactory, at, call_recorded, event_type
from kartoteka.testing.cases import make_case
from kartoteka.testing.customers import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_a_call_starts_a_thread_and_plans_the_next_call_with_its_reminder(agent) -> None:
    # given
    account = AccountFactory()
    agent.reminder_lead = timedelta(minutes=30)
    # when
    call = call_recorded(agent, account, starts_at=at(7, 10), next_in=timedelta(days=2))
    # then
    task = Task.objects.get()
    assert (call.thread.state, call.thread.owner, call.thread.title) == (
        "open",
        agent,
        "Phone call 2026-12-07",
    )
    assert call.ends_at == at(7, 10, 15)  # the type's default duration
    assert (task.thread, task.planned_by_event, task.assignee) == (call.thread, call, agent)
    assert (task.due_at, task.remind_at) == (at(9, 10), at(9, 9, 30))


def test_doing_the_task_continues_its_thread_and_plans_the_next_one(agent) -> None:
    # given
    account = AccountFactory()
    first = call_recorded(agent, account, starts_at=at(7, 10), next_in=timedelta(days=2))
    task = Task.objects.get()
    # when
    second = event_record(
        by=agent,
        account=account,
        event_type=event_type(),
        starts_at=at(9, 10),
        result="Read the offer, wants a meeting.",
        completes=task,
        next_task=NextTask(event_type=event_type("Meeting"), due_at=at(14, 9), assignee=agent),
    )
    # then
    task.refresh_from_db()
    assert second.thread == first.thread
    assert (task.state, task.done_event) == ("done", second)
    assert list(Task.objects.filter(state="open").values_list("event_type__name", "due_at")) == [
        ("Meeting", at(14, 9))
    ]


def test_an_event_without_a_next_task_can_close_the_thread(agent) -> None:
    # given
    account = AccountFactory()
    call = call_recorded(agent, account, starts_at=at(7, 10), next_in=timedelta(days=2))
    other_task = task_create(
        by=agent,
        account=account,
        thread=call.thread,
        plan=NextTask(event_type=event_type("Meeting"), due_at=at(20, 9), assignee=agent),
    )
    # when
    event_record(
        by=agent,
        account=account,
        event_type=event_type("Contract signed"),
        starts_at=at(8, 12),
        thread=call.thread,
        close_thread=True,
        close_reason="Signed.",
    )
    # then: the contact has ended, and nothing is left planned in it
    thread = Thread.objects.get()
    assert (thread.state, thread.closed_by, thread.close_reason) == ("closed", agent, "Signed.")
    assert set(Task.objects.values_list("state", flat=True)) == {"cancelled"}
    other_task.refresh_from_db()
    assert other_task.closed_at is not None


def test_a_closed_thread_takes_no_more_events(agent) -> None:
    account = AccountFactory()
    call = call_recorded(agent, account, starts_at=at(7, 10))
    thread_close(by=agent, thread=call.thread, reason="No interest.")
    with pytest.raises(ValidationError) as refused:
        call_recorded(agent, account, starts_at=at(8, 10), thread=call.thread)
    assert refused.value.message_dict == {
        "thread": ["That thread is closed or not this customer's. Start a new one."]
    }


def test_closing_explicitly_needs_a_reason(agent) -> None:
    call = call_recorded(agent, AccountFactory(), starts_at=at(7, 10))
    with pytest.raises(ValidationError) as refused:
        thread_close(by=agent, thread=call.thread, reason="  ")
    assert refused.value.message_dict == {"close_reason": ["Say why the thread ends."]}


def test_planning_and_closing_at_once_is_refused(agent) -> None:
    account = AccountFactory()
    with pytest.raises(ValidationError) as refused:
        call_recorded(
            agent, account, starts_at=at(7, 10), next_in=timedelta(days=1), close_thread=True
        )
    assert refused.value.message_dict == {
        "close_thread": ["Either plan a next task or close the thread, not both."]
    }
    assert Thread.objects.count() == 0


def test_another_customers_contact_case_and_thread_are_refused_together(agent) -> None:
    # given
    account, other = AccountFactory(), AccountFactory()
    others_call = call_recorded(agent, other, starts_at=at(7, 9))
    # when
    with pytest.raises(ValidationError) as refused:
        call_recorded(
            agent,
            account,
            starts_at=at(7, 10),
            contacts=[ContactFactory(account=other)],
            case=make_case(account=other),
            thread=others_call.thread,
        )
    # then
    assert set(refused.value.message_dict) == {"contacts", "case", "thread"}


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (Decimal("12.345"), "An amount has at most two decimal places."),
        (Decimal("-1"), "Enter an amount between 0 and 999 999 999 999.99."),
        (Decimal("1e15"), "Enter an amount between 0 and 999 999 999 999.99."),
    ],
)
def test_amounts_are_exact_money(agent, amount, message) -> None:
    with pytest.raises(ValidationError) as refused:
        call_recorded(agent, AccountFactory(), starts_at=at(7, 10), amount=amount)
    assert refused.value.message_dict == {"amount": [message]}


def test_an_amount_is_stored_to_the_grosz(agent) -> None:
    call = call_recorded(agent, AccountFactory(), starts_at=at(7, 10), amount=Decimal("1250.5"))
    call.refresh_from_db()
    assert (call.amount, call.currency) == (Decimal("1250.50"), "PLN")


def test_a_task_due_before_its_event_is_refused(agent) -> None:
    with pytest.raises(ValidationError) as refused:
        call_recorded(agent, AccountFactory(), starts_at=at(7, 10), next_in=timedelta(days=-1))
    assert refused.value.message_dict == {
        "next_task": ["The next task is due before this event starts."]
    }


def test_an_event_lasts_at_most_31_days(agent) -> None:
    account = AccountFactory()
    fair = event_record(
        by=agent, account=account, event_type=event_type("Meeting"), starts_at=at(1, 8),
        ends_at=at(1, 8) + timedelta(days=31),
    )  # fmt: skip
    assert fair.ends_at - fair.starts_at == timedelta(days=31)
    with pytest.raises(ValidationError) as refused:
        event_record(
            by=agent, account=account, event_type=event_type("Meeting"), starts_at=at(1, 8),
            ends_at=at(1, 8) + timedelta(days=31, minutes=1),
        )  # fmt: skip
    assert refused.value.message_dict == {"ends_at": ["An event lasts at most 31 days."]}


def test_a_room_booked_for_a_month_clashes_with_a_meeting_on_its_last_day(agent) -> None:
    room = ResourceFactory(name="Sala Wisła")
    meeting = event_type("Meeting")
    account = AccountFactory()
    event_record(
        by=agent, account=account, event_type=meeting, starts_at=at(1, 8),
        ends_at=at(1, 8) + timedelta(days=31), resource=room,
    )  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        event_record(
            by=agent, account=account, event_type=meeting,
            starts_at=at(1, 8) + timedelta(days=30, hours=23), resource=room,
        )  # fmt: skip
    assert list(refused.value.message_dict) == ["resource"]


def test_a_room_is_not_booked_twice_and_the_clash_is_named(agent, supervisor) -> None:
    # given: the room is taken 10:00-11:00
    room = ResourceFactory(name="Sala Wisła")
    meeting = event_type("Meeting")
    account = AccountFactory()
    event_record(
        by=supervisor, account=account, event_type=meeting, starts_at=at(7, 10), resource=room
    )
    # when: another meeting wants 10:30-11:30
    with pytest.raises(ValidationError) as refused:
        event_record(
            by=agent, account=account, event_type=meeting, starts_at=at(7, 10, 30), resource=room
        )
    # then
    assert refused.value.message_dict == {
        "resource": [
            f"Sala Wisła is already booked on 12/07/2026 from 10:00 to 11:00 by {supervisor}. "
            "Choose another time or resource."
        ]
    }


def test_a_booking_may_start_when_the_previous_one_ends(agent) -> None:
    room = ResourceFactory()
    meeting = event_type("Meeting")
    account = AccountFactory()
    event_record(by=agent, account=account, event_type=meeting, starts_at=at(7, 10), resource=room)
    later = event_record(
        by=agent, account=account, event_type=meeting, starts_at=at(7, 11), resource=room
    )
    assert later.resource == room


def test_a_resource_out_of_use_is_refused(agent) -> None:
    room = ResourceFactory(active=False, name="Stara sala")
    with pytest.raises(ValidationError) as refused:
        call_recorded(agent, AccountFactory(), starts_at=at(7, 10), resource=room)
    assert refused.value.message_dict == {"resource": ["Stara sala is no longer in use."]}
