"""The composer of a case: what a reply, reply-all or forward starts with, its draft, sending.

A composer is for one case, one kind (``Draft.Kind``) and the message it answers (or none:
a reply to a case without mail). Its draft is saved as the user types (``draft_save``) and
is seen by its author only; sending (``composed_send``) queues the message through
``outbound.reply_create`` and deletes the draft in the same transaction.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.template.defaultfilters import filesizeformat
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from kartoteka.cases.models import Case
from kartoteka.cases.services import case_settings
from kartoteka.core.addresses import address_entries
from kartoteka.core.files import file_name_clean
from kartoteka.core.models import FormSubmission
from kartoteka.mail import rawstore
from kartoteka.mail.blobstore import blob_read, blob_store
from kartoteka.mail.models import Attachment, Draft, DraftAttachment, Mailbox, Message
from kartoteka.mail.sending import outbound

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from kartoteka.cases.models import Status
    from kartoteka.people.models import User

Kind = Draft.Kind


# What the composer offers


def sending_mailboxes() -> QuerySet[Mailbox]:
    """Active mailboxes with an outgoing server (their own, or the incoming host)."""
    return outbound.mailboxes_for_sending().filter(Q(smtp_host__gt="") | Q(host__gt=""))


def replied_message_get(*, case: Case, user: User, pk: int) -> Message:
    """A message of ``case`` the user may see, with its attachments (else 404)."""
    message = (
        Message.objects.visible_to(user)
        .filter(case=case, pk=pk)
        .select_related("mailbox")
        .prefetch_related("attachments")
        .first()
    )
    if message is None:
        raise Http404
    return message


def own_addresses() -> set[str]:
    """The addresses mail goes out from (an archive mailbox's may be a colleague's own)."""
    ours = Mailbox.objects.exclude(purpose=Mailbox.Purpose.ARCHIVE)
    return {address.lower() for address in ours.values_list("address", flat=True)}


# A name holding one of these is quoted in an address field (RFC 5322 "specials"), so that a
# comma or bracket in it does not split or end it.
NAME_SPECIALS = re.compile(r'[()<>\[\]:;@\\,."]')


def address_text(name: str, address: str) -> str:
    """One address as an address field shows it: ``Name <a@b>``, the name as people read it.

    Unlike ``email.utils.formataddr`` the name is never RFC 2047-encoded (an encoded word
    in it is decoded instead): the field is for reading and typing, and the message built
    from it encodes the name for the header (``outbound.build_message``). A name with a
    comma, a quote or a bracket is quoted, so ``core.addresses`` reads it back as one.
    """
    name = " ".join(outbound.name_decoded(name).split())
    if not name:
        return address
    if NAME_SPECIALS.search(name):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{address}>"


def addresses_text(entries: Sequence[dict[str, Any]]) -> str:
    """``[{"name", "address"}]`` as the text of an address field ("Name <a@b>, c@d")."""
    return ", ".join(
        address_text(str(entry.get("name") or ""), str(entry["address"]))
        for entry in entries
        if entry.get("address")
    )


def addresses_readable(text: str) -> str:
    """A typed address field with its encoded names decoded (drafts saved before names were
    shown decoded hold ``=?utf-8?q?…?=``); an entry without one stays as typed."""
    if "=?" not in text:
        return text
    shown = []
    for entry in address_entries(text):
        parsed = getaddresses([entry]) if "=?" in entry else []
        if len(parsed) == 1 and "@" in parsed[0][1]:
            shown.append(address_text(*parsed[0]))
        else:
            shown.append(entry)
    return ", ".join(shown)


def _unique(entries: Sequence[dict[str, Any]], *, leave_out: set[str]) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for entry in entries:
        address = str(entry.get("address") or "").strip().lower()
        if address and address not in leave_out:
            found.append({"name": str(entry.get("name") or ""), "address": address})
            leave_out.add(address)
    return found


def reply_recipients(
    message: Message, *, kind: str
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(To, Cc) of a reply to ``message``: its Reply-To or sender (for our own message, its
    recipients); reply-all adds its other To and Cc addresses. Our mailboxes' addresses and
    repeated addresses are left out."""
    own = own_addresses()
    if message.direction == Message.Direction.OUTBOUND:
        first: Sequence[dict[str, Any]] = message.to
    elif message.reply_to:
        first = message.reply_to
    else:
        first = [{"name": message.from_name, "address": message.from_address}]
    seen = set(own)
    to = _unique(first, leave_out=seen)
    if kind != Kind.REPLY_ALL:
        return to, []
    to += _unique(message.to, leave_out=seen)
    return to, _unique(message.cc, leave_out=seen)


def _when(message: Message) -> str:
    moment = message.date or message.created_at
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT") if moment else ""


def quote_reply(message: Message) -> str:
    """The replied message as quoted under a reply: "On <date>, <name> wrote:" and its text
    with ``> `` in front of every line."""
    header = _("On %(date)s, %(name)s wrote:") % {
        "date": _when(message),
        "name": message.from_name or message.from_address,
    }
    lines = (message.text or message.text_new).strip("\n").splitlines()
    quoted = "\n".join(f"> {line}" if line.strip() else ">" for line in lines)
    return f"{header}\n{quoted}\n"


def forward_block(message: Message) -> str:
    """The forwarded message's headers and text, as put under a forward."""
    rows = [
        _("---------- Forwarded message ----------"),
        _("From: %(sender)s") % {"sender": address_text(message.from_name, message.from_address)},
        _("Date: %(date)s") % {"date": _when(message)},
        _("Subject: %(subject)s") % {"subject": message.subject},
        _("To: %(recipients)s") % {"recipients": addresses_text(message.to)},
    ]
    if message.cc:
        rows.append(_("Cc: %(recipients)s") % {"recipients": addresses_text(message.cc)})
    text = (message.text or message.text_new).strip("\n")
    return "\n".join(rows) + "\n\n" + text + "\n"


@dataclass
class ComposerStart:
    """What a new composer is filled with (a draft, when there is one, takes its place)."""

    kind: str
    replying_to: Message | None
    mailbox: Mailbox | None
    to: str
    cc: str = ""
    bcc: str = ""
    subject: str = ""
    body: str = ""
    status: Status | None = None
    forwarded: list[Attachment] = field(default_factory=list)


def composer_start(*, case: Case, kind: str, replying_to: Message | None) -> ComposerStart:
    """The prefilled composer: recipients, tagged subject, the quote or forwarded message, the
    mailbox (``outbound.default_mailbox`` when it can send, else the first that can), the
    status to set (the case settings' reply status, else the case's own) and, for a forward,
    the original's attachments (inline images left unchosen)."""
    settings_row = case_settings()
    mailboxes = list(sending_mailboxes())
    mailbox = outbound.default_mailbox(case, replying_to=replying_to)
    if mailbox not in mailboxes:
        mailbox = mailboxes[0] if mailboxes else None
    subject = (replying_to.subject if replying_to is not None else "") or case.subject
    start = ComposerStart(
        kind=kind,
        replying_to=replying_to,
        mailbox=mailbox,
        to="",
        status=settings_row.reply_status or case.status,
    )
    if kind == Kind.FORWARD and replying_to is not None:
        start.subject = outbound.forward_subject_for(
            subject, case_number=case.number, prefix=settings_row.prefix
        )
        start.body = "\n\n" + forward_block(replying_to)
        start.forwarded = [a for a in replying_to.attachments.all() if not a.inline]
        return start
    start.subject = outbound.subject_for(
        subject, case_number=case.number, prefix=settings_row.prefix, reply=True
    )
    if replying_to is not None:
        to, cc = reply_recipients(replying_to, kind=kind)
        start.to, start.cc = addresses_text(to), addresses_text(cc)
        start.body = "\n\n" + quote_reply(replying_to)
    else:
        start.to = addresses_text(case_people_addresses(case))
    return start


def case_people_addresses(case: Case) -> list[dict[str, str]]:
    """Whom a case's first email goes to: its reporter, else its contacts (each by their
    first address)."""
    reporter = outbound._reporter_address(case)
    if reporter:
        return reporter
    found = []
    for contact in case.contacts.order_by("last_name", "first_name", "pk"):
        email = contact.emails.order_by("position", "pk").first()
        if email is not None:
            found.append({"name": str(contact), "address": email.address.lower()})
    return found


# Drafts


def _drafts(*, case: Case, user: User) -> QuerySet[Draft]:
    return Draft.objects.filter(case=case, author=user)


def draft_find(*, case: Case, user: User, kind: str, replying_to: Message | None) -> Draft | None:
    """The user's draft of this composer, if any (only its author ever gets it)."""
    drafts = _drafts(case=case, user=user).filter(kind=kind)
    if replying_to is None:
        drafts = drafts.filter(replying_to__isnull=True)
    else:
        drafts = drafts.filter(replying_to=replying_to)
    return drafts.select_related("mailbox", "status", "replying_to").first()


def draft_latest(*, case: Case, user: User) -> Draft | None:
    """The user's most recently saved draft in the case (whatever it answers)."""
    return _drafts(case=case, user=user).select_related("replying_to").first()


def draft_get_for_user(*, case: Case, user: User, pk: int) -> Draft:
    """The user's own draft in ``case`` (404 for anyone else's or another case's)."""
    draft = _drafts(case=case, user=user).filter(pk=pk).first()
    if draft is None:
        raise Http404
    return draft


def composer_lock(case: Case) -> None:
    """Take the case's row lock inside the caller's transaction: a draft save and the send of
    the same composer then run one after the other, so a save that set off before the send
    cannot bring the sent draft back after it (it finds the token used, see
    ``already_sent``)."""
    list(Case.objects.select_for_update().filter(pk=case.pk).values_list("pk", flat=True))


def already_sent(*, user: User, token: str) -> bool:
    """Whether the composer with this one-time token was sent (its draft must not come back)."""
    return bool(token) and FormSubmission.objects.filter(token=token, user=user).exists()


@dataclass(frozen=True)
class DraftContent:
    mailbox: Mailbox | None = None
    to: str = ""
    cc: str = ""
    bcc: str = ""
    subject: str = ""
    body: str = ""
    status: Status | None = None
    body_html: str = ""


@transaction.atomic
def draft_save(
    *,
    case: Case,
    by: User,
    kind: str,
    replying_to: Message | None,
    content: DraftContent,
    forwarded: Collection[Attachment] = (),
    keep: Collection[int] | None = None,
) -> Draft:
    """Create or update the author's draft of this composer with what was typed, as typed.

    ``forwarded`` replaces the chosen original attachments; ``keep`` (when given) are the
    draft's uploaded attachments still wanted, the others are removed. Two saves racing for
    a new draft end in one (the loser updates the winner's row).
    """
    draft = draft_find(case=case, user=by, kind=kind, replying_to=replying_to)
    if draft is None:
        try:
            with transaction.atomic():
                draft = Draft.objects.create(
                    case=case, author=by, kind=kind, replying_to=replying_to
                )
        except IntegrityError:
            draft = draft_find(case=case, user=by, kind=kind, replying_to=replying_to)
            if draft is None:
                raise
    draft.mailbox = content.mailbox
    draft.to, draft.cc, draft.bcc = content.to, content.cc, content.bcc
    draft.subject = content.subject.replace("\r", " ").replace("\n", " ")[:998]
    draft.body = content.body
    draft.body_html = content.body_html
    draft.status = content.status
    draft.save()
    draft.forwarded.set(
        [a for a in forwarded if replying_to is not None and a.message_id == replying_to.pk]
    )
    if keep is not None:
        draft.attachments.exclude(pk__in=keep).delete()
    return draft


def _too_big(total: int) -> ValidationError:
    return ValidationError(
        {
            "attachments": _("The attachments have %(size)s; a message may carry %(limit)s.")
            % {
                "size": filesizeformat(total),
                "limit": filesizeformat(outbound.ATTACHMENTS_MAX_BYTES),
            }
        },
        code="too_big",
    )


@transaction.atomic
def draft_attachment_add(*, draft: Draft, upload: UploadedFile) -> DraftAttachment:
    """Keep an uploaded file in the draft (bytes in the blob store; the same file once).

    Refused (``ValidationError`` on ``attachments``) when the draft's files would pass the
    size a message may carry.
    """
    size = upload.size or 0
    if size == 0:
        raise ValidationError(
            {"attachments": _("%(name)s is empty.") % {"name": upload.name}}, code="empty"
        )
    total = size + sum(draft.attachments.values_list("size", flat=True))
    if total > outbound.ATTACHMENTS_MAX_BYTES:
        raise _too_big(total)
    data = upload.read()
    sha256 = blob_store(data)
    name = file_name_clean(upload.name or "") or _("attachment")
    attachment, _created = DraftAttachment.objects.get_or_create(
        draft=draft,
        sha256=sha256,
        name=name,
        defaults={"size": len(data), "content_type": (upload.content_type or "")[:255]},
    )
    return attachment


@transaction.atomic
def draft_discard(*, draft: Draft) -> None:
    """Delete the draft and its uploads (the blobs stay: other messages may share them)."""
    draft.delete()


# Sending


def attachment_content(attachment: Attachment) -> bytes:
    """The bytes of a stored message's attachment: from the blob store, else cut from the
    message's raw bytes (messages queued before attachments were kept apart)."""
    try:
        return blob_read(attachment.sha256)
    except FileNotFoundError:
        pass
    try:
        raw = rawstore.raw_read(attachment.message.raw_sha256)
    except FileNotFoundError:
        raw = b""
    parsed = message_from_bytes(raw, policy=policy.default) if raw else None
    if isinstance(parsed, EmailMessage):
        for part in parsed.walk():
            if part.is_multipart():
                continue
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes) and hashlib.sha256(payload).hexdigest() == (
                attachment.sha256
            ):
                return payload
    raise ValidationError(
        {
            "forwarded": _("%(name)s can no longer be read; send without it.")
            % {"name": attachment.filename}
        },
        code="attachment_lost",
    )


@dataclass(frozen=True)
class Outgoing:
    """What the composer sends (validated by the form)."""

    mailbox: Mailbox
    to: str
    cc: str
    bcc: str
    subject: str
    body: str
    status: Status | None
    forwarded: Sequence[Attachment] = ()
    kept: Sequence[DraftAttachment] = ()
    uploads: Sequence[UploadedFile] = ()
    # the editor's HTML (``body`` is then its text); "" when written as plain text
    html: str = ""


@transaction.atomic
def composed_send(
    *,
    case: Case,
    by: User,
    kind: str,
    replying_to: Message | None,
    outgoing: Outgoing,
    draft: Draft | None = None,
) -> Message:
    """Queue the composed reply or forward (``outbound.reply_create``: sent by the worker after
    commit) with the chosen status to set once the server accepts it
    (``status_after_sending``), and delete the draft, all in one transaction.

    The attachments' total size is checked before any file is read. Raises
    ``ValidationError`` by field as ``reply_create`` does, plus ``attachments`` and
    ``forwarded``.
    """
    if replying_to is not None and replying_to.case_id != case.pk:
        raise ValidationError(
            {"message": _("That message is not part of this case.")}, code="other_case"
        )
    forwarded = [a for a in outgoing.forwarded if replying_to and a.message_id == replying_to.pk]
    kept = [a for a in outgoing.kept if draft is not None and a.draft_id == draft.pk]
    total = (
        sum(a.size for a in forwarded)
        + sum(a.size for a in kept)
        + sum(upload.size or 0 for upload in outgoing.uploads)
    )
    if total > outbound.ATTACHMENTS_MAX_BYTES:
        raise _too_big(total)
    attachments = [
        *(
            outbound.OutgoingAttachment(a.filename, attachment_content(a), a.content_type)
            for a in forwarded
        ),
        *(outbound.OutgoingAttachment(a.name, blob_read(a.sha256), a.content_type) for a in kept),
        *(
            outbound.OutgoingAttachment(
                file_name_clean(upload.name or "") or _("attachment"),
                upload.read(),
                upload.content_type or "",
            )
            for upload in outgoing.uploads
        ),
    ]
    message = outbound.reply_create(
        case=case,
        by=by,
        text=outgoing.body,
        to=[outgoing.to],
        cc=[outgoing.cc],
        bcc=[outgoing.bcc],
        mailbox=outgoing.mailbox,
        replying_to=replying_to,
        subject=outgoing.subject,
        attachments=attachments,
        status=outgoing.status,  # set once the server accepts the message
        forward=kind == Kind.FORWARD,
        html=outgoing.html,
    )
    if draft is not None:
        draft.delete()
    return message
