"""``cases.merge``: merging cases, moving a message, making a case of a message."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from kartoteka.cases import services
from kartoteka.cases.history import case_history
from kartoteka.cases.models import CaseAttachment, CaseEvent, CaseSettings, Status
from kartoteka.mail import merge
from kartoteka.mail.models import Message
from kartoteka.testing.cases import make_case
from kartoteka.testing.customers import AccountFactory, ContactFactory


def stored(case=None, number: int = 1, **fields: Any) -> Message:
    values: dict[str, Any] = {
        "case": case,
        "direction": Message.Direction.INBOUND,
        "state": Message.State.PLACED if case is not None else Message.State.TRIAGE,
        "message_id": f"m{number}@klient.example",
        "subject": f"Wiadomość {number}",
        "from_address": "jan@klient.example",
        "raw_sha256": "0" * 64,
    }
    values.update(fields)
    return Message.objects.create(**values)


def event_texts(case) -> list[str]:
    return [entry.text for entry in case_history(case) if entry.kind == "event" and entry.text]


# Merging


@pytest.fixture
def customer_cases(agent, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    account = AccountFactory()
    anna, jan, ewa = (ContactFactory(account=account, last_name=n) for n in ("A", "B", "C"))
    source = make_case("Drukarka", account=account, contacts=(anna, jan))
    target = make_case("Drukarka znowu", account=account, contacts=(jan, ewa))
    return source, target, (anna, jan, ewa)


def test_merge_moves_messages_notes_attachments_and_contacts(agent, customer_cases) -> None:
    # given
    source, target, (anna, jan, ewa) = customer_cases
    first, second = stored(source, 1), stored(source, 2)
    kept = stored(target, 3)
    note = services.case_note_add(case=source, by=agent, text="Notatka")
    attachment = CaseAttachment(case=source, name="a.txt", size=1, uploaded_by=agent)
    attachment.file.save("a.txt", ContentFile(b"a"), save=True)
    # when
    result = merge.case_merge(source=source, target=target, by=agent)
    # then
    assert (result.messages, result.notes, result.attachments) == (2, 1, 1)
    assert set(target.messages.values_list("pk", flat=True)) == {first.pk, second.pk, kept.pk}
    note.refresh_from_db()
    attachment.refresh_from_db()
    assert (note.case_id, attachment.case_id) == (target.pk, target.pk)
    assert set(target.contacts.all()) == {anna, jan, ewa}
    source.refresh_from_db()
    assert source.merged_into_id == target.pk
    assert source.status == Status.objects.get(name="Closed")


def test_merge_files_the_moved_notes_under_the_target_customer(agent) -> None:
    # given: a note on a case without a customer, merged into a customer's case
    account = AccountFactory()
    source, target = make_case("Bez klienta"), make_case("U klienta", account=account)
    note = services.case_note_add(case=source, by=agent, text="Notatka")
    # when
    merge.case_merge(source=source, target=target, by=agent)
    # then: the note is the customer's, as its new case
    note.refresh_from_db()
    assert (note.case_id, note.account_id) == (target.pk, account.pk)


def test_merge_is_written_in_both_histories_and_the_source_keeps_its_events(
    agent, customer_cases
) -> None:
    # given
    source, target, _people = customer_cases
    stored(source, 1)
    # when
    merge.case_merge(source=source, target=target, by=agent)
    # then
    assert event_texts(source) == [f"Merged into case #{target.number}."]
    assert event_texts(target) == [
        f"Case #{source.number} “Drukarka” merged into this one.",
    ]
    assert source.events.filter(kind=CaseEvent.Kind.CONTACTS_CHANGED).count() == 1
    merged_from = target.events.get(kind=CaseEvent.Kind.MERGED_FROM)
    assert (merged_from.actor_id, merged_from.data["messages"]) == (agent.pk, 1)
    # the contacts' union is recorded on the target, by the merging user
    changes = target.events.filter(kind=CaseEvent.Kind.CONTACTS_CHANGED).order_by("pk")
    assert changes.last().actor_id == agent.pk


def test_merge_takes_the_reply_status_when_it_closes_else_the_first_closing_one(agent) -> None:
    # given: the reply status does not close cases
    settings_row = CaseSettings.objects.get(pk=1)
    settings_row.reply_status = Status.objects.get(name="Open")
    settings_row.save()
    done = Status.objects.create(name="Done", closes_case=True, position=0)
    source, target = make_case("A"), make_case("B")
    # when
    merge.case_merge(source=source, target=target, by=agent)
    # then
    source.refresh_from_db()
    assert source.status == done


def test_merging_into_itself_is_refused(agent) -> None:
    case = make_case("A")
    with pytest.raises(ValidationError) as raised:
        merge.case_merge(source=case, target=case, by=agent)
    assert raised.value.message_dict == {"target": ["A case cannot be merged into itself."]}


def test_merging_twice_is_refused_and_changes_nothing(agent) -> None:
    source, target = make_case("A"), make_case("B")
    stored(source)
    merge.case_merge(source=source, target=target, by=agent)
    with pytest.raises(ValidationError) as raised:
        merge.case_merge(source=source, target=target, by=agent)
    assert raised.value.messages == [
        f"Case #{source.number} was already merged into case #{target.number}."
    ]
    assert target.events.filter(kind=CaseEvent.Kind.MERGED_FROM).count() == 1


def test_merging_into_a_merged_case_names_its_final_case(agent) -> None:
    final, middle, source = make_case("F"), make_case("M"), make_case("S")
    merge.case_merge(source=middle, target=final, by=agent)
    with pytest.raises(ValidationError) as raised:
        merge.case_merge(source=source, target=middle, by=agent)
    assert raised.value.message_dict == {
        "target": [
            f"Case #{middle.number} was merged into case #{final.number}; merge into that one."
        ]
    }


def test_cases_of_different_customers_are_not_merged(agent) -> None:
    source, target = (
        make_case("A", account=AccountFactory()),
        make_case("B", account=AccountFactory()),
    )
    with pytest.raises(ValidationError) as raised:
        merge.case_merge(source=source, target=target, by=agent)
    assert raised.value.message_dict == {
        "target": [
            f"Cases #{source.number} and #{target.number} belong to different customers; only "
            "cases of one customer (or without one) can be merged."
        ]
    }
    source.refresh_from_db()
    assert source.merged_into_id is None


def test_a_case_without_customer_merges_into_a_customers_case_leaving_other_contacts(
    agent,
) -> None:
    # given
    account = AccountFactory()
    own, stranger = ContactFactory(account=account), ContactFactory()
    source = make_case("Bez klienta", contacts=(own, stranger))
    target = make_case("Klienta", account=account)
    # when
    result = merge.case_merge(source=source, target=target, by=agent)
    # then
    assert (result.contacts_added, result.contacts_left) == ([own], [stranger])
    assert list(target.contacts.all()) == [own]


# Moving one message


def test_moving_a_message_is_written_in_both_cases(agent) -> None:
    # given
    source, target = make_case("Skąd"), make_case("Dokąd")
    message = stored(source, subject="Faktura")
    # when
    merge.message_move(message=message, target=target, by=agent, from_case=source.number)
    # then
    message.refresh_from_db()
    assert message.case_id == target.pk
    assert event_texts(source) == [f"Message “Faktura” moved to case #{target.number}."]
    assert event_texts(target) == [f"Message “Faktura” moved here from case #{source.number}."]


def test_a_message_moved_meanwhile_is_not_moved_again(agent) -> None:
    source, target, other = make_case("S"), make_case("T"), make_case("O")
    message = stored(source)
    merge.message_move(message=message, target=other, by=agent, from_case=source.number)
    with pytest.raises(merge.MessageMovedError) as raised:
        merge.message_move(message=message, target=target, by=agent, from_case=source.number)
    assert raised.value.case_number == other.number
    assert raised.value.messages == [
        f"This message was moved to case #{other.number} meanwhile; nothing was done."
    ]


def test_moving_into_its_own_case_is_refused(agent) -> None:
    case = make_case("S")
    message = stored(case)
    with pytest.raises(ValidationError) as raised:
        merge.message_move(message=message, target=case, by=agent, from_case=case.number)
    assert raised.value.message_dict == {
        "target": [f"The message is already in case #{case.number}."]
    }


def test_mail_still_being_sent_does_not_move(agent) -> None:
    source, target = make_case("S"), make_case("T")
    message = stored(source, direction=Message.Direction.OUTBOUND, state=Message.State.QUEUED)
    with pytest.raises(ValidationError) as raised:
        merge.message_move(message=message, target=target, by=agent, from_case=source.number)
    assert raised.value.messages == ["This message is still being sent; move it once it has gone."]


# A case from a message


def test_splitting_a_message_off_a_thread_is_written_in_both_cases(agent) -> None:
    # given
    account = AccountFactory()
    contact = ContactFactory(account=account)
    source = make_case("Wątek", account=account)
    message = stored(source, subject="Osobna sprawa")
    # when
    case = merge.case_from_message(
        message=message,
        by=agent,
        from_case=source.number,
        subject="Osobna sprawa",
        account=account,
        contacts=[contact],
    )
    # then
    message.refresh_from_db()
    assert message.case_id == case.pk
    assert list(case.contacts.all()) == [contact]
    assert event_texts(case) == [f"Created from message “Osobna sprawa” of case #{source.number}."]
    assert event_texts(source) == [f"Message “Osobna sprawa” moved to case #{case.number}."]


def test_a_case_from_a_message_refuses_contacts_of_another_customer(agent) -> None:
    message = stored()
    with pytest.raises(ValidationError) as raised:
        merge.case_from_message(
            message=message,
            by=agent,
            from_case=None,
            subject="X",
            account=AccountFactory(),
            contacts=[ContactFactory()],
        )
    assert raised.value.error_dict["contacts"][0].code == "contact_not_of_account"
    message.refresh_from_db()
    assert (message.case_id, message.state) == (None, Message.State.TRIAGE)
