"""Reads of the outbox page: outgoing mail by state, as the viewer may see it.

Who watches the outbox: administrators and managers (``may_watch_outbox``). Their rows still
come through ``Message.objects.visible_to``, so a message of a case they may not see is not
theirs to see or change either (404).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from kartoteka.mail.models import Message
from kartoteka.mail.sending.status_after_sending import PendingStatus, pending_status_changes

if TYPE_CHECKING:
    from kartoteka.cases.models import Case
    from kartoteka.people.models import User

QUEUED = "queued"
FAILED = "failed"
SENT = "sent"
CANCELLED = "cancelled"
VIEWS = (QUEUED, FAILED, SENT, CANCELLED)
SENT_DAYS_DEFAULT = 7
SENT_DAYS_MAX = 366


def may_watch_outbox(user: object) -> bool:
    """Administrators and managers (staff who see everything) watch the outbox."""
    return bool(getattr(user, "is_staff_member", False) and getattr(user, "sees_everything", False))


def _outgoing(user: User) -> QuerySet[Message]:
    return Message.objects.visible_to(user).filter(direction=Message.Direction.OUTBOUND)


def outbox_messages(*, user: User, view: str, days: int = SENT_DAYS_DEFAULT) -> QuerySet[Message]:
    """The outgoing messages of one view of the outbox, in its order: waiting (``queued`` and
    ``sending``, next due first), ``failed`` (newest first), ``sent`` in the last ``days``
    days (newest first; also those a bounce later reported undelivered) and ``cancelled``.
    With their case, mailbox, author and the status they were to set (no query per row)."""
    rows = _outgoing(user).select_related("case", "mailbox", "author", "status_after_sending")
    if view == QUEUED:
        # A message in ``sending`` past its lease: its worker likely died (see ``outbox``).
        interrupted = Q(state=Message.State.SENDING, next_attempt_at__lte=timezone.now())
        return (
            rows.filter(state__in=[Message.State.QUEUED, Message.State.SENDING])
            .annotate(interrupted=ExpressionWrapper(interrupted, output_field=BooleanField()))
            .order_by("next_attempt_at", "pk")
        )
    if view == FAILED:
        return rows.filter(state=Message.State.FAILED).order_by("-created_at", "-pk")
    if view == SENT:
        since = timezone.now() - timedelta(days=days)
        return rows.filter(state=Message.State.SENT, sent_at__gte=since).order_by("-sent_at", "-pk")
    if view == CANCELLED:
        return rows.filter(state=Message.State.CANCELLED).order_by("-created_at", "-pk")
    return rows.none()


def outbox_failed_count(user: object) -> int:
    """How many outgoing messages failed, of those the user sees (the navigation's count);
    0, without a query, for those who do not watch the outbox."""
    if not may_watch_outbox(user):
        return 0
    return _outgoing(user).filter(state=Message.State.FAILED).count()  # type: ignore[arg-type]


def outbox_message_get_for_user(user: User, pk: int) -> Message:
    """An outgoing message the user sees and may act on in the outbox, with its case and the
    status it was to set; 404 otherwise (another's invisible message, an inbound one)."""
    message = (
        _outgoing(user).select_related("case", "status_after_sending").filter(pk=pk).first()
        if may_watch_outbox(user)
        else None
    )
    if message is None:
        raise Http404
    return message


@dataclass(frozen=True)
class CaseOutbox:
    """What the top of a case page says of its outgoing mail: replies that failed (with the
    server's answer in ``Message.error``, and the status each did not set), status changes
    waiting for a reply on its way, and whether the reader may retry or cancel."""

    failed: list[PendingStatus]  # ``status`` None: the reply was to set none
    waiting: list[PendingStatus]
    may_act: bool


def case_outbox(*, case: Case, user: object) -> CaseOutbox:
    """``CaseOutbox`` of a case whose messages are fetched already (its conversation's):
    no query, but one for the wanted statuses when a change is pending."""
    messages = list(case.messages.all())
    pending = {p.message.pk: p for p in pending_status_changes(messages)}
    failed = [
        pending.get(message.pk) or PendingStatus(message=message, status=None)
        for message in messages
        if message.direction == Message.Direction.OUTBOUND and message.state == Message.State.FAILED
    ]
    waiting = [p for p in pending.values() if p.message.state != Message.State.FAILED]
    return CaseOutbox(failed=failed, waiting=waiting, may_act=may_watch_outbox(user))
