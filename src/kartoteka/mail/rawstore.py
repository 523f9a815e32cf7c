"""The raw bytes of every message, stored before anything else, addressed by their SHA-256.

Files live under ``<data dir>/mail/raw/ab/cd/<sha256>.eml``; the same bytes are stored once.
A file is written to a temporary name, flushed to disk and then renamed
(``core.files.durable_write``), so a crash never leaves half a message under its final name.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.conf import settings

from kartoteka.core.files import durable_write


def raw_root() -> Path:
    return Path(settings.DATA_DIR) / "mail" / "raw"


def raw_path(sha256: str) -> Path:
    return raw_root() / sha256[:2] / sha256[2:4] / f"{sha256}.eml"


def raw_store(data: bytes) -> str:
    """Keep ``data`` durably and return its SHA-256 (idempotent)."""
    sha256 = hashlib.sha256(data).hexdigest()
    durable_write(raw_path(sha256), data)
    return sha256


def raw_read(sha256: str) -> bytes:
    return raw_path(sha256).read_bytes()
