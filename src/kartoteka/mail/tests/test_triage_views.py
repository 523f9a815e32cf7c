"""The triage inbox pages: the list, the wizard of one message and its actions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from kartoteka.cases.models import Case
from kartoteka.customers.models import Contact, EmailAddress
from kartoteka.mail.models import Message
from kartoteka.mail.reading.html import sanitize
from kartoteka.testing.cases import make_case
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory, ContactFactory

SENDER = "anna.nowak@nowyklient.example"


def waiting(number: int = 1, **fields: Any) -> Message:
    values: dict[str, Any] = {
        "direction": Message.Direction.INBOUND,
        "state": Message.State.TRIAGE,
        "reason": "unknown sender",
        "message_id": f"t{number}@nowyklient.example",
        "subject": f"Zapytanie ofertowe {number}",
        "from_name": "Anna Nowak",
        "from_address": SENDER,
        "text": "Dzień dobry, prosimy o ofertę.",
        "text_new": "Dzień dobry, prosimy o ofertę.",
        "raw_sha256": "0" * 64,
    }
    values.update(fields)
    return Message.objects.create(**values)


def toasts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def url(name: str, *args: Any) -> str:
    return reverse(f"mail:{name}", args=args)


@pytest.fixture
def hidden_account(support_team):
    """A restricted customer of the Support team: the outsider (Sales) cannot see it."""
    return AccountFactory(name="Tajny Klient", restricted=True, team=support_team)


# The list


def test_the_inbox_lists_waiting_and_forged_messages_with_a_preview(agent) -> None:
    # given
    named = make_case("Oferta")
    waiting(1, text_new="x" * 200)
    waiting(2, forged=True, points_to_case=named, reason="points to case")
    waiting(3, state=Message.State.DISCARDED, discarded_at=timezone.now())
    # when
    response = client_for(agent).get(url("triage"))
    # then
    assert response.status_code == 200
    shown = [m.subject for m in response.context["page_obj"].object_list]
    assert shown == ["Zapytanie ofertowe 2", "Zapytanie ofertowe 1"]
    content = response.content.decode()
    assert f"points to case #{named.number}, sender not a participant" in content
    assert "x" * 139 + "…" in content


def test_the_inbox_does_not_show_the_number_of_a_case_the_reader_may_not_see(
    outsider, hidden_account
) -> None:
    # given: a forged message naming a restricted customer's case the outsider cannot see
    hidden = make_case("Tajna sprawa", account=hidden_account)
    waiting(1, forged=True, points_to_case=hidden, reason="points to case")
    # when
    response = client_for(outsider).get(url("triage"))
    # then: the message is listed as forged, without the hidden case's number
    assert response.status_code == 200
    content = response.content.decode()
    assert "names a case, sender not a participant" in content
    assert f"#{hidden.number}" not in content


def test_the_inbox_searches_sender_and_subject(agent) -> None:
    waiting(1, subject="Faktura")
    waiting(2, from_address="inny@firma.example", from_name="Inny")
    response = client_for(agent).get(url("triage"), {"q": "INNY@"})
    assert [m.pk for m in response.context["page_obj"].object_list] == [
        Message.objects.get(from_address="inny@firma.example").pk
    ]
    response = client_for(agent).get(url("triage"), {"q": "faktura"})
    assert [m.subject for m in response.context["page_obj"].object_list] == ["Faktura"]


@pytest.mark.parametrize("text", ["przesylka", "PRZESYŁKA"])
def test_the_inbox_search_ignores_letter_case_and_polish_accents(agent, text) -> None:
    waiting(1, subject="Przesyłka uszkodzona")
    waiting(2, subject="Faktura")
    response = client_for(agent).get(url("triage"), {"q": text})
    assert [m.subject for m in response.context["page_obj"].object_list] == ["Przesyłka uszkodzona"]


def test_the_discarded_view_shows_30_days_with_restore(agent) -> None:
    now = timezone.now()
    recent = waiting(1, state=Message.State.DISCARDED, discarded_at=now - timedelta(days=29))
    waiting(2, state=Message.State.DISCARDED, discarded_at=now - timedelta(days=31))
    waiting(3)
    response = client_for(agent).get(url("triage"), {"show": "discarded"})
    assert [m.pk for m in response.context["page_obj"].object_list] == [recent.pk]
    assert url("triage-restore", recent.pk) in response.content.decode()


def test_the_htmx_search_answers_with_the_results_only(agent) -> None:
    waiting(1)
    response = client_for(agent).get(url("triage"), {"q": "oferto"}, headers={"HX-Request": "true"})
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="results"')
    assert "<html" not in content


def test_the_list_query_count_does_not_grow_with_rows(agent, django_assert_num_queries) -> None:
    named = make_case("Oferta")
    for number in range(30):
        waiting(number, forged=bool(number % 2), points_to_case=named if number % 2 else None)
    client = client_for(agent)
    client.get(url("triage"))  # sessions and the like warmed up
    # session, user, count, page, triage count in the navigation
    with django_assert_num_queries(6):
        response = client.get(url("triage"))
    assert len(response.context["page_obj"].object_list) == 30


def test_the_navigation_shows_how_many_wait(agent) -> None:
    waiting(1)
    waiting(2)
    content = client_for(agent).get(reverse("cases:case-list")).content.decode()
    assert f'href="{url("triage")}"' in content
    assert '<span class="nav-count" aria-label="2 messages waiting">2</span>' in content


def test_the_navigation_has_no_triage_for_who_does_not_work_with_cases(clerk) -> None:
    waiting(1)
    content = client_for(clerk).get(reverse("customers:account-list")).content.decode()
    assert url("triage") not in content


@pytest.mark.parametrize(
    "name", ["triage", "triage-message", "message-move", "message-split", "triage-case-messages"]
)
def test_staff_without_case_work_are_refused(clerk, name) -> None:
    message = waiting()
    case = make_case("X")
    args = {"triage": (), "triage-case-messages": (case.number,)}.get(name, (message.pk,))
    assert client_for(clerk).get(url(name, *args)).status_code == 404


@pytest.mark.parametrize(
    "name", ["triage-case-create", "triage-append", "triage-remember", "triage-discard"]
)
def test_staff_without_case_work_cannot_act(clerk, name) -> None:
    message = waiting()
    response = client_for(clerk).post(url(name, message.pk), {})
    assert response.status_code == 404
    message.refresh_from_db()
    assert message.state == Message.State.TRIAGE


def test_portal_users_do_not_find_the_inbox(portal_user) -> None:
    assert client_for(portal_user).get(url("triage")).status_code == 404


# The wizard


def test_the_wizard_shows_the_message_and_suggests_customers_of_the_senders_domain(
    agent, hidden_account
) -> None:
    # given
    # stored as the pipeline stores it: sanitised (the script is gone before any page)
    message = waiting(html=sanitize("<p>Treść <b>HTML</b></p><script>alert(1)</script>"))
    known = AccountFactory(name="Nowy Klient")
    EmailAddress.objects.create(
        contact=ContactFactory(account=known), address="x@nowyklient.example"
    )
    EmailAddress.objects.create(account=AccountFactory(name="Inny"), address="y@inny.example")
    # when
    response = client_for(agent).get(url("triage-message", message.pk))
    # then
    assert response.status_code == 200
    assert response.context["suggestions"] == [known]
    content = response.content.decode()
    assert "<p>Treść <b>HTML</b></p>" in content
    assert "alert(1)" not in content


def test_free_mail_domains_suggest_nobody(agent) -> None:
    message = waiting(from_address="anna@gmail.com")
    EmailAddress.objects.create(contact=ContactFactory(), address="ktos@gmail.com")
    response = client_for(agent).get(url("triage-message", message.pk))
    assert response.context["suggestions"] == []


def test_the_wizard_finds_customers_by_nip_but_not_hidden_ones(outsider, hidden_account) -> None:
    message = waiting()
    visible = AccountFactory()
    client = client_for(outsider)
    assert client.get(url("triage-message", message.pk), {"account_q": visible.nip}).context[
        "accounts"
    ] == [visible]
    response = client.get(url("triage-message", message.pk), {"account_q": hidden_account.nip})
    assert response.context["accounts"] == []


def test_the_wizard_finds_cases_and_shows_a_chosen_cases_messages(agent) -> None:
    # given
    message = waiting()
    case = make_case("Drukarka w biurze")
    Message.objects.create(
        case=case,
        direction=Message.Direction.INBOUND,
        state=Message.State.PLACED,
        message_id="old@x",
        subject="Pierwsza wiadomość wątku",
        from_address="jan@klient.example",
        text_new="Drukarka nie drukuje",
        raw_sha256="0" * 64,
    )
    client = client_for(agent)
    # when
    found = client.get(url("triage-message", message.pk), {"case_q": "drukarka"})
    chosen = client.get(url("triage-message", message.pk), {"case": case.number})
    part = client.get(url("triage-case-messages", case.number), headers={"HX-Request": "true"})
    # then
    assert found.context["cases"] == [case]
    assert chosen.context["chosen_case"] == case
    assert "Pierwsza wiadomość wątku" in chosen.content.decode()
    assert "Pierwsza wiadomość wątku" in part.content.decode()
    assert "<html" not in part.content.decode()


def test_the_messages_of_a_hidden_case_are_not_shown(outsider, hidden_account) -> None:
    case = make_case("Tajne", account=hidden_account)
    response = client_for(outsider).get(url("triage-case-messages", case.number))
    assert response.status_code == 404


def test_the_wizard_of_a_placed_message_leads_to_its_case(agent) -> None:
    case = make_case("Oferta")
    message = waiting(case=case, state=Message.State.PLACED)
    response = client_for(agent).get(url("triage-message", message.pk))
    assert response.status_code == 302
    assert response.url == case.get_absolute_url()
    assert toasts(response) == [f"This message is already in case #{case.number}."]


def test_a_message_of_a_hidden_case_is_not_found(outsider, hidden_account) -> None:
    case = make_case("Tajne", account=hidden_account)
    message = waiting(case=case, state=Message.State.PLACED)
    client = client_for(outsider)
    for name in ("triage-message", "message-move", "message-split"):
        assert client.get(url(name, message.pk)).status_code == 404
    response = client.post(url("triage-append", message.pk), {"case": case.number})
    assert response.status_code == 404


# (a) a new case for a customer


def test_creating_a_case_for_a_customer_from_triage(agent) -> None:
    # given
    account = AccountFactory()
    message = waiting()
    # when
    response = client_for(agent).post(
        url("triage-case-create", message.pk),
        {"account": account.pk, "subject": "Oferta na drukarki", "remember": ""},
    )
    # then
    case = Case.objects.get()
    assert response.status_code == 302
    assert response.url == case.get_absolute_url()
    assert (case.subject, case.account_id) == ("Oferta na drukarki", account.pk)
    assert toasts(response) == [f"Case #{case.number} created for {account.name} from the message."]
    message.refresh_from_db()
    assert (message.case_id, message.state) == (case.pk, Message.State.PLACED)


def test_creating_a_case_twice_creates_one(agent) -> None:
    account = AccountFactory()
    message = waiting()
    client = client_for(agent)
    data = {"account": account.pk, "subject": "Oferta"}
    client.post(url("triage-case-create", message.pk), data)
    again = client.post(url("triage-case-create", message.pk), data)
    case = Case.objects.get()
    assert again.url == case.get_absolute_url()
    assert toasts(again)[-1] == f"This message is already in case #{case.number}."


def test_creating_and_remembering_a_new_contact(agent) -> None:
    account = AccountFactory()
    message = waiting()
    client_for(agent).post(
        url("triage-case-create", message.pk),
        {
            "account": account.pk,
            "subject": "Oferta",
            "remember": "new",
            "first_name": "Anna",
            "last_name": "Nowak-Kowalska",
        },
    )
    contact = Contact.objects.get(emails__address=SENDER)
    assert (contact.last_name, contact.account_id) == ("Nowak-Kowalska", account.pk)
    assert list(Case.objects.get().contacts.all()) == [contact]


@pytest.mark.parametrize("which", ["hidden", "missing"])
def test_a_hidden_or_missing_customer_is_refused(outsider, hidden_account, which) -> None:
    message = waiting()
    account_id = hidden_account.pk if which == "hidden" else 999_999
    response = client_for(outsider).post(
        url("triage-case-create", message.pk), {"account": account_id, "subject": "Oferta"}
    )
    assert response.status_code == 400
    assert Case.objects.count() == 0
    message.refresh_from_db()
    assert message.state == Message.State.TRIAGE


def test_a_contact_of_another_customer_cannot_be_chosen_to_remember(agent) -> None:
    account = AccountFactory()
    stranger = ContactFactory()
    message = waiting()
    response = client_for(agent).post(
        url("triage-case-create", message.pk),
        {"account": account.pk, "subject": "Oferta", "remember": str(stranger.pk)},
    )
    assert response.status_code == 400
    assert not EmailAddress.objects.filter(address=SENDER).exists()
    assert Case.objects.count() == 0


# (b) an existing case


def test_adding_to_an_existing_case(agent) -> None:
    case = make_case("Oferta", account=AccountFactory())
    message = waiting()
    response = client_for(agent).post(url("triage-append", message.pk), {"case": case.number})
    assert response.url == case.get_absolute_url()
    assert toasts(response) == [f"Message added to case #{case.number}."]
    message.refresh_from_db()
    assert message.case_id == case.pk


@pytest.mark.parametrize("which", ["hidden", "missing"])
def test_a_hidden_or_missing_case_is_refused(outsider, hidden_account, which) -> None:
    case = make_case("Tajne", account=hidden_account)
    message = waiting()
    number = case.number if which == "hidden" else 999_999
    response = client_for(outsider).post(url("triage-append", message.pk), {"case": number})
    assert response.status_code == 400
    assert f"There is no case #{number} that you can see." in response.content.decode()
    message.refresh_from_db()
    assert message.state == Message.State.TRIAGE


def test_adding_to_a_case_and_remembering_on_its_contact(agent) -> None:
    account = AccountFactory()
    contact = ContactFactory(account=account)
    case = make_case("Oferta", account=account)
    message = waiting()
    client_for(agent).post(
        url("triage-append", message.pk), {"case": case.number, "remember": str(contact.pk)}
    )
    assert list(contact.emails.values_list("address", flat=True)) == [SENDER]


# (c) remembering only


def test_only_remembering_keeps_the_message_waiting(agent) -> None:
    account = AccountFactory()
    message = waiting()
    response = client_for(agent).post(
        url("triage-remember", message.pk), {"account": account.pk, "remember": "new"}
    )
    contact = Contact.objects.get(emails__address=SENDER)
    assert (contact.first_name, contact.last_name) == ("Anna", "Nowak")
    assert response.url == f"{url('triage-message', message.pk)}?account={account.pk}"
    message.refresh_from_db()
    assert message.state == Message.State.TRIAGE


def test_remembering_an_address_that_has_an_owner_is_refused(agent) -> None:
    EmailAddress.objects.create(contact=ContactFactory(), address=SENDER)
    message = waiting()
    response = client_for(agent).post(
        url("triage-remember", message.pk), {"account": AccountFactory().pk, "remember": "new"}
    )
    assert response.status_code == 400
    assert Contact.objects.filter(emails__address=SENDER).count() == 1


# (d) discard and restore


def test_discarding_and_restoring(agent) -> None:
    message = waiting()
    client = client_for(agent)
    discarded = client.post(url("triage-discard", message.pk))
    assert discarded.url == url("triage")
    assert toasts(discarded) == [
        "Message discarded as spam; it can be restored from “Discarded” for 30 days."
    ]
    message.refresh_from_db()
    assert message.state == Message.State.DISCARDED
    page = client.get(url("triage-message", message.pk))
    assert page.status_code == 200
    assert url("triage-restore", message.pk) in page.content.decode()
    restored = client.post(url("triage-restore", message.pk))
    assert restored.url == url("triage-message", message.pk)
    message.refresh_from_db()
    assert message.state == Message.State.TRIAGE


def test_a_discarded_message_is_not_placed_before_restoring(agent) -> None:
    message = waiting(state=Message.State.DISCARDED, discarded_at=timezone.now())
    response = client_for(agent).post(
        url("triage-case-create", message.pk), {"account": AccountFactory().pk, "subject": "A"}
    )
    assert response.url == url("triage-message", message.pk)
    assert Case.objects.count() == 0


def test_actions_need_post(agent) -> None:
    message = waiting()
    assert client_for(agent).get(url("triage-discard", message.pk)).status_code == 405


def test_restoring_a_message_that_is_not_discarded_is_not_found(agent) -> None:
    message = waiting()
    assert client_for(agent).post(url("triage-restore", message.pk)).status_code == 404


def test_choosing_a_customer_opens_the_new_case_form_with_remembering(agent) -> None:
    account = AccountFactory(name="Nowy Klient")
    contact = ContactFactory(account=account, first_name="Ewa", last_name="Obecna")
    message = waiting(subject="Re: Fwd: Oferta")
    response = client_for(agent).get(url("triage-message", message.pk), {"account": account.pk})
    form = response.context["new_case_form"]
    assert form.customer == account
    assert form.initial["subject"] == "Oferta"
    assert [label for _value, label in form.fields["remember"].choices] == [
        "Do not remember it",
        "As a new contact of Nowy Klient",
        "On Ewa Obecna",
    ]
    content = response.content.decode()
    assert url("triage-case-create", message.pk) in content
    assert f'value="{contact.pk}"' in content


def test_an_address_with_an_owner_is_not_offered_for_remembering(agent) -> None:
    EmailAddress.objects.create(
        contact=ContactFactory(first_name="Jan", last_name="Znany"), address=SENDER
    )
    account = AccountFactory()
    message = waiting(forged=True)
    response = client_for(agent).get(url("triage-message", message.pk), {"account": account.pk})
    assert "remember" not in response.context["new_case_form"].fields
    assert "The address belongs to Jan Znany." in response.content.decode()


@pytest.mark.parametrize("rows", [1, 6])
def test_the_wizard_query_count_does_not_grow_with_suggestions_and_cases(
    agent, rows, django_assert_num_queries
) -> None:
    # given
    message = waiting()
    for number in range(rows):
        account = AccountFactory(name=f"Klient {number}")
        EmailAddress.objects.create(account=account, address=f"biuro{number}@nowyklient.example")
        make_case(f"Oferta {number}", account=account)
    client = client_for(agent)
    client.get(url("triage-message", message.pk))
    # when / then: session, user, message with attachments (2), sender's owner,
    # suggestions, case search (SQLite also reads its FTS vocabulary; cases), triage count
    # in the navigation
    from django.db import connection

    with django_assert_num_queries(10 if connection.vendor == "sqlite" else 9):
        response = client.get(url("triage-message", message.pk), {"case_q": "oferta"})
    assert len(response.context["cases"]) == rows
    assert len(response.context["suggestions"]) == rows
