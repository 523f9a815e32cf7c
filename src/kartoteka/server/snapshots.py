"""A consistent copy of the running database, and loading one back, on SQLite and PostgreSQL.

SQLite is copied with its online backup API in one step: the copy is the database as one read
transaction saw it, while the product keeps writing (WAL lets it). PostgreSQL is dumped with
``pg_dump --format=custom`` in a snapshot exported by a transaction that stays open meanwhile,
so what that transaction reads (the migrations, the files the rows name) is exactly what the
dump holds. The password reaches ``pg_dump`` and ``pg_restore`` in their environment
(``PGPASSWORD``), never on a command line, and is never printed.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, cast

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections
from django.db.models import Field, Model

from kartoteka.cases.models import CaseAttachment
from kartoteka.mail.blobstore import blob_path
from kartoteka.mail.models import Attachment, DraftAttachment, Message
from kartoteka.mail.rawstore import raw_path, raw_root
from kartoteka.server.manifest import EX_UNAVAILABLE, BackupError
from kartoteka.server.stores import blob_root

ENGINES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


class Cursor(Protocol):
    def execute(self, sql: str, /) -> Any: ...

    def fetchall(self) -> list[Any]: ...


@dataclass(frozen=True)
class Snapshot:
    file_name: str  # in the backup folder
    migrations: dict[str, str]  # app label -> latest applied migration
    references: dict[str, set[str]]  # store name -> the files its rows name


def engine() -> str:
    """The engine of this installation's database, as a manifest names it."""
    if connection.vendor not in ENGINES:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {connection.vendor}.")
    return connection.vendor


def database_snapshot(folder: Path) -> Snapshot:
    """Copy the database into ``folder``, consistently, while the product runs."""
    try:
        if engine() == "sqlite":
            return _sqlite_snapshot(folder / ENGINES["sqlite"])
        return _postgresql_snapshot(folder / ENGINES["postgresql"])
    except (DatabaseError, sqlite3.Error) as error:
        raise BackupError(f"The database cannot be copied: {error}", EX_UNAVAILABLE) from error


def database_is_empty() -> bool:
    return not connection.introspection.table_names()


def database_load(file: Path, *, replace: bool) -> None:
    """Load a copy made by ``database_snapshot`` into this installation's database.

    ``replace`` first removes what the database holds (on PostgreSQL the ``public`` schema);
    on SQLite the copy always replaces the whole database file's contents.
    """
    connections.close_all()
    try:
        if engine() == "sqlite":
            _sqlite_load(file)
        else:
            _postgresql_load(file, replace=replace)
    except (DatabaseError, sqlite3.Error) as error:
        raise BackupError(f"The database cannot be restored: {error}", EX_UNAVAILABLE) from error


# --- SQLite -----------------------------------------------------------------------------------


def _sqlite_path() -> Path:
    return Path(settings.DATABASES[DEFAULT_DB_ALIAS]["NAME"])


def _sqlite_snapshot(target: Path) -> Snapshot:
    live_path = _sqlite_path()
    if not live_path.is_file():
        raise BackupError(f"There is no database at {live_path}.", EX_UNAVAILABLE)
    live = sqlite3.connect(live_path, timeout=20)
    copy = sqlite3.connect(target)
    try:
        live.backup(copy)  # all pages in one step: one consistent read
        # One self-contained file: reading the copy leaves no -wal or -shm beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
        return _snapshot_read(target.name, copy.cursor())
    finally:
        copy.close()
        live.close()


def _sqlite_load(file: Path) -> None:
    target_path = _sqlite_path()
    target_path.parent.mkdir(parents=True, exist_ok=True)
    copy = sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True)
    target = sqlite3.connect(target_path, timeout=20)
    try:
        copy.backup(target)
    finally:
        target.close()
        copy.close()


# --- PostgreSQL -------------------------------------------------------------------------------


def _postgresql_snapshot(target: Path) -> Snapshot:
    # A connection of its own: its transaction must stay open until pg_dump has read it all.
    snapshot_connection = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        snapshot_connection.set_autocommit(False)
        with snapshot_connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot_name,) = cursor.fetchone()
            pg_tool(
                "pg_dump",
                "--format=custom",
                f"--snapshot={snapshot_name}",
                "--no-password",
                f"--file={target}",
            )
            return _snapshot_read(target.name, cursor)
    finally:
        snapshot_connection.close()


def _postgresql_load(file: Path, *, replace: bool) -> None:
    if replace:
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
        connection.close()
    # Without the comments on extensions: only an extension's owner may set them, and an
    # extension a database administrator created beforehand is not the restoring user's.
    contents = pg_tool("pg_restore", "--list", str(file))
    wanted = "".join(
        line for line in contents.splitlines(keepends=True) if "COMMENT - EXTENSION" not in line
    )
    name = str(settings.DATABASES[DEFAULT_DB_ALIAS]["NAME"])
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".list") as listing:
        listing.write(wanted)
        listing.flush()
        pg_tool(
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            "--no-password",
            f"--use-list={listing.name}",
            f"--dbname={name}",
            str(file),
        )


def pg_tool(tool: str, *arguments: str) -> str:
    """Run a PostgreSQL client program on this installation's database; its output."""
    program = shutil.which(tool)
    if program is None:
        raise BackupError(
            f"{tool} is not installed: install PostgreSQL's client programs "
            "(Debian: postgresql-client) in the version of the server or newer.",
            EX_UNAVAILABLE,
        )
    finished = subprocess.run(  # noqa: S603 - fixed program, arguments without the password
        [program, *arguments],
        env=_pg_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    if finished.returncode != 0:
        raise BackupError(f"{tool} failed: {finished.stderr.strip()}", EX_UNAVAILABLE)
    return finished.stdout


def _pg_environment() -> dict[str, str]:
    """The process environment with the database's connection in libpq's variables."""
    database = settings.DATABASES[DEFAULT_DB_ALIAS]
    given = {
        "PGHOST": database.get("HOST"),
        "PGPORT": database.get("PORT"),
        "PGUSER": database.get("USER"),
        "PGPASSWORD": database.get("PASSWORD"),
        "PGDATABASE": database.get("NAME"),
        "PGSSLMODE": database.get("OPTIONS", {}).get("sslmode"),
    }
    environment = dict(os.environ)
    environment.update({variable: str(value) for variable, value in given.items() if value})
    return environment


# --- what the copy holds ----------------------------------------------------------------------


def _snapshot_read(file_name: str, cursor: Cursor) -> Snapshot:
    """The migrations and the named files, read in the same state the copy holds."""
    cursor.execute("SELECT app, name FROM django_migrations")
    migrations: dict[str, str] = {}
    for app, name in cursor.fetchall():
        migrations[app] = max(name, migrations.get(app, name))
    raw_folder = raw_root()
    blob_folder = blob_root()
    return Snapshot(
        file_name=file_name,
        migrations=migrations,
        references={
            "mail-raw": {
                raw_path(sha256).relative_to(raw_folder).as_posix()
                for sha256 in _values(cursor, Message, "raw_sha256")
            },
            "mail-blobs": {
                blob_path(sha256).relative_to(blob_folder).as_posix()
                for model in (Attachment, DraftAttachment)
                for sha256 in _values(cursor, model, "sha256")
            },
            "files": _values(cursor, CaseAttachment, "file"),
        },
    )


def _values(cursor: Cursor, model: type[Model], field_name: str) -> set[str]:
    quote = connection.ops.quote_name
    field = cast("Field[Any, Any]", model._meta.get_field(field_name))
    column = quote(str(field.column))
    cursor.execute(
        f"SELECT DISTINCT {column} FROM {quote(model._meta.db_table)} "  # noqa: S608 - names from the models
        f"WHERE {column} <> ''"
    )
    return {value for (value,) in cursor.fetchall()}
