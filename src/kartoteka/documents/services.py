"""Writes of documents: create, edit, add a file's version, delete.

Every uploaded file is checked before anything is stored: not empty, at most
``settings.DOCUMENT_MAX_MB``, its content what its name says (``sniffing``), no zip bomb. A
refusal is a ``ValidationError`` on ``files`` that says why, in the reader's language. The text
of each stored file is extracted in the worker (``tasks.extract_document_text``), enqueued
after commit.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from kartoteka.cases.models import Case
from kartoteka.core.files import file_name_clean
from kartoteka.core.names import names_clean
from kartoteka.core.search_index import index_remove
from kartoteka.customers.models import Account, Contact
from kartoteka.documents import sniffing
from kartoteka.documents.models import Document, DocumentFile, DocumentType
from kartoteka.documents.search_entries import document_index
from kartoteka.documents.tasks import extract_document_text
from kartoteka.people.models import Team

if TYPE_CHECKING:
    from kartoteka.people.models import User


def document_max_bytes() -> int:
    return int(settings.DOCUMENT_MAX_MB) * 1024 * 1024


def document_can_change(user: User, document: Document) -> bool:
    """Editing, new versions and deleting are for the author and administrators."""
    return user.is_administrator or (
        document.author_id is not None and document.author_id == user.pk
    )


@transaction.atomic
def document_create(
    *,
    by: User,
    account: Account,
    document_type: DocumentType,
    title: str,
    files: Sequence[UploadedFile[bytes]],
    description: str = "",
    date: datetime.date | None = None,
    case: Case | None = None,
    contacts: Sequence[Contact] = (),
    confidential: bool = False,
    shared_users: Sequence[User] = (),
    shared_teams: Sequence[Team] = (),
    shared_with_customer: bool = False,
) -> Document:
    """A new document of ``account`` by ``by`` with its first files (at least one). The case
    and contacts must belong to the account; every file is checked before any is stored."""
    checked = [_checked_upload(upload) for upload in files]
    if not checked:
        raise ValidationError({"files": _("Add at least one file.")}, code="required")
    _check_belongs(account, case, contacts)
    document = Document(
        account=account,
        case=case,
        document_type=document_type,
        title=title.strip(),
        description=description,
        author=by,
        confidential=confidential,
        shared_with_customer=shared_with_customer,
    )
    if date is not None:
        document.date = date
    document.full_clean(exclude=["author", "case", "account", "document_type"])
    document.save()
    document.contacts.set(contacts)
    document.shared_users.set(shared_users)
    document.shared_teams.set(shared_teams)
    for name, data, content_type in checked:
        _file_store(document=document, by=by, name=name, data=data, content_type=content_type)
    document_index(document)
    return document


@transaction.atomic
def document_update(
    *,
    by: User,
    document: Document,
    document_type: DocumentType,
    title: str,
    description: str,
    date: datetime.date,
    case: Case | None,
    contacts: Sequence[Contact],
    confidential: bool,
    shared_users: Sequence[User],
    shared_teams: Sequence[Team],
    shared_with_customer: bool = False,
) -> Document:
    """Change the document's fields (author and administrators only)."""
    if not document_can_change(by, document):
        raise PermissionDenied
    _check_belongs(document.account, case, contacts)
    document.document_type = document_type
    document.title = title.strip()
    document.description = description
    document.date = date
    document.case = case
    document.confidential = confidential
    document.shared_with_customer = shared_with_customer
    document.full_clean(exclude=["author", "case", "account", "document_type"])
    document.save()
    document.contacts.set(contacts)
    document.shared_users.set(shared_users)
    document.shared_teams.set(shared_teams)
    document_index(document)
    return document


@transaction.atomic
def file_version_add(
    *, by: User, document: Document, upload: UploadedFile[bytes], name: str = ""
) -> DocumentFile:
    """A new version of the document's file ``name`` (by default the upload's own name): the
    next version number for that name; earlier versions are kept. The document row is locked
    so two uploads at once get distinct numbers."""
    if not document_can_change(by, document):
        raise PermissionDenied
    upload_name, data, content_type = _checked_upload(upload)
    Document.objects.select_for_update().filter(pk=document.pk).first()
    row = _file_store(
        document=document,
        by=by,
        name=file_name_clean(name) or upload_name,
        data=data,
        content_type=content_type,
    )
    document_index(document)
    return row


@transaction.atomic
def document_delete(*, by: User, document: Document) -> None:
    """Delete the document with every version of its files (author and administrators)."""
    if not document_can_change(by, document):
        raise PermissionDenied
    stored = [row.file.name for row in document.files.all() if row.file.name]
    index_remove("document", [document.pk])
    document.delete()
    transaction.on_commit(lambda: _files_remove(stored))


def _files_remove(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def _checked_upload(upload: UploadedFile[bytes]) -> tuple[str, bytes, str]:
    """(clean name, bytes, sniffed type) of an acceptable upload, else ``ValidationError``."""
    name = file_name_clean(upload.name or "") or _("document")
    size = upload.size or 0
    if size == 0:
        raise ValidationError({"files": _("“%(name)s” is empty.") % {"name": name}}, code="empty")
    if size > document_max_bytes():
        raise ValidationError(
            {
                "files": _("“%(name)s” has %(size)s; a document's file may have up to %(limit)s.")
                % {
                    "name": name,
                    "size": filesizeformat(size),
                    "limit": filesizeformat(document_max_bytes()),
                }
            },
            code="too_big",
        )
    upload.seek(0)
    data = upload.read()
    try:
        sniffed = sniffing.sniff(name, data)
    except sniffing.RefusedFile as refusal:
        raise ValidationError({"files": str(refusal)}, code="refused") from refusal
    return name, data, sniffed.content_type


def _check_belongs(account: Account, case: Case | None, contacts: Sequence[Contact]) -> None:
    if case is not None and case.account_id != account.pk:
        raise ValidationError({"case": _("The case is not this customer's.")}, code="other_account")
    if any(contact.account_id != account.pk for contact in contacts):
        raise ValidationError(
            {"contacts": _("Only this customer's contacts can be named.")}, code="other_account"
        )


def _file_store(
    *, document: Document, by: User, name: str, data: bytes, content_type: str
) -> DocumentFile:
    latest = document.files.filter(name=name).aggregate(latest=Max("version"))["latest"] or 0
    row = DocumentFile(
        document=document,
        name=name,
        version=latest + 1,
        size=len(data),
        content_type=content_type,
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=by,
    )
    row.file.save(name, ContentFile(data), save=False)
    row.save()
    transaction.on_commit(lambda: extract_document_text.enqueue(row.pk))
    return row


@transaction.atomic
def document_type_save(
    *,
    by: User,
    document_type: DocumentType,
    name: str,
    icon: str,
    position: int,
    active: bool,
    names: Mapping[str, str] | None = None,
) -> DocumentType:
    """Create or change a document type (administrators only), with its name per language
    (``names``, by language code). A type in use is deactivated, never deleted: its
    documents keep it."""
    if not by.is_administrator:
        raise PermissionDenied
    document_type.name = name.strip()
    document_type.names = names_clean(names)
    document_type.icon = icon.strip()
    document_type.position = position
    document_type.active = active
    document_type.full_clean()
    document_type.save()
    return document_type
