"""What a person does in the outbox page: send a message again, or cancel it.

Both change the message's state by one conditional ``UPDATE`` that must change exactly one
row, the discipline of the worker's claim (``outbox.outbox_claim``): of a cancel and a claim
racing for the same queued message exactly one wins, so a cancelled message is never sent
and a message being sent is never called cancelled.

Retry: a failed message, or a queued one waiting for its next attempt, is queued again and
due now (the worker is woken after commit). Its attempts keep counting, as the page shows;
past ``outbox.MAX_ATTEMPTS`` each retry is one attempt, and a temporary failure then fails
it again instead of retrying in the background.

A message in ``sending`` is neither retried nor cancelled. Its worker may be talking to the
server at this moment, or may have died after the server accepted it; whether it arrived
cannot be known, and SMTP servers accept the same message twice. Once its lease has run out
the worker's ``outbox.outbox_reconcile`` marks it failed with a reason that says so; the
person who checked with the recipient may then retry it.

Each action writes a line in its case's history (``cases.events``).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kartoteka.cases import events
from kartoteka.mail.models import Message
from kartoteka.mail.sending.tasks import send_due_messages

if TYPE_CHECKING:
    from kartoteka.people.models import User

RETRYABLE = (Message.State.FAILED, Message.State.QUEUED)
CANCELLABLE = (Message.State.QUEUED, Message.State.FAILED)


def _refused(message: Message) -> ValidationError:
    """Why the message's state does not allow the action (it may have changed meanwhile)."""
    state = Message.objects.filter(pk=message.pk).values_list("state", flat=True).first()
    texts: dict[str, str] = {
        Message.State.SENDING: _(
            "The message is being sent right now; if it stays so, it is marked failed "
            "for you to check."
        ),
        Message.State.SENT: _("The message was sent meanwhile."),
        Message.State.CANCELLED: _("The message was cancelled meanwhile."),
    }
    return ValidationError(
        texts.get(state or "", _("Only a queued or failed message can be changed here.")),
        code="state",
    )


def _wake_worker() -> None:
    send_due_messages.enqueue()


@transaction.atomic
def outbox_retry(*, message: Message, by: User, now: datetime | None = None) -> None:
    """Queue a failed or waiting outbound message again, due now; a line in its case's
    history. Raises ``ValidationError`` when its state does not allow it (sending, sent,
    cancelled: possibly changed by a worker meanwhile) or nothing is left to send (its
    content was erased)."""
    now = now or timezone.now()
    if not message.raw_sha256:
        raise ValidationError(
            _("Nothing is left to send: the message's content was erased."), code="erased"
        )
    changed = Message.objects.filter(
        pk=message.pk, direction=Message.Direction.OUTBOUND, state__in=RETRYABLE
    ).update(state=Message.State.QUEUED, next_attempt_at=now)
    if changed != 1:
        raise _refused(message)
    if message.case is not None:
        events.reply_retried_event(case=message.case, message=message, by=by)
    transaction.on_commit(_wake_worker)


@transaction.atomic
def outbox_cancel(*, message: Message, by: User) -> None:
    """Cancel a queued or failed outbound message: it is never sent, and the status it was
    to set (``status_after_sending``) is not set; a line in its case's history. Raises
    ``ValidationError`` when its state does not allow it (a worker may have claimed it)."""
    changed = Message.objects.filter(
        pk=message.pk, direction=Message.Direction.OUTBOUND, state__in=CANCELLABLE
    ).update(state=Message.State.CANCELLED, next_attempt_at=None)
    if changed != 1:
        raise _refused(message)
    if message.case is not None:
        status = message.status_after_sending
        events.reply_cancelled_event(
            case=message.case, message=message, by=by, status=status.name if status else ""
        )
