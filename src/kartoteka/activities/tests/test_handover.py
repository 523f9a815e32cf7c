"""Handing a leaving user's work to a successor: customers, open tasks and open threads move
in one step, past events keep their authors, and the successor sees the predecessor's
confidential events."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from kartoteka.activities.handover import handover_do
from kartoteka.activities.models import Event, Handover, Task, Thread
from kartoteka.activities.reminders import user_zone
from kartoteka.customers.models import Account
from kartoteka.testing.activities import call_recorded, pending_at
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory
from kartoteka.testing.people import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def leaver(support_team):
    return UserFactory(username="odchodzacy", team=support_team, can_work_with_cases=True)


@pytest.fixture
def heir(support_team):
    return UserFactory(username="nastepca", team=support_team, reminder_lead=timedelta(hours=2))


@pytest.fixture
def leavers_work(leaver):
    """Two customers the leaver manages, two open follow-ups (one in the future), an open
    thread without a task, a closed thread, and a confidential call."""
    now = timezone.now()
    first, second = AccountFactory(manager=leaver), AccountFactory(manager=leaver)
    soon = call_recorded(
        leaver, first, starts_at=now - timedelta(days=2), next_in=timedelta(days=5)
    )
    call_recorded(leaver, second, starts_at=now - timedelta(days=3), next_in=timedelta(days=1))
    call_recorded(leaver, second, starts_at=now - timedelta(days=1), description="Bez kroku")
    call_recorded(
        leaver,
        first,
        starts_at=now - timedelta(days=4),
        close_thread=True,
        confidential=True,
        description="Poufna",
    )
    return soon


def test_handover_moves_customers_open_tasks_and_open_threads(admin, leaver, heir, leavers_work):
    # when
    done = handover_do(by=admin, predecessor=leaver, successor=heir)

    # then
    assert (done.accounts_moved, done.tasks_moved, done.threads_moved) == (2, 2, 3)
    assert Account.objects.filter(manager=heir).count() == 2
    assert Task.objects.filter(assignee=heir, state=Task.State.OPEN).count() == 2
    assert Thread.objects.filter(owner=heir, state=Thread.State.OPEN).count() == 3
    assert Thread.objects.filter(owner=leaver).count() == 1  # the closed one
    leaver.refresh_from_db()
    assert leaver.successor == heir
    assert Handover.objects.get().done_by == admin


def test_past_events_keep_their_author(admin, leaver, heir, leavers_work):
    handover_do(by=admin, predecessor=leaver, successor=heir)
    assert set(Event.objects.values_list("author__username", flat=True)) == {"odchodzacy"}


def test_moved_tasks_are_reminded_with_the_successors_lead(admin, leaver, heir, leavers_work):
    # when
    handover_do(by=admin, predecessor=leaver, successor=heir)

    # then: two hours before each due time, and the future one not yet reminded
    for task in Task.objects.filter(state=Task.State.OPEN):
        assert task.remind_at == task.due_at - timedelta(hours=2)
    moved = Task.objects.get(planned_by_event=leavers_work)
    assert pending_at(moved) == moved.remind_at


def test_each_moved_account_gets_a_history_entry_by_whoever_handed_over(
    admin, leaver, heir, leavers_work
):
    # when
    handover_do(by=admin, predecessor=leaver, successor=heir)

    # then
    account = Account.objects.filter(manager=heir).first()
    latest = account.history.first()
    assert (latest.manager_id, latest.history_user_id) == (heir.pk, admin.pk)
    assert latest.history_change_reason == f"Handed over from {leaver} to {heir}."


def test_the_successor_now_sees_the_predecessors_confidential_events(
    admin, leaver, heir, leavers_work
):
    # given
    assert not Event.objects.visible_to(heir).filter(description="Poufna").exists()

    # when
    handover_do(by=admin, predecessor=leaver, successor=heir)

    # then
    assert Event.objects.visible_to(heir).filter(description="Poufna").count() == 1


def test_a_second_handover_passes_the_earlier_predecessors_on(admin, leaver, heir, support_team):
    # given: the leaver took over from an earlier one
    earlier = UserFactory(username="wczesniejszy", team=support_team)
    handover_do(by=admin, predecessor=earlier, successor=leaver)

    # when
    handover_do(by=admin, predecessor=leaver, successor=heir)

    # then
    earlier.refresh_from_db()
    assert earlier.successor == heir


def test_the_leavers_supervisor_may_hand_over(supervisor, leaver, heir, leavers_work):
    done = handover_do(by=supervisor, predecessor=leaver, successor=heir)
    assert done.tasks_moved == 2


@pytest.mark.parametrize("persona", ["agent", "outsider", "manager"])
def test_others_may_not_hand_over(request, persona, leaver, heir):
    with pytest.raises(PermissionDenied):
        handover_do(by=request.getfixturevalue(persona), predecessor=leaver, successor=heir)


def _refusal(by, predecessor, successor) -> str:
    with pytest.raises(ValidationError) as refused:
        handover_do(by=by, predecessor=predecessor, successor=successor)
    return refused.value.message_dict["successor"][0]


def test_refuses_handing_over_to_oneself(admin, leaver):
    assert _refusal(admin, leaver, leaver) == "A user cannot hand their work over to themselves."


def test_refuses_an_inactive_successor(admin, leaver):
    gone = UserFactory(username="nieaktywny", first_name="Jan", last_name="Nowak", is_active=False)
    assert _refusal(admin, leaver, gone) == "Jan Nowak is deactivated and cannot take over."


def test_refuses_a_portal_successor(admin, leaver, portal_user):
    assert _refusal(admin, leaver, portal_user) == (
        f"{portal_user} is a portal user and cannot take over."
    )


def test_refuses_a_loop(admin, leaver, heir):
    # given
    handover_do(by=admin, predecessor=heir, successor=leaver)

    # then
    assert _refusal(admin, leaver, heir) == (
        f"{heir}'s work already went to {leaver}: handing it back would make a loop."
    )
    # and nothing moved
    assert Handover.objects.count() == 1


# The pages


def test_user_page_links_to_the_handover(admin, leaver):
    response = client_for(admin).get(reverse("people:user-edit", args=[leaver.pk]))
    assert reverse("activities:handover", args=[leaver.pk]) in response.text


def test_handover_page_states_what_moves_and_hands_over(admin, leaver, heir, leavers_work):
    # given
    url = reverse("activities:handover", args=[leaver.pk])
    client = client_for(admin)

    # when
    page = client.get(url)
    response = client.post(url, {"successor": heir.pk}, follow=True)

    # then
    assert "2 customers managed" in page.text
    assert "2 open tasks" in page.text
    assert "3 open threads" in page.text
    assert f'<option value="{leaver.pk}"' not in page.text
    assert response.redirect_chain == [(reverse("activities:handover-list"), 302)]
    assert (
        f"{leaver}&#x27;s work went to {heir}. Customers: 2, open tasks: 2, open threads: 3."
        in response.text
    )
    assert Handover.objects.get().successor == heir


@pytest.mark.parametrize(
    ("successor", "message"),
    [
        ("leaver", "A user cannot hand their work over to themselves."),
        ("999999", "Select a valid choice. That choice is not one of the available choices."),
        ("abc", "Select a valid choice. That choice is not one of the available choices."),
        ("", "This field is required."),
    ],
)
def test_bad_successor_says_why(admin, leaver, successor, message):
    value = str(leaver.pk) if successor == "leaver" else successor
    response = client_for(admin).post(
        reverse("activities:handover", args=[leaver.pk]), {"successor": value}
    )
    assert response.status_code == 400
    assert message in response.text
    assert Handover.objects.count() == 0


@pytest.mark.parametrize("persona", ["agent", "outsider", "manager", "portal_user"])
def test_others_get_404(request, persona, leaver, heir):
    client = client_for(request.getfixturevalue(persona))
    url = reverse("activities:handover", args=[leaver.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"successor": heir.pk}).status_code == 404
    assert client.get(reverse("activities:handover-list")).status_code == 404
    assert Handover.objects.count() == 0


def test_unknown_user_is_404(admin):
    assert client_for(admin).get(reverse("activities:handover", args=[999999])).status_code == 404


def test_handover_needs_csrf(admin, leaver, heir):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    response = client.post(reverse("activities:handover", args=[leaver.pk]), {"successor": heir.pk})
    assert response.status_code == 403


def test_history_lists_handovers_newest_first(admin, supervisor, leaver, heir, outsider):
    # given: one of the supervisor's team, one of another team
    handover_do(by=admin, predecessor=leaver, successor=heir)
    other = UserFactory(username="handlowiec", team=outsider.team)
    handover_do(by=admin, predecessor=other, successor=outsider)

    # when
    for_admin = client_for(admin).get(reverse("activities:handover-list"))
    for_supervisor = client_for(supervisor).get(reverse("activities:handover-list"))

    # then
    assert [row.predecessor for row in for_admin.context["page_obj"]] == [other, leaver]
    assert [row.predecessor for row in for_supervisor.context["page_obj"]] == [leaver]


@pytest.mark.parametrize("rows", [2, 8])
def test_history_query_count_does_not_grow_with_rows(admin, rows, django_assert_num_queries):
    # given
    for n in range(rows):
        handover_do(
            by=admin,
            predecessor=UserFactory(username=f"p{n}"),
            successor=UserFactory(username=f"s{n}"),
        )
    client = client_for(admin)

    # when / then: session, user, triage count, bell, count, page
    with django_assert_num_queries(6):
        response = client.get(reverse("activities:handover-list"))
    assert len(response.context["page_obj"].object_list) == rows


def test_moved_tasks_are_reminded_in_the_morning_when_the_successor_wants(
    admin, leaver, heir, leavers_work
):
    heir.reminder_in_the_morning = True
    heir.save(update_fields=["reminder_in_the_morning"])
    handover_do(by=admin, predecessor=leaver, successor=heir)
    moved = Task.objects.get(planned_by_event=leavers_work)
    due_day = timezone.localtime(moved.due_at, user_zone(heir)).date()
    morning = datetime.combine(due_day, time(9), tzinfo=user_zone(heir))
    assert moved.remind_at == min(morning, moved.due_at)
    assert pending_at(moved) == moved.remind_at
