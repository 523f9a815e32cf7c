"""Moving conversations between cases: merging two cases, moving one message, and making a
new case out of one message (from triage, or split off another case's thread).

Every function runs in one transaction and locks what it changes (``select_for_update``): the
message row, and for a merge both cases. A message is moved only from where the user saw it
(``from_case``: the number of its case, ``None`` for the triage inbox or for mail filed to a
customer without a case by an archive mailbox); when someone else moved,
placed or discarded it meanwhile, ``MessageMovedError`` says where it is now and nothing is
done, so a double submission never acts twice. Each change is written to the history of every
case it touches through ``cases.events``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kartoteka.cases import events
from kartoteka.cases.models import Case, CaseAttachment, CaseNote, Status
from kartoteka.cases.services import case_create, case_settings, case_update
from kartoteka.core.search_index import index_rescope
from kartoteka.mail.models import Message
from kartoteka.mail.search_entries import message_index

if TYPE_CHECKING:
    from kartoteka.customers.models import Account, Contact
    from kartoteka.people.models import User

# What may move: received mail placed in a case, waiting in triage or filed to a customer
# without one, and sent mail that has gone (or failed for good); mail still queued or being
# sent stays where the outbox put it.
MOVABLE_STATES = frozenset(
    {
        Message.State.PLACED,
        Message.State.TRIAGE,
        Message.State.ARCHIVED,
        Message.State.SENT,
        Message.State.FAILED,
    }
)
# Where a message waits when it is in no case: what ``from_case=None`` may take.
_OUTSIDE_CASES = frozenset({Message.State.TRIAGE, Message.State.ARCHIVED})


class MessageMovedError(ValidationError):
    """The message is no longer where the user saw it; ``case_number`` is where it is now."""

    def __init__(self, message: str, *, case_number: int | None) -> None:
        super().__init__(message, code="moved_meanwhile")
        self.case_number = case_number


@dataclass
class MergeResult:
    messages: int = 0
    notes: int = 0
    attachments: int = 0
    contacts_added: list[Contact] = field(default_factory=list)
    # Contacts of another customer: a case keeps only its own customer's people.
    contacts_left: list[Contact] = field(default_factory=list)


def _message_locked(message: Message, *, from_case: int | None) -> Message:
    """The message's row, locked, if it is still where the user saw it (else
    ``MessageMovedError``)."""
    locked = (
        Message.objects.select_for_update(of=("self",))
        .select_related("case")
        .filter(pk=message.pk)
        .first()
    )
    if locked is None:
        raise MessageMovedError(_("This message no longer exists."), case_number=None)
    now_in = locked.case.number if locked.case is not None else None
    if now_in != from_case or (from_case is None and locked.state not in _OUTSIDE_CASES):
        if now_in is not None:
            text = _("This message was moved to case #%(number)s meanwhile; nothing was done.")
        elif locked.state == Message.State.DISCARDED:
            text = _("This message was discarded as spam meanwhile; nothing was done.")
        else:
            text = _("This message no longer waits in triage; nothing was done.")
        raise MessageMovedError(text % {"number": now_in}, case_number=now_in)
    if locked.state not in MOVABLE_STATES:
        raise ValidationError(
            _("This message is still being sent; move it once it has gone."), code="sending"
        )
    return locked


def _target_check(target: Case, *, source: Case | None) -> None:
    if source is not None and target.pk == source.pk:
        raise ValidationError(
            {"target": _("The message is already in case #%(n)s.") % {"n": target.number}},
            code="same_case",
        )
    if target.merged_into_id is not None:
        raise ValidationError(
            {
                "target": _("Case #%(number)s was merged into case #%(final)s; choose that one.")
                % {"number": target.number, "final": _final_number(target)}
            },
            code="merged",
        )


def _final_number(case: Case) -> int:
    """The number of the case ``case`` was merged into, along a chain of merges."""
    seen = {case.pk}
    while case.merged_into_id is not None:
        onward = Case.objects.filter(pk=case.merged_into_id).first()
        if onward is None or onward.pk in seen:
            break
        seen.add(onward.pk)
        case = onward
    return case.number


def _place(message: Message, case: Case) -> None:
    message.case = case
    message.account_id = case.account_id
    if message.state == Message.State.TRIAGE:
        message.state = Message.State.PLACED
    elif message.state == Message.State.ARCHIVED:
        inbound = message.direction == Message.Direction.INBOUND
        message.state = Message.State.PLACED if inbound else Message.State.SENT
    message.save(update_fields=["case", "account", "state"])
    message_index(message)  # its entry names the customer whose file's search finds it


@transaction.atomic
def message_move(*, message: Message, target: Case, by: User, from_case: int | None) -> Case:
    """Move ``message`` into ``target`` (from its case, or out of triage when ``from_case`` is
    None): locks the message and the target, records the move in both cases' history.

    Moving into a case of another customer is allowed (the page warns); a merged target or the
    message's own case is refused.
    """
    locked = _message_locked(message, from_case=from_case)
    source = locked.case
    target = Case.objects.select_for_update().get(pk=target.pk)
    _target_check(target, source=source)
    _place(locked, target)
    events.message_moved_events(message=locked, source=source, target=target, by=by)
    return target


@transaction.atomic
def case_from_message(
    *,
    message: Message,
    by: User,
    from_case: int | None,
    subject: str,
    account: Account | None,
    contacts: Iterable[Contact] = (),
    reporter: Contact | None = None,
) -> Case:
    """A new case holding ``message`` (taken out of triage, or split off its case).

    Locks the message; the case is made by ``case_create`` (the customer's contacts only; the
    group of the mailbox the message came to; the channel "email"), and the history of both
    cases says so.
    """
    locked = _message_locked(message, from_case=from_case)
    source = locked.case
    data: dict[str, object] = {}
    if reporter is not None:
        data["reporter"] = reporter
    group = locked.mailbox.group if locked.mailbox is not None else None
    if group is not None:
        data["group"] = group
    # Born of an email, the case is an email case whoever placed it: the rules for email cases
    # (round robin, first answers) act on it as on one that found its way alone.
    case = case_create(
        by=by,
        subject=subject,
        account=account,
        contacts=contacts,
        data=data,
        channel=Case.Channel.EMAIL,
    )
    _place(locked, case)
    events.case_created_from_message_event(case=case, message=locked, source=source, by=by)
    return case


def closing_status() -> Status | None:
    """The status a merged case gets: the settings' "after our reply" status when it closes
    a case, else the first closing status of the list."""
    reply = case_settings().reply_status
    if reply is not None and reply.closes_case:
        return reply
    return Status.objects.filter(closes_case=True).order_by("position", "name").first()


def case_merge_check(*, source: Case, target: Case) -> None:
    """Why ``source`` cannot be merged into ``target`` (``ValidationError``), if it cannot."""
    if source.pk == target.pk:
        raise ValidationError(
            {"target": _("A case cannot be merged into itself.")}, code="same_case"
        )
    if source.merged_into_id is not None:
        raise ValidationError(
            _("Case #%(number)s was already merged into case #%(final)s.")
            % {"number": source.number, "final": _final_number(source)},
            code="already_merged",
        )
    if target.merged_into_id is not None:
        raise ValidationError(
            {
                "target": _(
                    "Case #%(number)s was merged into case #%(final)s; merge into that one."
                )
                % {"number": target.number, "final": _final_number(target)}
            },
            code="merged",
        )
    if (
        source.account_id is not None
        and target.account_id is not None
        and source.account_id != target.account_id
    ):
        raise ValidationError(
            {
                "target": _(
                    "Cases #%(source)s and #%(target)s belong to different customers; only cases "
                    "of one customer (or without one) can be merged."
                )
                % {"source": source.number, "target": target.number}
            },
            code="other_customer",
        )


@transaction.atomic
def case_merge(*, source: Case, target: Case, by: User) -> MergeResult:
    """Merge ``source`` into ``target``: its messages, notes and attachments move, its contacts
    join the target's (those of the target's customer, when it has one: ``case_update``
    records the change); ``source`` keeps its own history, points to ``target``
    (``merged_into``: its number then routes mail there) and gets a closing status.

    Both cases are locked (in id order); refused when ``case_merge_check`` says no, which the
    locked rows decide, so a repeated or concurrent merge does nothing twice.
    """
    locked = {
        case.pk: case
        for case in Case.objects.select_for_update()
        .filter(pk__in=[source.pk, target.pk])
        .order_by("pk")
    }
    if source.pk not in locked or target.pk not in locked:
        raise ValidationError(_("One of the cases no longer exists."), code="gone")
    source, target = locked[source.pk], locked[target.pk]
    case_merge_check(source=source, target=target)

    result = MergeResult()
    rescoped = source.account_id != target.account_id
    moved = {
        kind: list(model.objects.filter(case=source).values_list("pk", flat=True))
        for kind, model in (("message", Message), ("note", CaseNote))
        if rescoped
    }
    result.messages = Message.objects.filter(case=source).update(
        case=target, account_id=target.account_id
    )
    result.notes = CaseNote.objects.filter(case=source).update(
        case=target, account_id=target.account_id
    )
    for kind, object_ids in moved.items():  # the target's customer finds them in its file
        index_rescope(kind, object_ids, target.account_id)
    result.attachments = CaseAttachment.objects.filter(case=source).update(case=target)

    present = {contact.pk for contact in target.contacts.all()}
    for contact in source.contacts.order_by("last_name", "first_name", "pk"):
        if contact.pk in present:
            continue
        if target.account_id is None or contact.account_id == target.account_id:
            result.contacts_added.append(contact)
        else:
            result.contacts_left.append(contact)
    if result.contacts_added:
        union = [*target.contacts.all(), *result.contacts_added]
        case_update(case=target, by=by, data={}, contacts=union)

    source.merged_into = target
    closing = closing_status()
    update_fields = ["merged_into", "updated_at"]
    if closing is not None and closing.pk != source.status_id:
        source.status = closing
        source.status_changed_at = timezone.now()
        source.overdue_since = None
        update_fields.extend(["status", "status_changed_at", "overdue_since"])
    source._history_user = by  # type: ignore[attr-defined]
    source.save(update_fields=update_fields)
    events.cases_merged_events(source=source, target=target, by=by, moved=result.messages)
    return result
