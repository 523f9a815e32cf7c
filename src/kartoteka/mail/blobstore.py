"""Attachment contents, addressed by their SHA-256 like the raw messages (``rawstore``).

Files live under ``<data dir>/mail/blobs/ab/cd/<sha256>``; the same bytes are stored once,
written to a temporary name, flushed and renamed, so a crash never leaves half a file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from django.conf import settings


def blob_path(sha256: str) -> Path:
    return Path(settings.DATA_DIR) / "mail" / "blobs" / sha256[:2] / sha256[2:4] / sha256


def blob_store(data: bytes) -> str:
    """Keep ``data`` durably and return its SHA-256 (idempotent)."""
    sha256 = hashlib.sha256(data).hexdigest()
    path = blob_path(sha256)
    if path.exists():
        return sha256
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
    return sha256


def blob_read(sha256: str) -> bytes:
    return blob_path(sha256).read_bytes()
