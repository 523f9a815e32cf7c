"""Staging: every row of the file read with the mapping, checked, and its duplicates found.

Nothing here touches the customers' tables except to read them. ``import_check`` reads the
file as a stream, checks each row with ``checks.RowChecker`` and stores it as an ``ImportRow``
in batches of ``BATCH`` (one ``executemany`` each, see ``bulk``), in one transaction: a file
that turns out unreadable half-way leaves no rows behind. Before a batch is stored, its rows'
NIPs, REGONs, email addresses and phone numbers are looked up in bulk (``holders_find``: a
few queries per batch, never one per row) against the database, and against the rows before
them in the file (a dictionary of each identifier's first line). ``duplicates_find`` does the
same over the staged rows after a cell was fixed.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from django.db import connection, models, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from kartoteka.customers.models import Account, EmailAddress, PhoneNumber
from kartoteka.imports.bulk import Table
from kartoteka.imports.checks import RowChecker
from kartoteka.imports.models import ContactFile, Import, ImportRow
from kartoteka.imports.reading import ImportFileError, numbered_rows, rows_estimate

BATCH = 1000
# Rows read between two calls of a check's ``tick`` (a few milliseconds of work).
TICK_ROWS = 50
Tick = Callable[[int], None]
JSON_COLUMNS = ("raw", "values", "errors", "warnings", "duplicates")
# Identifier kinds, in the order a row's clash is described and its target chosen.
KINDS = ("nip", "regon", "email", "phone")


@contextmanager
def file_on_disk(batch: Import | ContactFile) -> Iterator[Path]:
    """The import's file (or its contacts file) as a path to read: the stored file itself,
    or (for a storage without paths) a temporary copy, removed afterwards."""
    try:
        stored: Path | None = Path(batch.file.path)
    except NotImplementedError:
        stored = None
    if stored is not None and stored.is_file():
        yield stored
        return
    with tempfile.NamedTemporaryFile(prefix="kartoteka-import-") as copy:
        with batch.file.open("rb") as source:
            shutil.copyfileobj(source, copy)
        copy.flush()
        yield Path(copy.name)


def raw_of(cells: list[str], mapping: dict[int, str]) -> dict[str, str | list[str]]:
    """The row as field key → cell; a field mapped from several columns gets a list."""
    raw: dict[str, str | list[str]] = {}
    for index, key in mapping.items():
        cell = cells[index] if index < len(cells) else ""
        if key in raw:
            held = raw[key]
            raw[key] = [*held, cell] if isinstance(held, list) else [held, cell]
        else:
            raw[key] = cell
    return raw


def _as_list(value: Any) -> list[str]:
    if not value:
        return []
    if isinstance(value, list | tuple):
        return [str(item) for item in value if item]
    return [str(value)]


def identifiers_of(values: dict[str, Any]) -> list[tuple[str, str]]:
    """(kind, value) of every identifier a row's normalised values hold: its NIP, REGON and
    every email address and phone number (of the account and of its contact)."""
    found: list[tuple[str, str]] = []
    for kind in ("nip", "regon"):
        if value := values.get(kind):
            found.append((kind, str(value)))
    for key, value in values.items():
        if "email" in key:
            found += [("email", item.lower()) for item in _as_list(value)]
        elif "phone" in key:
            found += [("phone", item) for item in _as_list(value)]
    return list(dict.fromkeys(found))


@transaction.atomic
def import_check(*, batch: Import, tick: Tick | None = None) -> Import:
    """Stage and check every row of the file; find duplicates; match the rows of its contacts
    file (if any) again; the import becomes ``checked``. ``tick(rows read)`` is called every
    ``TICK_ROWS`` rows (the worker's progress).

    Raises ``ImportFileError`` (and stages nothing) when the file cannot be read.
    """
    from kartoteka.imports.contacts import contacts_match

    batch.rows.all().delete()
    mapping = {int(index): key for index, key in batch.mapping.items() if key}
    checker = RowChecker()
    with file_on_disk(batch) as path:
        total, invalid, duplicates = _stage(batch, path, mapping, checker, tick)
    batch.total_rows = total
    batch.invalid_rows = invalid
    batch.duplicate_rows = duplicates
    batch.state = Import.State.CHECKED
    batch.error = ""
    batch.save(update_fields=["total_rows", "invalid_rows", "duplicate_rows", "state", "error"])
    contacts_match(batch=batch)
    return batch


def file_rows_estimate(batch: Import) -> int:
    """About how many data rows the import's file holds (see ``reading.rows_estimate``)."""
    with file_on_disk(batch) as path:
        return rows_estimate(path, skip_header=batch.skip_header)


def _stage(
    batch: Import,
    path: Path,
    mapping: dict[int, str],
    checker: RowChecker,
    tick: Tick | None = None,
) -> tuple[int, int, int]:
    """Stage the rows of the file at ``path``, their duplicates marked as they go (see
    ``duplicates_find``, which marks them again after a fix); (rows, invalid, duplicates)."""
    table = Table(
        ImportRow, [f.attname for f in ImportRow._meta.concrete_fields if f.attname != "id"]
    )
    json_fields = {
        name: cast(models.Field[Any, Any], ImportRow._meta.get_field(name)) for name in JSON_COLUMNS
    }

    def prepared(name: str, value: Any) -> Any:
        return json_fields[name].get_db_prep_save(value, connection)

    first_line: dict[tuple[str, str], int] = {}

    def flush(rows: list[dict[str, Any]]) -> int:
        """Mark the rows' duplicates (a few queries for all of them), insert them; how many
        are duplicates."""
        holders = holders_find(item for row in rows for item in row["found"])
        count = 0
        for row in rows:
            clashes, target = clashes_of(row.pop("found"), row["line"], holders, first_line)
            if clashes:
                count += 1
                row.update(
                    duplicates=prepared("duplicates", clashes), is_duplicate=True, target_id=target
                )
        table.insert(rows)
        return count

    buffer: list[dict[str, Any]] = []
    total = invalid = duplicates = 0
    for line, cells in numbered_rows(
        path,
        encoding=batch.encoding or None,
        delimiter=batch.delimiter or None,
        skip_header=batch.skip_header,
    ):
        raw = raw_of(cells, mapping)
        checked = checker.check(raw)
        total += 1
        if tick is not None and total % TICK_ROWS == 0:
            tick(total)
        invalid += not checked.ok
        buffer.append(
            {
                "batch_id": batch.pk,
                "line": line,
                "raw": prepared("raw", raw),
                "values": prepared("values", checked.values),
                "errors": prepared("errors", checked.errors),
                "warnings": prepared("warnings", checked.warnings),
                "valid": checked.ok,
                "found": identifiers_of(checked.values),
            }
        )
        if len(buffer) >= BATCH:
            duplicates += flush(buffer)
            buffer = []
    duplicates += flush(buffer)
    if total == 0:
        raise ImportFileError(_("The file holds no data rows."))
    return total, invalid, duplicates


@dataclass(frozen=True)
class Holder:
    account_id: int
    name: str


def _chunks[T](items: Iterable[T], size: int = BATCH) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def holders_find(identifiers: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Holder]:
    """The account already holding each identifier, in four queries per chunk of values."""
    wanted: dict[str, set[str]] = {kind: set() for kind in KINDS}
    for kind, value in identifiers:
        wanted[kind].add(value)
    found: dict[tuple[str, str], Holder] = {}
    for kind in ("nip", "regon"):
        for chunk in _chunks(sorted(wanted[kind])):
            for value, pk, name in Account.objects.filter(**{f"{kind}__in": chunk}).values_list(
                kind, "pk", "name"
            ):
                found.setdefault((kind, value), Holder(pk, name))
    for chunk in _chunks(sorted(wanted["email"])):
        addresses = EmailAddress.objects.filter(address__in=chunk).values_list(
            "address",
            "account_id",
            "account__name",
            "contact__account_id",
            "contact__account__name",
        )
        for (
            address,
            account_id,
            account_name,
            contact_account_id,
            contact_account_name,
        ) in addresses:
            if account_id is not None:
                found[("email", address)] = Holder(account_id, account_name)
            elif contact_account_id is not None:
                found[("email", address)] = Holder(contact_account_id, contact_account_name)
            else:
                # A contact without an account: the address is still taken.
                found[("email", address)] = Holder(0, "")
    for chunk in _chunks(sorted(wanted["phone"])):
        for number, pk, name in Account.objects.filter(phone__in=chunk).values_list(
            "phone", "pk", "name"
        ):
            found.setdefault(("phone", number), Holder(pk, name))
        query = PhoneNumber.objects.filter(
            Q(number__in=chunk), contact__account__isnull=False
        ).values_list("number", "contact__account_id", "contact__account__name")
        for number, pk, name in query:
            found.setdefault(("phone", number), Holder(pk, name))
    return found


def clashes_of(
    found: list[tuple[str, str]],
    line: int,
    holders: dict[tuple[str, str], Holder],
    first_line: dict[tuple[str, str], int],
) -> tuple[list[dict[str, Any]], int | None]:
    """What a row's identifiers clash with (accounts holding them, earlier lines of the
    file; ``first_line`` learns the row's own), and the first account it clashes with."""
    clashes: list[dict[str, Any]] = []
    target: int | None = None
    for kind, value in found:
        holder = holders.get((kind, value))
        if holder is not None:
            clashes.append(
                {
                    "field": kind,
                    "value": value,
                    "account": holder.account_id or None,
                    "account_name": holder.name,
                    "line": None,
                }
            )
            if target is None and holder.account_id:
                target = holder.account_id
        earlier = first_line.setdefault((kind, value), line)
        if earlier != line:
            clashes.append(
                {
                    "field": kind,
                    "value": value,
                    "account": None,
                    "account_name": "",
                    "line": earlier,
                }
            )
    return clashes, target


def duplicates_find(*, batch: Import) -> int:
    """Mark the staged rows whose identifiers another account or an earlier row holds; the
    number of such rows. Invalid rows are checked too (fixing them keeps the mark right)."""
    first_line: dict[tuple[str, str], int] = {}
    count = 0
    batch.rows.filter(is_duplicate=True).update(duplicates=[], is_duplicate=False, target=None)
    rows_query = batch.rows.order_by("line").values_list("pk", "line", "values")
    for chunk in _chunks(rows_query.iterator(chunk_size=BATCH)):
        per_row = [(pk, line, identifiers_of(values)) for pk, line, values in chunk]
        holders = holders_find(item for _pk, _line, found in per_row for item in found)
        changed: list[ImportRow] = []
        for pk, line, found in per_row:
            clashes, target = clashes_of(found, line, holders, first_line)
            if clashes:
                count += 1
                changed.append(
                    ImportRow(pk=pk, duplicates=clashes, is_duplicate=True, target_id=target)
                )
        ImportRow.objects.bulk_update(changed, ["duplicates", "is_duplicate", "target"])
    return count
