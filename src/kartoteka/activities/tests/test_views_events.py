"""Recording events from the pages: the form's defaults, the next task planned, another
customer's ids refused, a room never booked twice, one event however often the form is posted;
the event's page; the buttons on the customer file, the contact and the case."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kartoteka.activities.models import Event, Task, Thread
from kartoteka.activities.services import event_record
from kartoteka.core.models import Dictionary, DictionaryEntry
from kartoteka.customers.models import Account
from kartoteka.documents.models import DocumentType
from kartoteka.documents.services import document_create
from kartoteka.testing.activities import ResourceFactory, at, call_recorded, event_type
from kartoteka.testing.cases import make_case
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

CREATE = reverse("activities:event-create")


@pytest.fixture
def account(db: None) -> Account:
    return AccountFactory(name="Drukpol")


@pytest.fixture
def restricted_account(support_team, supervisor) -> Account:
    return AccountFactory(name="Tajna Sp. z o.o.", restricted=True, team=support_team)


def form_data(agent, **changes: object) -> dict[str, object]:
    """A call on 7 December 2026 at 10:00 that plans nothing and leaves its thread open."""
    data: dict[str, object] = {
        "event_type": event_type().pk,
        "starts_at_0": "2026-12-07",
        "starts_at_1": "10:00",
        "description": "Zapytanie o toner",
        "result": "Wyślemy ofertę.",
        "currency": "PLN",
        "next_step": "open",
        "next_assignee": agent.pk,
    }
    return data | changes


def a_document(by, account, title: str = "Oferta 12/2026", **data: object):
    return document_create(
        by=by,
        account=account,
        document_type=DocumentType.objects.get(name="Offer"),
        title=title,
        files=[SimpleUploadedFile("oferta.txt", b"Oferta")],
        **data,
    )


def test_a_call_from_the_customer_file_plans_the_call_in_two_days(agent, account) -> None:
    # given
    contact = ContactFactory(account=account, first_name="Anna", last_name="Nowak")
    url = f"{CREATE}?account={account.pk}&contact={contact.pk}&kind=call"
    # when
    response = client_for(agent).post(
        url,
        form_data(
            agent,
            contacts=[contact.pk],
            next_step="plan",
            next_type=event_type().pk,
            next_due_quick="in_2_days",
            next_note="Czy przeczytali ofertę?",
            amount="1250.50",
        ),
    )
    # then
    event = Event.objects.get()
    task = Task.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("activities:thread", args=[event.thread_id])
    assert (event.account, event.author, event.starts_at, event.ends_at) == (
        account,
        agent,
        at(7, 10),
        at(7, 10, 15),
    )
    assert list(event.contacts.all()) == [contact]
    assert (event.amount, event.currency) == (Decimal("1250.50"), "PLN")
    assert (task.due_at, task.assignee, task.thread, task.note) == (
        at(9, 10),
        agent,
        event.thread,
        "Czy przeczytali ofertę?",
    )
    assert task.planned_by_event == event


def test_the_form_starts_with_the_kind_the_contact_and_the_types_follow_up(agent, account) -> None:
    # given
    contact = ContactFactory(account=account)
    # when
    response = client_for(agent).get(f"{CREATE}?account={account.pk}&contact={contact.pk}")
    offer = client_for(agent).get(f"{CREATE}?account={account.pk}&kind=meeting")
    # then: the first active type, which plans a call in 2 days, for me
    form = response.context["form"]
    start = form.initial["starts_at"]
    assert response.status_code == 200
    assert (form.initial["event_type"], form.initial["contacts"]) == (event_type().pk, [contact.pk])
    assert (form.initial["next_step"], form.initial["next_type"]) == ("plan", event_type().pk)
    assert form.initial["next_due"] == start + timedelta(days=2)
    assert form.initial["next_assignee"] == agent.pk
    assert abs(timezone.now() - start) < timedelta(minutes=1)
    assert offer.context["form"].initial["event_type"] == event_type("Meeting").pk
    assert offer.context["form"].initial["next_due"] == start + timedelta(days=7)


def test_a_type_that_plans_nothing_leaves_the_thread_open_by_default(agent, account) -> None:
    response = client_for(agent).get(f"{CREATE}?account={account.pk}&kind=sms")
    form = response.context["form"]
    assert (form.initial["event_type"], form.initial["next_step"]) == (
        event_type("Text message").pk,
        "open",
    )


def test_planning_without_a_due_time_takes_the_types_usual_delay(agent, account) -> None:
    client_for(agent).post(
        f"{CREATE}?account={account.pk}",
        form_data(agent, event_type=event_type("Offer sent").pk, next_step="plan"),
    )
    task = Task.objects.get()
    assert (task.event_type, task.due_at) == (event_type(), at(9, 10))


def test_a_typed_due_time_and_a_reminder_lead_are_kept(agent, account) -> None:
    client_for(agent).post(
        f"{CREATE}?account={account.pk}",
        form_data(
            agent,
            next_step="plan",
            next_due_0="2026-12-10",
            next_due_1="09:30",
            next_remind_before="60",
        ),
    )
    task = Task.objects.get()
    assert (task.due_at, task.remind_at) == (at(10, 9, 30), at(10, 8, 30))


def test_an_event_continues_an_open_thread_and_may_close_it(agent, account) -> None:
    # given
    first = call_recorded(agent, account, starts_at=at(6, 10))
    # when
    response = client_for(agent).post(
        f"{CREATE}?account={account.pk}",
        form_data(
            agent, thread=first.thread_id, next_step="close", close_reason="Podpisali umowę."
        ),
    )
    # then
    thread = Thread.objects.get()
    assert response.status_code == 302
    assert thread.events.count() == 2
    assert (thread.state, thread.close_reason, thread.closed_by) == (
        "closed",
        "Podpisali umowę.",
        agent,
    )


def test_a_new_thread_takes_the_title_given(agent, account) -> None:
    client_for(agent).post(
        f"{CREATE}?account={account.pk}", form_data(agent, thread_title="Drukarki 2027")
    )
    assert list(Thread.objects.values_list("title", "state")) == [("Drukarki 2027", "open")]


def test_attachments_classifications_and_a_case_of_this_customer_are_stored(agent, account) -> None:
    # given
    document = a_document(agent, account)
    case = make_case(by=agent, account=account)
    source = Dictionary.objects.create(name="Źródło", applies_to="event")
    phone = DictionaryEntry.objects.create(dictionary=source, label="Telefon przychodzący")
    # when
    response = client_for(agent).post(
        f"{CREATE}?account={account.pk}&case={case.pk}",
        form_data(
            agent, documents=[document.pk], case=case.pk, **{f"dictionary_{source.pk}": phone.pk}
        ),
    )
    # then
    event = Event.objects.get()
    assert response.status_code == 302
    assert (list(event.documents.all()), event.case) == ([document], case)
    assert list(event.classifications.all()) == [phone]


def test_another_customers_contact_case_document_and_thread_are_refused(agent, account) -> None:
    # given: ids of another customer, posted by hand
    other = AccountFactory()
    others_thread = call_recorded(agent, other, starts_at=at(6, 10)).thread
    forged = {
        "contacts": [ContactFactory(account=other).pk],
        "case": make_case(by=agent, account=other).pk,
        "documents": [a_document(agent, other).pk],
        "thread": others_thread.pk,
    }
    # when
    response = client_for(agent).post(f"{CREATE}?account={account.pk}", form_data(agent, **forged))
    # then
    errors = response.context["form"].errors
    assert response.status_code == 422
    assert set(errors) == {"contacts", "case", "documents", "thread"}
    assert "Select a valid choice" in errors["thread"][0]
    assert Event.objects.count() == 1  # the other customer's own call only


def test_malformed_input_is_named_on_the_form(agent, account) -> None:
    response = client_for(agent).post(
        f"{CREATE}?account={account.pk}",
        form_data(agent, starts_at_0="7.12.2026x", amount="12,345.6.7", next_step="maybe"),
    )
    errors = response.context["form"].errors
    assert response.status_code == 422
    assert set(errors) == {"starts_at", "amount", "next_step"}
    assert Event.objects.count() == 0


def test_a_task_due_before_the_event_is_refused_on_the_due_field(agent, account) -> None:
    response = client_for(agent).post(
        f"{CREATE}?account={account.pk}",
        form_data(agent, next_step="plan", next_due_0="2026-12-06", next_due_1="10:00"),
    )
    assert response.status_code == 422
    assert response.context["form"].errors == {
        "next_due": ["The next task is due before this event starts."]
    }
    assert Event.objects.count() == 0


def test_a_booked_room_clash_is_shown_on_the_form(agent, supervisor, account) -> None:
    # given: the room is taken 10:00-11:00
    room = ResourceFactory(name="Sala Wisła")
    event_record(
        by=supervisor,
        account=account,
        event_type=event_type("Meeting"),
        starts_at=at(7, 10),
        resource=room,
    )
    # when: a meeting 10:30-11:00 wants it
    response = client_for(agent).post(
        f"{CREATE}?account={account.pk}",
        form_data(
            agent,
            event_type=event_type("Meeting").pk,
            starts_at_1="10:30",
            duration="30",
            resource=room.pk,
        ),
    )
    # then
    assert response.status_code == 422
    assert response.context["form"].errors == {
        "resource": [
            f"Sala Wisła is already booked on 12/07/2026 from 10:00 to 11:00 by {supervisor}. "
            "Choose another time or resource."
        ]
    }
    assert "Sala Wisła is already booked" in response.text
    assert Event.objects.count() == 1


def test_the_same_form_posted_twice_records_one_event(agent, account) -> None:
    # given
    client = client_for(agent)
    token = client.get(f"{CREATE}?account={account.pk}").context["form"].initial["submission_token"]
    data = form_data(agent, submission_token=token, next_step="plan")
    # when
    first = client.post(f"{CREATE}?account={account.pk}", data)
    second = client.post(f"{CREATE}?account={account.pk}", data)
    # then
    assert (first.status_code, second.status_code) == (302, 302)
    assert first["Location"] == second["Location"]
    assert (Event.objects.count(), Task.objects.count()) == (1, 1)


def test_the_form_returns_where_it_was_opened(agent, account) -> None:
    case = make_case(by=agent, account=account)
    back = case.get_absolute_url()
    response = client_for(agent).post(
        f"{CREATE}?account={account.pk}&next={back}", form_data(agent)
    )
    assert response["Location"] == back


def test_a_foreign_next_address_is_ignored(agent, account) -> None:
    response = client_for(agent).post(
        f"{CREATE}?account={account.pk}&next=https://evil.example/", form_data(agent)
    )
    assert response["Location"] == Event.objects.get().thread.get_absolute_url()


def test_the_outsider_cannot_record_on_a_restricted_customer(outsider, restricted_account) -> None:
    client = client_for(outsider)
    url = f"{CREATE}?account={restricted_account.pk}"
    assert client.get(url).status_code == 404
    assert client.post(url, form_data(outsider)).status_code == 404
    assert Event.objects.count() == 0


def test_a_missing_or_malformed_customer_is_not_found(agent) -> None:
    client = client_for(agent)
    assert client.get(CREATE).status_code == 404
    assert client.get(f"{CREATE}?account=abc").status_code == 404
    assert client.get(f"{CREATE}?account=999999").status_code == 404


def test_portal_users_and_strangers_may_not_record(portal_user, account, client) -> None:
    url = f"{CREATE}?account={account.pk}"
    assert client_for(portal_user).get(url).status_code == 404
    assert client.get(url).status_code == 302  # to the login page


def test_the_event_page_shows_everything_with_links(agent, account) -> None:
    # given
    contact = ContactFactory(account=account, first_name="Anna", last_name="Nowak")
    case = make_case("Toner do drukarki", by=agent, account=account)
    document = a_document(agent, account)
    room = ResourceFactory(name="Sala Odra")
    event = call_recorded(
        agent,
        account,
        starts_at=at(7, 10),
        next_in=timedelta(days=2),
        result="Chcą ofertę.",
        contacts=[contact],
        case=case,
        documents=[document],
        resource=room,
        amount=Decimal("99.90"),
    )
    # when
    response = client_for(agent).get(event.get_absolute_url())
    # then
    page = response.text
    assert response.status_code == 200
    for link in (
        account.get_absolute_url(),
        event.thread.get_absolute_url(),
        case.get_absolute_url(),
        document.get_absolute_url(),
        contact.get_absolute_url(),
        Task.objects.get().get_absolute_url(),
    ):
        assert f'href="{link}"' in page
    assert "Chcą ofertę." in page
    assert "Sala Odra" in page
    assert "99.90 PLN" in page
    assert "Record the next event in this thread" in page


def test_a_confidential_attachment_stays_hidden_on_the_event_page(agent, outsider, account) -> None:
    secret = a_document(agent, account, title="Poufna umowa", confidential=True)
    event = call_recorded(agent, account, starts_at=at(7, 10), documents=[secret])
    page = client_for(outsider).get(event.get_absolute_url()).text
    assert "Poufna umowa" not in page


def test_the_outsider_and_portal_users_do_not_find_a_restricted_customers_event(
    agent, outsider, portal_user, restricted_account
) -> None:
    event = call_recorded(agent, restricted_account, starts_at=at(7, 10))
    assert client_for(outsider).get(event.get_absolute_url()).status_code == 404
    assert client_for(portal_user).get(event.get_absolute_url()).status_code == 404
    assert client_for(agent).get(event.get_absolute_url()).status_code == 200


def test_the_customer_file_and_the_contact_page_offer_the_buttons(agent, account) -> None:
    # given
    contact = ContactFactory(account=account)
    client = client_for(agent)
    # when
    file_page = client.get(account.get_absolute_url()).text
    contact_page = client.get(contact.get_absolute_url()).text
    # then
    assert f'href="{CREATE}?account={account.pk}&amp;kind=call"' in file_page
    assert f"{reverse('activities:task-create')}?account={account.pk}" in file_page
    assert (
        f'href="{CREATE}?account={account.pk}&amp;kind=meeting&amp;contact={contact.pk}"'
        in contact_page
    )


def test_the_case_page_lists_its_activities_and_offers_the_buttons(agent, account) -> None:
    # given
    case = make_case(by=agent, account=account)
    call_recorded(
        agent,
        account,
        starts_at=at(7, 10),
        case=case,
        result="Toner wysłany.",
        next_in=timedelta(days=2),
    )
    Task.objects.update(case=case)
    call_recorded(agent, account, starts_at=at(7, 11), result="Inna sprawa.")
    # when
    page = client_for(agent).get(case.get_absolute_url()).text
    # then
    assert "Toner wysłany." in page
    assert "Inna sprawa." not in page
    assert f'href="{Task.objects.get().get_absolute_url()}"' in page
    assert f"{CREATE}?account={account.pk}&amp;kind=call&amp;case={case.pk}" in page


def test_the_case_pages_query_count_does_not_grow_with_its_activities(
    agent, account, django_assert_num_queries
) -> None:
    # given
    case = make_case(by=agent, account=account)
    client = client_for(agent)
    call_recorded(agent, account, starts_at=at(7, 10), case=case, next_in=timedelta(days=1))
    Task.objects.update(case=case)
    client.get(case.get_absolute_url())  # warm the session and the lookups
    with CaptureQueriesContext(connection) as one:
        client.get(case.get_absolute_url())
    for day in (8, 9, 10):
        call_recorded(agent, account, starts_at=at(day, 10), case=case, next_in=timedelta(days=1))
    Task.objects.update(case=case)
    # when / then
    with django_assert_num_queries(len(one.captured_queries)):
        client.get(case.get_absolute_url())


def test_a_polish_user_types_the_amount_with_a_decimal_comma(agent, account) -> None:
    # given
    agent.language = "pl"
    agent.save(update_fields=["language"])
    # when
    response = client_for(agent).post(
        f"{CREATE}?account={account.pk}", form_data(agent, amount="1250,50", currency="EUR")
    )
    # then
    event = Event.objects.get()
    assert response.status_code == 302
    assert (event.amount, event.currency) == (Decimal("1250.50"), "EUR")


def test_the_page_carries_each_types_next_step_for_its_script(agent, account) -> None:
    response = client_for(agent).get(f"{CREATE}?account={account.pk}")
    defaults = response.context["form"].type_defaults
    offer = event_type("Offer sent")
    assert defaults[str(offer.pk)] == {
        "plans": True,
        "next_type": event_type().pk,
        "delay_minutes": 2 * 24 * 60,
    }
    assert defaults[str(event_type("Text message").pk)]["plans"] is False
    assert 'id="event-type-defaults"' in response.text
