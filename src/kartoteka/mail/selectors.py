"""Reads of stored mail; every one starts from ``Message.objects.visible_to(user)``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.http import Http404

from kartoteka.mail.models import Message

if TYPE_CHECKING:
    from kartoteka.people.models import User


def triage_list(user: User) -> QuerySet[Message]:
    """Received messages waiting in triage, newest first (none for who does not work with
    cases)."""
    return (
        Message.objects.visible_to(user)
        .filter(direction=Message.Direction.INBOUND, state=Message.State.TRIAGE)
        .select_related("mailbox", "points_to_case")
        .order_by("-created_at", "-pk")
    )


def triage_message_get_for_user(user: User, pk: int) -> Message:
    """A message in triage with its attachments, if the user may see it (else 404)."""
    message = triage_list(user).prefetch_related("attachments").filter(pk=pk).first()
    if message is None:
        raise Http404
    return message


def message_get_for_user(user: User, pk: int) -> Message:
    """Any stored message the user may see (of a visible case, or not placed yet), else 404."""
    message = (
        Message.objects.visible_to(user)
        .select_related("mailbox", "case")
        .prefetch_related("attachments")
        .filter(pk=pk)
        .first()
    )
    if message is None:
        raise Http404
    return message


def unparsable_list(user: User) -> QuerySet[Message]:
    """Messages that could not be read (and triage messages with an error), newest first, for
    administrators to look at and reprocess."""
    if not user.is_administrator:
        return Message.objects.none()
    return (
        Message.objects.visible_to(user)
        .filter(reprocessable())
        .select_related("mailbox")
        .order_by("-created_at", "-pk")
    )


def reprocessable() -> Q:
    """Received messages that may be read again: unparsable, or in triage with an error."""
    return Q(direction=Message.Direction.INBOUND) & (
        Q(state=Message.State.UNPARSABLE) | (Q(state=Message.State.TRIAGE) & ~Q(error=""))
    )


def message_points_to_case(message: Message) -> int | None:
    """The case a forged tag or header named (the message waits in triage because of it)."""
    if not message.forged or message.points_to_case_id is None:
        return None
    return message.points_to_case.number if message.points_to_case is not None else None
