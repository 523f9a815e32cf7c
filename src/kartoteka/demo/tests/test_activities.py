from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from kartoteka.activities.models import Event, EventType, Handover, Resource, Task, Thread
from kartoteka.activities.selectors import threads_without_next_step
from kartoteka.activities.services import event_record
from kartoteka.customers.models import Account
from kartoteka.demo.activities import CAR, ROOM_ODRA, ROOM_WISLA
from kartoteka.demo.services import demo_load
from kartoteka.people.models import User

pytestmark = pytest.mark.django_db


def load() -> dict[str, User]:
    demo_load(accounts=20, contacts=40, cases=10)
    return {user.username: user for user in User.objects.all()}


def test_the_sales_team_has_open_threads_and_one_closed_by_a_signed_contract() -> None:
    # when
    load()
    # then
    closed = Thread.objects.get(state=Thread.State.CLOSED)
    assert closed.title == "Terminale płatnicze dla sieci sklepów"
    assert closed.close_reason == "Umowa podpisana"
    assert closed.owner.username == "zofia"
    steps = list(closed.events.order_by("starts_at").values_list("event_type__name", flat=True))
    assert steps == ["Phone call", "Offer sent", "Phone call", "Meeting", "Contract signed"]
    assert closed.events.get(event_type__name="Contract signed").amount == Decimal("11610.00")
    assert not closed.tasks.filter(state=Task.State.OPEN).exists()
    assert Thread.objects.filter(state=Thread.State.OPEN).count() == 11


def test_offers_carry_amounts_in_pln_and_products() -> None:
    # when
    load()
    # then
    offers = Event.objects.filter(event_type__name="Offer sent").order_by("starts_at")
    assert offers.count() == 4
    for offer in offers:
        assert isinstance(offer.amount, Decimal)
        assert offer.amount > 0
        assert offer.currency == "PLN"
        assert offer.products.exists()
    warehouse = offers.get(thread__title="Wdrożenie systemu magazynowego")
    assert warehouse.amount == Decimal("16800.00")
    assert sorted(warehouse.products.values_list("code", flat=True)) == [
        "ERP-MAG-12",
        "WDR-MAG-40",
    ]


def test_tasks_are_overdue_and_upcoming_relative_to_the_moment_of_loading() -> None:
    # given
    now = timezone.now()
    # when
    people = load()
    # then
    open_tasks = Task.objects.filter(state=Task.State.OPEN)
    overdue = open_tasks.get(assignee=people["tomasz"], due_at__lt=now - timedelta(days=2))
    assert overdue.thread.title == "Drukarki etykiet do magazynu"
    assert overdue.note == "Zapytać, czy oferta dotarła."
    assert open_tasks.filter(due_at__gt=now + timedelta(hours=12)).count() >= 6
    # the printed agent login has a call back on a case tomorrow and an overdue call
    agent_tasks = open_tasks.filter(assignee=people["agent"]).order_by("due_at")
    assert [task.due_at < now for task in agent_tasks] == [True, False]
    assert agent_tasks[1].case is not None
    assert agent_tasks[1].case.account_id == agent_tasks[1].account_id
    # a thread was left without a next step
    assert [t.title for t in threads_without_next_step(people["bartek"])] == [
        "Modernizacja punktów sprzedaży"
    ]


def test_rooms_car_and_projector_are_booked_and_never_twice_at_once() -> None:
    # when
    people = load()
    # then
    bookings = list(Event.objects.filter(resource__isnull=False).order_by("starts_at"))
    held = {(event.resource.name, event.starts_at, event.ends_at) for event in bookings}
    assert {name for name, _start, _end in held} == {ROOM_WISLA, ROOM_ODRA, CAR, "Projektor"}
    for one in bookings:
        for other in bookings:
            if one.pk != other.pk and one.resource_id == other.resource_id:
                assert one.ends_at <= other.starts_at or other.ends_at <= one.starts_at
    # tomorrow's meeting in "Wisła" is followed right away by another one there
    wisla = [event for event in bookings if event.resource.name == ROOM_WISLA]
    assert len(wisla) == 2
    assert wisla[0].ends_at == wisla[1].starts_at
    assert wisla[0].starts_at > timezone.now()
    # and a third booking of the same hour is refused, naming the clash
    with pytest.raises(ValidationError) as refused:
        event_record(
            by=people["tomasz"],
            account=wisla[0].account,
            event_type=EventType.objects.get(name="Meeting"),
            starts_at=wisla[0].starts_at + timedelta(minutes=30),
            resource=Resource.objects.get(name=ROOM_WISLA),
        )
    assert "is already booked" in refused.value.message_dict["resource"][0]


def test_the_confidential_note_is_seen_by_its_author_and_the_supervisor_only() -> None:
    # when
    people = load()
    # then
    secret = Event.objects.get(confidential=True)
    assert secret.author.username == "bartek"
    assert secret.amount == Decimal("38500.00")
    seen = {
        name: Event.objects.visible_to(people[name]).filter(pk=secret.pk).exists()
        for name in ("bartek", "tomasz", "admin", "zofia", "agent")
    }
    assert seen == {"bartek": True, "tomasz": True, "admin": True, "zofia": False, "agent": False}


def test_jan_who_left_handed_his_work_to_zofia_and_his_events_stay_his() -> None:
    # when
    people = load()
    # then
    jan, zofia = people["jan"], people["zofia"]
    handover = Handover.objects.get()
    assert (handover.predecessor, handover.successor, handover.done_by) == (
        jan,
        zofia,
        people["tomasz"],
    )
    assert (handover.accounts_moved, handover.tasks_moved, handover.threads_moved) == (2, 2, 2)
    assert jan.is_active is False
    assert jan.successor == zofia
    assert not Account.objects.filter(manager=jan).exists()
    assert not Task.objects.filter(assignee=jan, state=Task.State.OPEN).exists()
    assert not Thread.objects.filter(owner=jan, state=Thread.State.OPEN).exists()
    his = Event.objects.filter(author=jan)
    assert his.count() == 2
    assert set(his.values_list("thread__owner__username", flat=True)) == {"zofia"}
    assert Event.objects.visible_to(zofia).filter(author=jan).count() == 2


def test_a_rerun_adds_no_activities() -> None:
    # given
    load()
    counts = (Thread.objects.count(), Event.objects.count(), Task.objects.count())
    # when
    load()
    # then
    assert (Thread.objects.count(), Event.objects.count(), Task.objects.count()) == counts
    assert counts == (12, 21, 19)


def test_the_agent_s_service_visit_has_a_type_named_in_each_language() -> None:
    load()
    visit = Event.objects.select_related("event_type").get(event_type__name="Wizyta serwisowa")
    with translation.override("cs"):
        assert str(visit.event_type) == "Servisní návštěva"
    with translation.override("pl"):
        assert str(visit.event_type) == "Wizyta serwisowa"
    assert (visit.author.username, visit.resource.name) == ("agent", CAR)
