"""The demo's outbox: a reply the customer's server refused, and two replies sent in the past
days, so the outbox page (and the case whose reply failed) show what they are for.

The refused reply was to close its case ("send and set status"): the case stays open and
says so at its top. The sent replies are the past, recorded as sent (the demo hands nothing
to a server). Runs once: skipped when a failed reply exists.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.utils import timezone

from kartoteka.cases.models import Case
from kartoteka.demo.mail import SOURCE
from kartoteka.mail.models import Message
from kartoteka.mail.sending.outbound import reply_create
from kartoteka.mail.sending.status_after_sending import status_after_sending_set
from kartoteka.people.models import User

CANDIDATES = 20
REFUSED = (
    "Dzień dobry,\n\nw załączeniu przesyłamy potwierdzenie przyjęcia zamówienia. Termin "
    "realizacji to 10 dni roboczych."
)
SENT = (
    (
        1,
        "Dzień dobry,\n\nkorekta faktury została wysłana pocztą elektroniczną do działu "
        "księgowości.",
    ),
    (
        3,
        "Dzień dobry,\n\npotwierdzamy termin wizyty serwisanta: czwartek, między 9:00 a 12:00.",
    ),
)


def refusal(address: str) -> str:
    """What a Postfix server answers for an address it does not know."""
    return (
        f"550 5.1.1 <{address}>: Recipient address rejected: User unknown in virtual mailbox table"
    )


def _quiet_cases() -> list[Case]:
    """Cases of a customer, not merged, that no one has answered yet: the demo's mail
    cases first (they have a customer's message to answer), newest first."""
    answered = Message.objects.filter(
        direction=Message.Direction.OUTBOUND, case__isnull=False
    ).values("case_id")
    return list(
        Case.objects.filter(account__isnull=False, merged_into__isnull=True)
        .exclude(pk__in=answered)
        .annotate(by_mail=Exists(Message.objects.filter(case=OuterRef("pk"), source=SOURCE)))
        .order_by("-by_mail", "-number")[:CANDIDATES]
    )


def _reply(case: Case, agent: User, text: str) -> Message | None:
    """A reply to the case's customer, or None when the case has no address to reply to."""
    try:
        return reply_create(case=case, by=agent, text=text, status=case.status)
    except ValidationError:
        return None


def demo_outbox() -> int:
    """Add the refused reply and the sent ones (once); how many replies were added."""
    if Message.objects.filter(
        direction=Message.Direction.OUTBOUND, state=Message.State.FAILED
    ).exists():
        return 0
    agent = User.objects.filter(username="agent").first()
    if agent is None:
        return 0
    texts = [REFUSED, *(text for _days, text in SENT)]
    made: list[tuple[Case, Message]] = []
    for case in _quiet_cases():
        message = _reply(case, agent, texts[len(made)])
        if message is not None:
            made.append((case, message))
        if len(made) == len(texts):
            break
    if not made:
        return 0
    (refused_case, refused), *sent = made
    # It was to close the case: the case stays as it is, and says why.
    status_after_sending_set(message=refused, case=refused_case, status=None)
    address = refused.to[0]["address"] if refused.to else "biuro@example.com"
    Message.objects.filter(pk=refused.pk).update(
        state=Message.State.FAILED, error=refusal(address), attempts=1, next_attempt_at=None
    )
    now = timezone.now()
    for (_case, message), (days, _text) in zip(sent, SENT, strict=False):
        Message.objects.filter(pk=message.pk).update(
            state=Message.State.SENT, sent_at=now - timedelta(days=days), attempts=1
        )
    return len(made)
