"""What an uploaded file really is, judged from its first bytes rather than its name.

A file whose name promises a known format must start like that format ("invoice.pdf" holding
HTML is refused); the type stored is the sniffed one, so nothing is ever served as the HTML or
script a name or a browser claimed. Zip-based formats (DOCX, XLSX, ODT) are refused when their
members would unpack to more than ``ZIP_MAX_UNCOMPRESSED`` bytes: a zip bomb is caught by the
sizes its directory declares, before anything is unpacked (Python's
zipfile never reads a member past the size the directory declares).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from charset_normalizer import from_bytes
from django.utils.translation import gettext as _

ZIP_MAX_UNCOMPRESSED = 100 * 1024 * 1024
ZIP_MAX_MEMBERS = 10_000

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
TEXT = "text/plain"
OCTET_STREAM = "application/octet-stream"

# Extension → the type its content must have.
EXPECTED = {
    "pdf": PDF,
    "docx": DOCX,
    "xlsx": XLSX,
    "odt": ODT,
    "txt": TEXT,
    "csv": TEXT,
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "zip": "application/zip",
}
_ZIP_KINDS = {"docx": DOCX, "xlsx": XLSX, "odt": ODT, "zip": "application/zip"}
_MAGIC = [
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
]


class RefusedFile(ValueError):
    """The file is not what it claims, or is dangerous to open: ``str()`` says why."""


@dataclass(frozen=True)
class Sniffed:
    content_type: str


def extension_of(name: str) -> str:
    stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot and stem else ""


def sniff(name: str, data: bytes) -> Sniffed:
    """The type of ``data`` uploaded as ``name``; ``RefusedFile`` when the content does not
    match a known extension or is a zip bomb."""
    extension = extension_of(name)
    expected = EXPECTED.get(extension)
    if data.startswith(b"PK\x03\x04"):
        zip_check(data)
        found = _ZIP_KINDS.get(extension, "application/zip")
    else:
        found = next((kind for magic, kind in _MAGIC if data.startswith(magic)), "")
        if not found:
            found = TEXT if _looks_like_text(data) else OCTET_STREAM
    if expected is not None and expected != found:
        raise RefusedFile(
            _("The file is named “%(name)s” but its content is not a %(extension)s file.")
            % {"name": name, "extension": extension.upper()}
        )
    if found == TEXT and expected is None:
        # Text under an unknown name (.html, .svg, .js) is kept as opaque bytes.
        found = OCTET_STREAM
    return Sniffed(found)


def zip_check(data: bytes) -> None:
    """``RefusedFile`` unless ``data`` is a readable zip whose members unpack to at most
    ``ZIP_MAX_UNCOMPRESSED`` bytes in at most ``ZIP_MAX_MEMBERS`` members."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise RefusedFile(_("The file is a damaged archive.")) from error
    if len(members) > ZIP_MAX_MEMBERS or (
        sum(member.file_size for member in members) > ZIP_MAX_UNCOMPRESSED
    ):
        raise RefusedFile(
            _("The file would unpack to more than %(limit)s MB; it is refused as unsafe.")
            % {"limit": ZIP_MAX_UNCOMPRESSED // (1024 * 1024)}
        )


def _looks_like_text(data: bytes) -> bool:
    if b"\x00" in data[:8192]:
        return False
    return from_bytes(data[:65536]).best() is not None
