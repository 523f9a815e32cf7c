"""The export of a subject's data (right of access): one ZIP archive in a temporary file.

The archive holds ``data.json`` (what the database keeps about them), ``emails/<id>.eml`` (the
raw messages from and to them), ``attachments/…`` (the files of their messages and, for an
account, of its cases) and ``README.txt`` in the exporting user's language. Each kind of data
is one *collector* (``COLLECTORS``): a kind added later (documents, activities) is one more
function. Files are copied into the archive in chunks, so memory stays bounded by the rows,
not the files.

Internal notes of cases are left out: they are the staff's working notes about the work, not
data the customer gave, and they name colleagues and other customers; public comments are in.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from kartoteka.cases.models import CaseAttachment
from kartoteka.core.files import file_name_clean
from kartoteka.customers.models import Account, Contact
from kartoteka.desk.privacy.subjects import Subject, subject_cases, subject_messages
from kartoteka.documents.models import Document
from kartoteka.mail.blobstore import blob_path
from kartoteka.mail.models import Attachment
from kartoteka.mail.rawstore import raw_path
from kartoteka.people.models import User

EXPORTED_CHANGE_REASON = "personal data exported"


@dataclass
class Archive:
    """The ZIP being written and the ``data.json`` document being gathered."""

    zip: zipfile.ZipFile
    reader: User  # who exports: what they may not see stays out (a confidential document)
    data: dict[str, Any] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    _names: set[str] = field(default_factory=set)

    def add_file(self, name: str, source: Path) -> str:
        """Copy ``source`` into the archive under ``name`` (made unique); a file gone from
        the store is listed in ``missing`` instead. Returns the name used, or ""."""
        if not source.is_file():
            self.missing.append(name)
            return ""
        unique = self._unique(name)
        # A file of 2 GiB or more needs the ZIP64 header, which must be chosen before writing.
        large = source.stat().st_size >= zipfile.ZIP64_LIMIT
        with source.open("rb") as reading, self.zip.open(unique, "w", force_zip64=large) as writing:
            shutil.copyfileobj(reading, writing, 1024 * 1024)
        return unique

    def add_stored(self, name: str, stored: FieldFile) -> str:
        """Copy an uploaded file (a model's ``FileField``) into the archive under ``name``,
        read through its storage; one gone from the storage is listed in ``missing``."""
        if not stored.name or not stored.storage.exists(stored.name):
            self.missing.append(name)
            return ""
        unique = self._unique(name)
        large = stored.size >= zipfile.ZIP64_LIMIT
        with stored.open("rb") as reading, self.zip.open(unique, "w", force_zip64=large) as writing:
            shutil.copyfileobj(reading, writing, 1024 * 1024)
        return unique

    def _unique(self, name: str) -> str:
        stem, dot, extension = name.rpartition(".")
        candidate, number = name, 1
        while candidate in self._names:
            number += 1
            candidate = f"{stem}-{number}.{extension}" if dot and stem else f"{name}-{number}"
        self._names.add(candidate)
        return candidate


Collector = Callable[[Subject, Archive], None]


def _classifications(record: Account | Contact) -> list[dict[str, str]]:
    return [
        {"dictionary": entry.dictionary.name, "entry": entry.label}
        for entry in record.classifications.select_related("dictionary")
    ]


def _account(account: Account) -> dict[str, Any]:
    return {
        "id": account.pk,
        "name": account.name,
        "short_name": account.short_name,
        "nip": account.nip,
        "regon": account.regon,
        "address": {
            "street": account.street,
            "postal_code": account.postal_code,
            "city": account.city,
            "country": account.country,
        },
        "phone": account.phone,
        "website": account.website,
        "shared_emails": [email.address for email in account.shared_emails.all()],
        "classifications": _classifications(account),
        "created_at": account.created_at,
    }


def _contact(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.pk,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "position": contact.position,
        "salutation": contact.salutation,
        "account": contact.account_id,
        "emails": [email.address for email in contact.emails.all()],
        "phones": [{"number": p.number, "kind": p.kind} for p in contact.phones.all()],
        "classifications": _classifications(contact),
        "created_at": contact.created_at,
    }


def collect_people(subject: Subject, archive: Archive) -> None:
    if subject.account is not None:
        archive.data["account"] = _account(subject.account)
    archive.data["contacts"] = [_contact(contact) for contact in subject.contacts]


def collect_cases(subject: Subject, archive: Archive) -> None:
    """Their cases with their properties and public comments (not the internal notes)."""
    cases = []
    for case in subject_cases(subject):
        cases.append(
            {
                "number": case.number,
                "subject": case.subject,
                "description": case.description,
                "status": str(case.status),
                "priority": str(case.priority),
                "type": str(case.case_type or ""),
                "category": str(case.category or ""),
                "created_at": case.created_at,
                "due_date": case.due_date,
                "comments": [
                    {"created_at": note.created_at, "text": note.text}
                    for note in case.notes.filter(internal=False)
                ],
            }
        )
        if subject.account is not None:
            for attachment in CaseAttachment.objects.filter(case=case):
                archive.add_stored(
                    f"attachments/case-{case.number}/{file_name_clean(attachment.name) or 'file'}",
                    attachment.file,
                )
    archive.data["cases"] = cases


def collect_messages(subject: Subject, archive: Archive) -> None:
    """The messages from and to them: headers and text in ``data.json``, raw files beside."""
    messages = subject_messages(subject)
    by_message: dict[int, list[Attachment]] = {}
    for attachment in Attachment.objects.filter(message__in=messages):
        by_message.setdefault(attachment.message_id, []).append(attachment)
    entries = []
    for message in messages:
        raw = archive.add_file(f"emails/{message.pk}.eml", raw_path(message.raw_sha256))
        files = [
            archive.add_file(
                f"attachments/message-{message.pk}/{file_name_clean(a.filename) or 'file'}",
                blob_path(a.sha256),
            )
            for a in by_message.get(message.pk, [])
        ]
        entries.append(
            {
                "id": message.pk,
                "case": message.case.number if message.case else None,
                "direction": message.direction,
                "date": message.date,
                "subject": message.subject,
                "from": {"name": message.from_name, "address": message.from_address},
                "to": message.to,
                "cc": message.cc,
                "reply_to": message.reply_to,
                "text": message.text,
                "raw_file": raw,
                "attachments": [name for name in files if name],
            }
        )
    archive.data["messages"] = entries


def collect_documents(subject: Subject, archive: Archive) -> None:
    """The customer's documents (for a contact, those that name them), every version of each
    file beside; through ``Document.visible_to`` the exporting user: a confidential document
    is exported by whom it names and by administrators, whose export is the complete one."""
    visible = Document.objects.visible_to(archive.reader)
    if subject.account is not None:
        documents = visible.filter(account=subject.account)
    else:
        documents = visible.filter(contacts__in=subject.contacts).distinct()
    entries = []
    for document in documents.select_related("document_type").prefetch_related("files"):
        files = [
            archive.add_stored(
                f"documents/{document.pk}/v{file.version}-{file_name_clean(file.name) or 'file'}",
                file.file,
            )
            for file in document.files.all()
        ]
        entries.append(
            {
                "id": document.pk,
                "type": str(document.document_type or ""),
                "title": document.title,
                "description": document.description,
                "date": document.date,
                "files": [name for name in files if name],
            }
        )
    archive.data["documents"] = entries


COLLECTORS: tuple[Collector, ...] = (
    collect_people,
    collect_cases,
    collect_messages,
    collect_documents,
)


def _readme(subject: Subject) -> str:
    return "\n".join(
        [
            _("Personal data stored about %(name)s") % {"name": subject.label},
            _("Exported on %(when)s.") % {"when": timezone.now().isoformat(timespec="seconds")},
            "",
            _("data.json: the stored records (contact details, cases, messages)."),
            _("emails/: the messages from and to them, as received or sent (.eml)."),
            _("attachments/: the files of those messages and of the cases."),
            _(
                "Internal notes of the staff are not included: they are the company's working "
                "notes and name other people; public comments are included."
            ),
            _(
                "documents/: the documents of the customer file. A confidential document is "
                "included only when the exporting user may see it; an administrator's export "
                "holds every one."
            ),
            "",
        ]
    )


def personal_data_export(subject: Subject, *, reader: User) -> IO[bytes]:
    """The archive of ``subject``'s data as ``reader`` may see it, in a temporary file, at its
    start; the file is deleted when closed."""
    output = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as packed:
        archive = Archive(zip=packed, reader=reader)
        for collect in COLLECTORS:
            collect(subject, archive)
        archive.data["missing_files"] = archive.missing
        packed.writestr(
            "data.json",
            json.dumps(archive.data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        )
        packed.writestr("README.txt", _readme(subject))
    output.seek(0)
    return output


def personal_data_export_record(*, record: Account | Contact, by: User) -> None:
    """A line in the account's or contact's history: ``by`` exported its data, now."""
    type(record).history.bulk_history_create(  # type: ignore[attr-defined]
        [record], update=True, default_user=by, default_change_reason=EXPORTED_CHANGE_REASON
    )
