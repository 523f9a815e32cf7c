"""Attachment contents, addressed by their SHA-256 like the raw messages (``rawstore``).

Files live under ``<data dir>/mail/blobs/ab/cd/<sha256>``; the same bytes are stored once, and
whole (``core.files.durable_write``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.conf import settings

from kartoteka.core.files import durable_write


def blob_path(sha256: str) -> Path:
    return Path(settings.DATA_DIR) / "mail" / "blobs" / sha256[:2] / sha256[2:4] / sha256


def blob_store(data: bytes) -> str:
    """Keep ``data`` durably and return its SHA-256 (idempotent)."""
    sha256 = hashlib.sha256(data).hexdigest()
    durable_write(blob_path(sha256), data)
    return sha256


def blob_read(sha256: str) -> bytes:
    return blob_path(sha256).read_bytes()
