"""Attachments of stored messages: downloaded, or shown in place when they are plain images.

Only through ``Message.objects.visible_to(user)``: an attachment of a message the user may not
see does not exist for them (404). The bytes come from the blob store. A download is always
``Content-Disposition: attachment`` with the RFC 6266 file name; only the image types of
``display.INLINE_IMAGE_TYPES`` are ever served ``inline`` (never HTML, SVG or anything a
browser would run), and every response forbids sniffing and runs sandboxed if opened anyway.
"""

from __future__ import annotations

import re

from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from kartoteka.core.access import StaffRequest, staff_member_required
from kartoteka.mail.blobstore import blob_path
from kartoteka.mail.display import served_inline
from kartoteka.mail.models import Attachment, Message

_MIME_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")
# Types a browser renders as a document: downloaded as opaque bytes whatever the sender said.
_DOCUMENT_TYPES = frozenset(
    {
        "text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml",
        "text/javascript", "application/javascript", "text/xsl",
    }
)  # fmt: skip
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_SANDBOX = "default-src 'none'; img-src 'self'; style-src 'none'; sandbox"


def _attachment_for(user: object, pk: int) -> Attachment:
    attachment = (
        Attachment.objects.filter(message__in=Message.objects.visible_to(user), pk=pk)
        .only("filename", "content_type", "sha256", "size")
        .first()
    )
    if attachment is None:
        raise Http404
    return attachment


def _download_type(content_type: str) -> str:
    kind = content_type.split(";")[0].strip().lower()
    if not _MIME_TYPE.match(kind) or kind in _DOCUMENT_TYPES:
        return "application/octet-stream"
    return kind


def _file_response(attachment: Attachment, *, inline: bool) -> FileResponse:
    if not _SHA256.match(attachment.sha256):
        raise Http404
    try:
        stream = blob_path(attachment.sha256).open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        stream,
        as_attachment=not inline,
        filename=attachment.filename or "attachment",
        content_type=_download_type(attachment.content_type),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = _SANDBOX
    response["Cache-Control"] = "private, max-age=3600"
    return response


@staff_member_required
@require_GET
def attachment_download(request: StaffRequest, pk: int) -> FileResponse:
    return _file_response(_attachment_for(request.user, pk), inline=False)


@staff_member_required
@require_GET
def attachment_inline(request: HttpRequest, pk: int) -> FileResponse:
    """Shown in place (an image of the message's HTML); other types are downloaded instead."""
    attachment = _attachment_for(request.user, pk)
    return _file_response(attachment, inline=served_inline(attachment.content_type))
