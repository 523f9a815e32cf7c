"""What happened to a case, and everything that follows from it once it is committed.

The services that write cases, notes and mail report each happening here, inside their
transaction (``case_created``, ``case_updated``, ``message_received``, ``note_added``,
``case_overdue``). When the transaction commits, the happening is enqueued as one task,
``workflows.tasks.follow_happening``, which runs ``happening_follow`` in the worker. Nothing
is enqueued for a transaction that rolls back, and nothing slows the writing request.

``happening_follow`` carries out, in this order (``STEPS``), each a function of
``(happening, case)``:

1. followers: auto-follow of new cases, the assignee and the authors follow;
2. workflow rules (never for a change a rule made itself, so rules cannot loop);
3. in-app notifications of the followers and the mentioned, with their emails;
4. notification emails to the customer's side, as the case's settings say.

A failing step is logged and the later steps still run: a broken rule must not keep the
followers uninformed. What the steps themselves cause (a rule assigns the case) is reported
once the whole happening has been followed up, never in the middle of it, so the order of
the news is the same whether the tasks run in a worker or at once. Within ``held()`` (the
import of a mail archive: old mail, not news) nothing is reported.
"""

from __future__ import annotations

import contextvars
import dataclasses
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from kartoteka.cases.models import Case, CaseNote
    from kartoteka.mail.models import Message
    from kartoteka.people.models import User

logger = logging.getLogger(__name__)

STEPS: tuple[str, ...] = (
    "kartoteka.cases.following.followers_update",
    "kartoteka.workflows.engine.rules_apply",
    "kartoteka.notifications.happenings.staff_notify",
    "kartoteka.cases.notices.customer_notices_send",
)

_held: contextvars.ContextVar[bool] = contextvars.ContextVar("happenings_held", default=False)
# While a happening is followed up: what its steps reported (and committed), to enqueue after.
_caused: contextvars.ContextVar[list[dict[str, Any]] | None] = contextvars.ContextVar(
    "happenings_caused", default=None
)


class Kind(StrEnum):
    CASE_CREATED = "case_created"
    CASE_UPDATED = "case_updated"
    MESSAGE_RECEIVED = "message_received"
    NOTE_ADDED = "note_added"
    CASE_OVERDUE = "case_overdue"


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


def _report(happening: Happening) -> None:
    if _held.get():
        return
    from kartoteka.workflows.tasks import follow_happening

    data = happening.as_json()
    caused = _caused.get()
    if caused is not None:
        transaction.on_commit(lambda: caused.append(data))
    else:
        transaction.on_commit(lambda: follow_happening.enqueue(data))


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


def message_received(*, message: Message, opened_case: bool = False) -> None:
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


def happening_follow(happening: Happening) -> None:
    """Carry out every step for one happening (see the module's docstring), then enqueue
    what the steps caused."""
    from kartoteka.cases.models import Case
    from kartoteka.workflows.tasks import follow_happening

    case = Case.objects.filter(pk=happening.case_id).select_related("account").first()
    if case is None:
        return  # deleted meanwhile: nobody is told about a case that is gone
    caused: list[dict[str, Any]] = []
    token = _caused.set(caused)
    try:
        for path in STEPS:
            try:
                import_string(path)(happening, case)
            except Exception:
                logger.exception("%s failed for %s of case #%s", path, happening.kind, case.number)
    finally:
        _caused.reset(token)

    def enqueue_caused() -> None:
        for data in caused:
            follow_happening.enqueue(data)

    # After the steps' own commits have added to ``caused`` (at once in the worker, which runs
    # outside any transaction; in order inside a caller's transaction).
    transaction.on_commit(enqueue_caused)
