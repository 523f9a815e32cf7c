"""The only code that writes what the triage inbox does to a message.

A person places a waiting message in a new case of a customer or in an existing case (both
through ``cases.merge``, which locks the message and refuses one placed meanwhile), may
remember the sender's address on the customer (on one of its contacts, or as a new contact)
so that the next message from it is placed by ``inbound`` without triage, or discards it as
spam: kept ``DISCARD_KEPT_DAYS`` days, restorable, then purged by the periodic job
``tasks_triage.purge_discarded_messages``. The other way, a reply that joined its case with a
new participant (``reading.threading``) is sent back here when that person is not part of
the case (``newcomer_reject``).
"""

from __future__ import annotations

import contextlib
import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kartoteka.cases import events, happenings
from kartoteka.cases.models import Case
from kartoteka.cases.services import case_settings, case_update
from kartoteka.core.search_index import index_remove
from kartoteka.core.sentences import single_stop
from kartoteka.customers.models import Contact, EmailAddress
from kartoteka.customers.services import contact_create, contact_delete, contact_update
from kartoteka.mail.merge import MessageMovedError, case_from_message, message_move
from kartoteka.mail.models import DISCARD_KEPT_DAYS, Message
from kartoteka.mail.reading.threading import clean_subject
from kartoteka.mail.search_entries import message_index

if TYPE_CHECKING:
    from kartoteka.customers.models import Account
    from kartoteka.people.models import User

PURGE_CHUNK_SIZE = 500
ARCHIVED_THREAD_MAX = 500  # messages a filed conversation brings into its new case


def sender_name_parts(message: Message) -> tuple[str, str]:
    """First and last name from the From display name ("Jan Maria Kowalski" → "Jan Maria",
    "Kowalski"); a single word is the last name, no name at all leaves the address."""
    words = re.sub(r"\s+", " ", message.from_name).strip().strip("\"'").split(" ")
    words = [word for word in words if word]
    if len(words) >= 2:
        return " ".join(words[:-1])[:100], words[-1][:100]
    return "", (words[0] if words else message.from_address)[:100]


def _sender(message: Message) -> str:
    if not message.from_address.strip():
        raise ValidationError(_("The message has no sender address to remember."), code="no_sender")
    return message.from_address.strip().lower()


@transaction.atomic
def sender_address_remember(
    *,
    message: Message,
    by: User,
    account: Account,
    contact: Contact | None = None,
    first_name: str = "",
    last_name: str = "",
) -> Contact:
    """Give the sender's address to ``contact`` (a contact of ``account``), or to a new contact
    of ``account`` named ``first_name`` ``last_name`` (by default from the From header).

    Through ``customers.services``, which refuses an address another owner holds; from then
    on mail from it is placed automatically.
    """
    address = _sender(message)
    if contact is not None:
        if contact.account_id != account.pk:
            raise ValidationError(
                {
                    "remember": single_stop(
                        _("%(name)s is not a contact of %(account)s.")
                        % {"name": contact, "account": account.name}
                    )
                },
                code="contact_not_of_account",
            )
        kept = list(EmailAddress.objects.filter(contact=contact).values_list("address", flat=True))
        return contact_update(contact=contact, by=by, data={}, emails=[*kept, address])
    if not (first_name.strip() or last_name.strip()):
        first_name, last_name = sender_name_parts(message)
    if not last_name.strip():
        first_name, last_name = "", first_name
    return contact_create(
        by=by,
        data={"account": account, "first_name": first_name.strip(), "last_name": last_name.strip()},
        emails=[address],
    )


def _sender_contact(message: Message, account: Account | None) -> Contact | None:
    """The contact of ``account`` that already owns the sender's address (for mail we sent,
    the first of its recipients' addresses), if any."""
    if message.direction == Message.Direction.OUTBOUND:
        entries = [*message.to, *message.cc]
        addresses = [str(e.get("address", "")).lower() for e in entries if isinstance(e, dict)]
    else:
        addresses = [message.from_address.strip().lower()]
    addresses = [address for address in addresses if address]
    if account is None or not addresses:
        return None
    owners = {
        contact.owned_address: contact
        for contact in Contact.objects.filter(account=account, emails__address__in=addresses)
        .annotate(owned_address=F("emails__address"))
        .order_by("-pk")
    }
    return next((owners[address] for address in addresses if address in owners), None)


@transaction.atomic
def triage_case_create(
    *,
    message: Message,
    by: User,
    account: Account,
    subject: str,
    remember: bool = False,
    contact: Contact | None = None,
    first_name: str = "",
    last_name: str = "",
) -> Case:
    """A new case of ``account`` holding the waiting ``message``; with ``remember`` the sender's
    address is first remembered (see ``sender_address_remember``) and that contact becomes
    the case's contact and reporter. All or nothing; refused when the message was placed
    meanwhile."""
    person = _sender_contact(message, account)
    if remember:
        person = sender_address_remember(
            message=message,
            by=by,
            account=account,
            contact=contact,
            first_name=first_name,
            last_name=last_name,
        )
    return case_from_message(
        message=message,
        by=by,
        from_case=None,
        subject=subject,
        account=account,
        contacts=[person] if person is not None else [],
        reporter=person,
    )


@transaction.atomic
def archived_case_create(*, message: Message, by: User) -> Case:
    """A new case of the customer ``message`` was filed to without a case (by an archive
    mailbox), holding it and the rest of its conversation filed there too (``archived_thread``),
    oldest first: its subject the message's, its contact the correspondent's contact of that
    customer. Refused when the message was placed meanwhile (``MessageMovedError``); a message
    of the conversation placed meanwhile stays where it is."""
    if message.account is None:
        raise ValidationError(_("The message is filed to no customer."), code="no_customer")
    conversation = archived_thread(message)
    case = triage_case_create(
        message=message,
        by=by,
        account=message.account,
        subject=clean_subject(message.subject)[:255] or _("(no subject)"),
    )
    for other in conversation:
        with contextlib.suppress(MessageMovedError):
            message_move(message=other, target=case, by=by, from_case=None)
    return case


def archived_thread(message: Message, *, limit: int = ARCHIVED_THREAD_MAX) -> list[Message]:
    """The other messages of ``message``'s conversation filed to its customer without a case:
    those it replies to and those replying to it, by Message-ID (In-Reply-To, References),
    followed link by link; oldest first, at most ``limit``."""
    if message.account_id is None:
        return []
    filed = Message.objects.filter(
        account_id=message.account_id, case__isnull=True, state=Message.State.ARCHIVED
    ).exclude(pk=message.pk)
    found: dict[int, Message] = {}
    frontier = {message.message_id, message.in_reply_to, *message.references.split()} - {""}
    seen_ids: set[str] = set()
    while frontier and len(found) < limit:
        seen_ids |= frontier
        linked = Q(message_id__in=frontier) | Q(in_reply_to__in=frontier)
        for message_id in frontier:
            linked |= Q(references__contains=message_id)
        new = list(filed.filter(linked).exclude(pk__in=found)[: limit - len(found)])
        for other in new:
            found[other.pk] = other
        frontier = (
            {
                value
                for other in new
                for value in (other.message_id, other.in_reply_to, *other.references.split())
            }
            - seen_ids
            - {""}
        )
    return sorted(found.values(), key=lambda other: (other.created_at, other.pk))


@transaction.atomic
def triage_case_append(
    *,
    message: Message,
    by: User,
    case: Case,
    remember: bool = False,
    contact: Contact | None = None,
    first_name: str = "",
    last_name: str = "",
) -> Case:
    """Append the waiting ``message`` to ``case``; with ``remember`` the sender's address is
    first remembered on the case's customer. Refused when the message was placed meanwhile.
    A customer's own message moves the case to the incoming status (reopening a closed one),
    as it would have had it found its case by itself; an auto-reply does not. Its followers
    hear of the message (``cases.happenings``)."""
    if remember:
        if case.account is None:
            raise ValidationError(
                {
                    "remember": _("Case #%(number)s has no customer to remember the address on.")
                    % {"number": case.number}
                },
                code="no_customer",
            )
        sender_address_remember(
            message=message,
            by=by,
            account=case.account,
            contact=contact,
            first_name=first_name,
            last_name=last_name,
        )
    with transaction.atomic():
        placed = message_move(message=message, target=case, by=by, from_case=None)
        incoming = case_settings().incoming_status
        if (
            incoming is not None
            and not (message.auto_reply or message.bounce)
            and placed.status_id != incoming.pk
        ):
            case_update(
                case=placed,
                by=by,
                data={"status": incoming},
                with_message=Message.Direction.INBOUND,
            )
        # Placed by hand, the message is news to the case's followers as if it found its way.
        message.case = placed
        happenings.message_received(message=message)
    return placed


def _locked_in(message: Message, state: str) -> Message:
    locked = Message.objects.select_for_update().filter(pk=message.pk).first()
    if locked is None or locked.state != state:
        raise ValidationError(
            _("Someone else handled this message meanwhile; nothing was done."),
            code="handled_meanwhile",
        )
    return locked


@transaction.atomic
def message_discard(*, message: Message, by: User) -> Message:
    """Set a waiting message aside as spam (kept ``DISCARD_KEPT_DAYS`` days, restorable).

    Locks the message; refused when it no longer waits in triage."""
    locked = _locked_in(message, Message.State.TRIAGE)
    locked.state = Message.State.DISCARDED
    locked.discarded_at = timezone.now()
    locked.discarded_by = by
    locked.save(update_fields=["state", "discarded_at", "discarded_by"])
    return locked


@transaction.atomic
def message_restore(*, message: Message, by: User) -> Message:
    """Put a discarded message back in the triage inbox. Locks it; refused when it is no
    longer discarded (restored meanwhile, or purged)."""
    locked = _locked_in(message, Message.State.DISCARDED)
    locked.state = Message.State.TRIAGE
    locked.discarded_at = None
    locked.discarded_by = None
    locked.save(update_fields=["state", "discarded_at", "discarded_by"])
    return locked


@transaction.atomic
def ignored_message_to_triage(*, message: Message, by: User) -> Message:
    """Put a message that was set aside as automatic in the triage inbox, where a person
    places it. Locks it; refused when it is no longer ignored."""
    locked = _locked_in(message, Message.State.IGNORED)
    locked.state = Message.State.TRIAGE
    locked.reason = f"moved from ignored mail by {by.get_username()} ({locked.reason})"[:255]
    locked.save(update_fields=["state", "reason"])
    return locked


@transaction.atomic
def newcomer_reject(*, message: Message, by: User) -> Case:
    """Say that the sender a reply brought into its case (a newcomer, see
    ``reading.threading``) is not part of it: the message goes back to the triage inbox,
    marked as pointing to that case, and the participant it added goes too. A contact made
    for the newcomer leaves the case's contacts, and is deleted when nobody has used it since
    (no other case, no login, never edited by a user); an extra address was the message
    itself. Later mail of that sender placed meanwhile stays where it is.

    Locks the message and its case; refused (``ValidationError``) when the message is no
    longer in the case with a newcomer, so a second click does nothing. Returns the case.
    """
    locked = (
        Message.objects.select_for_update(of=("self",))
        .select_related("newcomer_contact")
        .filter(pk=message.pk, state=Message.State.PLACED, case__isnull=False)
        .exclude(newcomer="")
        .first()
    )
    if locked is None or locked.case_id is None or locked.case_id != message.case_id:
        raise ValidationError(
            _("Someone else handled this message meanwhile; nothing was done."),
            code="handled_meanwhile",
        )
    case = Case.objects.select_for_update().get(pk=locked.case_id)
    contact = locked.newcomer_contact
    if contact is not None:
        others = [person for person in case.contacts.all() if person.pk != contact.pk]
        case_update(case=case, by=by, data={}, contacts=others)
        if _made_for_nothing_else(contact):
            contact_delete(contact=contact, by=by)
    locked.case = None
    locked.account = None
    locked.state = Message.State.TRIAGE
    locked.forged = True
    locked.points_to_case = case
    locked.newcomer = ""
    locked.newcomer_contact = None
    locked.reason = (
        f"sender not part of case {case.number}, said {by.get_username()} ({locked.reason})"
    )[:255]
    locked.save(
        update_fields=[
            "case", "account", "state", "forged", "points_to_case", "newcomer",
            "newcomer_contact", "reason",
        ]
    )  # fmt: skip
    message_index(locked)  # no longer found in the customer's file
    events.message_to_triage_event(message=locked, source=case, by=by)
    return case


def _made_for_nothing_else(contact: Contact) -> bool:
    """Whether a contact made for a newcomer, taken out of its case, is still only that: in
    no other case, reporting none, no portal login, never changed by a user."""
    return (
        contact.updated_by_id is None
        and contact.portal_user_id is None
        and contact.cases.count() == 0
        and not contact.reported_cases.exists()
    )


def discarded_messages_purge(*, now: datetime | None = None) -> int:
    """Delete messages discarded more than ``DISCARD_KEPT_DAYS`` days ago, with their attachment
    rows (the raw bytes stay in the content-addressed stores, possibly shared). Idempotent;
    deletes in chunks, each in its own transaction. Returns how many messages went."""
    cutoff = (now or timezone.now()) - timedelta(days=DISCARD_KEPT_DAYS)
    old = Message.objects.filter(state=Message.State.DISCARDED, discarded_at__lt=cutoff)
    purged = 0
    while True:
        chunk = list(old.order_by("pk").values_list("pk", flat=True)[:PURGE_CHUNK_SIZE])
        if not chunk:
            return purged
        with transaction.atomic():
            # Checked again inside the delete: one restored meanwhile stays.
            _count, by_model = old.filter(pk__in=chunk).delete()
            kept = set(Message.objects.filter(pk__in=chunk).values_list("pk", flat=True))
            index_remove("message", [pk for pk in chunk if pk not in kept])
        purged += by_model.get(Message._meta.label, 0)
        if len(chunk) < PURGE_CHUNK_SIZE:
            return purged
