"""A case with the mail of two people: Jan Kowalski (the subject of the requests) and Anna
Nowak of another customer, with raw files and an attachment in the stores."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage

from kartoteka.cases.models import Case
from kartoteka.customers.models import Contact, EmailAddress
from kartoteka.mail.models import Mailbox, Message
from kartoteka.mail.rawstore import raw_store
from kartoteka.mail.receiving.inbound import message_receive
from kartoteka.testing.customers import AccountFactory, ContactFactory
from kartoteka.testing.mail.receiving import CUSTOMER, SUPPORT
from kartoteka.testing.mail.sending import add_message

OTHER = "anna@inny.example"
SHARED_RAW = b"From: pomoc@firma.example\r\nSubject: Newsletter\r\n\r\nTo samo dla wszystkich.\r\n"


def email_from_jan(case_number: int) -> bytes:
    message = EmailMessage()
    message["From"] = f"Jan Kowalski <{CUSTOMER}>"
    message["To"] = SUPPORT
    message["Subject"] = f"[KART#{case_number}] Faktura"
    message["Message-ID"] = "<jan-1@klient.example>"
    message["Date"] = "Mon, 02 Mar 2026 10:00:00 +0100"
    message.set_content("Dzień dobry, mój PESEL to 80010112345.")
    message.add_attachment(
        b"skan dowodu", maintype="application", subtype="pdf", filename="dowod-jana.pdf"
    )
    return message.as_bytes()


@dataclass
class Mailroom:
    case: Case
    from_jan: Message
    to_jan: Message
    from_anna: Message
    shared_with_jan: Message
    shared_with_anna: Message


def mailroom(case: Case, mailbox: Mailbox) -> Mailroom:
    anna = ContactFactory(
        account=AccountFactory(name="Inna Firma"), first_name="Anna", last_name="Nowak"
    )
    EmailAddress.objects.create(contact=anna, address=OTHER)
    receipt = message_receive(raw=email_from_jan(case.number), mailbox=mailbox)
    assert receipt.case_number == case.number
    reply_raw = raw_store(b"To: Jan Kowalski <jan@klient.example>\r\n\r\nDzie\xc5\x84 dobry\r\n")
    shared = raw_store(SHARED_RAW)
    return Mailroom(
        case=case,
        from_jan=Message.objects.get(pk=receipt.message_pk),
        to_jan=add_message(
            case,
            direction=Message.Direction.OUTBOUND,
            from_name="Pomoc",
            from_address=SUPPORT,
            to=[{"name": "Jan Kowalski", "address": CUSTOMER}],
            text="Dzień dobry Panie Jan Kowalski, faktura jest w załączniku.",
            raw_sha256=reply_raw,
        ),
        from_anna=add_message(
            case,
            from_name="Anna Nowak",
            from_address=OTHER,
            text="U nas też nie działa.",
            raw_sha256=raw_store(b"From: anna@inny.example\r\n\r\nU nas\r\n"),
        ),
        shared_with_jan=add_message(
            case,
            direction=Message.Direction.OUTBOUND,
            from_address=SUPPORT,
            to=[{"name": "", "address": CUSTOMER}],
            text="To samo dla wszystkich.",
            raw_sha256=shared,
        ),
        shared_with_anna=add_message(
            case,
            direction=Message.Direction.OUTBOUND,
            from_address=SUPPORT,
            to=[{"name": "", "address": OTHER}],
            text="To samo dla wszystkich.",
            raw_sha256=shared,
        ),
    )


def jan(case: Case) -> Contact:
    return case.contacts.get(last_name="Kowalski")
