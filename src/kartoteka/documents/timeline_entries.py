"""The documents' part of the customer file's timeline: documents added.

Read through ``Document.visible_to``: a confidential document leaves no trace for a reader who
may not see it. The search box finds a document by its entry in the search index: its title,
description, and its files' names and extracted text (of each file's newest version).
Registered in ``DocumentsConfig.ready``.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kartoteka.core.search_index import index_matches_in_file
from kartoteka.customers.timeline import (
    Entry,
    Figure,
    Window,
    excerpt,
    narrowed,
    older_than,
    within_dates,
)
from kartoteka.documents.models import Document
from kartoteka.people.models import User

DOCUMENT = "document"


class DocumentEntries:
    kinds = [(DOCUMENT, gettext_lazy("Documents"))]

    def entries(self, window: Window) -> list[Entry]:
        if not window.wants(DOCUMENT):
            return []
        rows = Document.objects.visible_to(window.user).filter(
            Q(account_id=window.account_id) & older_than(window, DOCUMENT) & within_dates(window)
        )
        rows = narrowed(
            rows, window, contacts="contacts", case_number="case__number", author="author_id"
        )
        if window.query:
            rows = rows.filter(
                index_matches_in_file(
                    window.query, "document", window.account_id, prefix=window.query_prefix
                )
            )
        rows = rows.select_related("author", "document_type").order_by("-created_at", "-pk")
        return [
            Entry(
                kind=DOCUMENT,
                at=document.created_at,
                key=document.pk,
                title=_("%(icon)s %(type)s added: %(title)s")
                % {
                    "icon": document.document_type.icon,
                    "type": document.document_type.local_name,
                    "title": document.title,
                },
                url=document.get_absolute_url(),
                who=str(document.author or ""),
                text=excerpt(document.description),
            )
            for document in rows[: window.limit + 1]
        ]

    def figures(self, user: User, account_id: int) -> list[Figure]:
        """How many of the customer's documents the user may see (a confidential one counts
        only for whom it names)."""
        count = Document.objects.visible_to(user).filter(account_id=account_id).count()
        return [Figure(_("Documents"), str(count))]
