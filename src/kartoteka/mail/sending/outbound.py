"""Outgoing mail: replies from a case and other messages, queued in the outbox, then sent.

A message is built completely when it is queued (``build_message``) and its bytes kept in the
raw store, so the conversation shows exactly what goes out and the outbox worker only hands
those bytes to the SMTP server (``outbox.message_deliver``). Every message carries a signed
Message-ID (``message_ids``), the case's tag ``[PREFIX#N]`` once in its subject and
``Reply-To`` the mailbox's address; automatic mail also carries ``Auto-Submitted:
auto-generated`` and ``X-Auto-Response-Suppress: All`` and passes the loop guard first.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from html import escape
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from kartoteka.cases import happenings
from kartoteka.cases.following import case_follow
from kartoteka.cases.models import Case
from kartoteka.cases.services import case_settings
from kartoteka.core.addresses import addresses_parse
from kartoteka.mail import mailboxes, rawstore
from kartoteka.mail.blobstore import blob_store
from kartoteka.mail.models import Attachment, Mailbox, Message
from kartoteka.mail.reading import message_ids, quotes
from kartoteka.mail.reading.header_text import has_line_break, header_text
from kartoteka.mail.reading.html import sanitize
from kartoteka.mail.reading.threading import ANSWER_PREFIXES, REPLY_PREFIXES
from kartoteka.mail.search_entries import message_index
from kartoteka.mail.sending import loop_guard, rich_text
from kartoteka.mail.sending.status_after_sending import wanted_status
from kartoteka.mail.sending.tasks import send_due_messages

if TYPE_CHECKING:
    from kartoteka.cases.models import Status
    from kartoteka.people.models import User

logger = logging.getLogger(__name__)

ATTACHMENTS_MAX_BYTES = 25 * 1024 * 1024


@dataclass(frozen=True)
class OutgoingAttachment:
    filename: str
    content: bytes
    content_type: str = ""

    @property
    def mime_type(self) -> str:
        given = self.content_type or mimetypes.guess_type(self.filename)[0] or ""
        return given if "/" in given else "application/octet-stream"


# Building


def subject_for(subject: str, *, case_number: int | None, prefix: str, reply: bool) -> str:
    """``subject`` on one line (``header_text``) with the case's tag exactly once and, for a
    reply, one ``Re:`` in front."""
    subject = header_text(subject)
    body = REPLY_PREFIXES.sub("", subject).strip() if reply else subject
    if case_number is not None:
        tagged = re.compile(
            r"\[\s*" + re.escape(prefix.strip()) + r"\s*#\s*0*" + str(case_number) + r"\s*\]",
            re.IGNORECASE,
        )
        if not tagged.search(body):
            body = f"{Case.tag_of(case_number, prefix=prefix)} {body}".strip()
    return f"Re: {body}" if reply else body


def forward_subject_for(subject: str, *, case_number: int, prefix: str) -> str:
    """``subject`` with the case's tag once, without reply or forward prefixes, and one
    ``Fwd:`` in front."""
    body = ANSWER_PREFIXES.sub("", subject)
    return "Fwd: " + subject_for(body, case_number=case_number, prefix=prefix, reply=False)


def _address(entry: dict[str, str]) -> Address:
    return Address(display_name=header_text(entry.get("name", "")), addr_spec=entry["address"])


def _recipients_for_header(entries: Sequence[dict[str, str]]) -> list[dict[str, str]]:
    """``entries`` with their names as a header shows them (``header_text``)."""
    return [{**entry, "name": header_text(entry.get("name", ""))} for entry in entries]


def _angle(message_id: str) -> str:
    return f"<{message_id.strip().strip('<>')}>"


def text_with_signature(text: str, signature: str) -> str:
    """The text signed: the signature goes under what was written and above a quoted
    message the text ends with (where people look for it)."""
    written, quote = quotes.trailing_quote_split(text)
    body = written.rstrip()
    if signature.strip():
        body = f"{body}\n\n-- \n{signature.strip()}"
    if quote:
        body = f"{body}\n\n{quote}"
    return body + "\n"


def html_with_signature(text: str, signature_html: str) -> str:
    written, quote = quotes.trailing_quote_split(text)
    quoted = (
        f'<blockquote style="white-space: pre-wrap">{escape(quote)}</blockquote>\n' if quote else ""
    )
    return (
        '<!DOCTYPE html>\n<html><body>\n<div style="white-space: pre-wrap">'
        f"{escape(written.rstrip())}</div>\n"
        f"<div>-- <br>\n{signature_html.strip()}\n</div>\n{quoted}</body></html>\n"
    )


def signature_text_of(mailbox: Mailbox, personal: str = "") -> str:
    """The text signature: the writer's own above the mailbox's."""
    return "\n\n".join(part.strip() for part in (personal, mailbox.signature_text) if part.strip())


def signature_html_of(mailbox: Mailbox, personal: str = "") -> str:
    """The HTML signature: the writer's own (plain text, escaped) above the mailbox's (its
    HTML, else its text)."""
    mailbox_part = mailbox.signature_html.strip() or rich_text.signature_html(
        mailbox.signature_text
    )
    parts = [rich_text.signature_html(personal), mailbox_part]
    return "<br>\n<br>\n".join(part for part in parts if part.strip())


@dataclass(frozen=True)
class Bodies:
    """The parts of a message as sent: text (signed) and HTML (signed; "" when none)."""

    text: str
    html: str


def bodies_for(
    *, mailbox: Mailbox, text: str, html: str = "", personal_signature: str = ""
) -> Bodies:
    """The signed parts of a message written as ``text`` (and, from the HTML editor, as
    cleaned ``html``). An HTML part goes along when the message was written in HTML or the
    mailbox has an HTML signature; the signatures (the writer's above the mailbox's) go
    under what was written and above the quoted message, in both parts."""
    signed = text_with_signature(text, signature_text_of(mailbox, personal_signature))
    if html.strip():
        written, quote = rich_text.html_quote_split(html)
        document = rich_text.html_document(
            written, signature=signature_html_of(mailbox, personal_signature), quote=quote
        )
        return Bodies(text=signed, html=document)
    if mailbox.signature_html.strip():
        return Bodies(
            text=signed,
            html=html_with_signature(text, signature_html_of(mailbox, personal_signature)),
        )
    return Bodies(text=signed, html="")


def build_message(
    *,
    mailbox: Mailbox,
    subject: str,
    to: Sequence[dict[str, str]],
    cc: Sequence[dict[str, str]] = (),
    text: str,
    html: str = "",
    personal_signature: str = "",
    message_id: str,
    in_reply_to: str = "",
    references: Sequence[str] = (),
    attachments: Sequence[OutgoingAttachment] = (),
    automatic: bool = False,
    date: datetime | None = None,
) -> EmailMessage:
    """The complete message: headers, text body with the signatures, an HTML alternative
    when written in HTML or the mailbox has an HTML signature (``bodies_for``), and the
    attachments.

    Every header built from text (the subject, the display names) passes ``header_text``
    first, so a line or paragraph separator or a control character in it becomes a space
    instead of an error.
    """
    message = EmailMessage(policy=policy.SMTP)
    sender = Address(display_name=header_text(mailbox.sender_name), addr_spec=mailbox.address)
    message["From"] = sender
    message["Reply-To"] = sender
    if to:
        message["To"] = [_address(entry) for entry in to]
    if cc:
        message["Cc"] = [_address(entry) for entry in cc]
    message["Subject"] = header_text(subject)
    message["Date"] = format_datetime(date or timezone.now())
    message["Message-ID"] = _angle(message_id)
    if in_reply_to:
        message["In-Reply-To"] = _angle(in_reply_to)
    if references:
        message["References"] = " ".join(_angle(reference) for reference in references)
    if automatic:
        message["Auto-Submitted"] = "auto-generated"
        message["X-Auto-Response-Suppress"] = "All"
    bodies = bodies_for(
        mailbox=mailbox, text=text, html=html, personal_signature=personal_signature
    )
    message.set_content(bodies.text)
    if bodies.html:
        message.add_alternative(bodies.html, subtype="html")
    for attachment in attachments:
        # A content type may carry parameters ("text/calendar; method=REQUEST").
        maintype, _slash, rest = attachment.mime_type.partition("/")
        subtype, *pairs = (part.strip() for part in rest.split(";"))
        params = {
            name.strip(): value.strip().strip('"')
            for name, equals, value in (pair.partition("=") for pair in pairs)
            if equals
        }
        message.add_attachment(
            attachment.content,
            maintype=maintype,
            subtype=subtype,
            filename=attachment.filename,
            params=params,
        )
    return message


# Recipients and defaults


def name_decoded(name: str) -> str:
    """A display name with its RFC 2047 encoded words (``=?utf-8?q?…?=``) decoded, as a
    field shows it; a name that does not decode stays as it is."""
    if "=?" not in name:
        return name
    try:
        return str(make_header(decode_header(name)))
    except (HeaderParseError, LookupError, UnicodeError, ValueError):
        return name


def recipients_parse(values: Iterable[str], *, field: str) -> list[dict[str, str]]:
    """``["Name <a@b>", "c@d; e@f"]`` as ``[{"name", "address"}]``, each address once
    (``core.addresses``), a name typed encoded (``formataddr``'s) decoded; each entry that is
    not one address is an error on ``field``."""
    try:
        parsed = addresses_parse(values)
    except ValidationError as error:
        raise ValidationError({field: error.messages}, code="invalid_address") from error
    return [{"name": name_decoded(name), "address": address} for name, address in parsed]


def _sender_of(message: Message) -> list[dict[str, str]]:
    """Whom a reply to ``message`` goes to: its Reply-To, else its sender."""
    if message.reply_to:
        return [
            {"name": entry.get("name", ""), "address": entry["address"].lower()}
            for entry in message.reply_to
            if entry.get("address")
        ]
    if message.from_address:
        return [{"name": message.from_name, "address": message.from_address.lower()}]
    return []


def _reporter_address(case: Case) -> list[dict[str, str]]:
    reporter = case.reporter
    if reporter is None:
        return []
    email = reporter.emails.order_by("position", "pk").first()
    return [{"name": str(reporter), "address": email.address.lower()}] if email else []


def last_inbound(case: Case) -> Message | None:
    return (
        Message.objects.filter(case=case, direction=Message.Direction.INBOUND)
        .select_related("mailbox")
        .order_by("-created_at", "-pk")
        .first()
    )


def mailboxes_for_sending() -> QuerySet[Mailbox]:
    """Mailboxes a reply may go out from: the active ones (an archive mailbox sends nothing)."""
    return Mailbox.objects.filter(active=True).exclude(purpose=Mailbox.Purpose.ARCHIVE)


def default_mailbox(case: Case, *, replying_to: Message | None) -> Mailbox | None:
    """The mailbox the case names (``mailboxes.case_mailbox``), else the one the replied
    message came in, else the case's latest inbound one, else the installation's default
    mailbox (only mailboxes that can send)."""
    own = mailboxes.case_mailbox(case)
    if own is not None:
        return own
    for message in (replying_to, last_inbound(case)):
        mailbox = message.mailbox if message is not None else None
        if mailbox is not None and mailbox.active and not mailbox.archives:
            return mailbox
    return Mailbox.objects.default()


# Queuing


def _check_attachments(attachments: Sequence[OutgoingAttachment]) -> None:
    total = sum(len(attachment.content) for attachment in attachments)
    if total > ATTACHMENTS_MAX_BYTES:
        raise ValidationError(
            {
                "attachments": _("The attachments have %(size)s; a message may carry %(limit)s.")
                % {
                    "size": filesizeformat(total),
                    "limit": filesizeformat(ATTACHMENTS_MAX_BYTES),
                }
            },
            code="too_big",
        )


def _queue(
    *,
    case: Case | None,
    mailbox: Mailbox,
    by: User | None,
    subject: str,
    to: list[dict[str, str]],
    cc: list[dict[str, str]],
    text: str,
    replying_to: Message | None,
    attachments: Sequence[OutgoingAttachment],
    automatic: bool,
    bcc: list[dict[str, str]] | None = None,
    threaded: bool = True,
    html: str = "",
    personal_signature: str = "",
    status_after_sending: Status | None = None,
) -> Message:
    """Store the message as queued (inside the caller's transaction) with its raw bytes.

    ``bcc`` goes only into the stored row (the envelope), never into the built message;
    ``threaded=False`` (a forward) leaves out In-Reply-To and References. The subject and
    the names are stored as the headers carry them (``header_text``). ``html`` is the
    cleaned HTML of the editor (``rich_text.reply_html_clean``), ``personal_signature`` the
    writer's own signature; ``status_after_sending`` the status its case takes once the server
    accepts it (``status_after_sending``), kept with the case's status now.
    """
    subject = header_text(subject)
    to, cc = _recipients_for_header(to), _recipients_for_header(cc)
    now = timezone.now()
    references: list[str] = []
    in_reply_to = ""
    if replying_to is not None and threaded:
        references = [*replying_to.references.split(), replying_to.message_id]
        references = [reference.strip("<>") for reference in references if reference.strip("<>")]
        in_reply_to = replying_to.message_id
    message = Message.objects.create(
        case=case,
        account_id=case.account_id if case is not None else None,
        mailbox=mailbox,
        direction=Message.Direction.OUTBOUND,
        state=Message.State.QUEUED,
        message_id=f"pending-{uuid.uuid4()}",
        in_reply_to=in_reply_to,
        references=" ".join(references),
        subject=subject,
        from_name=header_text(mailbox.sender_name),
        from_address=mailbox.address.lower(),
        to=to,
        cc=cc,
        bcc=bcc or [],
        reply_to=[{"name": header_text(mailbox.sender_name), "address": mailbox.address.lower()}],
        date=now,
        author=by,
        automatic=automatic,
        next_attempt_at=now,
        status_after_sending=status_after_sending,
        status_when_queued_id=case.status_id if case is not None else None,
    )
    domain = mailbox.address.rpartition("@")[2]
    message.message_id = message_ids.signed_message_id(
        case_number=case.number if case is not None else 0, message_pk=message.pk, domain=domain
    )
    built = build_message(
        mailbox=mailbox,
        subject=subject,
        to=to,
        cc=cc,
        text=text,
        html=html,
        personal_signature=personal_signature,
        message_id=message.message_id,
        in_reply_to=in_reply_to,
        references=references,
        attachments=attachments,
        automatic=automatic,
        date=now,
    )
    raw = bytes(built)
    message.raw_sha256 = rawstore.raw_store(raw)
    message.size = len(raw)
    bodies = bodies_for(
        mailbox=mailbox, text=text, html=html, personal_signature=personal_signature
    )
    message.text = bodies.text
    message.text_new = quotes.trailing_quote_split(text)[0].strip()
    if bodies.html:
        # The raw message keeps the signature as written; the stored copy is for display.
        message.html = sanitize(bodies.html)
    message.save(update_fields=["message_id", "raw_sha256", "size", "text", "text_new", "html"])
    message_index(message, filenames=[attachment.filename for attachment in attachments or ()])
    if attachments:
        for attachment in attachments:
            # Kept apart from the raw message, so the attachment can be forwarded later.
            blob_store(attachment.content)
        Attachment.objects.bulk_create(
            Attachment(
                message=message,
                filename=attachment.filename[:255],
                content_type=attachment.mime_type[:255],
                size=len(attachment.content),
                sha256=hashlib.sha256(attachment.content).hexdigest(),
            )
            for attachment in attachments
        )
    transaction.on_commit(_enqueue_sending)
    return message


def _enqueue_sending() -> None:
    send_due_messages.enqueue()


@transaction.atomic
def reply_create(
    *,
    case: Case,
    by: User,
    text: str,
    to: Sequence[str] | None = None,
    cc: Sequence[str] = (),
    mailbox: Mailbox | None = None,
    replying_to: Message | None = None,
    subject: str | None = None,
    attachments: Sequence[OutgoingAttachment] = (),
    bcc: Sequence[str] = (),
    status: Status | None = None,
    forward: bool = False,
    html: str = "",
) -> Message:
    """Queue a reply from a case (committed as ``queued``; the worker sends it after commit).

    Defaults: ``replying_to`` the case's latest inbound message; ``to`` the replied message's
    Reply-To or sender, else the case's reporter, else the latest inbound sender; ``mailbox``
    the one the replied message came in (see ``default_mailbox``). The subject is the case's
    with its tag once and, when it answers a message, one ``Re:``. The case is to move to
    ``status``, by default the reply status of the case settings, once the server accepts the
    reply (``status_after_sending``: kept on the message now, applied by the outbox worker);
    ``by`` follows the case at once (``cases.following.case_follow``). ``bcc`` addresses get
    the message through the envelope only. ``forward=True`` forwards ``replying_to``: ``to``
    is required, the subject gets ``Fwd:`` and no threading headers. Raises
    ``ValidationError`` (by field) for missing text, recipients or mailbox, bad addresses and
    line breaks in the subject.
    ``html`` (from the composer's editor) is cleaned here and sent beside ``text``; the
    writer's own signature (``by.signature``) goes above the mailbox's.

    Line breaks: a ``subject`` given here that a header would read as more than one line
    (``\n``, ``\r``, but also U+2028, U+2029, U+0085, vertical tab, form feed, ``\x1c``-
    ``\x1e``; ``header_text.has_line_break``) is refused, as the sender of it likely meant
    something else than one line. The default subject, the case's or the replied message's,
    is cleaned silently instead (``header_text``: those characters and other control
    characters become a space), and the message is stored with the subject it is sent with.
    """
    if replying_to is not None and replying_to.case_id != case.pk:
        raise ValidationError(
            {"in_reply_to": _("That message is not part of this case.")}, code="other_case"
        )
    if subject and has_line_break(subject):
        raise ValidationError(
            {"subject": _("The subject must be a single line.")}, code="line_break"
        )
    latest = last_inbound(case)
    replying_to = replying_to or (None if forward else latest)
    if not text.strip():
        raise ValidationError({"text": _("Write the reply first.")}, code="required")
    recipients = recipients_parse(to, field="to") if to else []
    if forward and not recipients:
        raise ValidationError({"to": _("Enter a recipient.")}, code="no_recipient")
    if not recipients and replying_to is not None:
        recipients = _sender_of(replying_to)
    if not recipients:
        recipients = _reporter_address(case)
    if not recipients and latest is not None:
        recipients = _sender_of(latest)
    if not recipients:
        raise ValidationError(
            {"to": _("The case has no address to reply to; enter a recipient.")},
            code="no_recipient",
        )
    copies = [
        entry
        for entry in recipients_parse(cc, field="cc")
        if entry["address"] not in {r["address"] for r in recipients}
    ]
    blind = [
        entry
        for entry in recipients_parse(bcc, field="bcc")
        if entry["address"] not in {r["address"] for r in [*recipients, *copies]}
    ]
    mailbox = mailbox or default_mailbox(case, replying_to=replying_to)
    if mailbox is None:
        raise ValidationError(
            {"mailbox": _("There is no mailbox to send from; an administrator adds one.")},
            code="no_mailbox",
        )
    _check_attachments(attachments)
    settings_row = case_settings()
    if forward:
        full_subject = forward_subject_for(
            subject or case.subject, case_number=case.number, prefix=settings_row.prefix
        )
    else:
        # A first message (a new email, a case without mail) answers nothing: no "Re:".
        full_subject = subject_for(
            subject or case.subject,
            case_number=case.number,
            prefix=settings_row.prefix,
            reply=replying_to is not None,
        )
    message = _queue(
        case=case,
        mailbox=mailbox,
        by=by,
        subject=full_subject,
        to=recipients,
        cc=copies,
        bcc=blind,
        text=text,
        replying_to=replying_to,
        attachments=attachments,
        automatic=False,
        threaded=not forward,
        html=rich_text.reply_html_clean(html),
        personal_signature=by.signature,
        # The status changes when the server accepts the reply, not now.
        status_after_sending=wanted_status(case=case, status=status),
    )
    # Who writes to the customer wants to hear the answer.
    case_follow(case=case, user=by)
    happenings.message_sent(message=message, by=by)
    return message


@transaction.atomic
def message_compose(
    *,
    mailbox: Mailbox,
    to: Sequence[str],
    subject: str,
    text: str,
    case: Case | None = None,
    by: User | None = None,
    cc: Sequence[str] = (),
    replying_to: Message | None = None,
    attachments: Sequence[OutgoingAttachment] = (),
    automatic: bool = False,
) -> Message | None:
    """Queue any other message (a notification, an acknowledgement, a first message).

    Automatic mail (``automatic=True``, no author) goes only to recipients the loop guard
    allows; when it allows none, nothing is queued and ``None`` is returned (logged with the
    reasons). The case's status is left as it is. Sent by the worker after commit.
    """
    recipients = recipients_parse(to, field="to")
    copies = recipients_parse(cc, field="cc")
    if automatic:
        by = None
        allowed_to: list[dict[str, str]] = []
        allowed_cc: list[dict[str, str]] = []
        for entries, allowed in ((recipients, allowed_to), (copies, allowed_cc)):
            for entry in entries:
                may, reason = loop_guard.may_send_automatically(entry["address"], case=case)
                if may:
                    allowed.append(entry)
                else:
                    logger.info("automatic mail to %s held back: %s", entry["address"], reason)
        recipients, copies = allowed_to, allowed_cc
        if not recipients and not copies:
            return None
    if not recipients and not copies:
        raise ValidationError({"to": _("Enter a recipient.")}, code="no_recipient")
    _check_attachments(attachments)
    prefix = case_settings().prefix
    return _queue(
        case=case,
        mailbox=mailbox,
        by=by,
        subject=subject_for(
            subject,
            case_number=case.number if case is not None else None,
            prefix=prefix,
            reply=replying_to is not None,
        ),
        to=recipients,
        cc=copies,
        text=text,
        replying_to=replying_to,
        attachments=attachments,
        automatic=automatic,
    )
