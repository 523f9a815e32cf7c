"""The folders of an installation that a backup keeps besides its database, and their copying.

A store is a folder of the data dir: the uploaded files (``MEDIA_ROOT``), the raw messages
(``mail.rawstore``), the attachments of messages and drafts (``mail.blobstore``), and the
secret key generated into the data dir itself, which signs our Message-IDs and unsubscribe
links (a restored installation must know the replies to its mail). Not in a backup: the key
of the mailbox passwords (``secrets.key``, kept apart from database backups on purpose, see
``core.crypto``), collected static files (rebuilt by ``kartoteka run``) and the progress of a
mail import (an import run again skips the messages already stored).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from kartoteka.mail.rawstore import raw_root

CHUNK_BYTES = 1024 * 1024
# Half-written files of core.files.durable_write, renamed when whole.
UNFINISHED_PREFIX = ".incoming-"
# The name env.secret_key gives the secret key it generates into the data dir.
SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name


@dataclass(frozen=True)
class Store:
    name: str  # in the manifest, and the store's folder in a backup
    root: Path  # in the installation
    only: tuple[str, ...] = ()  # just these files directly in ``root``; else all below it
    private: bool = False  # readable by the owner only

    def files(self) -> Iterator[str]:
        """The paths (relative, with ``/``) of the store's files, in a stable order."""
        if self.only:
            yield from (name for name in self.only if (self.root / name).is_file())
            return
        if not self.root.is_dir():
            return
        for folder, subfolders, names in os.walk(self.root):
            subfolders.sort()
            for name in sorted(names):
                if not name.startswith(UNFINISHED_PREFIX):
                    yield (Path(folder) / name).relative_to(self.root).as_posix()


def installation_stores() -> list[Store]:
    data_dir = Path(settings.DATA_DIR)
    return [
        Store("files", Path(settings.MEDIA_ROOT)),
        Store("mail-raw", raw_root()),
        Store("mail-blobs", blob_root()),
        Store("secret-key", data_dir, only=(SECRET_KEY_FILE,), private=True),
    ]


def blob_root() -> Path:
    """The folder of ``mail.blobstore`` (its ``blob_path`` lies under it)."""
    return Path(settings.DATA_DIR) / "mail" / "blobs"


@dataclass(frozen=True)
class FileCopied:
    size: int
    sha256: str


def file_copy(source: Path, target: Path, *, private: bool = False) -> FileCopied:
    """Copy ``source`` to ``target`` (replacing it) and hash the bytes on the way.

    The copy is written to a temporary name next to ``target`` and renamed, so a file under
    its final name is always whole. Raises ``FileNotFoundError`` when ``source`` is gone.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with source.open("rb") as reading:
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=UNFINISHED_PREFIX)
        try:
            with os.fdopen(fd, "wb") as writing:
                while chunk := reading.read(CHUNK_BYTES):
                    digest.update(chunk)
                    writing.write(chunk)
                    size += len(chunk)
            os.chmod(temporary, 0o600 if private else 0o644)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    return FileCopied(size=size, sha256=digest.hexdigest())


def file_hash(path: Path) -> FileCopied:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as reading:
        while chunk := reading.read(CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
    return FileCopied(size=size, sha256=digest.hexdigest())
