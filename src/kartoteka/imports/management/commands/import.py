"""Import customers and leads from the command line.

kartoteka import customers FILE [--encoding cp1250] [--segment NAME] [--delimiter ';']
                                [--dry-run] [--on-duplicate skip|update|new] [--user USERNAME]
                                [--contacts CONTACTS_FILE]

The file is a CSV (UTF-8, Windows-1250 or ISO-8859-2; the encoding and the delimiter are
detected unless given) or an .xlsx workbook whose first row names the columns (in Polish, Czech
or English, as in the template). Every row is checked as on the import page; then every
accepted row is written in one transaction, or nothing. Rows whose NIP, REGON, email address or
phone is already held (in the database or earlier in the file) are duplicates: without
``--on-duplicate`` they refuse the import; ``skip`` leaves them out, ``update`` writes their
non-empty values into the existing account, ``new`` imports them as new records. ``--dry-run``
checks and reports, and writes nothing.

``--contacts`` names a second file of contacts (CSV or .xlsx, read the same way, its first row
naming the columns): the contact's name, position, email and phone, and the NIP or the company
name that finds each contact's account, among the rows of FILE first, then among the existing
accounts (those the ``--user`` sees). Contact rows that are invalid, or match no account or
several, refuse the import (exit 1) and are listed with the reason.

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
from kartoteka.imports.models import ContactFile, Import, ImportRow
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
        customers.add_argument(
            "--contacts", metavar="CONTACTS_FILE", help="a second file of contacts"
        )

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
        contacts: str | None = None,
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
        if contacts and not Path(contacts).is_file():
            self.stderr.write(f"{contacts}: no such file")
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
        except ImportFileError as error:
            self.stderr.write(f"{file}: {error.message}")
            return EXIT_UNREADABLE
        except ValidationError as error:
            self.stderr.write(f"{file}: {'; '.join(error.messages)}")
            return EXIT_UNREADABLE
        if contacts:
            try:
                self._add_contacts(batch, by, Path(contacts), encoding, delimiter)
            except ImportFileError as error:
                self.stderr.write(f"{contacts}: {error.message}")
                self._discard(batch)
                return EXIT_UNREADABLE
            except ValidationError as error:
                self.stderr.write(f"{contacts}: {'; '.join(error.messages)}")
                self._discard(batch)
                return EXIT_UNREADABLE
        try:
            batch = services.import_check_run(batch=batch, by=by)
        except ImportFileError as error:
            self.stderr.write(f"{error.message}")
            return EXIT_UNREADABLE
        try:
            return self._decide_and_run(batch, by, dry_run=dry_run, on_duplicate=on_duplicate)
        finally:
            if dry_run:
                self._discard(batch)

    def _add_contacts(
        self,
        batch: Import,
        by: User | None,
        path: Path,
        encoding: str | None,
        delimiter: str | None,
    ) -> None:
        """Attach the contacts file with its columns as proposed from its header."""
        with path.open("rb") as handle:
            upload = File(handle, name=path.name)
            upload.size = path.stat().st_size
            contact_file = services.contacts_upload(
                batch=batch,
                by=by,
                upload=upload,
                skip_header=True,
                encoding=encoding or "",
                delimiter=delimiter or "",
            )
        mapping = {int(index): key for index, key in contact_file.mapping.items()}
        services.contacts_map(batch=batch, by=by, mapping=mapping)

    def _contacts_report(self, batch: Import) -> int:
        """Print how the contacts matched; the number of rows that refuse the import."""
        from kartoteka.imports.contacts import problem_rows
        from kartoteka.imports.selectors import contact_counts, contact_file_of

        if contact_file_of(batch) is None:
            return 0
        counts = contact_counts(batch)
        out = self.stdout
        out.write(f"contact rows: {counts.total}")
        out.write(f"contacts matched to rows of the file: {counts.to_rows}")
        out.write(f"contacts matched to existing accounts: {counts.to_accounts}")
        out.write(f"contact rows not matched or invalid: {counts.problems}")
        for row in problem_rows(batch).order_by("line")[:ERRORS_SHOWN]:
            for field, message in row.errors.items():
                out.write(f"  contacts line {row.line}: {field}: {message}")
            if row.valid:
                out.write(f"  contacts line {row.line}: {row.reason}")
        return counts.problems

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
        contact_problems = self._contacts_report(batch)
        if batch.invalid_rows:
            for row in batch.rows.filter(valid=False).order_by("line")[:ERRORS_SHOWN]:
                for field, messages in row.errors.items():
                    for message in messages if isinstance(messages, list) else [messages]:
                        out.write(f"  line {row.line}: {field}: {message}")
            out.write("refused: fix the invalid rows; nothing was written")
            return EXIT_REFUSED
        if contact_problems:
            out.write("refused: fix the contact rows listed; nothing was written")
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
        if contact_file_of_batch(batch):
            out.write(f"contacts created: {batch.contacts_created}")
            out.write(f"contacts not imported: {batch.contacts_skipped}")
        for line in batch.undo_report[:ERRORS_SHOWN]:
            out.write(f"  address kept by its owner: {line}")
        out.write(f"import: {batch.pk}")
        return EXIT_OK

    def _discard(self, batch: Import) -> None:
        contact_file = contact_file_of_batch(batch)
        if contact_file is not None:
            contact_file.file.delete(save=False)
        batch.file.delete(save=False)
        batch.delete()


def contact_file_of_batch(batch: Import) -> ContactFile | None:
    return ContactFile.objects.filter(batch=batch).first()
