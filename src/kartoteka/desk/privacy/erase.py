"""The erasure of a contact's personal data (right to erasure).

What goes: the contact's name (it becomes "Erased contact #id"), salutation, position, notes,
email addresses, phones and portal login, also in the contact's history; in the messages from or to
them their name and address in From/To/Cc/Bcc/Reply-To and wherever a text, a draft or a
notification names them; the text of the messages they sent (a marker stays) and those
messages' attachments; the raw files of every message from or to them. Stored files are
content-addressed: one is deleted, after commit, only when no remaining row refers to the same
bytes. A message to them still waiting in the outbox is not sent.

What stays: the cases with their subjects and descriptions (the company's record of the work),
the other people's messages and the staff's notes, so each case still reads as it happened. A
name written in another form (declined, abbreviated) is not recognised in free text. The search
index's entries of the contact and of the messages are written again from what remains.

Each kind of data is one *eraser* (``ERASERS``), like the export's collectors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kartoteka.cases.models import Case, CaseEvent
from kartoteka.cases.services import case_note_add
from kartoteka.core.search_index import index_put
from kartoteka.customers.models import Account, Contact
from kartoteka.customers.search_entries import contact_index
from kartoteka.desk.privacy.subjects import (
    RECIPIENT_FIELDS,
    Subject,
    contact_subject,
    is_sender,
    subject_cases,
    subject_messages,
)
from kartoteka.mail.blobstore import blob_path
from kartoteka.mail.models import Attachment, Draft, DraftAttachment, Message
from kartoteka.mail.rawstore import raw_path
from kartoteka.mail.search_entries import message_entry
from kartoteka.notifications.models import Notification
from kartoteka.people.models import User

ERASED = "[erased]"
ERASED_MESSAGE_FIELDS = (
    "subject", "from_name", "from_address", *RECIPIENT_FIELDS, "text", "text_new", "html",
    "state", "error", "next_attempt_at", "status_after_sending", "raw_sha256",
)  # fmt: skip
UNSENT_STATES = (Message.State.QUEUED, Message.State.SENDING, Message.State.FAILED)
ERASED_CHANGE_REASON = "personal data erased"


@dataclass
class Scope:
    """What one erasure works on, gathered once under the contact's lock."""

    contact: Contact
    subject: Subject
    by: User
    name: str
    messages: list[Message]
    cases: list[Case]
    # The name and addresses as they may appear in a text, longest first.
    needles: tuple[str, ...]
    raw: set[str] = field(default_factory=set)
    blobs: set[str] = field(default_factory=set)

    def scrub(self, text: str) -> str:
        """``text`` with every mention of the name or an address, in any case, replaced."""
        for needle in self.needles:
            text = _replace_ignoring_case(text, needle, ERASED)
        return text


Eraser = Callable[[Scope], None]


def erased_name(contact: Contact) -> str:
    return _("Erased contact #%(id)s") % {"id": contact.pk}


def _replace_ignoring_case(text: str, needle: str, replacement: str) -> str:
    lowered, wanted = text.lower(), needle.lower()
    if len(lowered) != len(text):  # lower() changed the length: offsets would not match
        return text.replace(needle, replacement)
    parts, start = [], 0
    while (found := lowered.find(wanted, start)) != -1:
        parts += [text[start:found], replacement]
        start = found + len(wanted)
    parts.append(text[start:])
    return "".join(parts)


def erase_messages(scope: Scope) -> None:
    """Their messages: the sent ones lose text and attachments, the received ones the name
    and addresses; all lose their raw file."""
    sent = [message for message in scope.messages if is_sender(message, scope.subject)]
    attachments = Attachment.objects.filter(message__in=sent)
    scope.blobs |= set(attachments.values_list("sha256", flat=True))
    attachments.delete()

    def recipient(entry: Any) -> Any:
        address = str(entry.get("address", "")).lower() if isinstance(entry, dict) else ""
        return {"name": scope.name, "address": ""} if address in scope.subject.addresses else entry

    for message in scope.messages:
        for name in RECIPIENT_FIELDS:
            setattr(message, name, [recipient(entry) for entry in getattr(message, name)])
        message.subject = scope.scrub(message.subject)
        if is_sender(message, scope.subject):
            message.from_name, message.from_address = scope.name, ""
            message.text = message.text_new = message.html = ERASED
        else:
            message.from_name = scope.scrub(message.from_name)
            message.text = scope.scrub(message.text)
            message.text_new = scope.scrub(message.text_new)
            message.html = scope.scrub(message.html)
        if message.state in UNSENT_STATES:
            # Cancelled, not failed: there is no address left to send to again, so the outbox
            # and the case must not offer "Send again", and the status it was to set is dropped.
            message.state = Message.State.CANCELLED
            message.error = "Not sent: the recipient's personal data was erased."
            message.next_attempt_at = None
            message.status_after_sending = None
        if message.raw_sha256:
            scope.raw.add(message.raw_sha256)
        message.raw_sha256 = ""
    Message.objects.bulk_update(scope.messages, ERASED_MESSAGE_FIELDS)
    index_put(message_entry(message) for message in scope.messages)


def erase_drafts(scope: Scope) -> None:
    """Replies being written in their cases: the name and addresses in every field."""
    drafts = list(Draft.objects.filter(case__in=scope.cases))
    for draft in drafts:
        for name in ("to", "cc", "bcc", "subject", "body"):
            setattr(draft, name, scope.scrub(getattr(draft, name)))
    Draft.objects.bulk_update(drafts, ["to", "cc", "bcc", "subject", "body"])


def erase_notifications(scope: Scope) -> None:
    """The staff's notifications about their cases ("a message from …")."""
    notifications = list(Notification.objects.filter(case__in=scope.cases))
    for notification in notifications:
        notification.text = scope.scrub(notification.text)
    Notification.objects.bulk_update(notifications, ["text"])


def _without(addresses: str, erased: frozenset[str]) -> str:
    return ", ".join(
        a.strip() for a in addresses.split(",") if a.strip() and a.strip().lower() not in erased
    )


def erase_case_records(scope: Scope) -> None:
    """Their addresses among a case's notified ones (now and in its history), and their
    name in the history lines that changed a case's contacts."""
    for case in scope.cases:
        case.notify_addresses = _without(case.notify_addresses, scope.subject.addresses)
    Case.objects.bulk_update(scope.cases, ["notify_addresses"])
    records = Case.history.filter(id__in=[case.pk for case in scope.cases])  # type: ignore[attr-defined]
    for record in records.iterator():
        cleaned = _without(record.notify_addresses, scope.subject.addresses)
        if cleaned != record.notify_addresses:
            record.notify_addresses = cleaned
            record.save(update_fields=["notify_addresses"])
    # Any case, not only theirs: they may have been removed from one since.
    changed = []
    events = CaseEvent.objects.filter(kind=CaseEvent.Kind.CONTACTS_CHANGED).only("pk", "data")
    for event in events.iterator():
        people = [p for side in ("old", "new") for p in event.data.get(side, [])]
        named = [p for p in people if isinstance(p, dict) and p.get("id") == scope.contact.pk]
        for person in named:
            person["name"] = scope.name
        if named:
            changed.append(event)
    CaseEvent.objects.bulk_update(changed, ["data"])


def erase_contact_record(scope: Scope) -> None:
    """The contact itself, its past versions and its portal login."""
    contact = scope.contact
    contact.emails.all().delete()
    contact.phones.all().delete()
    personal = {
        "first_name": "",
        "last_name": scope.name,
        "position": "",
        "notes": "",
        "salutation": "",
    }
    Contact.history.filter(id=contact.pk).update(**personal)  # type: ignore[attr-defined]
    for name, value in personal.items():
        setattr(contact, name, value)
    contact.updated_by = scope.by
    contact._history_user = scope.by  # type: ignore[attr-defined]
    contact._change_reason = ERASED_CHANGE_REASON  # type: ignore[attr-defined]
    contact.save()
    contact_index(contact)
    login = contact.portal_user
    if login is not None:
        login.first_name = login.last_name = login.email = ""
        login.username = f"erased-{login.pk}"
        login.is_active = False
        login.set_unusable_password()
        login.save()


ERASERS: tuple[Eraser, ...] = (
    erase_messages,
    erase_drafts,
    erase_notifications,
    erase_case_records,
    erase_contact_record,
)


def _scope(contact: Contact, by: User) -> Scope:
    subject = contact_subject(contact)
    messages = subject_messages(subject)
    cases = {case.pk: case for case in subject_cases(subject)}
    cases.update({m.case.pk: m.case for m in messages if m.case is not None})
    names = {str(contact), f"{contact.last_name} {contact.first_name}".strip()}
    return Scope(
        contact=contact,
        subject=subject,
        by=by,
        name=erased_name(contact),
        messages=messages,
        cases=sorted(cases.values(), key=lambda case: case.number),
        needles=tuple(sorted(names | subject.addresses, key=len, reverse=True)),
    )


def _unreferenced_files(scope: Scope) -> tuple[Path, ...]:
    """The stored files of the erased data that no remaining row refers to."""
    raw = scope.raw - set(
        Message.objects.filter(raw_sha256__in=scope.raw).values_list("raw_sha256", flat=True)
    )
    blobs = scope.blobs - {
        *Attachment.objects.filter(sha256__in=scope.blobs).values_list("sha256", flat=True),
        *DraftAttachment.objects.filter(sha256__in=scope.blobs).values_list("sha256", flat=True),
    }
    return (*(raw_path(s) for s in sorted(raw)), *(blob_path(s) for s in sorted(blobs)))


def _files_delete(paths: tuple[Path, ...]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


@dataclass(frozen=True)
class Erasure:
    """What an erasure changed."""

    messages: int
    cases: int
    files: tuple[Path, ...]


def contact_erase(*, contact: Contact, by: User) -> Erasure:
    """Erase ``contact``'s personal data (see the module's docstring) in one transaction, with
    the contact and its account locked; the files no longer referred to are deleted after
    commit. Each case of theirs gets an internal note saying who erased it. Raises
    ``ValidationError`` (code ``legal_hold``) when the contact's account is under a legal hold."""
    with transaction.atomic():
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        account = (
            Account.objects.select_for_update().get(pk=contact.account_id)
            if contact.account_id is not None
            else None
        )
        if account is not None and account.legal_hold:
            raise ValidationError(
                _(
                    "The customer %(account)s is under a legal hold: its contacts' personal "
                    "data may not be erased."
                )
                % {"account": account},
                code="legal_hold",
            )
        scope = _scope(contact, by)
        for erase in ERASERS:
            erase(scope)
        for case in scope.cases:
            case_note_add(
                case=case,
                by=by,
                text=_("Personal data of a contact erased by %(user)s.") % {"user": by},
            )
        files = _unreferenced_files(scope)
        transaction.on_commit(lambda: _files_delete(files))
    return Erasure(messages=len(scope.messages), cases=len(scope.cases), files=files)
