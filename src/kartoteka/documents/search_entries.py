"""Documents in the global search (``core.search_index``): title, description, file names and
the text extracted from the newest version of each file.

Written by the services (document saved, version added) and by the text extraction task, in
their transactions. A hit is shown only through ``Document.visible_to``: a confidential
document never shows — neither title, excerpt nor count — to anyone it does not name.
Registered in ``DocumentsConfig.ready``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy

from kartoteka.core.search_index import (
    BATCH,
    BODY_LIMIT,
    Hit,
    IndexEntry,
    ModelSource,
    batched,
    index_put,
)
from kartoteka.documents.models import Document, DocumentFile

if TYPE_CHECKING:
    from kartoteka.people.models import User


def document_entry(document: Document, files: Iterable[tuple[str, str]]) -> IndexEntry:
    """``files``: (name, text) of the newest version of each of the document's files."""
    parts = [document.description]
    for name, text in files:
        parts += [name, text[:BODY_LIMIT]]
    return IndexEntry(
        "document",
        document.pk,
        title=document.title,
        body="\n".join(parts),
        account_id=document.account_id,
    )


def _newest_files(document_ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    """(name, text) of each file's newest version, per document."""
    found: dict[int, dict[str, str]] = defaultdict(dict)
    rows = (
        DocumentFile.objects.filter(document_id__in=document_ids)
        .order_by("document_id", "name", "-version")
        .values_list("document_id", "name", "text")
    )
    for document_id, name, text in rows:
        found[document_id].setdefault(name, text)
    return {document_id: list(files.items()) for document_id, files in found.items()}


def document_index(document: Document) -> None:
    """Write the document's entry (its files read afresh); call in the changing transaction."""
    files = _newest_files([document.pk]).get(document.pk, [])
    index_put([document_entry(document, files)])


class DocumentSource(ModelSource):
    model = Document
    kind = "document"
    label = gettext_lazy("Documents")

    def entries(self) -> Iterator[list[IndexEntry]]:
        rows = Document.objects.order_by("pk").only("title", "description", "account_id")
        for batch in batched(rows.iterator(chunk_size=BATCH), 500):
            files = _newest_files([document.pk for document in batch])
            yield [document_entry(document, files.get(document.pk, [])) for document in batch]

    def hits(self, user: User, object_ids: Sequence[int]) -> dict[int, Hit]:
        rows = (
            Document.objects.visible_to(user)
            .filter(pk__in=object_ids)
            .select_related("account", "document_type")
        )
        visible = list(rows)
        files = _newest_files([document.pk for document in visible])
        return {
            document.pk: Hit(
                "document",
                document.pk,
                title=document.title,
                url=document.get_absolute_url(),
                context=" · ".join((document.document_type.name, document.account.name)),
                text="\n".join(
                    [document.description, *(text for _name, text in files.get(document.pk, []))]
                ),
                at=document.created_at,
            )
            for document in visible
        }
