"""Attachments of stored messages: downloaded, or shown in place when they are plain images.

Only through ``Message.objects.visible_to(user)``: an attachment of a message the user may not
see does not exist for them (404). The bytes come from the blob store. A download is always
``Content-Disposition: attachment`` with the RFC 6266 file name; only the image types of
``display.INLINE_IMAGE_TYPES`` are ever served ``inline`` (never HTML, SVG or anything a
browser would run; ``core.downloads`` decides the served type and sandboxes every response).
"""

from __future__ import annotations

import re

from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from kartoteka.core.access import staff_member_required
from kartoteka.core.downloads import file_response
from kartoteka.mail.blobstore import blob_path
from kartoteka.mail.display import served_inline
from kartoteka.mail.models import Attachment, Message
from kartoteka.people.access import StaffRequest

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _attachment_for(user: object, pk: int) -> Attachment:
    attachment = (
        Attachment.objects.filter(message__in=Message.objects.visible_to(user), pk=pk)
        .only("filename", "content_type", "sha256", "size")
        .first()
    )
    if attachment is None:
        raise Http404
    return attachment


def _file_response(attachment: Attachment, *, inline: bool) -> FileResponse:
    if not _SHA256.match(attachment.sha256):
        raise Http404
    try:
        stream = blob_path(attachment.sha256).open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = file_response(
        stream,
        filename=attachment.filename,
        content_type=attachment.content_type,
        inline=inline,
    )
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
