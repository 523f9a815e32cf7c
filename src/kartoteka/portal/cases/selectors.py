"""What the portal reads: only through the portal branch of the doors (``visible_to``).

Every read starts from ``Case``, ``CaseNote``, ``CaseAttachment``, ``Message``, ``Attachment``
or ``Document`` ``.objects.visible_to(user)``: for a portal user each gives only what their
customer may see (``cases.models.portal_case_visibility``, ``mail.models.customer_public``,
``documents.models.portal_document_visibility``), so no page here needs a rule of its own.
Rows a portal user may not see do not exist for them (404).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.html import linebreaks
from django.utils.safestring import SafeString

from kartoteka.cases.models import Case, CaseAttachment, CaseNote, CaseType
from kartoteka.documents.models import Document, DocumentFile
from kartoteka.mail import display
from kartoteka.mail.models import Attachment, Message
from kartoteka.mail.reading.html import sanitize

if TYPE_CHECKING:
    from kartoteka.people.models import User

PAGE_SIZE = 25


class State:
    OPEN = "open"
    CLOSED = "closed"
    ALL = "all"
    CHOICES = (OPEN, CLOSED, ALL)


def portal_case_list(*, user: User, state: str = State.OPEN, query: str = "") -> QuerySet[Case]:
    """The portal user's cases, newest first: open ones (a status that does not close the
    case), closed ones or all; ``query`` matches the number (``123`` or ``#123``) or a part of
    the subject. Merged cases are left out (their conversation lives in the case they were
    merged into). Two joins, no query per row."""
    cases = (
        Case.objects.visible_to(user)
        .filter(merged_into__isnull=True)
        .select_related("status")
        .only(
            "number",
            "subject",
            "created_at",
            "updated_at",
            "status__name",
            "status__names",
            "status__closes_case",
        )
        .order_by("-number")
    )
    if state == State.OPEN:
        cases = cases.filter(status__closes_case=False)
    elif state == State.CLOSED:
        cases = cases.filter(status__closes_case=True)
    query = query.strip()
    if query:
        digits = query.removeprefix("#")
        matches = Q(subject__icontains=query)
        if digits.isdigit() and len(digits) <= 18:
            matches |= Q(number=int(digits))
        cases = cases.filter(matches)
    return cases


def portal_case_get(user: User, number: int) -> Case:
    """The case with this number if the portal shows it to ``user``; else 404."""
    case = (
        Case.objects.visible_to(user)
        .select_related("status", "case_type")
        .filter(number=number)
        .first()
    )
    if case is None:
        raise Http404
    return case


def portal_case_types() -> QuerySet[CaseType]:
    return CaseType.objects.all()


@dataclass(frozen=True)
class FileLink:
    name: str
    size: int
    url: str


@dataclass(frozen=True)
class ConversationItem:
    """One entry of a case's public conversation: an email, a public comment or a file the
    customer's side uploaded."""

    kind: str  # "email", "comment" or "file"
    when: datetime
    author: str
    from_customer: bool
    html: SafeString
    anchor: str
    files: list[FileLink] = field(default_factory=list)
    subject: str = ""
    remote_images: int = 0


def _person(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


def _message_item(message: Message, number: int) -> ConversationItem:
    attachments = list(message.attachments.all())

    def inline(attachment: Attachment) -> str:
        return reverse("portal:case-mail-file-inline", args=[number, attachment.pk])

    if message.html:
        # Sanitised again (it was when stored): what a customer reads never depends on every
        # writer of ``Message.html`` having done it; a case's few emails cost little.
        shown = display.prepare(
            sanitize(message.html), inline=display.inline_images(attachments, inline)
        )
        html, remote = shown.html, shown.remote_images
    else:
        html, remote = SafeString(linebreaks(message.text_new or message.text, autoescape=True)), 0
    inbound = message.direction == Message.Direction.INBOUND
    return ConversationItem(
        kind="email",
        when=message.created_at,
        author=message.from_name or message.from_address,
        from_customer=inbound,
        html=html,
        anchor=f"email-{message.pk}",
        subject=message.subject,
        remote_images=remote,
        files=[
            FileLink(
                a.filename,
                a.size,
                reverse("portal:case-mail-file", args=[number, a.pk]),
            )
            for a in attachments
            if not a.inline
        ],
    )


def portal_conversation(user: User, case: Case) -> list[ConversationItem]:
    """The public conversation of ``case`` as ``user`` may read it, oldest first: the emails
    the customer's side has, the public comments and the files the customer's side uploaded.
    Four queries whatever its length (emails, their attachments, comments, files)."""
    messages = (
        Message.objects.visible_to(user)
        .filter(case=case)
        .only(
            "case_id",
            "direction",
            "created_at",
            "from_name",
            "from_address",
            "subject",
            "html",
            "text",
            "text_new",
        )
        # A visible message's attachments are visible (``Attachment.objects.visible_to`` is
        # the same rule): fetched plainly, without building the rule a second time.
        .prefetch_related("attachments")
        .order_by("created_at", "pk")
    )
    notes = (
        CaseNote.objects.visible_to(user)
        .filter(case=case)
        .select_related("author")
        .only(
            "created_at",
            "text",
            "author__first_name",
            "author__last_name",
            "author__username",
            "author__role",
        )
    )
    files = CaseAttachment.objects.visible_to(user).filter(case=case).select_related("uploaded_by")
    items = [_message_item(message, case.number) for message in messages]
    items += [
        ConversationItem(
            kind="comment",
            when=note.created_at,
            author=_person(note.author),
            from_customer=note.author is not None and note.author.role == note.author.Role.PORTAL,
            html=SafeString(linebreaks(note.text, autoescape=True)),
            anchor=f"comment-{note.pk}",
        )
        for note in notes
    ]
    items += [
        ConversationItem(
            kind="file",
            when=row.uploaded_at,
            author=_person(row.uploaded_by),
            from_customer=True,
            html=SafeString(""),
            anchor=f"file-{row.pk}",
            files=[
                FileLink(
                    row.name,
                    row.size,
                    reverse("portal:case-file", args=[case.number, row.pk]),
                )
            ],
        )
        for row in files
    ]
    items.sort(key=lambda item: item.when)
    return items


def portal_case_file_get(user: User, number: int, pk: int) -> CaseAttachment:
    """A file of a case the customer's side uploaded, if ``user`` may see it; else 404."""
    row = CaseAttachment.objects.visible_to(user).filter(case__number=number, pk=pk).first()
    if row is None:
        raise Http404
    return row


def portal_mail_file_get(user: User, number: int, pk: int) -> Attachment:
    """An attachment of an email of the case that ``user`` may read; else 404."""
    row = (
        Attachment.objects.visible_to(user)
        .filter(message__case__number=number, pk=pk)
        .only("filename", "content_type", "sha256", "size")
        .first()
    )
    if row is None:
        raise Http404
    return row


@dataclass(frozen=True)
class SharedDocument:
    document: Document
    files: list[DocumentFile]  # each file's latest version, by name


def portal_documents(user: User) -> list[SharedDocument]:
    """The documents shared with the portal user's customer, newest first, each with its
    files' latest versions (three queries whatever their number)."""
    documents = (
        Document.objects.visible_to(user)
        .select_related("document_type")
        .prefetch_related(
            Prefetch(
                "files",
                queryset=DocumentFile.objects.only(
                    "document_id", "name", "version", "size"
                ).order_by("name", "-version"),
            )
        )
        .only(
            "title",
            "date",
            "description",
            "document_type__name",
            "document_type__names",
            "document_type__icon",
        )
        .order_by("-date", "-pk")
    )
    shared = []
    for document in documents:
        latest: dict[str, DocumentFile] = {}
        for row in document.files.all():
            latest.setdefault(row.name, row)
        shared.append(SharedDocument(document, list(latest.values())))
    return shared


def portal_document_file_get(user: User, document_pk: int, pk: int) -> DocumentFile:
    """A file version of a document shared with ``user``'s customer; else 404."""
    row = (
        DocumentFile.objects.filter(
            document__in=Document.objects.visible_to(user), document_id=document_pk, pk=pk
        )
        .only("name", "content_type", "file")
        .first()
    )
    if row is None:
        raise Http404
    return row
