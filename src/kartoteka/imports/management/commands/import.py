"""Import customers and leads from the command line.

kartoteka import customers FILE [--encoding cp1250] [--segment NAME] [--delimiter ';']
                                [--dry-run] [--on-duplicate skip|update|new] [--user USERNAME]

The file is a CSV (UTF-8, Windows-1250 or ISO-8859-2; the encoding and the delimiter are
detected unless given) or an .xlsx workbook whose first row names the columns (in Polish, Czech
or English, as in the template). Every row is checked as on the import page; then every
accepted row is written in one transaction, or nothing. Rows whose NIP, REGON, email address or
phone is already held (in the database or earlier in the file) are duplicates: without
``--on-duplicate`` they refuse the import; ``skip`` leaves them out, ``update`` writes their
non-empty values into the existing account, ``new`` imports them as new records. ``--dry-run``
checks and reports, and writes nothing.

A summary goes to stdout. Exit codes: 0 imported (or, with --dry-run, would import); 1 refused:
invalid rows, or duplicates without --on-duplicate (nothing written); 2 the file cannot be read
(encoding, format, size, no name column); 3 the import failed while writing (nothing written).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kartoteka.customers.models import Segment
from kartoteka.imports import services
from kartoteka.imports.models import Import, ImportRow
from kartoteka.imports.reading import ENCODINGS, ImportFileError
from kartoteka.imports.running import UPDATABLE, import_claim, import_run
from kartoteka.people.models import User

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_UNREADABLE = 2
EXIT_FAILED = 3
ERRORS_SHOWN = 50


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        customers = commands.add_parser("customers", help="import customers and leads")
        customers.add_argument("file", metavar="FILE")
        customers.add_argument("--encoding", choices=ENCODINGS, help="default: detected")
        customers.add_argument("--delimiter", help="default: detected")
        customers.add_argument("--segment", default="", help="put every account in it")
        customers.add_argument("--dry-run", action="store_true", help="check only")
        customers.add_argument("--on-duplicate", choices=("skip", "update", "new"))
        customers.add_argument("--user", help="the user named as the importer")

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        code = self._customers(**options)
        if code:
            raise SystemExit(code)

    def _customers(
        self,
        *,
        file: str,
        encoding: str | None,
        delimiter: str | None,
        segment: str,
        dry_run: bool,
        on_duplicate: str | None,
        user: str | None,
        **options: Any,
    ) -> int:
        by = None
        if user:
            by = User.objects.filter(username=user, is_active=True).first()
            if by is None:
                raise CommandError(f"No active user {user!r}.")
        path = Path(file)
        if not path.is_file():
            self.stderr.write(f"{file}: no such file")
            return EXIT_UNREADABLE
        existing = Segment.objects.filter(name__iexact=segment.strip()).first() if segment else None
        try:
            with path.open("rb") as handle:
                upload = File(handle, name=path.name)
                upload.size = path.stat().st_size
                batch = services.import_create(
                    by=by,
                    upload=upload,
                    skip_header=True,
                    encoding=encoding or "",
                    delimiter=delimiter or "",
                    segment=existing,
                    segment_name="" if existing else segment,
                )
            mapping = {int(index): key for index, key in batch.mapping.items()}
            if "name" not in mapping.values():
                self.stderr.write(
                    "The first row must name the columns (see the template); "
                    "no column is recognised as the name."
                )
                self._discard(batch)
                return EXIT_UNREADABLE
            services.import_map(batch=batch, by=by, mapping=mapping)
            batch = services.import_check_run(batch=batch, by=by)
        except ImportFileError as error:
            self.stderr.write(f"{file}: {error.message}")
            return EXIT_UNREADABLE
        except ValidationError as error:
            self.stderr.write(f"{file}: {'; '.join(error.messages)}")
            return EXIT_UNREADABLE
        try:
            return self._decide_and_run(batch, by, dry_run=dry_run, on_duplicate=on_duplicate)
        finally:
            if dry_run:
                self._discard(batch)

    def _decide_and_run(
        self, batch: Import, by: User | None, *, dry_run: bool, on_duplicate: str | None
    ) -> int:
        out = self.stdout
        out.write(
            f"file: {batch.original_name} ({batch.kind}, {batch.encoding}, "
            f"delimiter {batch.delimiter!r})"
        )
        out.write(f"rows: {batch.total_rows}")
        out.write(f"invalid rows: {batch.invalid_rows}")
        out.write(f"duplicate rows: {batch.duplicate_rows}")
        if batch.invalid_rows:
            for row in batch.rows.filter(valid=False).order_by("line")[:ERRORS_SHOWN]:
                for field, messages in row.errors.items():
                    for message in messages if isinstance(messages, list) else [messages]:
                        out.write(f"  line {row.line}: {field}: {message}")
            out.write("refused: fix the invalid rows; nothing was written")
            return EXIT_REFUSED
        if batch.duplicate_rows:
            for row in batch.rows.filter(is_duplicate=True).order_by("line")[:ERRORS_SHOWN]:
                for clash in row.duplicates:
                    where = f"line {clash['line']}" if clash["line"] else clash["account_name"]
                    out.write(f"  line {row.line}: {clash['field']} {clash['value']} ({where})")
            if on_duplicate is None:
                out.write("refused: duplicates found; choose --on-duplicate skip|update|new")
                return EXIT_REFUSED
            if on_duplicate == "skip":
                services.rows_decide(batch=batch, by=by, action="delete")
            elif on_duplicate == "update":
                ids = list(
                    batch.rows.filter(is_duplicate=True, target__isnull=False).values_list(
                        "pk", flat=True
                    )
                )
                if ids:
                    services.rows_decide(
                        batch=batch,
                        by=by,
                        action="update",
                        row_ids=ids,
                        update_fields=sorted(UPDATABLE),
                    )
        accepted = batch.rows.filter(valid=True).exclude(decision=ImportRow.Decision.SKIP)
        if dry_run:
            out.write(f"dry run: {accepted.count()} rows would be imported; nothing was written")
            return EXIT_OK
        if not import_claim(batch=batch):
            out.write("refused: the import is already running")
            return EXIT_REFUSED
        batch = import_run(import_id=batch.pk, by=by)
        if batch.state != Import.State.DONE:
            self.stderr.write(batch.error)
            return EXIT_FAILED
        out.write(f"created: {batch.created_count}")
        out.write(f"updated: {batch.updated_count}")
        out.write(f"skipped: {batch.skipped_count}")
        for line in batch.undo_report[:ERRORS_SHOWN]:
            out.write(f"  address kept by its owner: {line}")
        out.write(f"import: {batch.pk}")
        return EXIT_OK

    def _discard(self, batch: Import) -> None:
        batch.file.delete(save=False)
        batch.delete()
