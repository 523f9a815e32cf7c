"""Demo email: customers writing to the support desk, fed through the real inbound pipeline.

Every message is a raw RFC 5322 email handed to ``mail.receiving.inbound.message_receive``, so it is
threaded, stored and placed (new case, appended reply, triage) exactly as delivered mail
would be. The messages come from the seed and a fixed base date, so a rerun builds the same
bytes; it is skipped anyway once any demo message is stored.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from django.db import transaction

from kartoteka.customers.models import EmailAddress
from kartoteka.mail.mailboxes import mailbox_create
from kartoteka.mail.models import Mailbox, Message
from kartoteka.mail.receiving.inbound import message_receive

SOURCE = "demo"
DEMO_SMTP_HOST = "localhost"
DEMO_SMTP_PORT = 1025
MAILBOX_NAME = "Biuro obsługi klienta"
MAILBOX_ADDRESS = "bok@kartoteka.example"
# Dates are counted back from here, not from today, so the bytes never change.
BASE_DATE = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
MONTHS_GENITIVE = ("stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca",
                   "sierpnia", "września", "października", "listopada", "grudnia")  # fmt: skip


@dataclass(frozen=True)
class Topic:
    subject: str
    body: str
    reply: str


TOPICS = (
    Topic(
        "Zamówienie ZAM/{number}/2026 – termin dostawy",
        "Dzień dobry,\n\nw zeszłym tygodniu złożyliśmy zamówienie ZAM/{number}/2026 na {product}.\n"
        "Do dziś nie otrzymaliśmy potwierdzenia wysyłki. Czy mogą Państwo podać przewidywany\n"
        "termin dostawy? Towar jest nam potrzebny najpóźniej w przyszły piątek.",
        "Dzień dobry,\n\nuprzejmie przypominam o mojej wiadomości. Czy wiadomo już coś\n"
        "w sprawie terminu dostawy? Proszę o informację do jutra.",
    ),
    Topic(
        "Korekta faktury FV/{number}/2026",
        "Dzień dobry,\n\nna fakturze FV/{number}/2026 podano błędny adres nabywcy – brakuje\n"
        "numeru lokalu. Prosimy o wystawienie faktury korygującej, bez niej nasza księgowość\n"
        "nie może zaksięgować dokumentu.",
        "Dzień dobry,\n\ndodatkowo okazało się, że cena jednostkowa w pozycji 2 nie zgadza się\n"
        "z ofertą. Proszę uwzględnić to w korekcie.",
    ),
    Topic(
        "Awaria urządzenia – {product}",
        "Dzień dobry,\n\nod wczoraj jedno z urządzeń ({product}) nie uruchamia się – po włączeniu\n"
        "miga czerwona dioda i nic więcej się nie dzieje. Urządzenie jest na gwarancji.\n"
        "Proszę o informację, jak zgłosić je do serwisu.",
        "Dzień dobry,\n\nprzesyłam numer seryjny: SN-{number}-PL. Czy kurier może odebrać\n"
        "urządzenie w tym tygodniu? Jesteśmy w biurze w godzinach 8–16.",
    ),
    Topic(
        "Uszkodzona przesyłka WZ/{number}",
        "Dzień dobry,\n\ndzisiejsza dostawa (WZ/{number}) dotarła z uszkodzonym kartonem,\n"
        "dwie sztuki są pęknięte. Spisaliśmy protokół szkody z kurierem. Proszę o wymianę\n"
        "uszkodzonego towaru.",
        "Dzień dobry,\n\nw załączeniu zdjęcia uszkodzeń zrobiłam wczoraj, mogę je przesłać\n"
        "ponownie, jeśli nie dotarły. Kiedy możemy spodziewać się wymiany?",
    ),
    Topic(
        "Zwrot towaru – zamówienie ZAM/{number}",
        "Dzień dobry,\n\nchcielibyśmy zwrócić część towaru z zamówienia ZAM/{number} –\n"
        "zamówiliśmy o 5 sztuk za dużo. Opakowania są nienaruszone. Jak wygląda procedura zwrotu?",
        "Dzień dobry,\n\nczy zwrot może odebrać Państwa kurier, czy mamy nadać paczkę sami?",
    ),
    Topic(
        "Brak dostępu do panelu klienta",
        "Dzień dobry,\n\nod poniedziałku nie mogę zalogować się do panelu klienta – system\n"
        "informuje o nieprawidłowym haśle, a link do resetu nie przychodzi. Proszę o pomoc.",
        "Dzień dobry,\n\nsprawdziłem folder spam – wiadomości z linkiem nadal nie ma.\n"
        "Czy mogą Państwo zresetować hasło ręcznie?",
    ),
    Topic(
        "Duplikat faktury za {month}",
        "Dzień dobry,\n\nuprzejmie proszę o przesłanie duplikatu faktury za {month}.\n"
        "Oryginał prawdopodobnie zaginął w obiegu dokumentów.",
        "Dzień dobry,\n\nwystarczy nam wersja PDF, prosimy o wysyłkę na ten adres.",
    ),
    Topic(
        "Przedłużenie umowy serwisowej",
        "Dzień dobry,\n\nnasza umowa serwisowa na {product} kończy się z końcem miesiąca.\n"
        "Prosimy o przesłanie warunków przedłużenia na kolejny rok.",
        "Dzień dobry,\n\nczy w nowej umowie możliwy jest czas reakcji 24 godziny?\n"
        "To dla nas kluczowy warunek.",
    ),
)
PRODUCTS = ("drukarki etykiet", "czytniki kodów", "terminale płatnicze", "licencje ERP",
            "materiały eksploatacyjne", "klimatyzatory", "wagi magazynowe")  # fmt: skip
MONTHS = ("wrzesień", "październik", "listopad")
CLOSINGS = ("Pozdrawiam", "Z poważaniem", "Pozdrawiam serdecznie", "Dziękuję i pozdrawiam")
# Prospective customers nobody knows yet: their mail waits in triage.
STRANGERS = (
    ("Marta", "Zielińska", "marta.zielinska@poczta.example"),
    ("Paweł", "Kaczmarek", "p.kaczmarek@budmax.example"),
    ("Agnieszka", "Wróbel", "agnieszka.wrobel@zielonyogrod.example"),
    ("Tomasz", "Lewandowski", "biuro@lewandowski-transport.example"),
    ("Katarzyna", "Dąbrowska", "k.dabrowska@apteka-pod-lipami.example"),
    ("Michał", "Szymański", "michal.szymanski@szkola-jezykowa.example"),
    ("Ewa", "Jankowska", "ewa.jankowska@hotel-nad-zalewem.example"),
    ("Grzegorz", "Mazur", "zakupy@mazur-meble.example"),
)
STRANGER_MAIL = (
    ("Zapytanie ofertowe – {product}",
     "Dzień dobry,\n\nprowadzimy firmę i szukamy dostawcy – interesują nas {product}.\n"
     "Prosimy o przesłanie oferty cenowej na około {count} sztuk wraz z terminem dostawy."),
    ("Prośba o kontakt handlowca",
     "Dzień dobry,\n\nznalazłam Państwa firmę w internecie. Czy handlowiec mógłby\n"
     "skontaktować się ze mną w sprawie współpracy? Najlepiej telefonicznie po 10:00."),
    ("Pytanie o cennik {product}",
     "Dzień dobry,\n\nczy mogą Państwo przesłać aktualny cennik na {product}?\n"
     "Planujemy zakup w przyszłym kwartale, około {count} sztuk."),
)  # fmt: skip


@dataclass(frozen=True)
class Sender:
    name: str
    address: str


def demo_mailbox() -> Mailbox:
    """The demo support mailbox, created once (keyed on its address)."""
    mailbox = Mailbox.objects.filter(address=MAILBOX_ADDRESS).first()
    if mailbox is None:
        mailbox = mailbox_create(
            name=MAILBOX_NAME,
            address=MAILBOX_ADDRESS,
            sender_name=MAILBOX_NAME,
            protocol=Mailbox.Protocol.NONE,
            unknown_sender=Mailbox.UnknownSender.TRIAGE,
            is_default=True,
            # A local catcher such as Mailpit listens here: replies written in the demo land
            # there, never at the demo customers' addresses. With nothing listening they
            # wait in the outbox and then show the connection error.
            smtp_host=DEMO_SMTP_HOST,
            smtp_port=DEMO_SMTP_PORT,
            smtp_security=Mailbox.Security.NONE,
        )
    return mailbox


@transaction.atomic
def demo_mail(*, seed: int, conversations: int = 40, triage: int = 6) -> int:
    """Deliver demo emails to the demo mailbox; how many were stored (0 once any demo exists).

    ``conversations`` contacts write about an order, an invoice or a faulty device (a new
    case each), some follow up with a quoting reply (appended to the same case); ``triage``
    unknown senders ask for an offer (their mail waits in triage).
    """
    if Message.objects.filter(source=SOURCE).exists():
        return 0
    rng = random.Random(f"{seed}-mail")
    senders = _known_senders(rng, conversations)
    if not senders and triage <= 0:
        return 0
    mailbox = demo_mailbox()
    to = Address(MAILBOX_NAME, addr_spec=MAILBOX_ADDRESS)
    raws: list[tuple[datetime, bytes]] = []
    for index, sender in enumerate(senders):
        topic = rng.choice(TOPICS)
        values = {
            "number": rng.randint(100, 9999),
            "product": rng.choice(PRODUCTS),
            "month": rng.choice(MONTHS),
        }
        subject = topic.subject.format(**values)
        sent = BASE_DATE - timedelta(days=rng.randint(2, 28), minutes=rng.randint(0, 600))
        body = _signed(topic.body.format(**values), sender, rng)
        first_id = _message_id(seed, index, "a", sender.address)
        first = raw_email(sender, to, subject, body, sent, first_id)
        raws.append((sent, first))
        if rng.random() < 0.5:
            replied = sent + timedelta(days=rng.randint(1, 2), minutes=rng.randint(5, 300))
            quote = _quote(body, sender, sent)
            reply_body = _signed(topic.reply.format(**values), sender, rng) + "\n\n" + quote
            reply = raw_email(
                sender,
                to,
                f"Re: {subject}",
                reply_body,
                replied,
                _message_id(seed, index, "b", sender.address),
                in_reply_to=first_id,
            )
            raws.append((replied, reply))
    strangers = rng.sample(STRANGERS, min(max(triage, 0), len(STRANGERS)))
    for index, (first_name, last_name, address) in enumerate(strangers):
        sender = Sender(f"{first_name} {last_name}", address)
        subject, text = rng.choice(STRANGER_MAIL)
        values = {"product": rng.choice(PRODUCTS), "count": rng.choice((20, 50, 100, 250))}
        sent = BASE_DATE - timedelta(days=rng.randint(0, 14), minutes=rng.randint(0, 600))
        raw = raw_email(
            sender,
            to,
            subject.format(**values),
            _signed(text.format(**values), sender, rng),
            sent,
            _message_id(seed, index, "t", address),
        )
        raws.append((sent, raw))
    raws += _out_of_office(seed, senders[:2], to)
    stored = 0
    # The pipeline logs every message; for the demo a summary line says enough.
    mail_log = logging.getLogger("kartoteka.mail")
    level = mail_log.level
    mail_log.setLevel(logging.WARNING)
    try:
        # Delivered in date order, as a real mailbox would receive them.
        for _sent, raw in sorted(raws, key=lambda pair: pair[0]):
            receipt = message_receive(raw=raw, mailbox=mailbox, source=SOURCE)
            stored += receipt.action not in ("duplicate", "unparsable")
    finally:
        mail_log.setLevel(level)
    return stored


def _out_of_office(seed: int, senders: list[Sender], to: Address) -> list[tuple[datetime, bytes]]:
    """Vacation notices naming no case: set aside as ignored, findable by administrators."""
    raws = []
    for index, sender in enumerate(senders):
        sent = BASE_DATE - timedelta(days=1, hours=index)
        raw = raw_email(
            sender,
            to,
            "Odpowiedź automatyczna: jestem na urlopie",
            f"Dzień dobry,\n\njestem na urlopie do poniedziałku.\n\n{sender.name}\n",
            sent,
            _message_id(seed, index, "v", sender.address),
            headers={"Auto-Submitted": "auto-replied"},
        )
        raws.append((sent, raw))
    return raws


def _known_senders(rng: random.Random, count: int) -> list[Sender]:
    """Up to ``count`` demo contacts, each by their first email address."""
    if count <= 0:
        return []
    rows = (
        EmailAddress.objects.filter(contact__isnull=False, position=0)
        .select_related("contact")
        .order_by("address")
    )
    senders = [
        Sender(f"{row.contact.first_name} {row.contact.last_name}".strip(), row.address)
        for row in rows
        if row.contact is not None
    ]
    return rng.sample(senders, min(count, len(senders)))


def _message_id(seed: int, index: int, kind: str, address: str) -> str:
    domain = address.rpartition("@")[2]
    return f"<demo-{seed}-{kind}{index:03d}@{domain}>"


def _signed(text: str, sender: Sender, rng: random.Random) -> str:
    return f"{text}\n\n{rng.choice(CLOSINGS)}\n{sender.name}\n"


def _quote(body: str, sender: Sender, sent: datetime) -> str:
    when = f"{sent.day} {MONTHS_GENITIVE[sent.month - 1]} {sent.year} o {sent:%H:%M}"
    lines = "\n".join(f"> {line}" if line else ">" for line in body.rstrip("\n").split("\n"))
    return f"W dniu {when} {sender.name} <{sender.address}> pisze:\n{lines}\n"


def raw_email(
    sender: Sender,
    to: Address,
    subject: str,
    body: str,
    sent: datetime,
    message_id: str,
    *,
    in_reply_to: str = "",
    headers: dict[str, str] | None = None,
) -> bytes:
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = Address(sender.name, addr_spec=sender.address)
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(sent)
    message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body, charset="utf-8")
    return message.as_bytes()
