"""Reading a kept message again: unparsable mail placed after a fix, in the same row."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kartoteka.mail.models import Attachment, Mailbox, Message
from kartoteka.mail.rawstore import raw_store
from kartoteka.mail.reading.parsing import synthetic_message_id
from kartoteka.mail.receiving.inbound import message_receive
from kartoteka.mail.receiving.reprocess import message_reprocess, messages_reprocess_unparsable
from kartoteka.mail.tests.test_inbound import email
from kartoteka.testing.clients import client_for
from kartoteka.testing.mail.receiving import CUSTOMER

pytestmark = pytest.mark.usefixtures("data_dir")


LIST = reverse("mail:unparsable-list")


def unparsable(raw: bytes, mailbox: Mailbox | None, *, source: str = "imap:INBOX:7:42") -> Message:
    """A message kept as unreadable (as if an older parser had failed on ``raw``)."""
    sha256 = raw_store(raw)
    return Message.objects.create(
        mailbox=mailbox,
        direction=Message.Direction.INBOUND,
        state=Message.State.UNPARSABLE,
        reason="could not be read",
        error="RuntimeError: boom",
        message_id=synthetic_message_id(sha256),
        raw_sha256=sha256,
        size=len(raw),
        source=source,
        text=raw.decode("utf-8", "replace"),
    )


def test_reprocess_places_an_unparsable_message_and_keeps_one_row(mailbox, case) -> None:
    # given
    raw = email(subject=f"Re: [KART#{case.number}] Drukarka", attachment=b"%PDF-1.4 faktura")
    kept = unparsable(raw, mailbox)
    # when
    receipt = message_reprocess(message=kept, by=None)
    # then the same row now holds the message, placed in its case
    assert (receipt.action, receipt.case_number, receipt.message_pk) == (
        "appended",
        case.number,
        kept.pk,
    )
    assert Message.objects.count() == 1
    kept.refresh_from_db()
    assert (kept.state, kept.case, kept.error) == (Message.State.PLACED, case, "")
    assert (kept.message_id, kept.from_address) == ("first@klient.example", CUSTOMER)
    assert kept.subject == f"Re: [KART#{case.number}] Drukarka"
    assert kept.source == "imap:INBOX:7:42"
    assert Attachment.objects.get().message == kept
    # and delivering the same bytes again is a duplicate
    assert message_receive(raw=raw, mailbox=mailbox, source="pipe").action == "duplicate"
    assert Message.objects.count() == 1


def test_reprocess_twice_keeps_one_set_of_attachments(mailbox, customer) -> None:
    kept = unparsable(email(attachment=b"%PDF-1.4 faktura"), mailbox)
    message_reprocess(message=kept, by=None)
    Message.objects.filter(pk=kept.pk).update(state=Message.State.TRIAGE, error="x")
    kept.refresh_from_db()

    message_reprocess(message=kept, by=None)

    assert Attachment.objects.count() == 1
    assert Message.objects.count() == 1


def test_still_unreadable_stays_unparsable_with_the_new_error(mailbox, monkeypatch) -> None:
    kept = unparsable(email(), mailbox)

    def exploding(raw: bytes, **options: object) -> None:
        raise ValueError("still broken")

    monkeypatch.setattr("kartoteka.mail.reading.parsing.parse", exploding)
    receipt = message_reprocess(message=kept, by=None)

    kept.refresh_from_db()
    assert receipt.action == "unparsable"
    assert (kept.state, kept.error) == (Message.State.UNPARSABLE, "ValueError: still broken")


def test_a_message_stored_meanwhile_makes_the_kept_one_a_duplicate(mailbox, customer) -> None:
    # given the same message delivered again (and read) after the unparsable one was kept
    raw = email()
    kept = unparsable(raw, mailbox)
    Message.objects.filter(pk=kept.pk).update(message_id="kept-aside")
    stored = message_receive(raw=b"Received: from mx\n" + raw, mailbox=mailbox, source="pipe")
    kept.refresh_from_db()
    # when
    receipt = message_reprocess(message=kept, by=None)
    # then
    kept.refresh_from_db()
    assert receipt.action == "duplicate"
    assert receipt.message_pk == stored.message_pk
    assert (kept.state, kept.reason) == (
        Message.State.IGNORED,
        f"duplicate of message {stored.message_pk}",
    )


def test_a_placed_message_is_not_reprocessed(mailbox, customer) -> None:
    receipt = message_receive(raw=email(), mailbox=mailbox, source="pipe")
    placed = Message.objects.get(pk=receipt.message_pk)

    with pytest.raises(ValidationError):
        message_reprocess(message=placed, by=None)


def test_reprocess_all_unparsable(mailbox, customer) -> None:
    unparsable(email(message_id="<a@klient.example>"), mailbox)
    unparsable(email(message_id="<b@klient.example>"), mailbox)

    receipts = messages_reprocess_unparsable()

    assert [receipt.action for receipt in receipts] == ["created", "created"]
    assert not Message.objects.filter(state=Message.State.UNPARSABLE).exists()


# The administrator's list


def test_the_list_shows_unreadable_messages_with_their_error(admin, mailbox) -> None:
    kept = unparsable(email(), mailbox)
    message_receive(raw=email(message_id="<ok@x>"), mailbox=mailbox, source="pipe")

    response = client_for(admin).get(LIST)

    assert response.status_code == 200
    page = response.content.decode()
    assert "RuntimeError: boom" in page
    assert reverse("mail:message-reprocess", args=[kept.pk]) in page
    assert len(response.context["messages_list"]) == 1


def test_the_mailbox_list_links_to_it(admin) -> None:
    assert LIST in client_for(admin).get(reverse("mail:mailbox-list")).content.decode()


def test_the_reprocess_button_places_the_message(admin, mailbox, case) -> None:
    kept = unparsable(email(subject=f"[KART#{case.number}]"), mailbox)

    response = client_for(admin).post(reverse("mail:message-reprocess", args=[kept.pk]))

    assert response.status_code == 302
    assert response["Location"] == LIST
    kept.refresh_from_db()
    assert (kept.state, kept.case) == (Message.State.PLACED, case)


def test_only_the_administrator_gets_in(agent, mailbox) -> None:
    kept = unparsable(email(), mailbox)
    client = client_for(agent)

    assert client.get(LIST).status_code == 403
    assert client.post(reverse("mail:message-reprocess", args=[kept.pk])).status_code == 403
    kept.refresh_from_db()
    assert kept.state == Message.State.UNPARSABLE
