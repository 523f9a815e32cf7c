"""The outbox worker: send queued messages, retry with backoff, never send one twice.

A message is claimed with one conditional ``UPDATE`` (``queued`` and due → ``sending``, one
more attempt, a lease until ``next_attempt_at``) that must change exactly one row, so of two
workers only one sends it. The claim is committed before the SMTP conversation starts and the
outcome is recorded after it: ``sent``; ``queued`` again after a temporary failure, later by
1, 2, 4 … up to 60 minutes, ``failed`` after ``MAX_ATTEMPTS``; ``failed`` at once when the
server refuses with a 5xx code, its reply kept in ``Message.error``.

A process that dies between the server's acceptance and the recorded outcome leaves the
message in ``sending``. Whether it arrived cannot be known (SMTP servers accept the same
message twice), so such a message is never sent again automatically: once its lease has run
out, ``outbox_reconcile`` marks it failed for a person to check.

The status a reply was to give its case ("send and set status") is applied in the
transaction that records ``sent`` (``status_after_sending``). A person retries or cancels a
message in the outbox page (``outbox_actions``), by the same conditional ``UPDATE`` as the
claim: whichever changes the state first wins, so a cancelled message is never claimed and
a claimed one is never cancelled.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kartoteka.mail import rawstore
from kartoteka.mail.models import Message
from kartoteka.mail.sending import smtp, status_after_sending

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
MAX_DELAY_MINUTES = 60
BATCH_SIZE = 100
# Longer than any SMTP conversation can take (every step has a 30-second timeout).
SENDING_LEASE = timedelta(minutes=15)


@dataclass
class OutboxPass:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    interrupted: int = 0


def retry_delay(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: 1, 2, 4 … minutes, at most 60."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), MAX_DELAY_MINUTES))


def interrupted_reason() -> str:
    return _("Interrupted while sending; check whether it arrived before sending it again.")


def outbox_claim(message_pk: int, *, now: datetime) -> bool:
    """Take a due queued message for sending; False when another worker has it or it is not
    due. Runs in autocommit so the claim is visible to every other worker at once."""
    changed = Message.objects.filter(
        pk=message_pk,
        direction=Message.Direction.OUTBOUND,
        state=Message.State.QUEUED,
        next_attempt_at__lte=now,
    ).update(
        state=Message.State.SENDING,
        attempts=F("attempts") + 1,
        next_attempt_at=now + SENDING_LEASE,
    )
    return changed == 1


def envelope_recipients(message: Message) -> list[str]:
    seen: list[str] = []
    for entry in [*message.to, *message.cc, *message.bcc]:
        address = str(entry.get("address", "")).lower()
        if address and address not in seen:
            seen.append(address)
    return seen


def message_deliver(*, message: Message) -> smtp.SmtpResult:
    """Hand the stored bytes of a claimed message to its mailbox's SMTP server.

    Touches no database state: ``outbox_send_one`` records the outcome. Raises the errors of
    ``smtp.smtp_send``; a message without a mailbox fails permanently.
    """
    if message.mailbox is None:
        raise smtp.SmtpPermanentError(_("The mailbox of this message was deleted."))
    return smtp.smtp_send(
        mailbox=message.mailbox,
        sender=message.mailbox.address,
        recipients=envelope_recipients(message),
        data=rawstore.raw_read(message.raw_sha256),
    )


def _record(message: Message, **fields: object) -> None:
    Message.objects.filter(pk=message.pk, state=Message.State.SENDING).update(**fields)


def outbox_send_one(message_pk: int, *, now: datetime | None = None) -> str | None:
    """Claim, send and record one message; its new state, or None when it was not claimed."""
    now = now or timezone.now()
    if not outbox_claim(message_pk, now=now):
        return None
    message = Message.objects.select_related("mailbox", "case").get(pk=message_pk)
    try:
        result = message_deliver(message=message)
    except smtp.SmtpPermanentError as error:
        logger.info("message %s refused: %s", message.pk, error)
        _record(message, state=Message.State.FAILED, error=str(error), next_attempt_at=None)
        return Message.State.FAILED
    except Exception as error:
        if isinstance(error, smtp.SmtpTemporaryError):
            logger.info("message %s not sent yet: %s", message.pk, error)
        else:
            logger.exception("message %s could not be sent", message.pk)
        text = str(error) or error.__class__.__name__
        if message.attempts >= MAX_ATTEMPTS:
            _record(message, state=Message.State.FAILED, error=text, next_attempt_at=None)
            return Message.State.FAILED
        _record(
            message,
            state=Message.State.QUEUED,
            error=text,
            next_attempt_at=now + retry_delay(message.attempts),
        )
        return Message.State.QUEUED
    refused = "; ".join(f"{address}: {reply}" for address, reply in result.refused.items())
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(
            state=Message.State.SENT,
            sent_at=timezone.now(),
            error=refused,
            next_attempt_at=None,
        )
        status_after_sending.status_after_sending_apply_safely(message_pk=message.pk)
    return Message.State.SENT


def outbox_reconcile(*, now: datetime | None = None) -> int:
    """Mark failed every message left in ``sending`` past its lease (its worker died while
    sending); never resends. Returns how many were marked."""
    now = now or timezone.now()
    marked = Message.objects.filter(
        direction=Message.Direction.OUTBOUND,
        state=Message.State.SENDING,
        next_attempt_at__lte=now,
    ).update(state=Message.State.FAILED, error=interrupted_reason(), next_attempt_at=None)
    if marked:
        logger.warning("%s messages were interrupted while sending; marked failed", marked)
    return marked


def outbox_send_due(*, now: datetime | None = None, limit: int = BATCH_SIZE) -> OutboxPass:
    """One pass of the outbox: reconcile interrupted sends, then send what is due, oldest
    first. Safe to run in several workers at once (each message is claimed)."""
    now = now or timezone.now()
    outcome = OutboxPass(interrupted=outbox_reconcile(now=now))
    due = list(
        Message.objects.filter(
            direction=Message.Direction.OUTBOUND,
            state=Message.State.QUEUED,
            next_attempt_at__lte=now,
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for message_pk in due:
        state = outbox_send_one(message_pk, now=now)
        if state == Message.State.SENT:
            outcome.sent += 1
        elif state == Message.State.QUEUED:
            outcome.retried += 1
        elif state == Message.State.FAILED:
            outcome.failed += 1
    return outcome
