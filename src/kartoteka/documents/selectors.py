"""Reads of documents, each starting from ``Document.objects.visible_to(user)``."""

from __future__ import annotations

from django.db.models import Count, Prefetch
from django.http import Http404

from kartoteka.cases.models import Case
from kartoteka.customers.models import Account
from kartoteka.documents.models import Document, DocumentFile
from kartoteka.people.models import User


def document_list(*, user: User, account: Account) -> list[Document]:
    """The documents of ``account`` that ``user`` may see, newest first, with their type,
    author and number of files (three queries whatever their number)."""
    return list(
        Document.objects.visible_to(user)
        .filter(account=account)
        .select_related("document_type", "author")
        .annotate(file_count=Count("files"))
        .order_by("-created_at", "-pk")
    )


def document_get_for_user(user: User, pk: int) -> Document:
    """The document if the user may see it, with its files' versions; 404 otherwise."""
    document = (
        Document.objects.visible_to(user)
        .select_related("account", "document_type", "author")
        .prefetch_related(
            "contacts",
            "shared_users",
            "shared_teams",
            Prefetch(
                "files",
                queryset=DocumentFile.objects.select_related("uploaded_by").order_by(
                    "name", "-version"
                ),
            ),
        )
        .filter(pk=pk)
        .first()
    )
    if document is None:
        raise Http404
    return document


def document_file_get_for_user(user: User, document_pk: int, pk: int) -> DocumentFile:
    """One stored version of a visible document's file; 404 otherwise."""
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


def document_case_for_user(user: User, document: Document) -> Case | None:
    """The document's case if the user may see it: a clerk without case rights who sees the
    document learns nothing of its case."""
    if document.case_id is None:
        return None
    return Case.objects.visible_to(user).filter(pk=document.case_id).first()
