"""Files written once and whole: a crash never leaves half a file under its final name."""

from __future__ import annotations

import os
import tempfile
import unicodedata
from pathlib import Path


def durable_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` unless it exists: a temporary file, fsync, then rename."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# Path separators of every system a sender may use.
_PATH_SEPARATORS = ("/", "\\")
NAME_MAX_LENGTH = 255


def file_name_clean(name: str) -> str:
    """A file name as a sender or uploader gave it, safe to store and show: its last path
    part, without control characters and without invisible format characters — the bidi
    overrides (U+202E shows ``invoice‮gpj.exe`` as "invoiceexe.jpg"), isolates, zero-width
    marks — without leading or trailing dots and spaces, at most 255 characters (a long name
    is cut before its extension); "" when nothing is left."""
    for separator in _PATH_SEPARATORS:
        name = name.rpartition(separator)[2]
    kept = "".join(
        "_" if unicodedata.category(character) == "Cc" else character
        for character in name
        if unicodedata.category(character) != "Cf"
    )
    kept = kept.strip(" .")
    if len(kept) <= NAME_MAX_LENGTH:
        return kept
    stem, dot, extension = kept.rpartition(".")
    if dot and stem and len(extension) <= 16:
        return f"{stem[: NAME_MAX_LENGTH - len(extension) - 1]}.{extension}"
    return kept[:NAME_MAX_LENGTH]
