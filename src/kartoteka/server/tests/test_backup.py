"""``kartoteka backup`` and ``kartoteka restore``: real installations in their own processes, on
this run's database engine (SQLite, or PostgreSQL when DATABASE_URL names it; each
installation then gets a database of its own, dropped afterwards)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from io import StringIO
from pathlib import Path
from typing import Any, LiteralString
from urllib.parse import urlsplit

import dj_database_url
import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from psycopg import sql

from kartoteka.cases.models import Case, CaseAttachment
from kartoteka.cases.services import case_attachment_add, case_create
from kartoteka.customers.models import EmailAddress
from kartoteka.mail.blobstore import blob_path
from kartoteka.mail.models import Attachment, Mailbox, Message
from kartoteka.mail.rawstore import raw_path
from kartoteka.people.models import User
from kartoteka.server.manifest import kartoteka_version
from kartoteka.server.snapshots import pg_tool
from kartoteka.server.stores import blob_root
from kartoteka.testing.cases import make_case
from kartoteka.testing.customers import ContactFactory
from kartoteka.testing.people import UserFactory

CUSTOMER = "jan@klient.example"
SUPPORT = "pomoc@firma.example"
UPLOAD = b"%PDF-1.4 the signed contract\n"


# --- in the installation's own process (called through ``Installation.call``) -----------------


def seed() -> None:
    """A migrated database with an administrator, the mailbox the mail server feeds (with a
    password, so the data dir holds its key), a known customer and a case with an upload."""
    call_command("migrate", verbosity=0)
    admin = UserFactory(username="admin", role=User.Role.ADMINISTRATOR)
    mailbox = Mailbox(name="pomoc", address=SUPPORT)
    mailbox.password = "imap-secret"
    mailbox.save()
    contact = ContactFactory(first_name="Jan", last_name="Kowalski")
    EmailAddress.objects.create(contact=contact, address=CUSTOMER)
    case = case_create(by=admin, subject="Umowa", account=contact.account, contacts=[contact])
    upload = SimpleUploadedFile("umowa.pdf", UPLOAD, content_type="application/pdf")
    case_attachment_add(case=case, by=admin, file=upload)


def describe() -> None:
    """Print what a restored installation holds, as one JSON line."""
    call_command("check", databases=["default"], stdout=StringIO())  # raises when one fails
    call_command("collectstatic", interactive=False, verbosity=0)  # as `kartoteka run` does
    client = Client()
    client.force_login(User.objects.get(username="admin"))

    def shown(case: Case) -> bool:
        response = client.get(case.get_absolute_url())
        return response.status_code == 200 and case.subject in response.text

    def intact(path: Path, sha256: str) -> bool:
        return path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == sha256

    executor = MigrationExecutor(connection)
    line = {
        "migrations_to_apply": len(executor.migration_plan(executor.loader.graph.leaf_nodes())),
        "message_ids": sorted(Message.objects.values_list("message_id", flat=True)),
        "raw_files_not_intact": [
            message.pk
            for message in Message.objects.all()
            if not intact(raw_path(message.raw_sha256), message.raw_sha256)
        ],
        "attachments": Attachment.objects.count(),
        "blobs_not_intact": [
            attachment.pk
            for attachment in Attachment.objects.all()
            if not intact(blob_path(attachment.sha256), attachment.sha256)
        ],
        "upload": CaseAttachment.objects.get().file.read().decode(),
        "cases": Case.objects.count(),
        "case_pages_not_shown": [case.number for case in Case.objects.all() if not shown(case)],
    }
    print(json.dumps(line))


# --- installations --------------------------------------------------------------------------


def postgresql_url() -> str:
    """This run's PostgreSQL server (DATABASE_URL), or "" when the run is on SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else ""


class Installation:
    """A data dir and a database of its own, driven by ``kartoteka`` commands."""

    def __init__(self, data_dir: Path, database_url: str) -> None:
        self.data_dir = data_dir
        self.database_url = database_url

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG"}}
        env.update(
            KARTOTEKA_DATA_DIR=str(self.data_dir),
            DJANGO_SETTINGS_MODULE="kartoteka.settings",
            ALLOWED_HOSTS="testserver",
            LOG_LEVEL="WARNING",
        )
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        return env

    def run(self, *args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[str]:
        finished = subprocess.run(
            [sys.executable, "-m", "kartoteka", *args],
            env=self.env(),
            input=stdin,
            capture_output=True,
            check=False,
            timeout=120,
        )
        return subprocess.CompletedProcess(
            finished.args, finished.returncode, finished.stdout.decode(), finished.stderr.decode()
        )

    def call(self, function: str) -> str:
        """Run a function of this module in the installation's process; its output."""
        code = f"import django; django.setup(); from {__name__} import {function}; {function}()"
        finished = subprocess.run(
            [sys.executable, "-c", code],
            env=self.env(),
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert finished.returncode == 0, finished.stderr
        return finished.stdout


class Installations:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.databases: list[str] = []

    def new(self, name: str) -> Installation:
        server = postgresql_url()
        database_url = ""
        if server:
            database = f"kartoteka_backup_{uuid.uuid4().hex[:12]}"
            self._postgresql("CREATE DATABASE {}", database)
            self.databases.append(database)
            database_url = urlsplit(server)._replace(path=f"/{database}").geturl()
        return Installation(self.folder / name, database_url)

    def drop_all(self) -> None:
        for database in self.databases:
            self._postgresql("DROP DATABASE IF EXISTS {} WITH (FORCE)", database)

    @staticmethod
    def _postgresql(statement: LiteralString, database: str) -> None:
        config = dj_database_url.parse(postgresql_url())
        with psycopg.connect(
            host=config["HOST"],
            port=config["PORT"] or 5432,
            user=config["USER"],
            password=config["PASSWORD"] or None,
            dbname="postgres",
            autocommit=True,
        ) as server:
            server.execute(sql.SQL(statement).format(sql.Identifier(database)))


@pytest.fixture
def installations(tmp_path: Path) -> Iterator[Installations]:
    made = Installations(tmp_path)
    yield made
    made.drop_all()


def installation_in_use(installations: Installations, name: str) -> Installation:
    installation = installations.new(name)
    installation.call("seed")
    return installation


def message_from_customer(number: int) -> bytes:
    message = EmailMessage()
    message["From"] = f"Jan Kowalski <{CUSTOMER}>"
    message["To"] = SUPPORT
    message["Subject"] = f"Zamówienie {number}"
    message["Message-ID"] = f"<order-{number}@klient.example>"
    message.set_content(f"Proszę o fakturę do zamówienia {number}.\n")
    if number % 2:
        message.add_attachment(
            f"zamówienie {number}".encode(), maintype="text", subtype="plain", filename="z.txt"
        )
    return bytes(message)


def has_attachment(message_id: str) -> bool:
    """Whether ``message_from_customer`` gave the message of this Message-ID an attachment."""
    return int(message_id.removeprefix("order-").partition("@")[0]) % 2 == 1


class Deliveries:
    """The mail server's pipe without pause: ``kartoteka mail deliver`` one message after
    another, in a thread, until stopped."""

    def __init__(self, installation: Installation) -> None:
        self.installation = installation
        self.delivered: list[str] = []  # Message-IDs, once their delivery exited 0
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._deliver, daemon=True)

    def __enter__(self) -> Deliveries:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(60)

    def _deliver(self) -> None:
        number = 0
        while not self._stop.is_set():
            number += 1
            finished = self.installation.run(
                "mail", "deliver", "--mailbox", "pomoc", stdin=message_from_customer(number)
            )
            if finished.returncode == 0:
                self.delivered.append(f"order-{number}@klient.example")
            else:
                self.failures.append(finished.stderr)

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + 60
        while len(self.delivered) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.delivered) >= count, self.failures


# --- backup and restore ------------------------------------------------------------------------


def test_a_backup_taken_during_delivery_restores_every_message_with_its_raw_file(
    installations: Installations, tmp_path: Path
) -> None:
    # given an installation the mail server delivers to without pause
    source = installation_in_use(installations, "source")
    with Deliveries(source) as deliveries:
        deliveries.wait_for(2)
        delivered_before = len(deliveries.delivered)
        # when a backup is taken meanwhile
        backup = source.run("backup", str(tmp_path / "backup"))
        delivered_after = len(deliveries.delivered)
        deliveries.wait_for(delivered_after + 1)
    assert backup.returncode == 0, backup.stderr
    # and restored into a fresh installation
    target = installations.new("target")
    restore = target.run("restore", str(tmp_path / "backup"))
    assert restore.returncode == 0, restore.stderr

    # then it works (its checks pass, it needs no migration, its case pages show), and every
    # restored message has its raw file as stored
    restored = json.loads(target.call("describe"))
    assert restored["migrations_to_apply"] == 0
    # the one delivery running when the backup ended may have been committed before it
    assert delivered_before <= len(restored["message_ids"]) <= delivered_after + 1
    assert set(restored["message_ids"]) <= set(deliveries.delivered)
    assert restored["raw_files_not_intact"] == []
    assert restored["attachments"] == sum(map(has_attachment, restored["message_ids"]))
    assert restored["blobs_not_intact"] == []
    assert restored["upload"] == UPLOAD.decode()
    assert restored["cases"] == 1 + len(restored["message_ids"])  # each message opened one
    assert restored["case_pages_not_shown"] == []
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["missing"] == []
    assert manifest["complete"] is True
    assert not list(tmp_path.glob(".backup.partial-*"))


# --- refusals -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def made_backup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A backup of an installation in use (one message with an attachment, one upload)."""
    made = Installations(tmp_path_factory.mktemp("made-backup"))
    try:
        source = installation_in_use(made, "source")
        delivery = source.run(
            "mail", "deliver", "--mailbox", "pomoc", stdin=message_from_customer(1)
        )
        assert delivery.returncode == 0, delivery.stderr
        path = made.folder / "backup"
        assert source.run("backup", str(path)).returncode == 0
        yield path
    finally:
        made.drop_all()


def test_the_backup_keeps_the_secret_key_but_not_the_key_of_mailbox_passwords(
    made_backup: Path,
) -> None:
    source_data_dir = made_backup.parent / "source"
    manifest = json.loads((made_backup / "manifest.json").read_text())
    assert (source_data_dir / "secrets.key").is_file()
    assert [entry["path"] for entry in manifest["files"] if entry["store"] == "secret-key"] == [
        "secret_key"
    ]
    assert (made_backup / "secret-key" / "secret_key").read_bytes() == (
        source_data_dir / "secret_key"
    ).read_bytes()
    assert list(made_backup.rglob("secrets.key")) == []


@pytest.fixture
def backup_copy(made_backup: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "backup"
    shutil.copytree(made_backup, copy)
    return copy


def manifest_edit(backup: Path, **changes: Any) -> dict[str, Any]:
    path = backup / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest.update(changes)
    path.write_text(json.dumps(manifest))
    return manifest


def restore_refusal(backup: Path) -> CommandError:
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(backup))
    return refused.value


def raw_file(backup: Path) -> Path:
    manifest = json.loads((backup / "manifest.json").read_text())
    entry = next(entry for entry in manifest["files"] if entry["store"] == "mail-raw")
    return backup / "mail-raw" / entry["path"]


def test_a_backup_without_its_manifest_is_partial(backup_copy: Path) -> None:
    (backup_copy / "manifest.json").unlink()
    refusal = restore_refusal(backup_copy)
    assert refusal.returncode == 65
    assert str(refusal) == (
        f"{backup_copy} is not a complete backup: it has no manifest.json (the backup was "
        "interrupted, or was copied only in part)."
    )


def test_a_manifest_without_the_complete_mark_is_partial(backup_copy: Path) -> None:
    manifest_edit(backup_copy, complete=False)
    refusal = restore_refusal(backup_copy)
    assert refusal.returncode == 65
    assert 'lacks the "complete" mark' in str(refusal)


def test_a_backup_missing_a_file_is_refused(backup_copy: Path) -> None:
    raw = raw_file(backup_copy)
    raw.unlink()
    refusal = restore_refusal(backup_copy)
    assert refusal.returncode == 65
    assert str(refusal) == (
        f"The backup at {backup_copy} is damaged or partial, 1 of its files do not match its "
        f"manifest: mail-raw/{raw.relative_to(backup_copy / 'mail-raw').as_posix()} is missing."
    )


def test_a_tampered_file_is_refused(backup_copy: Path) -> None:
    raw = raw_file(backup_copy)
    raw.write_bytes(raw.read_bytes().replace(b"faktur", b"FAKTUR"))
    refusal = restore_refusal(backup_copy)
    assert refusal.returncode == 65
    assert str(refusal).endswith(f"{raw.relative_to(backup_copy).as_posix()} has changed.")


def test_a_tampered_database_copy_is_refused(backup_copy: Path) -> None:
    database = next((backup_copy / "database").iterdir())
    with database.open("ab") as handle:
        handle.write(b"\0")
    refusal = restore_refusal(backup_copy)
    assert str(refusal).endswith(f"database/{database.name} has changed.")


def test_a_backup_of_another_engine_is_refused(backup_copy: Path) -> None:
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    manifest_edit(backup_copy, engine=other)
    refusal = restore_refusal(backup_copy)
    assert refusal.returncode == 65
    assert str(refusal) == (
        f"The backup holds a {other} database, but this installation uses "
        f"{connection.vendor}: restore it into an installation on {other} (DATABASE_URL)."
    )


def test_a_backup_with_migrations_newer_than_this_code_is_refused(backup_copy: Path) -> None:
    manifest = json.loads((backup_copy / "manifest.json").read_text())
    manifest_edit(
        backup_copy,
        kartoteka_version="9.0.0",
        migrations={**manifest["migrations"], "cases": "0999_from_the_future"},
    )
    refusal = restore_refusal(backup_copy)
    assert refusal.returncode == 65
    assert str(refusal) == (
        f"The backup's database has migrations this Kartoteka ({kartoteka_version()}) does not "
        "know: cases.0999_from_the_future. It was made by a newer version (9.0.0) or another "
        "build: restore it with that version or a later one."
    )


def test_a_manifest_naming_a_file_outside_the_backup_is_refused(backup_copy: Path) -> None:
    manifest = json.loads((backup_copy / "manifest.json").read_text())
    manifest["files"][0]["path"] = "../../../etc/passwd"
    manifest_edit(backup_copy, files=manifest["files"])
    refusal = restore_refusal(backup_copy)
    assert refusal.returncode == 65
    assert "is damaged: it names the file" in str(refusal)


def test_a_backup_of_a_later_format_is_refused(backup_copy: Path) -> None:
    manifest_edit(backup_copy, format=2, kartoteka_version="9.0.0")
    refusal = restore_refusal(backup_copy)
    assert str(refusal) == (
        f"{backup_copy} has backup format 2; this version of Kartoteka reads format 1. "
        "Restore it with the version that made it (9.0.0)."
    )


def test_restore_over_an_installation_in_use_needs_force(
    made_backup: Path, installations: Installations
) -> None:
    # given an installation restored from a backup that has received mail since
    installation = installations.new("restored")
    assert installation.run("restore", str(made_backup)).returncode == 0
    later = installation.run(
        "mail", "deliver", "--mailbox", "pomoc", stdin=message_from_customer(2)
    )
    assert later.returncode == 0
    # when
    refused = installation.run("restore", str(made_backup))
    forced = installation.run("restore", "--force", str(made_backup))
    # then
    assert refused.returncode == 73
    assert "already holds tables: restore into an empty database, or give --force" in (
        refused.stderr
    )
    assert forced.returncode == 0, forced.stderr
    restored = json.loads(installation.call("describe"))
    assert restored["message_ids"] == ["order-1@klient.example"]
    assert restored["raw_files_not_intact"] == []


def test_a_whole_backup_is_not_restored_over_tables_without_force(
    backup_copy: Path, db: None
) -> None:
    refusal = restore_refusal(backup_copy)
    assert refusal.returncode == 73
    assert "already holds tables: restore into an empty database, or give --force" in str(refusal)


# --- where a backup may go ------------------------------------------------------------------------


def test_backup_refuses_a_path_that_exists(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as refused:
        call_command("backup", str(tmp_path))
    assert refused.value.returncode == 73
    assert str(refused.value) == f"{tmp_path} already exists: give the backup a new name."


def test_backup_refuses_a_path_inside_a_store(settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(CommandError) as refused:
        call_command("backup", str(tmp_path / "backup"))
    assert refused.value.returncode == 73
    assert "lies inside the folder" in str(refused.value)
    assert list(tmp_path.iterdir()) == []


def test_an_interrupted_backup_leaves_nothing_behind(
    db: None, settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = tmp_path / "data" / "files"
    backups = tmp_path / "backups"
    backups.mkdir()

    def disk_full(*args: object) -> None:
        raise OSError("No space left on device")

    monkeypatch.setattr("kartoteka.server.backup.manifest_write", disk_full)
    # when
    with pytest.raises(CommandError) as refused:
        call_command("backup", str(backups / "backup"))
    # then
    assert refused.value.returncode == 73
    assert str(refused.value) == "The backup cannot be written: No space left on device"
    assert list(backups.iterdir()) == []


def test_the_blob_store_lies_in_the_folder_backed_up() -> None:
    assert blob_path("ab" * 32).is_relative_to(blob_root())


def test_a_file_gone_before_it_was_copied_is_named_as_missing(
    transactional_db: None, settings, tmp_path: Path
) -> None:
    # given an upload whose file was removed (its case deleted) between the database copy
    # and the copy of the files
    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = tmp_path / "data" / "files"
    CaseAttachment.objects.create(
        case=make_case(), file="cases/2026/12/umowa.pdf", name="umowa.pdf", size=29
    )
    errors = StringIO()
    # when
    call_command("backup", str(tmp_path / "backup"), stdout=StringIO(), stderr=errors)
    # then
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["missing"] == [{"store": "files", "path": "cases/2026/12/umowa.pdf"}]
    assert errors.getvalue() == "Missing from its store: files/cases/2026/12/umowa.pdf\n"


def test_the_database_password_reaches_the_postgresql_programs_only_in_their_environment(
    settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a pg_restore that tells what it was given
    program = tmp_path / "pg_restore"
    program.write_text('#!/bin/sh\necho "arguments: $*"\necho "password: $PGPASSWORD"\n')
    program.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    monkeypatch.setitem(settings.DATABASES["default"], "PASSWORD", "p@ss w0rd")
    # when
    output = pg_tool("pg_restore", "--list", "database.pgdump")
    # then
    assert output == "arguments: --list database.pgdump\npassword: p@ss w0rd\n"
