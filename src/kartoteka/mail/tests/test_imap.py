"""Fetching through IMAP from a real Dovecot: exactly once, flags as the mailbox says."""

from __future__ import annotations

import pytest

from kartoteka.mail.models import ImapCursor, Mailbox, Message
from kartoteka.mail.receiving.fetch import fetch_mailbox
from kartoteka.mail.receiving.sources.imap import folder_name
from kartoteka.testing.mail.fetching import eml

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "security", [Mailbox.Security.NONE, Mailbox.Security.STARTTLS, Mailbox.Security.SSL]
)
def test_appended_messages_are_fetched_once(account, make_mailbox, security, frozen_now):
    # given
    ids = []
    for number in range(3):
        message_id, raw = eml(f"Question {number}")
        account.append(raw)
        ids.append(message_id.strip("<>"))
    mailbox = make_mailbox(security=security)

    # when
    first = fetch_mailbox(mailbox)
    second = fetch_mailbox(mailbox)

    # then
    assert (first.fetched, first.stored, first.duplicates, first.error) == (3, 3, 0, "")
    assert (second.fetched, second.stored, second.error) == (0, 0, "")
    stored = Message.objects.filter(mailbox=mailbox).order_by("pk")
    assert [message.message_id for message in stored] == ids
    mailbox.refresh_from_db()
    assert mailbox.last_fetch_error == ""
    assert mailbox.last_fetch_at == frozen_now


def test_keep_leaves_flags_untouched(account, make_mailbox):
    # given
    message_id, raw = eml("Keep me unread")
    account.append(raw)
    mailbox = make_mailbox(after_fetch=Mailbox.AfterFetch.KEEP)

    # when
    report = fetch_mailbox(mailbox)

    # then
    assert report.stored == 1
    assert "\\Seen" not in account.flags()[message_id]


def test_mark_seen_sets_seen_after_storing(account, make_mailbox):
    # given
    message_id, raw = eml("Mark me read")
    account.append(raw)
    mailbox = make_mailbox(after_fetch=Mailbox.AfterFetch.MARK_SEEN)

    # when
    fetch_mailbox(mailbox)

    # then
    assert "\\Seen" in account.flags()[message_id]


def test_move_puts_the_message_in_the_folder(account, make_mailbox):
    # given
    message_id, raw = eml("Move me")
    account.append(raw)
    mailbox = make_mailbox(after_fetch=Mailbox.AfterFetch.MOVE, move_to_folder="Zpracováno")

    # when
    report = fetch_mailbox(mailbox)

    # then: the folder did not exist; it was created on first use
    assert (report.stored, report.error) == (1, "")
    assert account.count("INBOX") == 0
    assert list(account.flags(folder_name("Zpracováno"))) == [message_id]


def test_delete_removes_the_message(account, make_mailbox):
    # given
    _message_id, raw = eml("Delete me")
    account.append(raw)
    mailbox = make_mailbox(after_fetch=Mailbox.AfterFetch.DELETE)

    # when
    report = fetch_mailbox(mailbox)

    # then
    assert report.stored == 1
    assert account.count("INBOX") == 0
    assert Message.objects.filter(mailbox=mailbox).count() == 1


def test_message_read_by_another_client_is_still_fetched(account, make_mailbox):
    # given: someone read it in their mail client before the first fetch
    message_id, raw = eml("Already read")
    account.append(raw, flags="\\Seen")
    mailbox = make_mailbox(after_fetch=Mailbox.AfterFetch.KEEP)

    # when
    report = fetch_mailbox(mailbox)

    # then
    assert report.stored == 1
    assert Message.objects.get(mailbox=mailbox).message_id == message_id.strip("<>")


def test_a_message_arriving_after_the_first_fetch_is_fetched_next_time(account, make_mailbox):
    # given
    account.append(eml("First")[1])
    mailbox = make_mailbox(after_fetch=Mailbox.AfterFetch.KEEP)
    fetch_mailbox(mailbox)
    _message_id, raw = eml("Second")
    account.append(raw)

    # when
    report = fetch_mailbox(mailbox)

    # then
    assert (report.fetched, report.stored) == (1, 1)
    assert Message.objects.filter(mailbox=mailbox).count() == 2
    cursor = ImapCursor.objects.get(mailbox=mailbox, folder="INBOX")
    assert cursor.last_uid == 2


def test_changed_uidvalidity_reads_again_without_duplicates(account, make_mailbox):
    # given
    for number in range(2):
        account.append(eml(f"Before restore {number}")[1])
    mailbox = make_mailbox(after_fetch=Mailbox.AfterFetch.KEEP)
    fetch_mailbox(mailbox)
    old_validity = account.uidvalidity()

    # when: the server renumbers the folder (a restore) and one new message arrives
    account.renew_uidvalidity()
    account.append(eml("After restore")[1])
    report = fetch_mailbox(mailbox)

    # then
    assert account.uidvalidity() != old_validity
    assert (report.fetched, report.stored, report.duplicates) == (3, 1, 2)
    assert Message.objects.filter(mailbox=mailbox).count() == 3
    assert ImapCursor.objects.get(mailbox=mailbox).uidvalidity == account.uidvalidity()


def test_other_folder_is_read(account, make_mailbox):
    # given
    account.append(eml("In the support folder")[1], folder="Support")
    account.append(eml("In the inbox")[1])
    mailbox = make_mailbox(imap_folder="Support")

    # when
    report = fetch_mailbox(mailbox)

    # then
    assert (report.fetched, report.stored) == (1, 1)
    assert Message.objects.get(mailbox=mailbox).subject == "In the support folder"


def test_missing_folder_is_reported(account, make_mailbox):
    # given
    mailbox = make_mailbox(imap_folder="Nowhere")

    # when
    report = fetch_mailbox(mailbox)

    # then
    assert report.error.startswith("The folder Nowhere cannot be opened:")
    mailbox.refresh_from_db()
    assert mailbox.last_fetch_error == report.error


def test_folder_names_are_quoted_in_modified_utf7():
    assert folder_name("INBOX") == '"INBOX"'
    assert folder_name("Zpracováno") == '"Zpracov&AOE-no"'
    assert folder_name('A & "B"') == '"A &- \\"B\\""'
