"""The run of an import, and its undo.

Design: all or nothing, with a moving progress bar.

* The staged rows (``staging``) were checked and their duplicates decided before: the run only
  writes. It is claimed atomically (``checked``/``failed`` → ``running`` by one ``UPDATE`` that
  must change exactly one row, committed at once so every page sees "importing").
* Every accepted row is then written inside **one transaction**, in chunks of ``BATCH`` rows:
  accounts and contacts with their history rows (what ``bulk_create_with_history`` writes:
  type "+", the importing user, the change reason naming the import), segment and
  classification links, email addresses and phone numbers, the search entries and the undo log
  (``ImportedRecord``), one ``executemany`` per table and chunk (``bulk``: ``bulk_create``'s
  model instance per row is what made 100,000 rows slow); updates of existing accounts with
  ``bulk_update_with_history``. The import turns ``done`` in that same
  transaction, so "done" and "every accepted row is in" commit together. Any exception rolls
  all of it back; the import is then marked ``failed`` with the reason, in a transaction of its
  own, and the database holds exactly what it held before.
* Progress cannot travel through the database while that transaction is open: other
  connections do not see uncommitted rows, and on SQLite the run holds the only write lock.
  So the run writes its progress to a small side file (``progress``) at most four times a
  second and at least once per batch of rows (a batch takes well under a second); the progress
  page reads rows done, rows per second and time left from it.
* Memory stays flat: staged rows are read in chunks by primary key, never all at once.

Undo removes what the run created and restores what it updated, for every record that was not
changed since (its ``updated_at`` is still the one the run left, and nobody attached other
records to a created account); it lists the rest, which it leaves as they are.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from kartoteka.core.search_index import IndexEntry, index_put, index_remove
from kartoteka.customers.models import Account, Contact, EmailAddress, PhoneNumber, Segment
from kartoteka.customers.search_entries import account_entry, contact_entry
from kartoteka.imports.bulk import Table, keys_allocate, prepared
from kartoteka.imports.columns import DICTIONARY_PREFIX
from kartoteka.imports.contacts import accepted_contacts
from kartoteka.imports.models import ContactRow, Import, ImportedRecord, ImportRow
from kartoteka.imports.progress import Ticker, progress_clear, progress_path

if TYPE_CHECKING:
    from kartoteka.people.models import User

logger = logging.getLogger(__name__)

BATCH = 500

# Normalised value key → Account attribute.
ACCOUNT_ATTRIBUTES = {
    "kind": "kind",
    "name": "name",
    "short_name": "short_name",
    "nip": "nip",
    "regon": "regon",
    "street": "street",
    "postal_code": "postal_code",
    "city": "city",
    "country": "country",
    "website": "website",
    "notes": "notes",
    "account_manager": "manager_id",
    "team": "team_id",
}
# The fields an update may change, field by field (value key → Account attribute).
UPDATABLE = {**ACCOUNT_ATTRIBUTES, "phone": "phone"}
CONTACT_ATTRIBUTES = {
    "contact_first_name": "first_name",
    "contact_last_name": "last_name",
    "contact_position": "position",
}


class ImportStateError(Exception):
    """The import is not in a state that allows the step."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _as_list(value: Any) -> list[str]:
    if not value:
        return []
    if isinstance(value, list | tuple):
        return [str(item) for item in value if item]
    return [str(value)]


def account_values(values: dict[str, Any]) -> dict[str, Any]:
    """Account attributes from a row's normalised values (empty ones left out)."""
    data: dict[str, Any] = {}
    for key, attribute in ACCOUNT_ATTRIBUTES.items():
        value = values.get(key)
        if value not in (None, "", []):
            data[attribute] = value
    phones = _as_list(values.get("phone"))
    if phones:
        data["phone"] = phones[0]
    return data


def account_emails(values: dict[str, Any]) -> list[str]:
    return [a.lower() for a in _as_list(values.get("email"))]


def classification_ids(values: dict[str, Any]) -> list[int]:
    """Dictionary entries (their keys) the row names, one value key per dictionary
    (``dict:<pk>``, see ``columns``)."""
    found: list[int] = []
    for key, value in values.items():
        if key.startswith(DICTIONARY_PREFIX):
            items = value if isinstance(value, list | tuple) else [value]
            found += [int(item) for item in items if item not in (None, "")]
    return found


def contact_values(values: dict[str, Any]) -> dict[str, Any] | None:
    """The row's contact (attributes, emails, phones), or None when it names none."""
    data = {
        attribute: str(values.get(key) or "")[:100] for key, attribute in CONTACT_ATTRIBUTES.items()
    }
    emails = [a.lower() for a in _as_list(values.get("contact_email"))]
    phones = _as_list(values.get("contact_phone"))
    if not (data["last_name"] or data["first_name"] or emails or phones):
        return None
    if not data["last_name"]:
        data["last_name"], data["first_name"] = data["first_name"], ""
    return {"data": data, "emails": emails, "phones": phones}


@dataclass
class RunResult:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    # Addresses left with their owner, as "line: address".
    kept_addresses: list[str] = field(default_factory=list)
    contacts_created: int = 0
    contacts_skipped: int = 0


def import_claim(*, batch: Import) -> bool:
    """Mark the import running if it is checked (or failed); False if another claimed it."""
    with transaction.atomic():
        claimed = Import.objects.filter(
            pk=batch.pk, state__in=[Import.State.CHECKED, Import.State.FAILED]
        ).update(
            state=Import.State.RUNNING,
            started_at=timezone.now(),
            progress_at=timezone.now(),
            rows_done=0,
            error="",
        )
    return claimed == 1


def accepted_rows(batch: Import) -> models.QuerySet[ImportRow]:
    return batch.rows.filter(valid=True).exclude(decision=ImportRow.Decision.SKIP)


@dataclass
class Staged:
    """What the run reads of a staged row (no model instance: 100,000 of them are read)."""

    pk: int
    line: int
    values: dict[str, Any]
    decision: str
    target_id: int | None
    update_fields: list[str]
    target: Account | None = None


def _chunks_by_pk(query: models.QuerySet[ImportRow]) -> Iterator[list[Staged]]:
    """The rows in chunks of ``BATCH``, each with the accounts its updates change (one
    query for the rows and one for those accounts per chunk)."""
    last = 0
    columns = ("pk", "line", "values", "decision", "target_id", "update_fields")
    while True:
        chunk = [
            Staged(*fields)
            for fields in query.filter(pk__gt=last).order_by("pk").values_list(*columns)[:BATCH]
        ]
        if not chunk:
            return
        wanted = {
            row.target_id
            for row in chunk
            if row.decision == ImportRow.Decision.UPDATE and row.target_id
        }
        if wanted:
            targets = Account.objects.in_bulk(wanted)
            for row in chunk:
                if row.decision == ImportRow.Decision.UPDATE and row.target_id:
                    row.target = targets.get(row.target_id)
        yield chunk
        last = chunk[-1].pk


def import_run(*, import_id: int, by: User | None = None) -> Import:
    """Write every accepted row of the claimed (``running``) import, or nothing.

    Idempotent: an import that is not ``running`` is returned untouched. On failure the import
    is ``failed`` with the reason and the customers' tables are as before.
    """
    batch = Import.objects.select_related("created_by", "segment").get(pk=import_id)
    if batch.state != Import.State.RUNNING:
        return batch
    user = by or batch.created_by
    total = accepted_rows(batch).count() + accepted_contacts(batch).count()
    ticker = Ticker(batch.pk, total)
    ticker.tick(0, force=True)
    try:
        with transaction.atomic():
            # Read again under the lock (PostgreSQL's row lock; SQLite's write lock, taken at
            # BEGIN): a second delivery of the task, or a run given up as stale, writes nothing.
            if not (
                Import.objects.select_for_update()
                .filter(pk=batch.pk, state=Import.State.RUNNING)
                .exists()
            ):
                return Import.objects.get(pk=batch.pk)
            result = _write(batch, user, ticker)
            now = timezone.now()
            Import.objects.filter(pk=batch.pk, state=Import.State.RUNNING).update(
                state=Import.State.DONE,
                created_count=result.created,
                updated_count=result.updated,
                contacts_created=result.contacts_created,
                contacts_skipped=result.contacts_skipped,
                skipped_count=batch.total_rows - result.created - result.updated,
                rows_done=total,
                rows_to_do=total,
                progress_at=now,
                finished_at=now,
                undo_report=result.kept_addresses[:1000],
            )
    except Exception as error:
        logger.exception("Import %s failed", batch.pk)
        message = _("The import failed and nothing was written: %(reason)s") % {
            "reason": "; ".join(error.messages) if isinstance(error, ValidationError) else error
        }
        Import.objects.filter(pk=batch.pk).update(
            state=Import.State.FAILED, error=message[:5000], finished_at=timezone.now()
        )
    finally:
        progress_clear(batch.pk)
    batch.refresh_from_db()
    return batch


# A run whose progress file has not changed for this long lost its worker (its transaction
# was rolled back with it): it is marked failed and may be started again.
STALE_SECONDS = 15 * 60


def import_stale_check(*, batch: Import) -> Import:
    """Mark a ``running`` import ``failed`` when its worker went away (no progress for
    ``STALE_SECONDS``, or never picked up); nothing of it was written."""
    if batch.state != Import.State.RUNNING:
        return batch
    try:
        last = progress_path(batch.pk).stat().st_mtime
    except OSError:
        last = batch.started_at.timestamp() if batch.started_at else 0.0
    if time.time() - last < STALE_SECONDS:
        return batch
    Import.objects.filter(pk=batch.pk, state=Import.State.RUNNING).update(
        state=Import.State.FAILED,
        error=_(
            "The background worker stopped during the import; nothing was written. "
            "Start the import again."
        ),
        finished_at=timezone.now(),
    )
    batch.refresh_from_db()
    return batch


def _segment(batch: Import) -> Segment | None:
    if batch.segment is not None:
        return batch.segment
    name = batch.segment_name.strip()
    if not name:
        return None
    segment = Segment.objects.filter(name__iexact=name).first()
    if segment is None:
        segment = Segment.objects.create(name=name)
    Import.objects.filter(pk=batch.pk).update(segment=segment)
    return segment


def _write(batch: Import, user: User | None, ticker: Ticker) -> RunResult:
    result = RunResult()
    segment = _segment(batch)
    reason = _("Import %(id)d: %(name)s") % {"id": batch.pk, "name": batch.original_name}
    reason = reason[:100]
    # Addresses taken in this run (an address has one owner: the first row keeps it).
    taken: set[str] = set()
    tables = Tables()
    done = 0
    for chunk in _chunks_by_pk(accepted_rows(batch)):
        new = [row for row in chunk if row.decision == ImportRow.Decision.NEW or not row.target]
        updates = [row for row in chunk if row.decision == ImportRow.Decision.UPDATE and row.target]
        _free_addresses(chunk, taken)
        _create(tables, batch, new, user, segment, reason, taken, result, ticker, done)
        ticker.tick(done + len(new))
        _update(batch, updates, user, segment, reason, taken, result)
        done += len(chunk)
        ticker.tick(done)
    _write_contacts(tables, batch, user, reason, taken, result, ticker, done)
    ticker.tick(ticker.total, force=True)
    return result


def _write_contacts(
    tables: Tables,
    batch: Import,
    user: User | None,
    reason: str,
    taken: set[str],
    result: RunResult,
    ticker: Ticker,
    done: int,
) -> None:
    """Create the matched contacts of the contacts file (``contacts``): each under the
    account its import row became (created or updated by this run) or the existing account
    it was matched to. A contact whose import row was not imported (skipped, invalid) is
    counted in ``contacts_skipped``. Inserted as the rows' contacts are (``bulk``)."""
    if not batch.contact_rows.exists():
        return
    account_of_line = dict(
        batch.records.filter(model=ImportedRecord.Model.ACCOUNT).values_list("line", "object_id")
    )
    now = prepared(Contact, "updated_at", timezone.now())
    user_id = user.pk if user is not None else None
    made, history = _creation_columns(now, user_id, reason)
    record = {
        "batch_id": batch.pk,
        "action": ImportedRecord.Action.CREATED,
        "stamp": now,
        "previous": tables.no_previous,
        "model": "contact",
    }
    query = (
        accepted_contacts(batch)
        .order_by("pk")
        .values_list("line", "values", "row_line", "account_id")
    )
    for chunk in _chunked_stream(query.iterator(chunk_size=BATCH), BATCH):
        # An existing account matched at the check may have been deleted or merged since.
        existing = set(
            Account.objects.filter(
                pk__in={account for *_rest, account in chunk if account is not None}
            ).values_list("pk", flat=True)
        )
        placed: list[tuple[int, int, dict[str, Any]]] = []
        for line, values, row_line, account_id in chunk:
            target = account_of_line.get(row_line) if row_line is not None else account_id
            contact = contact_values(values)
            if target is None or contact is None or (row_line is None and target not in existing):
                result.contacts_skipped += 1
                continue
            placed.append((line, target, contact))
        wanted = {address for _line, _target, contact in placed for address in contact["emails"]}
        if wanted:
            taken.update(
                EmailAddress.objects.filter(address__in=wanted).values_list("address", flat=True)
            )
        ids = keys_allocate(Contact, len(placed))
        contacts: list[dict[str, Any]] = []
        emails: list[dict[str, Any]] = []
        phones: list[dict[str, Any]] = []
        records: list[dict[str, Any]] = []
        entries: list[IndexEntry] = []
        for (line, target, contact), contact_id in zip(placed, ids, strict=True):
            data = {**contact["data"], **made, "id": contact_id, "account_id": target}
            contacts.append(data)
            records.append({**record, "line": line, "object_id": contact_id})
            addresses = _claim_addresses(contact["emails"], taken, line, result)
            numbers = list(dict.fromkeys(contact["phones"]))
            emails += [
                {"address": address, "contact_id": contact_id, "position": position}
                for position, address in enumerate(addresses)
            ]
            phones += [
                {"number": number, "contact_id": contact_id, "position": position}
                for position, number in enumerate(numbers)
            ]
            entries.append(contact_entry(cast(Contact, _Shape(data)), addresses, numbers))
        tables.contact.insert(contacts)
        tables.contact_history.insert({**contact, **history} for contact in contacts)
        tables.email.insert(emails)
        tables.phone.insert(phones)
        tables.record.insert(records)
        index_put(entries)
        result.contacts_created += len(placed)
        done += len(chunk)
        ticker.tick(done)


def _free_addresses(chunk: list[Staged], taken: set[str]) -> None:
    """Add to ``taken`` the chunk's addresses that already belong to someone (one query)."""
    wanted = {
        address
        for row in chunk
        for address in account_emails(row.values)
        + ((contact_values(row.values) or {}).get("emails") or [])
    }
    if wanted:
        taken.update(
            EmailAddress.objects.filter(address__in=wanted).values_list("address", flat=True)
        )


def _claim_addresses(
    addresses: list[str], taken: set[str], line: int, result: RunResult
) -> list[str]:
    kept: list[str] = []
    for address in addresses:
        if address in taken:
            result.kept_addresses.append(f"{line}: {address}")
            continue
        taken.add(address)
        kept.append(address)
    return kept


class Tables:
    """The tables the run inserts into, their statements built once per run."""

    def __init__(self) -> None:
        def attnames(model: type[models.Model], *skip: str) -> list[str]:
            return [f.attname for f in model._meta.concrete_fields if f.attname not in skip]

        history_account = Account.history.model  # type: ignore[attr-defined]
        history_contact = Contact.history.model  # type: ignore[attr-defined]
        self.account = Table(Account, attnames(Account))
        self.account_history = Table(history_account, attnames(history_account, "history_id"))
        self.contact = Table(Contact, attnames(Contact))
        self.contact_history = Table(history_contact, attnames(history_contact, "history_id"))
        self.email = Table(EmailAddress, attnames(EmailAddress, "id"))
        self.phone = Table(PhoneNumber, attnames(PhoneNumber, "id"))
        self.segment = Table(Account.segments.through, ["account_id", "segment_id"])
        self.classification = Table(
            Account.classifications.through, ["account_id", "dictionaryentry_id"]
        )
        self.record = Table(ImportedRecord, attnames(ImportedRecord, "id"))
        self.no_previous = prepared(ImportedRecord, "previous", {})


def _create(
    tables: Tables,
    batch: Import,
    rows: list[Staged],
    user: User | None,
    segment: Segment | None,
    reason: str,
    taken: set[str],
    result: RunResult,
    ticker: Ticker,
    done: int,
) -> None:
    """Insert the accounts of ``rows`` with their history, segment, classifications,
    addresses, contacts, search entries and undo log (see ``bulk``: one statement a table)."""
    if not rows:
        return
    now = prepared(Account, "updated_at", timezone.now())
    user_id = user.pk if user is not None else None
    account_ids = keys_allocate(Account, len(rows))
    accounts: list[dict[str, Any]] = []
    contacts: list[dict[str, Any]] = []
    emails: list[dict[str, Any]] = []
    phones: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    classifications: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    entries: list[IndexEntry] = []
    made, history = _creation_columns(now, user_id, reason)
    record = {"batch_id": batch.pk, "action": ImportedRecord.Action.CREATED, "stamp": now}
    record["previous"] = tables.no_previous
    with_contact: list[tuple[Staged, int, dict[str, Any]]] = []
    for row, account_id in zip(rows, account_ids, strict=True):
        account = {**account_values(row.values), **made, "id": account_id}
        accounts.append(account)
        records.append({**record, "line": row.line, "model": "account", "object_id": account_id})
        if segment is not None:
            links.append({"account_id": account_id, "segment_id": segment.pk})
        classifications += [
            {"account_id": account_id, "dictionaryentry_id": entry}
            for entry in dict.fromkeys(classification_ids(row.values))
        ]
        addresses = _claim_addresses(account_emails(row.values), taken, row.line, result)
        emails += [
            {"address": address, "account_id": account_id, "position": position}
            for position, address in enumerate(addresses)
        ]
        entries.append(account_entry(cast(Account, _Shape(account)), addresses))
        contact = contact_values(row.values)
        if contact is not None:
            with_contact.append((row, account_id, contact))
    contact_ids = keys_allocate(Contact, len(with_contact))
    for (row, account_id, contact), contact_id in zip(with_contact, contact_ids, strict=True):
        data = {**contact["data"], **made, "id": contact_id, "account_id": account_id}
        contacts.append(data)
        records.append({**record, "line": row.line, "model": "contact", "object_id": contact_id})
        addresses = _claim_addresses(contact["emails"], taken, row.line, result)
        numbers = list(dict.fromkeys(contact["phones"]))
        emails += [
            {"address": address, "contact_id": contact_id, "position": position}
            for position, address in enumerate(addresses)
        ]
        phones += [
            {"number": number, "contact_id": contact_id, "position": position}
            for position, number in enumerate(numbers)
        ]
        entries.append(contact_entry(cast(Contact, _Shape(data)), addresses, numbers))
    steps = (
        lambda: tables.account.insert(accounts),
        lambda: tables.account_history.insert({**account, **history} for account in accounts),
        lambda: tables.contact.insert(contacts),
        lambda: tables.contact_history.insert({**contact, **history} for contact in contacts),
        lambda: tables.segment.insert(links) + tables.classification.insert(classifications),
        lambda: tables.email.insert(emails) + tables.phone.insert(phones),
        lambda: tables.record.insert(records),
        lambda: index_put(entries),
    )
    for number, step in enumerate(steps):
        # The bar moves within a chunk too: each table's insert is a step of it.
        ticker.tick(done + len(rows) * number // len(steps))
        step()
    result.created += len(rows)


class _Shape:
    """A row's attributes read as an object's (what the search entries read)."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)
        self.pk = values["id"]

    def __getattr__(self, name: str) -> Any:
        return ""


def _update(
    batch: Import,
    rows: list[Staged],
    user: User | None,
    segment: Segment | None,
    reason: str,
    taken: set[str],
    result: RunResult,
) -> None:
    if not rows:
        return
    now = timezone.now()
    records: list[ImportedRecord] = []
    accounts: list[Account] = []
    fields: set[str] = {"updated_at", "updated_by"}
    emails: list[EmailAddress] = []
    new_contacts: list[tuple[Staged, Account, dict[str, Any]]] = []
    for row in rows:
        account = row.target
        if account is None:  # the chunk's update rows all have a target
            continue
        incoming = account_values(row.values)
        previous: dict[str, Any] = {}
        for key in row.update_fields:
            attribute = UPDATABLE.get(key)
            if attribute is None or attribute not in incoming:
                continue
            previous[attribute] = getattr(account, attribute)
            setattr(account, attribute, incoming[attribute])
            fields.add(attribute)
        account.updated_at = now
        account.updated_by = user
        account._history_user = user  # type: ignore[attr-defined]
        accounts.append(account)
        previous["_segment_added"] = bool(
            segment is not None and not account.segments.filter(pk=segment.pk).exists()
        )
        records.append(
            ImportedRecord(
                batch=batch,
                line=row.line,
                model=ImportedRecord.Model.ACCOUNT,
                object_id=account.pk,
                action=ImportedRecord.Action.UPDATED,
                previous=previous,
                stamp=now,
            )
        )
        if "email" in row.update_fields:
            addresses = _claim_addresses(account_emails(row.values), taken, row.line, result)
            emails += [
                EmailAddress(address=address, account_id=account.pk, position=10 + position)
                for position, address in enumerate(addresses)
            ]
        contact = contact_values(row.values)
        if contact is not None:
            new_contacts.append((row, account, contact))
    bulk_update_with_history(
        accounts,
        Account,
        sorted(fields),
        batch_size=500,
        default_user=user,
        default_change_reason=reason,
    )
    if segment is not None:
        for account in accounts:
            account.segments.add(segment)
    EmailAddress.objects.bulk_create(emails, batch_size=BATCH)
    for row, account, contact in new_contacts:
        created = Contact(
            **contact["data"], account_id=account.pk, created_by=user, updated_by=user
        )
        created._history_user = user  # type: ignore[attr-defined]
        created._change_reason = reason  # type: ignore[attr-defined]
        created.save()
        addresses = _claim_addresses(contact["emails"], taken, row.line, result)
        EmailAddress.objects.bulk_create(
            EmailAddress(address=address, contact_id=created.pk, position=position)
            for position, address in enumerate(addresses)
        )
        PhoneNumber.objects.bulk_create(
            PhoneNumber(contact_id=created.pk, number=number, position=position)
            for position, number in enumerate(dict.fromkeys(contact["phones"]))
        )
        records.append(
            ImportedRecord(
                batch=batch,
                line=row.line,
                model=ImportedRecord.Model.CONTACT,
                object_id=created.pk,
                action=ImportedRecord.Action.CREATED,
                stamp=created.updated_at,
            )
        )
        index_put([contact_entry(created, addresses, list(contact["phones"]))])
    ImportedRecord.objects.bulk_create(records)
    for account in accounts:
        shared = list(account.shared_emails.values_list("address", flat=True))
        index_put([account_entry(account, shared)])
    result.updated += len(rows)


# Undo


@dataclass
class UndoResult:
    removed: int = 0
    restored: int = 0
    kept: list[str] = field(default_factory=list)


def _blocking_relations() -> list[models.ForeignObjectRel]:
    """Relations of other records to an account that deleting it would take along (besides
    its contacts, addresses and history, which undo handles)."""
    handled = {Contact, EmailAddress}
    relations = []
    for relation in Account._meta.related_objects:
        model = relation.related_model
        if relation.many_to_many or model in handled:
            continue
        if getattr(model, "_meta", None) is None or model.__name__.startswith("Historical"):
            continue
        if model in (ImportRow, ContactRow):
            continue
        relations.append(relation)
    return relations


@transaction.atomic
def import_undo(*, batch: Import, by: User) -> UndoResult:
    """Take the import back as far as nobody changed its records since; the import becomes
    ``undone`` and its ``undo_report`` lists what stayed (one line each)."""
    locked = Import.objects.select_for_update().get(pk=batch.pk)
    if locked.state != Import.State.DONE:
        raise ImportStateError(_("Only a finished import can be undone."))
    result = UndoResult()
    reason = (_("Undo of import %(id)d") % {"id": batch.pk})[:100]
    records = batch.records.all()
    contact_records = {
        r.object_id: r
        for r in records.filter(model=ImportedRecord.Model.CONTACT).only(
            "object_id", "stamp", "line"
        )
    }
    created_records = records.filter(
        model=ImportedRecord.Model.ACCOUNT, action=ImportedRecord.Action.CREATED
    ).order_by("pk")
    relations = _blocking_relations()
    contacts_to_delete: list[int] = []
    for chunk in _chunked(list(created_records.only("object_id", "stamp", "line")), BATCH):
        ids = [record.object_id for record in chunk]
        accounts = Account.objects.in_bulk(ids)
        blocked: set[int] = set()
        for relation in relations:
            name = relation.field.name
            blocked.update(
                relation.related_model._default_manager.filter(**{f"{name}__in": ids})
                .values_list(f"{name}_id", flat=True)
                .distinct()
            )
        foreign_contacts: set[int] = set()
        contact_rows = Contact.objects.filter(account_id__in=ids).values_list(
            "pk", "account_id", "updated_at"
        )
        by_account: dict[int, list[int]] = {}
        for pk, account_id, updated_at in contact_rows:
            record = contact_records.get(pk)
            if record is None or updated_at != record.stamp:
                foreign_contacts.add(account_id)
            by_account.setdefault(account_id, []).append(pk)
        to_delete: list[Account] = []
        for record in chunk:
            account = accounts.get(record.object_id)
            if account is None:
                continue
            if account.updated_at != record.stamp:
                why = _("changed since the import")
            elif account.pk in blocked:
                why = _("other records refer to it")
            elif account.pk in foreign_contacts:
                why = _("its contacts changed or were added since the import")
            else:
                to_delete.append(account)
                contacts_to_delete += by_account.get(account.pk, [])
                continue
            result.kept.append(
                _("Line %(line)d: %(name)s was kept: %(why)s.")
                % {"line": record.line, "name": account.name, "why": why}
            )
        _delete_with_history(to_delete, Account, by, reason)
        result.removed += len(to_delete)
    # Contacts the run added to accounts it updated.
    lone = [pk for pk, record in contact_records.items() if pk not in set(contacts_to_delete)]
    for chunk_ids in _chunked(lone, BATCH):
        for contact in Contact.objects.filter(pk__in=chunk_ids):
            if contact.updated_at == contact_records[contact.pk].stamp:
                _delete_with_history([contact], Contact, by, reason)
                index_remove("contact", [contact.pk])
            else:
                result.kept.append(
                    _("Line %(line)d: contact %(name)s was kept: changed since the import.")
                    % {"line": contact_records[contact.pk].line, "name": str(contact)}
                )
    index_remove("contact", contacts_to_delete)
    _restore_updates(batch, by, reason, result)
    now = timezone.now()
    Import.objects.filter(pk=batch.pk).update(
        state=Import.State.UNDONE, undo_report=result.kept[:1000], finished_at=now
    )
    batch.refresh_from_db()
    return result


def _restore_updates(batch: Import, by: User, reason: str, result: UndoResult) -> None:
    updated = list(
        batch.records.filter(
            model=ImportedRecord.Model.ACCOUNT, action=ImportedRecord.Action.UPDATED
        )
    )
    accounts = Account.objects.in_bulk([record.object_id for record in updated])
    segment_id = batch.segment_id
    restored: list[Account] = []
    fields: set[str] = {"updated_at", "updated_by"}
    now = timezone.now()
    for record in updated:
        account = accounts.get(record.object_id)
        if account is None:
            continue
        if account.updated_at != record.stamp:
            result.kept.append(
                _("Line %(line)d: %(name)s was not restored: changed since the import.")
                % {"line": record.line, "name": account.name}
            )
            continue
        for attribute, value in record.previous.items():
            if attribute.startswith("_"):
                continue
            setattr(account, attribute, value)
            fields.add(attribute)
        account.updated_at = now
        account.updated_by = by
        restored.append(account)
        if record.previous.get("_segment_added") and segment_id:
            account.segments.remove(segment_id)
    if restored:
        bulk_update_with_history(
            restored,
            Account,
            sorted(fields),
            default_user=by,
            default_change_reason=reason,
        )
        for account in restored:
            shared = list(account.shared_emails.values_list("address", flat=True))
            index_put([account_entry(account, shared)])
    result.restored = len(restored)


def _delete_with_history(
    objects: list[Any], model: type[models.Model], by: User, reason: str
) -> None:
    """Delete ``objects`` in bulk, writing their "-" history rows (as ``delete()`` would)."""
    if not objects:
        return
    history = model.history.model  # type: ignore[attr-defined]
    now = timezone.now()
    history.objects.bulk_create(
        [
            history(
                history_date=now,
                history_user=by,
                history_change_reason=reason,
                history_type="-",
                **{f.attname: getattr(obj, f.attname) for f in history.tracked_fields},
            )
            for obj in objects
        ],
        batch_size=500,
    )
    ids = [obj.pk for obj in objects]
    if model is Account:
        contacts = list(Contact.objects.filter(account_id__in=ids))
        _delete_with_history(contacts, Contact, by, reason)
        index_remove("account", ids)
    model._default_manager.filter(pk__in=ids).delete()


def _chunked_stream[T](items: Iterator[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _chunked[T](items: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _creation_columns(
    now: Any, user_id: int | None, reason: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The columns every created row shares, and those of its history record."""
    made = {
        "created_at": now,
        "updated_at": now,
        "created_by_id": user_id,
        "updated_by_id": user_id,
    }
    history = {
        "history_date": now,
        "history_change_reason": reason,
        "history_type": "+",
        "history_user_id": user_id,
    }
    return made, history
