"""Restore a backup written by ``kartoteka backup`` into this installation (stop it first).

The backup is checked whole before anything changes: it is refused when its manifest is
missing or unfinished (an interrupted or partly copied backup), when a file is missing or
differs from the manifest, when its database engine is not this installation's, or when a
newer Kartoteka made it. A database that already holds tables is replaced only with --force.
Exit codes: 0 restored, 65 the backup cannot be used, 73 the database holds tables (no
--force) or the files cannot be written, 69 the database or pg_restore refused. A backup
made by an older Kartoteka is migrated by the next ``kartoteka run``.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kartoteka.server.manifest import BackupError
from kartoteka.server.restore import backup_restore


class Command(BaseCommand):
    help = __doc__
    # Nothing here depends on what the system checks look at (URLs, templates, admin).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", type=Path, help="the backup's folder")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace what the database holds (everything in it is lost)",
        )

    def handle(self, *args: Any, path: Path, force: bool, **options: Any) -> None:
        try:
            manifest = backup_restore(path=path, force=force)
        except BackupError as error:
            raise CommandError(str(error), returncode=error.exit_code) from error
        self.stdout.write(
            f"Restored the backup of {manifest.created_at} (Kartoteka "
            f"{manifest.kartoteka_version}): the {manifest.engine} database and "
            f"{len(manifest.files)} files. Start Kartoteka with `kartoteka run`."
        )
