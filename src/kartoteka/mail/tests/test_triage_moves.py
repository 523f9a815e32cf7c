"""Moving a message to another case, and making a new case of one message (the pages)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from kartoteka.cases.models import Case, CaseEvent
from kartoteka.customers.models import EmailAddress
from kartoteka.mail.models import Message
from kartoteka.testing.cases import make_case
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory, ContactFactory


def stored(case: Case | None = None, number: int = 1, **fields: Any) -> Message:
    values: dict[str, Any] = {
        "case": case,
        "direction": Message.Direction.INBOUND,
        "state": Message.State.PLACED if case is not None else Message.State.TRIAGE,
        "message_id": f"m{number}@klient.example",
        "subject": f"Re: Faktura {number}",
        "from_name": "Jan Kowalski",
        "from_address": "jan@klient.example",
        "text_new": "Proszę o korektę faktury.",
        "raw_sha256": "0" * 64,
    }
    values.update(fields)
    return Message.objects.create(**values)


def toasts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def move_url(message: Message) -> str:
    return reverse("mail:message-move", args=[message.pk])


def split_url(message: Message) -> str:
    return reverse("mail:message-split", args=[message.pk])


@pytest.fixture
def hidden_account(support_team):
    return AccountFactory(name="Tajny Klient", restricted=True, team=support_team)


# Moving


def test_the_move_page_finds_cases_and_confirms_with_a_warning_for_another_customer(agent) -> None:
    # given
    source = make_case("Faktura", account=AccountFactory(name="Pierwszy"))
    other = make_case("Faktura korekta", account=AccountFactory(name="Drugi"))
    message = stored(source)
    client = client_for(agent)
    # when
    found = client.get(move_url(message), {"q": "korekta"})
    confirm = client.get(move_url(message), {"target": other.number})
    # then
    assert found.context["cases"] == [other]
    assert confirm.context["other_customer"] is True
    assert f"Case #{other.number} belongs to Drugi, not to Pierwszy." in confirm.content.decode()


def test_moving_a_message_between_cases(agent) -> None:
    # given
    source, target = make_case("Skąd"), make_case("Dokąd")
    message = stored(source)
    # when
    response = client_for(agent).post(
        move_url(message), {"source": source.number, "target": target.number}
    )
    # then
    assert response.url == target.get_absolute_url()
    assert toasts(response) == [f"Message moved to case #{target.number}."]
    message.refresh_from_db()
    assert message.case_id == target.pk
    assert source.events.get().kind == CaseEvent.Kind.MESSAGE_MOVED_OUT
    assert target.events.get().kind == CaseEvent.Kind.MESSAGE_MOVED_IN


def test_moving_into_another_customers_case_warns_after_moving(agent) -> None:
    source = make_case("A", account=AccountFactory())
    target = make_case("B", account=AccountFactory())
    message = stored(source)
    response = client_for(agent).post(
        move_url(message), {"source": source.number, "target": target.number}
    )
    assert toasts(response) == [
        f"Message moved to case #{target.number}.",
        f"Note: case #{target.number} belongs to another customer.",
    ]


def test_a_second_move_of_the_same_form_does_nothing(agent) -> None:
    source, target = make_case("Skąd"), make_case("Dokąd")
    message = stored(source)
    client = client_for(agent)
    data = {"source": source.number, "target": target.number}
    client.post(move_url(message), data)
    again = client.post(move_url(message), data)
    assert again.url == target.get_absolute_url()
    assert toasts(again)[-1] == (
        f"This message was moved to case #{target.number} meanwhile; nothing was done."
    )
    assert target.events.count() == 1


def test_a_wrong_source_moves_nothing(agent) -> None:
    source, target, other = make_case("S"), make_case("T"), make_case("O")
    message = stored(source)
    client_for(agent).post(move_url(message), {"source": other.number, "target": target.number})
    message.refresh_from_db()
    assert message.case_id == source.pk


@pytest.mark.parametrize("which", ["hidden", "missing"])
def test_moving_into_a_hidden_or_missing_case_is_refused(outsider, hidden_account, which) -> None:
    source = make_case("Jawna")
    hidden = make_case("Tajna", account=hidden_account)
    message = stored(source)
    number = hidden.number if which == "hidden" else 999_999
    response = client_for(outsider).post(
        move_url(message), {"source": source.number, "target": number}
    )
    assert response.status_code == 400
    message.refresh_from_db()
    assert message.case_id == source.pk


def test_clerk_cannot_move(clerk) -> None:
    source, target = make_case("S"), make_case("T")
    message = stored(source)
    response = client_for(clerk).post(
        move_url(message), {"source": source.number, "target": target.number}
    )
    assert response.status_code == 404


def test_a_message_out_of_triage_can_be_moved_into_a_case(agent) -> None:
    target = make_case("Dokąd")
    message = stored()
    client_for(agent).post(move_url(message), {"source": "", "target": target.number})
    message.refresh_from_db()
    assert (message.case_id, message.state) == (target.pk, Message.State.PLACED)


# A case from one message


def test_the_split_form_is_prefilled_from_the_source_case(agent) -> None:
    account = AccountFactory()
    sender = ContactFactory(account=account)
    EmailAddress.objects.create(contact=sender, address="jan@klient.example")
    source = make_case("Wątek", account=account)
    message = stored(source)
    response = client_for(agent).get(split_url(message))
    form = response.context["form"]
    assert (form.initial["subject"], form.initial["account"], form.initial["contacts"]) == (
        "Faktura 1",
        account,
        [sender],
    )


def test_the_split_form_of_a_triage_message_offers_the_senders_customer(agent) -> None:
    sender = ContactFactory()
    EmailAddress.objects.create(contact=sender, address="jan@klient.example")
    message = stored(forged=True)
    form = client_for(agent).get(split_url(message)).context["form"]
    assert form.initial["account"] == sender.account


def test_choosing_another_customer_reloads_its_contacts(agent) -> None:
    account = AccountFactory()
    contact = ContactFactory(account=account, first_name="Ewa", last_name="Wybrana")
    message = stored(make_case("X"))
    response = client_for(agent).get(
        split_url(message), {"account": account.pk}, headers={"HX-Request": "true"}
    )
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="split-people"')
    assert "Ewa Wybrana" in content
    assert str(contact.pk) in content


def test_splitting_a_message_into_a_new_case(agent) -> None:
    # given
    account = AccountFactory()
    contact = ContactFactory(account=account)
    source = make_case("Wątek", account=account)
    message = stored(source)
    # when
    response = client_for(agent).post(
        split_url(message),
        {
            "source": source.number,
            "subject": "Korekta faktury",
            "account": account.pk,
            "contacts": [contact.pk],
        },
    )
    # then
    case = Case.objects.get(subject="Korekta faktury")
    assert response.url == case.get_absolute_url()
    assert toasts(response) == [f"Case #{case.number} created from the message."]
    assert list(case.contacts.all()) == [contact]
    assert case.events.get(kind=CaseEvent.Kind.CREATED_FROM_MESSAGE).data["other_case"] == (
        source.number
    )
    assert source.events.get().kind == CaseEvent.Kind.MESSAGE_MOVED_OUT


def test_splitting_twice_makes_one_case(agent) -> None:
    source = make_case("Wątek")
    message = stored(source)
    client = client_for(agent)
    data = {"source": source.number, "subject": "Nowa"}
    client.post(split_url(message), data)
    client.post(split_url(message), data)
    assert Case.objects.filter(subject="Nowa").count() == 1


def test_splitting_for_a_hidden_customer_or_with_a_hidden_contact_is_refused(
    outsider, hidden_account
) -> None:
    source = make_case("Wątek")
    message = stored(source)
    hidden_contact = ContactFactory(account=hidden_account)
    client = client_for(outsider)
    for data in (
        {"account": hidden_account.pk},
        {"contacts": [hidden_contact.pk]},
        {"account": 999_999},
    ):
        response = client.post(
            split_url(message), {"source": source.number, "subject": "X", **data}
        )
        assert response.status_code == 400
    assert not Case.objects.filter(subject="X").exists()
