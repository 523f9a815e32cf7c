"""Demo replies from people new to a case: a customer's colleague answering all, and a
supplier answering a thread the customer forwarded to them.

Both are raw emails through the real inbound pipeline. They name the case's first message in
``In-Reply-To``, so they join the case without a click (``mail.reading.threading``): the
colleague, writing from the customer's own domain, becomes a contact of the customer; the
supplier becomes an address of the case. Their cards say "New participant", with "Not part of
this case" beside it.
"""

from __future__ import annotations

from datetime import timedelta
from email.headerregistry import Address

from django.db import transaction

from kartoteka.demo.mail import (
    BASE_DATE,
    MAILBOX_ADDRESS,
    MAILBOX_NAME,
    SOURCE,
    Sender,
    demo_mailbox,
    raw_email,
)
from kartoteka.mail.models import Message
from kartoteka.mail.reading.sender import PUBLIC_MAIL_DOMAINS
from kartoteka.mail.receiving.inbound import message_receive

COLLEAGUE = ("Magdalena", "Wrona")
SUPPLIER = Sender("Serwis Drukpol", "serwis@drukpol-serwis.example")
COLLEAGUE_TEXT = (
    "Dzień dobry,\n\n"
    "odpisuję w zastępstwie – {first} jest na urlopie do końca tygodnia. Potwierdzam, że "
    "sprawa jest nadal aktualna; proszę o kontakt ze mną.\n\n"
    "Pozdrawiam\n{colleague}"
)
SUPPLIER_TEXT = (
    "Dzień dobry,\n\n"
    "otrzymaliśmy przekazane zgłoszenie. Technik może przyjechać w czwartek między 9 a 12; "
    "prosimy o potwierdzenie terminu.\n\n"
    "Z poważaniem\nDział serwisu Drukpol"
)


def _first_messages(count: int) -> list[Message]:
    """The first received messages of demo cases whose customer writes from its own domain."""
    found: list[Message] = []
    rows = (
        Message.objects.filter(
            source=SOURCE,
            direction=Message.Direction.INBOUND,
            state=Message.State.PLACED,
            case__isnull=False,
            in_reply_to="",
        )
        .select_related("case")
        .order_by("pk")
    )
    for message in rows:
        domain = message.from_address.rpartition("@")[2].lower()
        if domain and domain not in PUBLIC_MAIL_DOMAINS:
            found.append(message)
        if len(found) == count:
            break
    return found


@transaction.atomic
def demo_newcomers() -> int:
    """Deliver the two replies once; how many joined a case."""
    if Message.objects.filter(source=SOURCE).exclude(newcomer="").exists():
        return 0
    firsts = _first_messages(2)
    if len(firsts) < 2:
        return 0
    mailbox = demo_mailbox()
    to = Address(MAILBOX_NAME, addr_spec=MAILBOX_ADDRESS)
    joined = 0
    for index, (first, sender, text) in enumerate(
        [
            (firsts[0], None, COLLEAGUE_TEXT),
            (firsts[1], SUPPLIER, SUPPLIER_TEXT),
        ]
    ):
        if sender is None:
            domain = first.from_address.rpartition("@")[2]
            name = f"{COLLEAGUE[0]} {COLLEAGUE[1]}"
            sender = Sender(name, f"{COLLEAGUE[0]}.{COLLEAGUE[1]}@{domain}".lower())
        first_name = (first.from_name or "").split(" ")[0] or "Kolega"
        raw = raw_email(
            sender,
            to,
            f"Re: {first.subject}",
            text.format(first=first_name, colleague=sender.name),
            BASE_DATE + timedelta(hours=2 + index),
            f"<demo-newcomer-{index}@{sender.address.rpartition('@')[2]}>",
            in_reply_to=f"<{first.message_id.strip('<>')}>",
            headers={"Cc": str(Address(first.from_name, addr_spec=first.from_address))},
        )
        receipt = message_receive(raw=raw, mailbox=mailbox, source=SOURCE)
        joined += receipt.action == "appended"
    return joined
