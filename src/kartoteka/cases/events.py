"""The events of a case: one creator function per kind (STYLE rule 8).

Changes of a case's plain fields are kept by ``Case.history``; everything else that happens to
a case (its contacts, messages moved in or out, merges, cases split off a message) is a
``CaseEvent`` row written here and nowhere else. Each row names what it refers to by number
and text, so it still reads right after the other case or the message is gone.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol

from kartoteka.cases.models import Case, CaseEvent

if TYPE_CHECKING:
    from kartoteka.customers.models import Contact
    from kartoteka.people.models import User


def _event(case: Case, kind: str, by: User | None, **data: Any) -> CaseEvent:
    return CaseEvent.objects.create(case=case, kind=kind, actor=by, data=data)


def _people(contacts: Iterable[Contact]) -> list[dict[str, Any]]:
    return sorted(
        ({"id": contact.pk, "name": str(contact)} for contact in contacts),
        key=lambda person: person["id"],
    )


class MessageRef(Protocol):
    """What a history line keeps of an email (``mail.models.Message``)."""

    pk: Any
    subject: str


def _message_data(message: MessageRef) -> dict[str, Any]:
    return {"message": message.pk, "subject": message.subject[:255]}


def contacts_changed_event(
    *, case: Case, by: User | None, old: Iterable[Contact], new: Iterable[Contact]
) -> CaseEvent:
    return _event(case, CaseEvent.Kind.CONTACTS_CHANGED, by, old=_people(old), new=_people(new))


def message_moved_events(
    *, message: MessageRef, source: Case | None, target: Case, by: User | None
) -> None:
    """A message moved from ``source`` (None: from triage) to ``target``: a line in both."""
    data = _message_data(message)
    if source is not None:
        _event(source, CaseEvent.Kind.MESSAGE_MOVED_OUT, by, other_case=target.number, **data)
    other = source.number if source is not None else None
    _event(target, CaseEvent.Kind.MESSAGE_MOVED_IN, by, other_case=other, **data)


def message_to_triage_event(*, message: MessageRef, source: Case, by: User | None) -> CaseEvent:
    """A message taken out of ``source`` back to the triage inbox (its sender was not part of
    the case)."""
    return _event(
        source, CaseEvent.Kind.MESSAGE_MOVED_OUT, by, other_case=None, **_message_data(message)
    )


def case_created_from_message_event(
    *, case: Case, message: MessageRef, source: Case | None, by: User | None
) -> None:
    """A case made by hand from a message (of triage, or split off ``source``)."""
    other = source.number if source is not None else None
    _event(
        case, CaseEvent.Kind.CREATED_FROM_MESSAGE, by, other_case=other, **_message_data(message)
    )
    if source is not None:
        _event(
            source,
            CaseEvent.Kind.MESSAGE_MOVED_OUT,
            by,
            other_case=case.number,
            **_message_data(message),
        )


def cases_merged_events(*, source: Case, target: Case, by: User | None, moved: int) -> None:
    """``source`` merged into ``target`` (``moved`` messages went along): a line in both."""
    _event(source, CaseEvent.Kind.MERGED_INTO, by, other_case=target.number, messages=moved)
    _event(
        target,
        CaseEvent.Kind.MERGED_FROM,
        by,
        other_case=source.number,
        subject=source.subject,
        messages=moved,
    )


def case_overdue_event(*, case: Case, status: str, days: int, told: Iterable[str]) -> CaseEvent:
    """The overdue job found the case ``days`` days in ``status``; ``told``: who got mail."""
    return _event(case, CaseEvent.Kind.OVERDUE, None, status=status, days=days, told=list(told))


# The mailbox a case's mail goes out from is kept by the mail app (``mail.models.CaseMailbox``);
# its changes are case events like the others.


def mailbox_changed_event(*, case: Case, by: User | None, old: str, new: str) -> CaseEvent:
    """The case's mailbox changed from ``old`` to ``new`` (names as shown; "" the default)."""
    return _event(case, CaseEvent.Kind.MAILBOX_CHANGED, by, old=old[:255], new=new[:255])


# The outbox (``mail.sending.outbox``): a person retried or cancelled a reply of the case, or
# the status a reply was to set once the server accepted it was left as it was.


def reply_retried_event(*, case: Case, message: MessageRef, by: User | None) -> CaseEvent:
    return _event(case, CaseEvent.Kind.REPLY_RETRIED, by, **_message_data(message))


def reply_cancelled_event(
    *, case: Case, message: MessageRef, by: User | None, status: str
) -> CaseEvent:
    """``status``: the name of the status the reply was to set once sent ("" none)."""
    return _event(
        case, CaseEvent.Kind.REPLY_CANCELLED, by, status=status[:255], **_message_data(message)
    )


def status_not_applied_event(
    *, case: Case, message: MessageRef, status: str, reason: str
) -> CaseEvent:
    """The reply was sent, but ``status`` (its name) was not set: ``reason`` is
    "customer_wrote" (a received message came in meanwhile) or "status_changed" (someone
    changed the case's status meanwhile)."""
    return _event(
        case,
        CaseEvent.Kind.STATUS_NOT_APPLIED,
        None,
        status=status[:255],
        reason=reason,
        **_message_data(message),
    )
