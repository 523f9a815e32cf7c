"""The archive mailbox's decision: pure, a ParsedMessage and a Knowledge, no database.

An archive mailbox's message is never made a case: it is filed to the customer of the first
known address of From, To and Cc (of To and Cc for mail we sent), or waits in triage.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from kartoteka.mail.reading.message_ids import signed_message_id
from kartoteka.mail.reading.parsed import Address, ParsedMessage
from kartoteka.mail.reading.threading import (
    REFERENCES_LOOKED_UP,
    Decision,
    Knowledge,
    archive_addresses,
    decide,
)
from kartoteka.testing.mail.parsed import parsed_message

CUSTOMER = "jan@klient.example"
OTHER_CUSTOMER = "ewa@inny.example"
STAFF = "anna.nowak@firma.example"
STRANGER = "nowy@nieznany.example"
JOURNAL = "archiwum@firma.example"
KLIENT, INNY = 11, 22


def message(**changes: Any) -> ParsedMessage:
    """Jan Kowalski's order to a colleague."""
    return parsed_message(**{"subject": "Zamówienie 4/2026", "to": (Address("", STAFF),)} | changes)


def archive(**changes: Any) -> Knowledge:
    base = Knowledge(prefix="KART", archive=True, correspondents=((CUSTOMER, KLIENT),))
    return replace(base, **changes)


def test_a_customers_mail_is_filed_to_its_customer_never_a_case() -> None:
    assert decide(message(), archive()) == Decision(
        "archive", f"archive: with {CUSTOMER}", account_id=KLIENT
    )


def test_a_tagged_reply_is_filed_too_not_appended_to_the_case() -> None:
    tagged = message(subject="Re: [KART#7] Zamówienie", in_reply_to="x@firma.example")

    decision = decide(tagged, archive(case_participants={7: frozenset({CUSTOMER})}))

    assert (decision.action, decision.case_number, decision.account_id) == ("archive", None, KLIENT)


def test_mail_we_sent_is_outgoing_and_filed_to_its_recipients_customer() -> None:
    # given: a colleague's mail, journaled (BCC) to the archive mailbox
    sent = message(from_=Address("Anna Nowak", STAFF), to=(Address("Jan", CUSTOMER),))

    # when
    decision = decide(sent, archive(sender_is_ours=True))

    # then
    assert decision == Decision(
        "archive", f"archive: sent to {CUSTOMER}", account_id=KLIENT, outgoing=True
    )


def test_mail_we_sent_is_not_filed_by_its_sender_even_when_a_contact_has_that_address() -> None:
    # given: the colleague's address is also on a contact of another customer
    sent = message(from_=Address("Anna", STAFF), to=(Address("Jan", CUSTOMER),))
    known = archive(sender_is_ours=True, correspondents=((STAFF, INNY), (CUSTOMER, KLIENT)))

    assert decide(sent, known).account_id == KLIENT


def test_unknown_correspondents_wait_in_triage() -> None:
    stranger = message(from_=Address("Nowy", STRANGER))

    assert decide(stranger, archive(correspondents=())) == Decision(
        "triage", "archive: no known correspondent"
    )


def test_mail_we_sent_to_strangers_waits_in_triage() -> None:
    sent = message(from_=Address("Anna", STAFF), to=(Address("", STRANGER),))

    assert decide(sent, archive(sender_is_ours=True, correspondents=())) == Decision(
        "triage", "archive: sent by us, no known recipient"
    )


def test_a_known_address_in_cc_files_a_strangers_mail() -> None:
    # given: a new person at the customer writes, copying the known contact
    mail = message(from_=Address("Nowy", STRANGER), cc=(Address("Jan", CUSTOMER),))

    assert decide(mail, archive()).account_id == KLIENT


def test_several_customers_file_to_the_first_known_address_and_say_so() -> None:
    # given: From is a customer's, Cc another customer's
    mail = message(cc=(Address("Ewa", OTHER_CUSTOMER),))
    known = archive(correspondents=((CUSTOMER, KLIENT), (OTHER_CUSTOMER, INNY)))

    # when
    decision = decide(mail, known)

    # then
    assert (decision.action, decision.account_id) == ("archive", KLIENT)
    assert decision.reason == (
        f"archive: with {CUSTOMER}; 2 customers among the correspondents, "
        "filed to the first known address's"
    )


def test_two_addresses_of_one_customer_are_not_several_customers() -> None:
    known = archive(correspondents=((CUSTOMER, KLIENT), ("biuro@klient.example", KLIENT)))

    assert decide(message(), known).reason == f"archive: with {CUSTOMER}"


def test_a_doubtful_sender_is_filed_and_the_doubt_kept_in_the_reason() -> None:
    doubt = "suspicious sender: the sender's name is another email address"

    decision = decide(message(), archive(sender_doubt=doubt))

    assert (decision.action, decision.account_id) == ("archive", KLIENT)
    assert decision.reason == f"archive: with {CUSTOMER}; {doubt}"


def test_our_own_signed_message_is_already_stored_in_its_case() -> None:
    ours = signed_message_id(case_number=7, message_pk=31, domain="firma.example")

    decision = decide(message(message_id=ours), archive(sender_is_ours=True))

    assert decision == Decision("ignore", "our own message came back")


def test_bounces_and_strangers_auto_replies_are_set_aside() -> None:
    bounce = message(from_=Address("", "mailer-daemon@firma.example"), bounce=True)
    away = message(from_=Address("", STRANGER), auto_reply=True)

    assert decide(bounce, archive()).action == "ignore"
    assert decide(away, archive(correspondents=())) == Decision(
        "ignore", "archive: an automatic reply, no known correspondent"
    )


def test_the_case_mailboxes_decide_as_before() -> None:
    assert decide(message(), Knowledge(prefix="KART")).action == "triage"


def test_addresses_are_read_from_from_to_cc_once_each_and_bounded() -> None:
    crowd = tuple(Address("", f"osoba{n}@tlum.example") for n in range(REFERENCES_LOOKED_UP + 50))
    mail = message(to=(Address("", STAFF), Address("", CUSTOMER.upper())), cc=crowd)

    found = archive_addresses(mail)

    assert found[:3] == [CUSTOMER, STAFF, "osoba0@tlum.example"]
    assert len(found) == REFERENCES_LOOKED_UP
