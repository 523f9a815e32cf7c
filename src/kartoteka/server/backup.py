"""Taking a backup of a running installation: its database, its stores and a manifest.

Order matters. Everything that names a file writes the file first: the raw bytes of a message
are kept before its row exists (``mail deliver``, ``message_receive``, ``outbound``), an
attachment's blob before its ``Attachment`` row, and an upload before its ``CaseAttachment``
row (Django's ``FileField`` saves the file before the row). So the database is copied first
and the stores after it: every file a copied row names is already on disk, and files that
arrive during the copy are harmless extras. The one file that can leave in between is an
upload of a case deleted meanwhile (its files are removed after the deletion commits); such a
file is listed in the manifest as missing.

The backup is written into a hidden temporary folder next to PATH and renamed to PATH at the
end, after ``manifest.json``: a backup under its final name is always whole.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from kartoteka.server.manifest import (
    DATABASE_STORE,
    EX_CANTCREAT,
    BackupError,
    FileEntry,
    Manifest,
    Missing,
    kartoteka_version,
    manifest_write,
)
from kartoteka.server.snapshots import database_snapshot, engine
from kartoteka.server.stores import Store, file_copy, file_hash, installation_stores


@dataclass(frozen=True)
class BackupWritten:
    path: Path
    manifest: Manifest


def backup_create(*, path: Path) -> BackupWritten:
    """Write a consistent backup of this installation to ``path``, a folder not yet there.

    Raises ``BackupError`` (nothing is left behind) when ``path`` exists or lies inside a
    store, when the database cannot be copied or the disk refuses.
    """
    path = path.expanduser().absolute()
    stores = installation_stores()
    _refuse_target(path, stores)
    try:
        temporary = Path(tempfile.mkdtemp(prefix=f".{path.name}.partial-", dir=path.parent))
    except OSError as error:
        raise BackupError(f"The backup cannot be written: {error}", EX_CANTCREAT) from error
    try:
        manifest = _write_into(temporary, stores)
        os.rename(temporary, path)
    except BaseException as error:
        shutil.rmtree(temporary, ignore_errors=True)
        if isinstance(error, OSError):
            raise BackupError(f"The backup cannot be written: {error}", EX_CANTCREAT) from error
        raise
    return BackupWritten(path=path, manifest=manifest)


def _refuse_target(path: Path, stores: list[Store]) -> None:
    if path.exists():
        raise BackupError(f"{path} already exists: give the backup a new name.", EX_CANTCREAT)
    if not path.parent.is_dir():
        raise BackupError(
            f"There is no folder {path.parent} to write {path.name} in.", EX_CANTCREAT
        )
    for store in stores:
        if not store.only and path.resolve().is_relative_to(store.root.resolve()):
            raise BackupError(
                f"{path} lies inside the folder {store.root} it would back up: choose a place "
                "outside it.",
                EX_CANTCREAT,
            )


def _write_into(folder: Path, stores: list[Store]) -> Manifest:
    created_at = timezone.now().isoformat(timespec="seconds")
    database_folder = folder / DATABASE_STORE
    database_folder.mkdir()
    snapshot = database_snapshot(database_folder)
    files = [entry for store in stores for entry in _store_copy(store, folder / store.name)]
    copied = {(entry.store, entry.path) for entry in files}
    missing = [
        Missing(store=store_name, path=name)
        for store_name, names in sorted(snapshot.references.items())
        for name in sorted(names)
        if (store_name, name) not in copied
    ]
    database_file = file_hash(database_folder / snapshot.file_name)
    manifest = Manifest(
        kartoteka_version=kartoteka_version(),
        engine=engine(),
        created_at=created_at,
        migrations=snapshot.migrations,
        database=FileEntry(
            store=DATABASE_STORE,
            path=snapshot.file_name,
            size=database_file.size,
            sha256=database_file.sha256,
        ),
        files=files,
        missing=missing,
    )
    os.sync()  # every copied file on disk before the manifest says the backup is complete
    manifest_write(folder, manifest)
    return manifest


def _store_copy(store: Store, target: Path) -> list[FileEntry]:
    entries = []
    for name in store.files():
        try:
            copied = file_copy(store.root / name, target / name, private=store.private)
        except FileNotFoundError:
            continue  # removed since it was listed: the manifest names it if a row does
        entries.append(
            FileEntry(store=store.name, path=name, size=copied.size, sha256=copied.sha256)
        )
    return entries
