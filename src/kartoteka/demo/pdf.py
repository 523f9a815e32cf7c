"""A one-page PDF of plain lines of text: the demo's offers, invoices and orders.

Helvetica with WinAnsiEncoding is built into every PDF reader, so nothing is embedded; it
has no ą, ę, ł, ś, ż and the like, so the text is written without Polish diacritics (as
many invoicing programs still print) and reads back the same through any text extraction.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

PAGE_WIDTH = 595  # A4 in points
PAGE_HEIGHT = 842
MARGIN = 56
FONT_SIZE = 10
LEADING = 14
# Letters that Unicode does not decompose into a base letter and an accent, and dashes.
_PLAIN = str.maketrans({"ł": "l", "Ł": "L", "–": "-", "—": "-", "„": '"', "”": '"', "’": "'"})


def pdf_text(text: str) -> str:
    """``text`` as it can be written in Helvetica's WinAnsi subset used here: plain ASCII."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_PLAIN))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.encode("ascii", "replace").decode("ascii")


def pdf_page(lines: Sequence[str]) -> bytes:
    """A valid one-page A4 PDF showing ``lines`` top-down (as many as fit on the page)."""
    fitting = lines[: (PAGE_HEIGHT - 2 * MARGIN) // LEADING]
    shown = "\n".join(f"({_escaped(pdf_text(line))}) Tj T*" for line in fitting)
    content = (
        f"BT /F1 {FONT_SIZE} Tf {LEADING} TL {MARGIN} {PAGE_HEIGHT - MARGIN} Td\n{shown}\nET"
    ).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] "
        "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>".encode("ascii"),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
    ]
    return _assembled(objects)


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _assembled(objects: list[bytes]) -> bytes:
    """The file: header, numbered objects, the cross-reference table of their offsets."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    table = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        table,
    )
    return bytes(out)
