"""Demo correspondence filed to customers without a case: the sales team's own mail with
customers (offers, meetings, payment terms), copied to an archive mailbox.

Every message is a raw email handed to ``mail.receiving.inbound.message_receive`` for the
demo's archive mailbox, so it is filed to the customer of its correspondents exactly as
journaled mail would be: the customer file's Correspondence tab shows it next to the mail of
cases. Built from the seed and a fixed base date; skipped once any of it is stored.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import timedelta
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from django.db import transaction

from kartoteka.customers.models import EmailAddress
from kartoteka.demo.mail import BASE_DATE, CLOSINGS, PRODUCTS
from kartoteka.demo.pdf import pdf_page
from kartoteka.mail.mailboxes import mailbox_create
from kartoteka.mail.models import Mailbox, Message
from kartoteka.mail.receiving.inbound import message_receive
from kartoteka.people.models import User

SOURCE = "demo-archive"
ARCHIVE_NAME = "Archiwum korespondencji"
ARCHIVE_ADDRESS = "archiwum@kartoteka.example"
SALES = ("tomasz", "bartek", "zofia")  # the demo's sales team (``catalogue.DEMO_USERS``)


@dataclass(frozen=True)
class Step:
    """One message of a thread: ``ours`` when the salesperson wrote it."""

    ours: bool
    body: str
    attachment: str = ""  # the name of an offer PDF to attach


@dataclass(frozen=True)
class Thread:
    subject: str
    steps: tuple[Step, ...]


THREADS = (
    Thread(
        "Oferta na {product} – {account}",
        (
            Step(True, "Dzień dobry,\n\nzgodnie z rozmową telefoniczną przesyłam ofertę na\n"
                 "{product}. Ceny obowiązują do końca miesiąca, termin dostawy to 10 dni\n"
                 "roboczych od zamówienia.", attachment="Oferta_OF-{number}-2026.pdf"),
            Step(False, "Dzień dobry,\n\ndziękujemy za ofertę. Czy przy zamówieniu 100 sztuk\n"
                 "możliwy jest dodatkowy rabat? Płatność przelewem 14 dni."),
            Step(True, "Dzień dobry,\n\nprzy 100 sztukach możemy zaproponować rabat 7%\n"
                 "i darmową dostawę. Wystarczy potwierdzenie mailowe."),
        ),
    ),
    Thread(
        "Spotkanie w sprawie współpracy w {month}",
        (
            Step(True, "Dzień dobry,\n\nchciałbym zaprosić Państwa na krótkie spotkanie,\n"
                 "na którym przedstawię nowe warunki współpracy na przyszły rok. Czy pasuje\n"
                 "Państwu wtorek lub czwartek przed południem?"),
            Step(False, "Dzień dobry,\n\npasuje nam czwartek o 10:00 w naszym biurze.\n"
                 "Proszę zgłosić się na recepcji, parking jest od strony podwórza."),
        ),
    ),
    Thread(
        "Prośba o wydłużenie terminu płatności",
        (
            Step(False, "Dzień dobry,\n\nw związku z sezonowością naszej sprzedaży prosimy o\n"
                 "wydłużenie terminu płatności do 30 dni dla kolejnych zamówień na\n"
                 "{product}."),
            Step(True, "Dzień dobry,\n\nwyrażamy zgodę na 30-dniowy termin płatności od\n"
                 "najbliższego zamówienia. Aneks do umowy prześlę do podpisu w przyszłym\n"
                 "tygodniu."),
        ),
    ),
    Thread(
        "Zamówienie ramowe na {product}",
        (
            Step(False, "Dzień dobry,\n\nw załączeniu przesyłamy podpisane zamówienie ramowe na\n"
                 "{product} na pierwsze półrocze.", attachment="Zamowienie_ZR-{number}-2026.pdf"),
            Step(True, "Dzień dobry,\n\ndziękuję, zamówienie przyjęte. Pierwszą dostawę\n"
                 "planujemy na początek przyszłego miesiąca."),
        ),
    ),
)  # fmt: skip


def demo_archive_mailbox() -> Mailbox:
    """The demo's archive mailbox (the sales team's BCC address), created once."""
    mailbox = Mailbox.objects.filter(address=ARCHIVE_ADDRESS).first()
    if mailbox is None:
        mailbox = mailbox_create(
            name=ARCHIVE_NAME,
            address=ARCHIVE_ADDRESS,
            protocol=Mailbox.Protocol.NONE,
            purpose=Mailbox.Purpose.ARCHIVE,
        )
    return mailbox


@transaction.atomic
def demo_archive(*, seed: int, customers: int = 8) -> int:
    """File the sales team's correspondence with ``customers`` demo contacts (of different
    customers) through the archive mailbox; how many messages were stored (0 once any is)."""
    if Message.objects.filter(source=SOURCE).exists():
        return 0
    rng = random.Random(f"{seed}-archive")
    sales = list(User.objects.filter(username__in=SALES).order_by("username"))
    contacts = _one_contact_per_customer(rng, customers)
    if not sales or not contacts:
        return 0
    mailbox = demo_archive_mailbox()
    raws: list[bytes] = []
    for index, (name, address, account) in enumerate(contacts):
        person = sales[index % len(sales)]
        ours = Address(f"{person.first_name} {person.last_name}", addr_spec=person.email)
        theirs = Address(name, addr_spec=address)
        raws += _thread(rng, seed, index, THREADS[index % len(THREADS)], ours, theirs, account)
    mail_log = logging.getLogger("kartoteka.mail")
    level = mail_log.level
    mail_log.setLevel(logging.WARNING)
    try:
        receipts = [message_receive(raw=raw, mailbox=mailbox, source=SOURCE) for raw in raws]
    finally:
        mail_log.setLevel(level)
    return sum(receipt.action not in ("duplicate", "unparsable") for receipt in receipts)


def _one_contact_per_customer(rng: random.Random, count: int) -> list[tuple[str, str, str]]:
    """(name, address, customer name) of up to ``count`` contacts, each of another customer."""
    rows = (
        EmailAddress.objects.filter(contact__account__isnull=False, position=0)
        .select_related("contact__account")
        .order_by("address")
    )
    by_account: dict[int, tuple[str, str, str]] = {}
    for row in rows:
        contact = row.contact
        if contact is not None and contact.account is not None:
            name = f"{contact.first_name} {contact.last_name}".strip()
            by_account.setdefault(contact.account.pk, (name, row.address, contact.account.name))
    chosen = list(by_account.values())
    return rng.sample(chosen, min(count, len(chosen)))


def _thread(
    rng: random.Random,
    seed: int,
    index: int,
    thread: Thread,
    ours: Address,
    theirs: Address,
    account: str,
) -> list[bytes]:
    values = {
        "product": rng.choice(PRODUCTS),
        "month": rng.choice(("styczniu", "lutym", "marcu")),
        "number": rng.randint(100, 999),
        "account": account,
    }
    subject = thread.subject.format(**values)
    sent = BASE_DATE - timedelta(days=rng.randint(20, 60), minutes=rng.randint(0, 600))
    raws: list[bytes] = []
    previous: list[str] = []
    for position, step in enumerate(thread.steps):
        sender, recipient = (ours, theirs) if step.ours else (theirs, ours)
        message = EmailMessage(policy=policy.SMTP)
        message["From"] = sender
        message["To"] = recipient
        message["Subject"] = subject if position == 0 else f"Re: {subject}"
        message["Date"] = format_datetime(sent)
        message_id = f"<demo-{seed}-archive{index:03d}-{position}@{sender.domain}>"
        message["Message-ID"] = message_id
        if previous:
            message["In-Reply-To"] = previous[-1]
            message["References"] = " ".join(previous)
        closing = f"{rng.choice(CLOSINGS)}\n{sender.display_name}"
        message.set_content(f"{step.body.format(**values)}\n\n{closing}\n", charset="utf-8")
        if step.attachment:
            name = step.attachment.format(**values)
            lines = [name.removesuffix(".pdf").replace("_", " "), "", account, subject]
            message.add_attachment(
                pdf_page(lines), maintype="application", subtype="pdf", filename=name
            )
        raws.append(message.as_bytes())
        previous.append(message_id)
        sent += timedelta(hours=rng.randint(2, 40))
    return raws
