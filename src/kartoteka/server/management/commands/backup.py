"""Write a consistent backup of this installation to PATH (a new folder) while it runs.

The backup holds a copy of the database (SQLite's online backup; pg_dump on PostgreSQL),
the uploaded files, the raw messages, the attachments, the secret key of the data dir and
manifest.json, written last, listing every file with its size and SHA-256. The key of the
mailbox passwords (data/secrets.key) is left out on purpose: keep it apart. It is written to
a temporary folder next to PATH and renamed to PATH when whole. Files the database names but
that were gone when copied (an upload of a case deleted meanwhile) are listed as missing.
Exit codes: 0 written, 73 PATH exists, lies inside a store or cannot be written, 69 the
database or pg_dump refused.
"""

from __future__ import annotations

import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kartoteka.server.backup import backup_create
from kartoteka.server.manifest import BackupError


class Command(BaseCommand):
    help = __doc__
    # Nothing here depends on what the system checks look at (URLs, templates, admin), and a
    # backup taken from cron should not pay their second of start-up.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", type=Path, help="the backup's folder, not yet there")

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        started = time.monotonic()
        try:
            written = backup_create(path=path)
        except BackupError as error:
            raise CommandError(str(error), returncode=error.exit_code) from error
        manifest = written.manifest
        for missing in manifest.missing:
            self.stderr.write(f"Missing from its store: {missing.store}/{missing.path}")
        totals = manifest.store_totals()
        stores = ", ".join(
            f"{name} {total['count']} ({total['bytes'] / 1_000_000:.1f} MB)"
            for name, total in totals.items()
        )
        self.stdout.write(
            f"Backup written to {written.path} in {time.monotonic() - started:.1f} s: "
            f"{manifest.engine} database ({manifest.database.size / 1_000_000:.1f} MB); "
            f"files: {stores or 'none'}."
        )
