"""Background work of documents: the text of each stored file, for search (its document's
search entry is written again with it).

``extract_document_text`` is enqueued after the commit that stored a file; it is idempotent
(a file whose text is no longer pending is left alone) and bounded (``extraction``).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.tasks import task

from kartoteka.documents.extraction import NoText, extract_text
from kartoteka.documents.models import DocumentFile
from kartoteka.documents.search_entries import document_index

logger = logging.getLogger(__name__)


@task
def extract_document_text(file_id: int) -> str:
    """Extract and store the text of the file ``file_id``; its resulting ``text_state``."""
    row = DocumentFile.objects.filter(pk=file_id, text_state=DocumentFile.TextState.PENDING).first()
    if row is None:
        return "skipped"
    with row.file.open("rb") as handle:
        data = handle.read()
    try:
        row.text = extract_text(row.content_type, data)
        row.text_state = DocumentFile.TextState.DONE
    except NoText:
        row.text_state = DocumentFile.TextState.NONE
    except Exception:
        # A damaged or hostile file is the uploader's problem, not a reason to retry.
        logger.info("No text from document file %s", file_id, exc_info=True)
        row.text_state = DocumentFile.TextState.FAILED
    with transaction.atomic():
        row.save(update_fields=["text", "text_state"])
        document_index(row.document)
    return str(row.text_state)
