"""The demo help desk at work: what the agents prepared and what they already did with the mail.

Canned responses in Polish, opening with the contact's salutation; one customer who wrote
twice about the same thing, the second case
merged into the first; spam discarded from triage (restorable); and replies written in a few
cases. Everything goes through the services, so the history and events read as if agents had
done it. The replies are the past: they are recorded as sent (the demo never hands them to a
server; see ``demo.mail.demo_mailbox`` for what a reply written today does). Runs once:
skipped when the canned responses exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from kartoteka.cases.models import Case
from kartoteka.demo.mail import MAILBOX_ADDRESS, SOURCE, demo_mailbox
from kartoteka.mail.merge import case_merge
from kartoteka.mail.models import CannedResponse, Message
from kartoteka.mail.receiving.inbound import message_receive
from kartoteka.mail.sending.canned import canned_response_create
from kartoteka.mail.sending.outbound import reply_create
from kartoteka.mail.sending.status_after_sending import status_after_sending_apply
from kartoteka.mail.triage.services import message_discard
from kartoteka.people.models import User

CANNED = (
    (
        "Potwierdzenie zgłoszenia",
        "{salutation}\n\ndziękujemy za wiadomość. Zgłoszenie otrzymało "
        "numer {case_tag}; odpowiemy najpóźniej w ciągu jednego dnia roboczego.\n\n"
        "Pozdrawiamy\n{agent_name}",
    ),
    (
        "Prośba o numer faktury",
        "{salutation}\n\nprosimy o podanie numeru faktury oraz daty zakupu, abyśmy mogli "
        "sprawdzić sprawę {case_tag}.\n\nZ poważaniem\n{agent_name}",
    ),
    (
        "Reklamacja przyjęta",
        "{salutation}\n\nreklamacja została przyjęta do rozpatrzenia. "
        "Kurier odbierze urządzenie w ciągu 2 dni roboczych; prosimy o zapakowanie go w "
        "oryginalne opakowanie.\n\nPozdrawiamy\n{agent_name}",
    ),
    (
        "Zamknięcie sprawy",
        "{salutation}\n\nuznajemy sprawę {case_tag} za zakończoną. Jeśli coś jeszcze "
        "wymaga wyjaśnienia, wystarczy odpowiedzieć na tę wiadomość.\n\nPozdrawiamy\n"
        "{agent_name}",
    ),
)

REPLIES = (
    "Dzień dobry,\n\ndziękujemy za informację. Sprawdzamy sprawę i wrócimy z odpowiedzią "
    "jeszcze dziś.",
    "Dzień dobry,\n\nfaktura korygująca została wystawiona i wysłana na adres księgowości.",
    "Dzień dobry,\n\nurządzenie zostało przyjęte do serwisu; przewidywany czas naprawy to "
    "5 dni roboczych.",
)

SPAM = (
    b'From: "Wygrana!" <nagrody@promocja-super.example>\r\n'
    b"To: " + MAILBOX_ADDRESS.encode() + b"\r\n"
    b"Subject: =?utf-8?q?Gratulacje!_Wygra=C5=82e=C5=9B_iPhone?=\r\n"
    b"Message-ID: <spam-1@promocja-super.example>\r\n"
    b"Date: Thu, 19 Nov 2026 03:12:00 +0100\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n"
    b"\r\n" + "Kliknij w link, aby odebrać nagrodę!\r\n".encode()
)


@dataclass(frozen=True)
class DeskSummary:
    canned: int = 0
    merged: int = 0
    replies: int = 0
    discarded: int = 0


def demo_desk() -> DeskSummary:
    """Add the desk's work to the demo (once)."""
    if CannedResponse.objects.exists():
        return DeskSummary()
    for position, (name, body) in enumerate(CANNED):
        canned_response_create(name=name, body=body, active=True, position=position)
    agent = User.objects.filter(username="agent").first()
    if agent is None:
        return DeskSummary(canned=len(CANNED))
    return DeskSummary(
        canned=len(CANNED),
        merged=_merge_a_duplicate(agent),
        replies=_reply_to_some(agent),
        discarded=_discard_spam(agent),
    )


def _mail_cases() -> list[Case]:
    """The demo cases opened by email, oldest first."""
    return list(
        Case.objects.filter(messages__source=SOURCE, account__isnull=False)
        .distinct()
        .order_by("number")
    )


def _merge_a_duplicate(agent: User) -> int:
    """The first customer with two mail cases had them merged: the newer into the older."""
    seen: dict[int, Case] = {}
    for case in _mail_cases():
        older = seen.setdefault(case.account_id, case)  # type: ignore[arg-type]
        if older.pk != case.pk:
            case_merge(source=case, target=older, by=agent)
            return 1
    return 0


def _reply_to_some(agent: User) -> int:
    cases = [case for case in _mail_cases() if case.merged_into_id is None][: len(REPLIES)]
    sent = [
        reply_create(case=case, by=agent, text=text).pk
        for case, text in zip(cases, REPLIES, strict=False)
    ]
    # Demo history, not mail to send: the outbox claims only queued messages. The server
    # "accepted" them, so their cases take the reply status as the worker would set it.
    Message.objects.filter(pk__in=sent).update(state=Message.State.SENT, sent_at=timezone.now())
    with transaction.atomic():
        for pk in sent:
            status_after_sending_apply(message_pk=pk)
    return len(sent)


def _discard_spam(agent: User) -> int:
    receipt = message_receive(raw=SPAM, mailbox=demo_mailbox(), source=SOURCE)
    if receipt.message_pk is None:
        return 0
    message = Message.objects.filter(pk=receipt.message_pk, state=Message.State.TRIAGE).first()
    if message is None:
        return 0
    message_discard(message=message, by=agent)
    return 1
