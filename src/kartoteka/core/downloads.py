"""Files served back to a browser from our own origin: never as something the browser runs.

Whatever type the sender or uploader claimed, a type a browser renders as a document (HTML,
SVG, XML, scripts) or a malformed one is served as opaque bytes; every response forbids
sniffing and, if opened anyway, runs sandboxed without scripts.
"""

from __future__ import annotations

import re
from typing import IO

from django.core.files.base import File
from django.http import FileResponse

_MIME_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")
# Types a browser renders as a document: downloaded as opaque bytes whatever the sender said.
DOCUMENT_TYPES = frozenset(
    {
        "text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml",
        "text/javascript", "application/javascript", "text/xsl",
    }
)  # fmt: skip
SANDBOX = "default-src 'none'; img-src 'self'; style-src 'none'; sandbox"


def download_type(content_type: str) -> str:
    """The type a file is served with: the claimed one unless it is malformed or a document
    type, then ``application/octet-stream``."""
    kind = content_type.split(";")[0].strip().lower()
    if not _MIME_TYPE.match(kind) or kind in DOCUMENT_TYPES:
        return "application/octet-stream"
    return kind


def file_response(
    stream: IO[bytes] | File, *, filename: str, content_type: str, inline: bool = False
) -> FileResponse:
    """``stream`` as a download (or, ``inline``, shown in place) under the safe type, with
    ``nosniff`` and the sandbox policy."""
    response = FileResponse(
        stream,
        as_attachment=not inline,
        filename=filename or "attachment",
        content_type=download_type(content_type),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX
    return response
