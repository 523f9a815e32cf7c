"""Restoring a backup into this installation, once it is known to be whole and fitting.

Refused with ``BackupError`` before anything changes: a backup without a complete manifest
(interrupted, or copied in part), a file missing or changed since it was written, a database
of another engine than this installation's, migrations this version does not know (a newer
Kartoteka made it), and, unless ``force``, a database that already holds tables. The files
are put back first and the database last, so no restored row names a file not yet there.
Stop Kartoteka (server and worker) while restoring.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.db.migrations.loader import MigrationLoader

from kartoteka.server.manifest import (
    DATABASE_STORE,
    EX_CANTCREAT,
    BackupError,
    FileEntry,
    Manifest,
    kartoteka_version,
    manifest_read,
)
from kartoteka.server.snapshots import database_is_empty, database_load, engine
from kartoteka.server.stores import Store, file_copy, file_hash, installation_stores

PROBLEMS_SHOWN = 10


def backup_restore(*, path: Path, force: bool = False) -> Manifest:
    """Put the backup at ``path`` in place of this installation's database and add its files
    to the stores (a file of the same name is replaced)."""
    path = path.expanduser().absolute()
    manifest = backup_check(path=path)
    if not force and not database_is_empty():
        name = settings.DATABASES[DEFAULT_DB_ALIAS]["NAME"]
        raise BackupError(
            f"The database {name} already holds tables: restore into an empty database, "
            "or give --force to replace everything it holds.",
            EX_CANTCREAT,
        )
    try:
        _files_restore(manifest, path)
    except OSError as error:
        raise BackupError(
            f"The files cannot be restored (the database is unchanged): {error}", EX_CANTCREAT
        ) from error
    database_load(path / manifest.database.location, replace=force)
    return manifest


def backup_check(*, path: Path) -> Manifest:
    """The manifest of the backup at ``path`` once the backup is whole and fits this
    installation; ``BackupError`` saying why not."""
    manifest = manifest_read(path)
    _check_engine(manifest)
    _check_migrations(manifest)
    _check_files(manifest, path)
    return manifest


def _files_restore(manifest: Manifest, path: Path) -> None:
    stores = _stores_by_name()
    for entry in manifest.files:
        store = stores[entry.store]
        copied = file_copy(path / entry.location, store.root / entry.path, private=store.private)
        if (copied.size, copied.sha256) != (entry.size, entry.sha256):
            raise BackupError(f"{entry.location} changed while it was restored.")


def _stores_by_name() -> dict[str, Store]:
    return {store.name: store for store in installation_stores()}


def _check_engine(manifest: Manifest) -> None:
    here = engine()
    if manifest.engine != here:
        raise BackupError(
            f"The backup holds a {manifest.engine} database, but this installation uses "
            f"{here}: restore it into an installation on {manifest.engine} (DATABASE_URL)."
        )


def _check_migrations(manifest: Manifest) -> None:
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = sorted(
        f"{app}.{name}" for app, name in manifest.migrations.items() if (app, name) not in known
    )
    if unknown:
        raise BackupError(
            f"The backup's database has migrations this Kartoteka ({kartoteka_version()}) "
            f"does not know: {', '.join(unknown)}. It was made by a newer version "
            f"({manifest.kartoteka_version}) or another build: restore it with that version "
            "or a later one."
        )


def _check_files(manifest: Manifest, path: Path) -> None:
    store_names = {DATABASE_STORE, *_stores_by_name()}
    problems = [
        problem
        for entry in [manifest.database, *manifest.files]
        if (problem := _file_problem(entry, path, store_names))
    ]
    if problems:
        shown = "; ".join(problems[:PROBLEMS_SHOWN])
        more = (
            f"; and {len(problems) - PROBLEMS_SHOWN} more" if len(problems) > PROBLEMS_SHOWN else ""
        )
        raise BackupError(
            f"The backup at {path} is damaged or partial, {len(problems)} of its files do "
            f"not match its manifest: {shown}{more}."
        )


def _file_problem(entry: FileEntry, path: Path, store_names: set[str]) -> str:
    if entry.store not in store_names:
        return f"{entry.location} belongs to a store this version does not know"
    file = path / entry.location
    if not file.is_file():
        return f"{entry.location} is missing"
    found = file_hash(file)
    if (found.size, found.sha256) != (entry.size, entry.sha256):
        return f"{entry.location} has changed"
    return ""
