"""The manifest of a backup: what it holds, and the proof that it was finished.

``manifest.json`` is the last file written into a backup, and its ``"complete": true`` the last
key: a backup without it was interrupted or copied in part. It names the format, the
Kartoteka version and database engine that made it, the migrations applied in the database
copy (the latest per app), and every file with its size and SHA-256.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath
from typing import Any

FORMAT = 1
MANIFEST_NAME = "manifest.json"
DATABASE_STORE = "database"

EX_DATAERR = 65  # the backup cannot be used
EX_CANTCREAT = 73  # the place to write to is taken
EX_UNAVAILABLE = 69  # a tool or the database refused


class BackupError(Exception):
    """A backup cannot be written or restored; the message says why, for the command line."""

    def __init__(self, message: str, exit_code: int = EX_DATAERR) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class FileEntry:
    store: str
    path: str  # relative to the store's folder, with "/"
    size: int
    sha256: str

    @property
    def location(self) -> str:
        """Where the file is inside the backup."""
        return f"{self.store}/{self.path}"


@dataclass(frozen=True)
class Missing:
    """A file the database copy names that was not in its store when the files were copied."""

    store: str
    path: str


@dataclass
class Manifest:
    kartoteka_version: str
    engine: str  # Django's vendor name: "sqlite" or "postgresql"
    created_at: str  # ISO 8601, UTC
    migrations: dict[str, str]  # app label -> latest applied migration
    database: FileEntry
    files: list[FileEntry] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)

    def store_totals(self) -> dict[str, dict[str, int]]:
        totals: dict[str, dict[str, int]] = {}
        for entry in self.files:
            total = totals.setdefault(entry.store, {"count": 0, "bytes": 0})
            total["count"] += 1
            total["bytes"] += entry.size
        return totals

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "kartoteka_version": self.kartoteka_version,
            "engine": self.engine,
            "created_at": self.created_at,
            "migrations": self.migrations,
            "database": asdict(self.database),
            "stores": self.store_totals(),
            "files": [asdict(entry) for entry in self.files],
            "missing": [asdict(item) for item in self.missing],
            "complete": True,
        }


def kartoteka_version() -> str:
    try:
        return version("kartoteka")
    except PackageNotFoundError:
        return "unknown"


def manifest_write(folder: Path, manifest: Manifest) -> None:
    """Write the manifest durably; call it after every other file of the backup is on disk."""
    path = folder / MANIFEST_NAME
    with path.open("w", encoding="utf-8") as handle:
        json.dump(manifest.as_json(), handle, ensure_ascii=False, indent=1)
        handle.flush()
        os.fsync(handle.fileno())


def manifest_read(folder: Path) -> Manifest:
    """The manifest of the backup in ``folder``; ``BackupError`` when it is absent,
    unfinished, of an unknown format or unreadable."""
    path = folder / MANIFEST_NAME
    if not folder.is_dir():
        raise BackupError(f"There is no backup at {folder}.")
    if not path.is_file():
        raise BackupError(
            f"{folder} is not a complete backup: it has no {MANIFEST_NAME} "
            "(the backup was interrupted, or was copied only in part)."
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise BackupError(f"{path} cannot be read: {error}") from error
    if not isinstance(data, dict) or data.get("complete") is not True:
        raise BackupError(
            f"{folder} is not a complete backup: its {MANIFEST_NAME} lacks the "
            '"complete" mark (the backup was interrupted, or was copied only in part).'
        )
    if data.get("format") != FORMAT:
        raise BackupError(
            f"{folder} has backup format {data.get('format')!r}; this version of Kartoteka "
            f"reads format {FORMAT}. Restore it with the version that made it "
            f"({data.get('kartoteka_version', 'unknown')})."
        )
    try:
        manifest = Manifest(
            kartoteka_version=str(data["kartoteka_version"]),
            engine=str(data["engine"]),
            created_at=str(data["created_at"]),
            migrations={str(app): str(name) for app, name in data["migrations"].items()},
            database=FileEntry(**data["database"]),
            files=[FileEntry(**entry) for entry in data["files"]],
            missing=[Missing(**item) for item in data["missing"]],
        )
    except (KeyError, TypeError, AttributeError) as error:
        raise BackupError(f"{path} is damaged: {error!r} is wrong or missing.") from error
    for entry in [manifest.database, *manifest.files]:
        if not _stays_inside(entry.store) or not _stays_inside(entry.path):
            raise BackupError(f"{path} is damaged: it names the file {entry.location!r}.")
    return manifest


def _stays_inside(relative: str) -> bool:
    """Whether a path read from a manifest stays inside the folder it is joined to."""
    parts = PurePosixPath(relative).parts
    return (
        bool(parts) and not relative.startswith("/") and ".." not in parts and "\\" not in relative
    )
