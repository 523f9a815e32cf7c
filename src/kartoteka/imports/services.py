"""The only code that writes imports: upload, mapping, checking, decisions, start and undo.

Each function runs in one transaction. The customers' tables are written only by the run
(``running.import_run``, in the worker) and its undo; everything before that works on the
staged rows of ``ImportRow``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from kartoteka.core.files import file_name_clean
from kartoteka.customers.models import Segment
from kartoteka.imports.checking import check_at_once, check_claim, check_now
from kartoteka.imports.checks import RowChecker
from kartoteka.imports.columns import columns_match
from kartoteka.imports.contacts import (
    CONTACT_FIELDS,
    CONTACT_FILE_FIELDS,
    MATCH_FIELDS,
    contact_columns_match,
    contacts_match,
    problem_rows,
)
from kartoteka.imports.models import ContactFile, Import, ImportRow
from kartoteka.imports.reading import ENCODINGS, ImportFileError, sniff
from kartoteka.imports.running import ImportStateError, UndoResult, import_claim, import_undo
from kartoteka.imports.staging import duplicates_find, file_on_disk
from kartoteka.imports.tasks import check_import, run_import

if TYPE_CHECKING:
    from kartoteka.people.models import User

__all__ = [
    "ImportFileError",
    "ImportStateError",
    "contacts_map",
    "contacts_remove",
    "contacts_skip",
    "contacts_upload",
    "import_check_run",
    "import_check_start",
    "import_create",
    "import_map",
    "import_reread",
    "import_start",
    "import_undo_run",
    "row_fix",
    "rows_decide",
]


def import_max_bytes() -> int:
    return int(settings.IMPORT_MAX_MB) * 1024 * 1024


def _size_check(size: int) -> None:
    if size > import_max_bytes():
        raise ImportFileError(
            _("The file is %(size)s; an import takes at most %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(import_max_bytes())}
        )


def _segment_check(segment: Segment | None, segment_name: str) -> str:
    name = segment_name.strip()
    if segment is None and name:
        if len(name) > 100:
            raise ValidationError({"segment_name": _("A segment name has at most 100 characters.")})
        existing = Segment.objects.filter(name__iexact=name).first()
        if existing is not None:
            return existing.name
    return name


@transaction.atomic
def import_create(
    *,
    by: User | None,
    upload: File[Any],
    skip_header: bool = True,
    encoding: str = "",
    delimiter: str = "",
    segment: Segment | None = None,
    segment_name: str = "",
) -> Import:
    """Store the uploaded file, read its first rows and propose the encoding and the mapping.

    Raises ``ImportFileError`` (nothing stored) for a file too large or unreadable.
    """
    _size_check(upload.size or 0)
    if encoding and encoding not in ENCODINGS:
        raise ImportFileError(_("Unknown encoding %(name)s.") % {"name": encoding})
    name = file_name_clean(upload.name or "") or "import.csv"
    batch = Import(
        created_by=by,
        original_name=name,
        size=upload.size or 0,
        skip_header=skip_header,
        segment=segment,
        segment_name=_segment_check(segment, segment_name),
    )
    batch.file.save(name, upload, save=False)
    try:
        _sniff_into(batch, encoding=encoding or None, delimiter=delimiter or None)
    except ImportFileError:
        batch.file.delete(save=False)
        raise
    batch.mapping = (
        {str(index): key for index, key in columns_match(batch.headers).items()}
        if batch.skip_header
        else {}
    )
    batch.save()
    return batch


def _sniff_into(
    batch: Import | ContactFile, *, encoding: str | None, delimiter: str | None
) -> None:
    with file_on_disk(batch) as path:
        sniffed = sniff(path, encoding=encoding, delimiter=delimiter)
    batch.kind = sniffed.kind
    batch.proposed_encoding = sniffed.proposed_encoding or ""
    batch.encoding = encoding or sniffed.proposed_encoding or ""
    batch.delimiter = sniffed.delimiter or ""
    batch.headers = [str(h)[:200] for h in sniffed.headers]
    batch.sample = [[str(cell)[:200] for cell in row] for row in sniffed.sample]
    batch.file_warnings = [str(w) for w in sniffed.warnings]


def _editable(batch: Import) -> None:
    if batch.state not in (Import.State.UPLOADED, Import.State.MAPPED, Import.State.CHECKED):
        raise ImportStateError(_("This import has started; it can no longer be changed."))


@transaction.atomic
def import_map(
    *,
    batch: Import,
    by: User | None,
    mapping: dict[int, str],
    encoding: str | None = None,
    delimiter: str | None = None,
    skip_header: bool | None = None,
) -> Import:
    """Set the mapping (column index → field key; absent columns are ignored) and the way the
    file is read; the file is read again when the encoding or delimiter change. The import
    becomes ``mapped``; its staged rows are dropped (checking stages them again)."""
    _editable(batch)
    if encoding is not None and encoding not in ENCODINGS:
        raise ImportFileError(_("Unknown encoding %(name)s.") % {"name": encoding})
    if skip_header is not None:
        batch.skip_header = skip_header
    if (encoding and encoding != batch.encoding) or (delimiter and delimiter != batch.delimiter):
        _sniff_into(
            batch,
            encoding=encoding or batch.encoding or None,
            delimiter=delimiter or batch.delimiter or None,
        )
    if not any(mapping.values()):
        raise ValidationError(_("Map at least one column to a field."))
    if "name" not in mapping.values():
        raise ValidationError(_("Map a column to the name: every account needs one."))
    batch.mapping = {str(index): key for index, key in mapping.items() if key}
    batch.state = Import.State.MAPPED
    batch.rows.all().delete()
    batch.save()
    return batch


@transaction.atomic
def import_reread(
    *,
    batch: Import,
    by: User | None,
    encoding: str | None = None,
    delimiter: str | None = None,
    skip_header: bool | None = None,
) -> Import:
    """Read the file again with another encoding, delimiter or header choice, and propose
    the mapping afresh; staged rows are dropped (the import is ``uploaded`` again)."""
    _editable(batch)
    if encoding is not None and encoding not in ENCODINGS:
        raise ImportFileError(_("Unknown encoding %(name)s.") % {"name": encoding})
    if skip_header is not None:
        batch.skip_header = skip_header
    _sniff_into(
        batch,
        encoding=encoding or batch.encoding or None,
        delimiter=delimiter or batch.delimiter or None,
    )
    proposed = columns_match(batch.headers) if batch.skip_header else {}
    batch.mapping = {str(index): key for index, key in proposed.items()}
    batch.state = Import.State.UPLOADED
    batch.rows.all().delete()
    batch.save()
    return batch


def import_check_run(*, batch: Import, by: User | None) -> Import:
    """Check every row now, in this process (see ``checking.check_now``): the command line
    and the tests; pages and the API go through ``import_check_start``."""
    _editable(batch)
    if not batch.mapping:
        raise ImportStateError(_("Map the columns first."))
    return check_now(batch=batch, scope=Import.CheckScope.ALL)


def import_check_start(
    *, batch: Import, by: User | None, scope: str = Import.CheckScope.ALL
) -> Import:
    """Check the rows (``scope`` ``all``) or the contacts file only (``contacts``, keeping
    the decisions on the rows): at once for a small file, else in the worker, enqueued after
    commit (the import is ``checking`` until it ends; see ``checking``).

    Raises ``ImportFileError`` when a file checked at once cannot be read (nothing staged)."""
    _editable(batch)
    if not batch.mapping:
        raise ImportStateError(_("Map the columns first."))
    if scope == Import.CheckScope.CONTACTS:
        contact_file = ContactFile.objects.filter(batch=batch).first()
        if contact_file is None or not contact_file.mapping:
            raise ImportStateError(_("Add a contacts file and match its columns first."))
        if batch.state != Import.State.CHECKED:
            scope = Import.CheckScope.ALL
    if check_at_once(batch, scope):
        return check_now(batch=batch, scope=scope)
    with transaction.atomic():
        if not check_claim(batch=batch, scope=scope):
            raise ImportStateError(_("This import is being checked or imported already."))
        batch_id = batch.pk
        transaction.on_commit(lambda: check_import.enqueue(batch_id))
    batch.refresh_from_db()
    return batch


@transaction.atomic
def row_fix(*, row: ImportRow, by: User | None, field: str, value: str) -> ImportRow:
    """Change one cell of a staged row and check the row again (its duplicates too)."""
    batch = row.batch
    _editable(batch)
    if field not in set(batch.mapping.values()):
        raise ValidationError(_("That column is not imported."))
    raw = dict(row.raw)
    raw[field] = value[:10_000]
    checked = RowChecker().check(raw)
    was_valid = row.valid
    row.raw = raw
    row.values = checked.values
    row.errors = checked.errors
    row.warnings = checked.warnings
    row.valid = checked.ok
    row.save(update_fields=["raw", "values", "errors", "warnings", "valid"])
    batch.invalid_rows += int(was_valid) - int(row.valid)
    batch.duplicate_rows = duplicates_find(batch=batch)
    batch.save(update_fields=["invalid_rows", "duplicate_rows"])
    if field in MATCH_FIELDS:
        contacts_match(batch=batch)
    row.refresh_from_db()
    return row


ACTIONS = ("strike", "restore", "delete", "new", "update", "skip", "keep")


@transaction.atomic
def rows_decide(
    *,
    batch: Import,
    by: User | None,
    action: str,
    row_ids: Iterable[int] | None = None,
    update_fields: list[str] | None = None,
) -> int:
    """Apply a decision to rows of the import (``row_ids``; None means every duplicate):

    ``strike``/``restore`` mark and unmark; ``delete`` skips the selected rows that are struck
    out (all duplicates when ``row_ids`` is None); ``skip`` skips rows (invalid ones too);
    ``keep`` takes skipped rows back; ``new`` imports as new records; ``update`` updates the
    existing account with ``update_fields``. Returns the number of rows changed.
    """
    _editable(batch)
    if action not in ACTIONS:
        raise ValidationError(_("Unknown action."))
    rows = batch.rows.all()
    if row_ids is None:
        if action not in ("delete", "new", "keep"):
            raise ValidationError(_("Choose rows first."))
        rows = rows.filter(is_duplicate=True)
    else:
        rows = rows.filter(pk__in=list(row_ids))
    changes: dict[str, Any]
    if action == "strike":
        changes = {"struck": True}
    elif action == "restore":
        changes = {"struck": False}
    elif action == "delete":
        if row_ids is not None:
            rows = rows.filter(struck=True)
        changes = {"decision": ImportRow.Decision.SKIP}
    elif action == "skip":
        changes = {"decision": ImportRow.Decision.SKIP}
    elif action == "keep":
        rows = rows.filter(decision=ImportRow.Decision.SKIP)
        changes = {"decision": ImportRow.Decision.NEW}
    elif action == "new":
        changes = {"decision": ImportRow.Decision.NEW, "update_fields": []}
    else:
        fields = [f for f in (update_fields or []) if f]
        if not fields:
            raise ValidationError(_("Choose the fields to update."))
        rows = rows.filter(target__isnull=False)
        changes = {"decision": ImportRow.Decision.UPDATE, "update_fields": fields}
    return rows.update(**changes)


def run_blockers(batch: Import) -> list[str]:
    """Why the import cannot start now (empty when it can)."""
    reasons = []
    if batch.state not in (Import.State.CHECKED, Import.State.FAILED):
        reasons.append(_("Check the rows first."))
    waiting = batch.rows.filter(valid=False).exclude(decision=ImportRow.Decision.SKIP).count()
    if waiting:
        reasons.append(_("%(count)d invalid rows: fix them or skip them.") % {"count": waiting})
    contact_file = ContactFile.objects.filter(batch=batch).first()
    if contact_file is not None:
        if not contact_file.checked:
            reasons.append(_("Match the contacts file's columns and check it, or remove it."))
        elif contact_file.problem_rows:
            reasons.append(
                _("%(count)d contact rows match no single account or are invalid: skip them.")
                % {"count": contact_file.problem_rows}
            )
    return reasons


@transaction.atomic
def import_start(*, batch: Import, by: User | None) -> Import:
    """Claim the import for the run and enqueue it in the worker after commit."""
    reasons = run_blockers(batch)
    if reasons:
        raise ImportStateError(" ".join(reasons))
    if not import_claim(batch=batch):
        raise ImportStateError(_("This import is already running."))
    batch.refresh_from_db()
    batch_id = batch.pk
    transaction.on_commit(lambda: run_import.enqueue(batch_id))
    return batch


def import_undo_run(*, batch: Import, by: User) -> UndoResult:
    return import_undo(batch=batch, by=by)


# The second file: contacts matched to the accounts by NIP or name.


@transaction.atomic
def contacts_upload(
    *,
    batch: Import,
    by: User | None,
    upload: File[Any],
    skip_header: bool = True,
    encoding: str = "",
    delimiter: str = "",
) -> ContactFile:
    """Store a file of contacts for the import (replacing an earlier one with its rows),
    read its first rows and propose the encoding and the columns.

    Raises ``ImportFileError`` (nothing stored, an earlier file kept) for a file too large or
    unreadable."""
    _editable(batch)
    _size_check(upload.size or 0)
    if encoding and encoding not in ENCODINGS:
        raise ImportFileError(_("Unknown encoding %(name)s.") % {"name": encoding})
    name = file_name_clean(upload.name or "") or "contacts.csv"
    contact_file = ContactFile(
        batch=batch, original_name=name, size=upload.size or 0, skip_header=skip_header
    )
    contact_file.file.save(name, upload, save=False)
    try:
        _sniff_into(contact_file, encoding=encoding or None, delimiter=delimiter or None)
    except ImportFileError:
        contact_file.file.delete(save=False)
        raise
    contacts_remove(batch=batch, by=by)
    contact_file.mapping = (
        {str(index): key for index, key in contact_columns_match(contact_file.headers).items()}
        if contact_file.skip_header
        else {}
    )
    contact_file.save()
    return contact_file


@transaction.atomic
def contacts_map(
    *,
    batch: Import,
    by: User | None,
    mapping: dict[int, str],
    encoding: str | None = None,
    delimiter: str | None = None,
    skip_header: bool | None = None,
) -> ContactFile:
    """Set the columns of the contacts file (and the way it is read); its staged rows are
    dropped until it is checked again. A mapping must name a contact field and the NIP or
    the company name (what finds the account)."""
    _editable(batch)
    contact_file = ContactFile.objects.filter(batch=batch).first()
    if contact_file is None:
        raise ImportStateError(_("Add a contacts file first."))
    if encoding is not None and encoding not in ENCODINGS:
        raise ImportFileError(_("Unknown encoding %(name)s.") % {"name": encoding})
    unknown = sorted(set(mapping.values()) - set(CONTACT_FILE_FIELDS) - {""})
    if unknown:
        raise ValidationError(_("A contacts file has no field %(key)s.") % {"key": unknown[0]})
    if not set(mapping.values()) & set(MATCH_FIELDS):
        raise ValidationError(
            _("Match a column to the NIP or to the company name: they find each contact's account.")
        )
    if not set(mapping.values()) & set(CONTACT_FIELDS):
        raise ValidationError(_("Match a column to the contact's name, email or phone."))
    if skip_header is not None:
        contact_file.skip_header = skip_header
    if (encoding and encoding != contact_file.encoding) or (
        delimiter and delimiter != contact_file.delimiter
    ):
        _sniff_into(
            contact_file,
            encoding=encoding or contact_file.encoding or None,
            delimiter=delimiter or contact_file.delimiter or None,
        )
    contact_file.mapping = {str(index): key for index, key in mapping.items() if key}
    contact_file.checked = False
    contact_file.total_rows = contact_file.problem_rows = 0
    contact_file.save()
    batch.contact_rows.all().delete()
    return contact_file


@transaction.atomic
def contacts_remove(*, batch: Import, by: User | None) -> None:
    """Drop the import's contacts file and its staged rows."""
    _editable(batch)
    # A failed check of the contacts file said why on the check page: no longer so.
    Import.objects.filter(pk=batch.pk, state=Import.State.CHECKED).update(error="")
    contact_file = ContactFile.objects.filter(batch=batch).first()
    if contact_file is None:
        return
    batch.contact_rows.all().delete()
    stored = contact_file.file
    contact_file.delete()
    transaction.on_commit(lambda: stored.delete(save=False))


@transaction.atomic
def contacts_skip(*, batch: Import, by: User | None, row_ids: Iterable[int] | None = None) -> int:
    """Leave out contact rows (``row_ids``; None means every one that will not be imported:
    invalid, no match or several); the number of rows skipped."""
    _editable(batch)
    rows = problem_rows(batch)
    if row_ids is not None:
        rows = batch.contact_rows.filter(pk__in=list(row_ids), skipped=False)
    count = rows.update(skipped=True)
    ContactFile.objects.filter(batch=batch).update(problem_rows=problem_rows(batch).count())
    return count
