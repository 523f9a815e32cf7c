"""The status of "send and set status", set when the server accepts the reply.

Every reply (``outbound.reply_create``) stores the wanted status (``wanted_status``) on the
queued message as it is created, instead of setting it at once; the outbox worker applies
it in the transaction that records the message ``sent`` (``status_after_sending_apply``). A
reply that fails or is cancelled never changes the status; meanwhile the case page shows the
change as pending (``pending_status_changes``).

A reply sent late (retried after a failure) may find the case moved on. The wanted status is
then left as it is, with a line in the case's history, when the customer wrote again after
the reply was queued (their new message is unanswered: closing the case would hide it) or
when the case's status is no longer the one it had when the reply was queued (someone set it
by hand meanwhile, and their choice stands).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction

from kartoteka.cases import events
from kartoteka.cases.models import Case, Status
from kartoteka.cases.services import case_settings, case_update
from kartoteka.mail.models import Message

if TYPE_CHECKING:
    from kartoteka.people.models import User

logger = logging.getLogger(__name__)

# Why a wanted status was not applied (``cases.events.status_not_applied_event``).
CUSTOMER_WROTE = "customer_wrote"
STATUS_CHANGED = "status_changed"


def wanted_status(*, case: Case, status: Status | None) -> Status | None:
    """The status a reply is to set once sent: the chosen one, else the case settings'
    reply status; ``None`` when that is the case's status already."""
    wanted = status or case_settings().reply_status
    if wanted is None or wanted.pk == case.status_id:
        return None
    return wanted


def status_after_sending_set(*, message: Message, case: Case, status: Status | None) -> None:
    """Keep on the queued ``message`` the status its case takes once the message is sent
    (see ``wanted_status``) and the case's status now. In the caller's transaction."""
    message.status_after_sending = wanted_status(case=case, status=status)
    message.status_when_queued_id = case.status_id
    message.save(update_fields=["status_after_sending", "status_when_queued"])


def _customer_wrote_since(message: Message, case: Case) -> bool:
    return Message.objects.filter(
        case=case,
        direction=Message.Direction.INBOUND,
        state=Message.State.PLACED,
        auto_reply=False,
        bounce=False,
        created_at__gt=message.created_at,
    ).exists()


def status_after_sending_apply(*, message_pk: int) -> str:
    """Give the sent message's case the status the message was to set; what happened:
    "" nothing to set, "applied", or why not (``CUSTOMER_WROTE``, ``STATUS_CHANGED``).

    Called by the outbox worker in the transaction that records ``sent``; the case's row is
    locked while it is read and changed. The change is the message author's, reported as
    caused by a message sent (``case_update(with_message="out")``).
    """
    message = (
        Message.objects.select_related("status_after_sending", "author")
        .filter(pk=message_pk, state=Message.State.SENT)
        .first()
    )
    if message is None or message.status_after_sending is None or message.case_id is None:
        return ""
    case = Case.objects.select_for_update().filter(pk=message.case_id).first()
    if case is None:
        return ""
    wanted = message.status_after_sending
    if case.status_id == wanted.pk:
        return ""
    reason = ""
    if _customer_wrote_since(message, case):
        reason = CUSTOMER_WROTE
    elif message.status_when_queued_id is not None and (
        case.status_id != message.status_when_queued_id
    ):
        reason = STATUS_CHANGED
    if reason:
        events.status_not_applied_event(
            case=case, message=message, status=wanted.name, reason=reason
        )
        return reason
    by: User | None = message.author
    case_update(case=case, by=by, data={"status": wanted}, with_message=Message.Direction.OUTBOUND)
    return "applied"


def status_after_sending_apply_safely(*, message_pk: int) -> str:
    """``status_after_sending_apply`` in a savepoint: a failure to set the status is logged
    and leaves the ``sent`` record whole (a message recorded as not sent would be sent again
    by hand, twice)."""
    try:
        with transaction.atomic():
            return status_after_sending_apply(message_pk=message_pk)
    except Exception:
        logger.exception("the status after sending message %s could not be set", message_pk)
        return "error"


@dataclass(frozen=True)
class PendingStatus:
    """A reply's status change not applied yet: waiting (``queued``/``sending``) or held
    back by a failure (``failed``)."""

    message: Message
    status: Status | None

    @property
    def recipients(self) -> str:
        """The message's To addresses, as one line."""
        return ", ".join(str(entry.get("address", "")) for entry in self.message.to)


def pending_status_changes(messages: Iterable[Message]) -> list[PendingStatus]:
    """Of a case's messages (fetched already, e.g. for its conversation), the outgoing ones
    whose status change waits for the server; one query for their statuses when any."""
    waiting = [
        message
        for message in messages
        if message.direction == Message.Direction.OUTBOUND
        and message.status_after_sending_id is not None
        and message.state in (Message.State.QUEUED, Message.State.SENDING, Message.State.FAILED)
    ]
    if not waiting:
        return []
    statuses = Status.objects.in_bulk({message.status_after_sending_id for message in waiting})
    return [
        PendingStatus(message=message, status=statuses[message.status_after_sending_id])
        for message in waiting
        if message.status_after_sending_id in statuses
    ]
