"""What happened to a case: the words the services use to report it.

The services that write cases, notes and mail report each happening here, inside their
transaction (``case_created``, ``case_updated``, ``message_received``, ``note_added``,
``case_overdue``). What follows from it (followers, workflow rules, staff notifications,
customer notices) stands in higher layers, which cases may not import: the workflows app hands
its follow-up to ``follow_up_with`` when Django starts (``WorkflowsConfig.ready``), and every
reported happening goes to it (``workflows.followup``: enqueued after commit, nothing for a
transaction that rolls back). Within ``held()`` (the import of a mail archive: old mail, not
news) nothing is reported.
"""

from __future__ import annotations

import contextvars
import dataclasses
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db import models

if TYPE_CHECKING:
    from kartoteka.cases.models import Case, CaseNote
    from kartoteka.people.models import User

_held: contextvars.ContextVar[bool] = contextvars.ContextVar("happenings_held", default=False)


class Kind(StrEnum):
    CASE_CREATED = "case_created"
    CASE_UPDATED = "case_updated"
    MESSAGE_RECEIVED = "message_received"
    NOTE_ADDED = "note_added"
    CASE_OVERDUE = "case_overdue"
    # A person's email from the case (a reply or a forward) was queued: the customer's
    # portal users hear of it (``notifications.portal_notices``); no one else acts on it.
    MESSAGE_SENT = "message_sent"


@dataclasses.dataclass(frozen=True)
class Happening:
    kind: Kind
    case_id: int
    actor_id: int | None = None
    # case_created: the case's channel (``Case.Channel``).
    channel: str = ""
    # case_updated: field name → [old, new], relations by primary key, dates as ISO text; and
    # whether the change came with a message (``Message.Direction``: "in" the customer's mail
    # reopened the case, "out" our reply answered it): then the message is the news.
    changes: dict[str, list[Any]] = dataclasses.field(default_factory=dict)
    with_message: str = ""
    # message_received: the stored message; whether it is an auto-reply (never news to people)
    # and whether it opened the case (then the case's creation is the news).
    message_id: int | None = None
    auto_reply: bool = False
    opened_case: bool = False
    # note_added: the note.
    note_id: int | None = None
    # Made by a workflow rule: rules do not run again on it.
    by_rule: bool = False

    def as_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Happening:
        known = {field.name for field in dataclasses.fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        return cls(**{**values, "kind": Kind(values["kind"])})


@contextmanager
def held() -> Iterator[None]:
    """Report nothing inside: what is written here is history, not news."""
    token = _held.set(True)
    try:
        yield
    finally:
        _held.reset(token)


class PlacedMessage(Protocol):
    """A received message as ``message_received`` reads it (``mail.models.Message``)."""

    pk: Any
    case_id: int | None
    auto_reply: bool


type FollowUp = Callable[[Happening], None]

_follow_up: FollowUp | None = None


def follow_up_with(follow_up: FollowUp) -> None:
    """Hand every happening reported from now on to ``follow_up``, inside the reporting
    transaction (``workflows.followup.happening_reported``, set once when Django starts)."""
    global _follow_up
    _follow_up = follow_up


def _report(happening: Happening) -> None:
    if _held.get():
        return
    if _follow_up is None:
        raise ImproperlyConfigured(
            "Happenings have no follow-up: is kartoteka.workflows installed?"
        )
    _follow_up(happening)


def _actor_id(user: User | None) -> int | None:
    return user.pk if user is not None and user.is_authenticated else None


def case_created(*, case: Case, by: User | None, channel: str, by_rule: bool = False) -> None:
    _report(
        Happening(Kind.CASE_CREATED, case.pk, _actor_id(by), channel=str(channel), by_rule=by_rule)
    )


def case_updated(
    *,
    case: Case,
    by: User | None,
    changes: dict[str, list[Any]],
    by_rule: bool = False,
    with_message: str = "",
) -> None:
    """``changes`` as ``change_value`` gives them; nothing is reported when nothing changed."""
    if changes:
        happening = Happening(
            Kind.CASE_UPDATED,
            case.pk,
            _actor_id(by),
            changes=changes,
            by_rule=by_rule,
            with_message=with_message,
        )
        _report(happening)


def message_received(*, message: PlacedMessage, opened_case: bool = False) -> None:
    """An inbound message placed in its case (``opened_case``: the case was created for it)."""
    if message.case_id is None:
        return
    _report(
        Happening(
            Kind.MESSAGE_RECEIVED,
            message.case_id,
            message_id=message.pk,
            auto_reply=bool(message.auto_reply),
            opened_case=opened_case,
        )
    )


def message_sent(*, message: PlacedMessage, by: User | None) -> None:
    """A person's email from the case was queued (``mail.sending.outbound.reply_create``)."""
    if message.case_id is None:
        return
    _report(Happening(Kind.MESSAGE_SENT, message.case_id, _actor_id(by), message_id=message.pk))


def note_added(*, note: CaseNote) -> None:
    _report(Happening(Kind.NOTE_ADDED, note.case_id, note.author_id, note_id=note.pk))


def case_overdue(*, case: Case) -> None:
    _report(Happening(Kind.CASE_OVERDUE, case.pk))


def change_value(value: Any) -> Any:
    """A field's value as a happening carries it: a relation by primary key, a date as ISO."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value
