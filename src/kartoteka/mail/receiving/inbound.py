"""Receiving one message: raw bytes in, a stored decision out (``message_receive``).

Every source (IMAP, POP3, the mail server's pipe, an archive import) hands its bytes here and
nothing else: the steps are raw store → parse → gather what the database knows → decide
(``threading.decide``, pure) → apply in one transaction.

Two kinds of trouble: the sender's (an unreadable message, a forged tag, an unknown sender)
never raises, the message is kept with its reason; ours (the database or the disk failing)
raises ``TemporaryFailure`` after the raw bytes were kept, and delivering the same bytes again
later is safe: a message already stored answers "duplicate".
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from kartoteka.cases import happenings
from kartoteka.cases.models import Case
from kartoteka.cases.services import case_create, case_update
from kartoteka.core.statements import InstanceStatement, Statement
from kartoteka.customers.models import Account, Contact
from kartoteka.customers.services import contact_create
from kartoteka.mail.blobstore import blob_store
from kartoteka.mail.models import Attachment, Mailbox, Message
from kartoteka.mail.rawstore import raw_read, raw_store
from kartoteka.mail.reading import threading
from kartoteka.mail.reading.parsed import Address, ParsedMessage
from kartoteka.mail.receiving import bounces
from kartoteka.mail.receiving.knowledge import (
    ReceivingContext,
    knowledge_gather,
    merge_targets,
    receiving_context,
)
from kartoteka.mail.receiving.sender_check import sender_check
from kartoteka.mail.search_entries import message_index

logger = logging.getLogger("kartoteka.mail")

ReceiptAction = Literal[
    "created", "appended", "triage", "duplicate", "ignored", "unparsable", "archived"
]
ACTIONS: dict[str, ReceiptAction] = {
    "create": "created",
    "append": "appended",
    "triage": "triage",
    "ignore": "ignored",
    "archive": "archived",
}
STATES = {
    "create": Message.State.PLACED,
    "append": Message.State.PLACED,
    "triage": Message.State.TRIAGE,
    "ignore": Message.State.IGNORED,
    "archive": Message.State.ARCHIVED,
}
# Headers a mail server adds on the way: the same message fetched by IMAP and delivered by
# the pipe differs only in these, so they are left out when comparing contents.
TRACE_HEADERS = frozenset(
    {
        b"received", b"return-path", b"delivered-to", b"x-original-to", b"envelope-to",
        b"status", b"x-status", b"x-keywords", b"x-uid", b"content-length", b"lines",
        b"x-mozilla-status", b"x-mozilla-status2", b"x-mozilla-keys", b"x-spam-status",
        b"x-spam-score", b"x-spam-level", b"x-spam-checker-version", b"x-spam-flag",
        b"x-virus-scanned", b"authentication-results", b"received-spf", b"arc-seal",
        b"arc-message-signature", b"arc-authentication-results", b"x-gm-message-state",
        # the sender's own copy (a Sent folder) may keep its blind copies; no one else's does
        b"bcc",
    }
)  # fmt: skip
MESSAGE_ID_MAX = 998


class TemporaryFailure(Exception):
    """Our side failed (database, disk): the raw bytes are kept, deliver again later."""


@dataclass(frozen=True)
class Receipt:
    action: ReceiptAction
    case_number: int | None
    reason: str
    message_pk: int | None

    def as_json(self) -> dict[str, Any]:
        """The one-line answer of ``kartoteka mail deliver``."""
        return {"action": self.action, "case": self.case_number, "reason": self.reason}


@dataclass(frozen=True)
class PreparedMessage:
    """A message ready for the database: its raw bytes and attachments kept, parsed."""

    sha256: str
    parsed: ParsedMessage
    parse_error: str  # why it could not be read ("" when it could)


def message_prepare(raw: bytes) -> PreparedMessage:
    """Keep the raw bytes, parse them and keep the attachments: no database, so it may run
    in another process than ``message_receive`` (see ``importer``). Raises
    ``TemporaryFailure`` when the disk refuses."""
    try:
        sha256 = raw_store(raw)
    except OSError as error:
        raise TemporaryFailure(f"cannot keep the raw message: {error}") from error
    return _prepare_stored(raw, sha256)


def _prepare_stored(raw: bytes, sha256: str) -> PreparedMessage:
    parsed, parse_error = _parse(raw, sha256)
    try:
        for attachment in parsed.attachments:
            blob_store(attachment.content)
    except OSError as error:
        raise TemporaryFailure(f"cannot keep an attachment: {error}") from error
    return PreparedMessage(sha256, parsed, parse_error)


def message_receive(
    *,
    raw: bytes,
    mailbox: Mailbox | None,
    source: str = "pipe",
    context: ReceivingContext | None = None,
    sha256: str | None = None,
    prepared: PreparedMessage | None = None,
) -> Receipt:
    """Store one incoming message exactly once and place it (new case, append, triage, ignore).

    The raw bytes are written to the raw store first, outside any transaction (unless the
    caller did: ``sha256`` is then their hash, or ``prepared`` comes from ``message_prepare``);
    the message row, its attachments, a new case or the status change of an existing one are
    then written in one transaction.
    ``context`` is what a run of messages shares (see ``knowledge``); without it, it is read.
    Idempotent: the same bytes (or the same message with other trace headers) for the same
    mailbox answer "duplicate" without writing; the unique index on (mailbox, Message-ID)
    settles two deliveries racing. Sender problems never raise; database and disk errors
    raise ``TemporaryFailure``.
    """
    if prepared is None:
        prepared = message_prepare(raw) if sha256 is None else _prepare_stored(raw, sha256)
    receipt = _store(raw, prepared, mailbox=mailbox, source=source, context=context)
    log = logger.warning if receipt.action == "unparsable" else logger.info
    log(
        "mail %s from %s: %s (case %s, %s)",
        source,
        mailbox.name if mailbox is not None else "-",
        receipt.action,
        receipt.case_number,
        receipt.reason,
    )
    return receipt


def process(
    raw: bytes, sha256: str, *, mailbox: Mailbox | None, source: str, row: Message | None = None
) -> Receipt:
    """Parse, decide and store raw bytes already in the raw store.

    With ``row`` (a stored message to read again, see ``reprocess``) that row is updated in
    place instead of a new one being created.
    """
    prepared = _prepare_stored(raw, sha256)
    return _store(raw, prepared, mailbox=mailbox, source=source, row=row)


def _store(
    raw: bytes,
    prepared: PreparedMessage,
    *,
    mailbox: Mailbox | None,
    source: str,
    context: ReceivingContext | None = None,
    row: Message | None = None,
) -> Receipt:
    try:
        return _receive(raw, prepared, mailbox, source=source, context=context, row=row)
    except IntegrityError as error:
        if row is not None:
            raise TemporaryFailure(f"database error: {error}") from error
        return _duplicate_after_race(prepared.parsed, prepared.sha256, mailbox, error)
    except DatabaseError as error:
        raise TemporaryFailure(f"database error: {error}") from error


def _parse(raw: bytes, sha256: str) -> tuple[ParsedMessage, str]:
    """The parsed message and, when it could not be read, why (the parser never raises, but
    a failure here must not lose the message either)."""
    from kartoteka.mail.reading.parsing import parse, unparsable_message

    try:
        parsed = _without_nul(parse(raw, sha256=sha256, language=settings.LANGUAGE_CODE))
    except Exception as error:
        logger.exception("the parser raised on %s", sha256)
        parsed = _without_nul(unparsable_message(raw, sha256, error))
        return parsed, f"{type(error).__name__}: {error}"
    unreadable = [d for d in parsed.defects if d.startswith("unparsable")]
    return parsed, "; ".join(unreadable)


def _receive(
    raw: bytes,
    prepared: PreparedMessage,
    mailbox: Mailbox | None,
    *,
    source: str,
    context: ReceivingContext | None,
    row: Message | None,
) -> Receipt:
    sha256, parsed, parse_error = prepared.sha256, prepared.parsed, prepared.parse_error
    message_id = storable(parsed.message_id)[:MESSAGE_ID_MAX]
    reason_prefix = ""
    existing = _stored(mailbox, message_id, other_than=row)
    if existing is None and mailbox is not None and mailbox.archives:
        # A copy of mail stored from another mailbox (the group's, a colleague's folder).
        existing = _stored_anywhere(message_id, other_than=row)
    if existing is not None:
        if existing.raw_sha256 == sha256 or _same_content(raw, existing.raw_sha256):
            return _duplicate_receipt(existing, row=row)
        message_id = f"{message_id[: MESSAGE_ID_MAX - 9]}#{sha256[:8]}"
        again = _stored(mailbox, message_id, other_than=row)
        if again is not None:
            return _duplicate_receipt(again, row=row)
        reason_prefix = "same Message-ID, different content; "

    if not parse_error:
        context = context if context is not None else receiving_context()
        if row is None and context.archive_addresses and mailbox is not None:
            # The case's copy takes the place of one an archive mailbox filed first.
            row = None if mailbox.archives else _archived_copy(message_id, raw, sha256)
    message = row if row is not None else Message(direction=Message.Direction.INBOUND)
    _fill(
        message,
        parsed,
        message_id=message_id,
        sha256=sha256,
        mailbox=mailbox,
        size=len(raw),
        source=source,
    )
    if parse_error:
        message.state = Message.State.UNPARSABLE
        message.error = storable(parse_error)
        message.reason = "could not be read"
        with transaction.atomic():
            message.save()
            message_index(message)
            if row is not None:
                message.attachments.all().delete()
        return Receipt("unparsable", None, message.reason, message.pk)

    context = context if context is not None else receiving_context()
    sender = sender_check(parsed, mailbox, context, raw=raw)
    sender.fill(message)
    known = knowledge_gather(
        parsed,
        mailbox,
        context,
        sender_verified=sender.verification == Message.SenderVerification.VERIFIED,
        sender_doubt=sender.doubt,
    )
    decision = threading.decide(parsed, known)
    with transaction.atomic():
        decision, case, newcomer_contact = _apply(decision, parsed, mailbox, context)
        message.case = case
        message.account_id = case.account_id if case is not None else decision.account_id
        if decision.outgoing:
            message.direction = Message.Direction.OUTBOUND
        message.state = STATES[decision.action]
        message.reason = (reason_prefix + decision.reason)[:255]
        message.forged = decision.forged
        message.newcomer = decision.newcomer if case is not None else ""
        message.newcomer_contact = newcomer_contact
        if decision.points_to_case is not None:
            message.points_to_case = Case.objects.filter(number=decision.points_to_case).first()
        if parsed.bounce and decision.action != "ignore":
            bounces.bounce_record(parsed=parsed)
        message.save()
        shown = [attachment.filename for attachment in parsed.attachments if not attachment.inline]
        message_index(message, filenames=shown)
        if row is not None:
            message.attachments.all().delete()
        Attachment.objects.bulk_create(
            Attachment(
                message=message,
                filename=storable(attachment.filename)[:255],
                content_type=attachment.content_type[:255],
                size=len(attachment.content),
                sha256=hashlib.sha256(attachment.content).hexdigest(),
                inline=attachment.inline,
                content_id=attachment.content_id[:255],
            )
            for attachment in parsed.attachments
        )
        if case is not None and decision.action in ("append", "create"):
            happenings.message_received(message=message, opened_case=decision.action == "create")
    number = case.number if case is not None else None
    return Receipt(ACTIONS[decision.action], number, message.reason, message.pk)


_CASE_FOR_UPDATE = InstanceStatement(
    Case, lambda number: Case.objects.select_for_update().filter(number=number)
)


def _apply(
    decision: threading.Decision,
    parsed: ParsedMessage,
    mailbox: Mailbox | None,
    context: ReceivingContext,
) -> tuple[threading.Decision, Case | None, Contact | None]:
    """Carry out the decision inside the caller's transaction; returns what was done: the
    decision as carried out, the case, and the contact made for a newcomer."""
    if decision.action == "append" and decision.case_number is not None:
        case = _CASE_FOR_UPDATE.first(number=decision.case_number)
        if case is not None and case.merged_into_id is not None:
            final_pk, _account = merge_targets({case.number})[case.number]
            case = _one(Case.objects.select_for_update().filter(pk=final_pk))
        if case is None:
            deleted = threading.Decision("triage", f"case {decision.case_number} was deleted")
            return deleted, None, None
        if case.number != decision.case_number:
            reason = f"{decision.reason}; case {decision.case_number} was merged into {case.number}"
            decision = dataclasses.replace(decision, reason=reason, case_number=case.number)
        newcomer = None
        if decision.newcomer == "contact":
            newcomer = _newcomer_contact(parsed.from_, case)
            if newcomer is None:
                decision = dataclasses.replace(decision, newcomer="address")
        changes: dict[str, Any] = {}
        incoming_id = context.settings_row.incoming_status_id
        if decision.moves_status and incoming_id is not None and case.status_id != incoming_id:
            changes["status"] = context.settings_row.incoming_status
        if changes or newcomer is not None:
            # No user made this change: the history names the sender's contact.
            case = case_update(
                case=case,
                by=None,
                data=changes,
                contacts=None if newcomer is None else [*case.contacts.all(), newcomer],
                with_message=Message.Direction.INBOUND,
                by_sender=parsed.from_.address if parsed.from_ is not None else "",
            )
        return decision, case, newcomer
    if decision.action != "create":
        return decision, None, None
    contact = account = None
    if decision.contact_id is not None:
        contact = context.contact(decision.contact_id)
        account = contact.account if contact is not None else None
    elif decision.account_id is not None:
        account = Account.objects.filter(pk=decision.account_id).first()
    if decision.new_contact and parsed.from_ is not None:
        try:
            contact = _contact_for(parsed.from_)
        except ValidationError as error:
            reason = f"unknown sender, address not accepted: {'; '.join(error.messages)}"
            return threading.Decision("triage", reason), None, None
    data: dict[str, Any] = {**context.case_defaults, "reporter": contact}
    if mailbox is not None and mailbox.group_id is not None:
        data["group"] = mailbox.group
    subject = threading.clean_subject(parsed.subject) or _("(no subject)")
    case = case_create(
        by=None,
        subject=subject[:255],
        account=account,
        contacts=[contact] if contact is not None else [],
        data=data,
        channel=Case.Channel.EMAIL,
    )
    return decision, case, None


def _one[M: Model](rows: QuerySet[M]) -> M | None:
    """The row of a query that finds one at most (by a unique key): no ORDER BY to build and
    run, unlike ``first()``, which a message pays for on every query."""
    return next(iter(rows.order_by()[:1]), None)


def _contact_for(sender: Address, account: Account | None = None) -> Contact:
    """A new contact (of ``account``, or of no customer) for an unknown sender, named from the
    From header."""
    words = re.sub(r"\s+", " ", sender.name).strip().split(" ")
    if len(words) >= 2:
        first, last = " ".join(words[:-1]), words[-1]
    else:
        first, last = "", (words[0] if words[0] else sender.address)
    return contact_create(
        by=None,  # type: ignore[arg-type]
        data={"account": account, "first_name": first[:100], "last_name": last[:100]},
        emails=[sender.address],
    )


def _newcomer_contact(sender: Address | None, case: Case) -> Contact | None:
    """A new contact of the case's customer for a newcomer (see ``threading``), or ``None``
    when there is no customer or the address is refused (taken meanwhile, not valid): the
    newcomer then joins as an extra address of the case."""
    if sender is None or case.account is None:
        return None
    try:
        with transaction.atomic():  # a refused address leaves the message's transaction whole
            return _contact_for(sender, case.account)
    except ValidationError:
        return None


def _without_nul(parsed: ParsedMessage) -> ParsedMessage:
    """The parsed message with NUL characters removed from the texts that become cases."""
    return dataclasses.replace(
        parsed,
        subject=storable(parsed.subject),
        text=storable(parsed.text),
        text_new=storable(parsed.text_new),
        html=storable(parsed.html),
        message_id=storable(parsed.message_id),
    )


def storable(text: str) -> str:
    """Text a database can hold: PostgreSQL refuses NUL characters, which broken mail contains."""
    return text.replace("\x00", "")


def _fill(
    message: Message,
    parsed: ParsedMessage,
    *,
    message_id: str,
    sha256: str,
    mailbox: Mailbox | None,
    size: int,
    source: str,
) -> None:
    """Set everything the parser found on ``message`` (new, or stored and read again)."""

    def people(addresses: tuple[Address, ...]) -> list[dict[str, str]]:
        return [{"name": storable(a.name), "address": storable(a.address)} for a in addresses]

    message.mailbox = mailbox
    message.direction = Message.Direction.INBOUND
    message.message_id = storable(message_id)
    message.in_reply_to = storable(parsed.in_reply_to[:MESSAGE_ID_MAX])
    message.references = storable(" ".join(parsed.references))
    message.subject = storable(parsed.subject[:998])
    message.from_name = storable(parsed.from_.name[:255]) if parsed.from_ is not None else ""
    message.from_address = storable(parsed.from_.address[:254]) if parsed.from_ is not None else ""
    message.to = people(parsed.to)
    message.cc = people(parsed.cc)
    message.reply_to = people(parsed.reply_to)
    message.date = parsed.date
    message.text = storable(parsed.text)
    message.text_new = storable(parsed.text_new)
    message.html = storable(parsed.html)
    message.auto_reply = parsed.auto_reply
    message.bounce = parsed.bounce
    message.bulk = parsed.bulk
    message.raw_sha256 = sha256
    message.size = size
    message.source = source[:255]
    message.case = None
    message.account = None
    message.error = ""
    message.forged = False
    message.points_to_case = None
    message.newcomer = ""
    message.newcomer_contact = None


# Duplicates


# Asked of every message (see ``core.statements``). Almost every message is new: no join for
# the answer "none" (a duplicate reads its case's number afterwards).
_STORED_IN_MAILBOX = Statement(
    lambda mailbox, message_id: (
        Message.objects.filter(mailbox_id=mailbox, message_id=message_id)
        .values_list("pk", "raw_sha256", "case_id")
        .order_by()[:1]
    )
)


def _stored(
    mailbox: Mailbox | None, message_id: str, *, other_than: Message | None = None
) -> Message | None:
    if mailbox is None or other_than is not None:
        found = Message.objects.filter(mailbox=mailbox, message_id=message_id)
        if other_than is not None:
            found = found.exclude(pk=other_than.pk)
        return _one(found.only("pk", "raw_sha256", "case_id"))
    row = _STORED_IN_MAILBOX.first(mailbox=mailbox.pk, message_id=message_id)
    return Message(pk=row[0], raw_sha256=row[1], case_id=row[2]) if row is not None else None


def _stored_anywhere(message_id: str, *, other_than: Message | None = None) -> Message | None:
    """A message of any mailbox (or sent by us) with this Message-ID."""
    found = Message.objects.filter(message_id=message_id)
    if other_than is not None:
        found = found.exclude(pk=other_than.pk)
    return _one(found.only("pk", "raw_sha256", "case_id"))


def _archived_copy(message_id: str, raw: bytes, sha256: str) -> Message | None:
    """The same message as an archive mailbox filed it (or left it in triage), to be placed
    now instead of stored twice; ``None`` when there is none (one query, on the Message-ID's
    index)."""
    copy = _one(
        Message.objects.filter(
            message_id=message_id,
            mailbox__purpose=Mailbox.Purpose.ARCHIVE,
            case__isnull=True,
            state__in=[Message.State.ARCHIVED, Message.State.TRIAGE],
        )
    )
    if copy is None or not (copy.raw_sha256 == sha256 or _same_content(raw, copy.raw_sha256)):
        return None
    return copy


def _duplicate_receipt(existing: Message, *, row: Message | None = None) -> Receipt:
    """ "duplicate"; a stored ``row`` read again that turns out to be ``existing`` is set
    aside as ignored (its raw bytes stay)."""
    if row is not None:
        row.state = Message.State.IGNORED
        row.error = ""
        row.reason = f"duplicate of message {existing.pk}"
        row.save(update_fields=["state", "error", "reason"])
    number = existing.case.number if existing.case is not None else None
    return Receipt("duplicate", number, "already stored", existing.pk)


def _duplicate_after_race(
    parsed: ParsedMessage, sha256: str, mailbox: Mailbox | None, error: IntegrityError
) -> Receipt:
    """Another delivery stored the same Message-ID between the check and the insert."""
    try:
        existing = Message.objects.filter(mailbox=mailbox, raw_sha256=sha256).first() or _stored(
            mailbox, parsed.message_id[:MESSAGE_ID_MAX]
        )
    except DatabaseError as second:
        raise TemporaryFailure(f"database error: {second}") from second
    if existing is None:
        raise TemporaryFailure(f"database error: {error}") from error
    return _duplicate_receipt(existing)


def content_key(raw: bytes) -> str:
    """A hash of the message without the trace headers servers add on the way."""
    normalised = raw.replace(b"\r\n", b"\n")
    head, _separator, body = normalised.partition(b"\n\n")
    kept: list[bytes] = []
    skipping = False
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t"):
            if not skipping:
                kept.append(line)
            continue
        name = line.split(b":", 1)[0].strip().lower()
        skipping = name in TRACE_HEADERS or line.startswith(b"From ")
        if not skipping:
            kept.append(line)
    return hashlib.sha256(b"\n".join(kept) + b"\n\n" + body).hexdigest()


def _same_content(raw: bytes, stored_sha256: str) -> bool:
    try:
        stored = raw_read(stored_sha256)
    except OSError:
        return False
    return content_key(stored) == content_key(raw)
