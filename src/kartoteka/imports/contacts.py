"""A second file of contacts: read, checked, and each row matched to its account.

The file is read as the accounts' file is (``reading``: CSV or XLSX, encodings detected), its
columns matched to ``CONTACT_FILE_FIELDS``: the contact's name, position, email and phone,
and what finds the account, its NIP or its name. ``contacts_stage`` checks every row
(``checks.RowChecker`` without the account's name required) and stores it as a
``ContactRow``; ``contacts_match`` then finds each row's account:

* by the normalised NIP when the row has one, else by the company name compared without
  case, diacritics and extra spaces ("ZAKŁAD  łąka" is "Zakład Łąka");
* first among the rows of the import (several rows with the NIP are told apart by the name),
  then among the existing accounts the importing user may see;
* one candidate is a match; none is ``unmatched``, several ``ambiguous``, each with the reason.

A NIP decides alone: a row whose NIP no account has is not matched by its name, which could
be another company's. The run (``running``) creates the matched contacts in its transaction;
rows that match nothing, or several, are listed and never imported.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from kartoteka.core.search_index import index_matches
from kartoteka.customers.models import Account
from kartoteka.imports.bulk import Table, prepared
from kartoteka.imports.checks import RowChecker, fold
from kartoteka.imports.columns import columns_match
from kartoteka.imports.models import ContactFile, ContactRow, Import
from kartoteka.imports.reading import numbered_rows
from kartoteka.imports.staging import TICK_ROWS, Tick, file_on_disk, raw_of

if TYPE_CHECKING:
    from kartoteka.people.models import User

BATCH = 1000
# The fields a contacts file fills: the contact's and what finds its account.
CONTACT_FILE_FIELDS = (
    "nip",
    "name",
    "contact_name",
    "contact_first_name",
    "contact_last_name",
    "contact_position",
    "contact_email",
    "contact_phone",
)
MATCH_FIELDS = ("nip", "name")
CONTACT_FIELDS = tuple(key for key in CONTACT_FILE_FIELDS if key.startswith("contact_"))
# In a file of contacts, "E-mail" and "Telefon" are the contact's own.
_AS_CONTACT = {"email": "contact_email", "phone": "contact_phone"}
NAMES_SHOWN = 5


def contact_columns_match(headers: Iterable[str]) -> dict[int, str]:
    """Column index → field key of ``CONTACT_FILE_FIELDS`` for the headers naming one."""
    matched: dict[int, str] = {}
    taken: set[str] = set()
    for index, key in columns_match(headers, dictionaries=[]).items():
        key = _AS_CONTACT.get(key, key)
        if key in CONTACT_FILE_FIELDS and key not in taken:
            matched[index] = key
            taken.add(key)
    return matched


def contacts_stage(*, batch: Import, tick: Tick | None = None) -> ContactFile:
    """Check every row of the import's contacts file, store it and match it (in the caller's
    transaction; ``ImportFileError`` when the file cannot be read)."""
    contact_file = ContactFile.objects.get(batch=batch)
    batch.contact_rows.all().delete()
    mapping = {int(index): key for index, key in contact_file.mapping.items() if key}
    checker = RowChecker()
    table = Table(
        ContactRow, [f.attname for f in ContactRow._meta.concrete_fields if f.attname != "id"]
    )
    buffer: list[dict[str, Any]] = []
    total = 0
    with file_on_disk(contact_file) as path:
        for line, cells in numbered_rows(
            path,
            encoding=contact_file.encoding or None,
            delimiter=contact_file.delimiter or None,
            skip_header=contact_file.skip_header,
        ):
            raw = raw_of(cells, mapping)
            values, errors = contact_check(checker, raw)
            buffer.append(
                {
                    "batch_id": batch.pk,
                    "line": line,
                    "raw": prepared(ContactRow, "raw", raw),
                    "values": prepared(ContactRow, "values", values),
                    "errors": prepared(ContactRow, "errors", errors),
                    "valid": not errors,
                }
            )
            total += 1
            if tick is not None and total % TICK_ROWS == 0:
                tick(total)
            if len(buffer) >= BATCH:
                table.insert(buffer)
                buffer = []
    table.insert(buffer)
    contact_file.checked = True
    contact_file.total_rows = total
    contact_file.save(update_fields=["checked", "total_rows"])
    contacts_match(batch=batch)
    contact_file.refresh_from_db()
    return contact_file


def contact_check(
    checker: RowChecker, raw: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """A contacts file's row normalised, and its errors (field key → message)."""
    checked = checker.check(raw, require_name=False)
    values = {key: checked.values[key] for key in CONTACT_FILE_FIELDS if key in checked.values}
    errors = {key: str(message) for key, message in checked.errors.items()}
    if not any(values.get(key) for key in CONTACT_FIELDS):
        errors.setdefault(
            "contact_last_name", _("The row names no contact: its name, email or phone.")
        )
    if not (values.get("nip") or values.get("name")):
        errors.setdefault(
            "nip", _("Give the NIP or the company name: the contact's account is found by them.")
        )
    return values, errors


def _keyset(batch: Import) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    """The contact rows (pk, values) in chunks by line: each chunk one query, none held
    open while the chunk's matches are written."""
    last = 0
    while True:
        chunk = list(
            batch.contact_rows.filter(line__gt=last)
            .order_by("line")
            .values_list("pk", "values", "line")[:BATCH]
        )
        if not chunk:
            return
        yield [(pk, values) for pk, values, _line in chunk]
        last = chunk[-1][2]


def _accounts_for(user: User | None) -> QuerySet[Account]:
    """The accounts a contact may be matched to: those the importing user sees (every one
    for an import without a user, from the command line)."""
    if user is None:
        return Account.objects.all()
    return Account.objects.visible_to(user)


def _lines(lines: list[int]) -> str:
    shown = ", ".join(str(line) for line in lines[:NAMES_SHOWN])
    return shown + (", …" if len(lines) > NAMES_SHOWN else "")


class _Outcome:
    __slots__ = ("account", "match", "reason", "row_line")

    def __init__(
        self,
        match: str,
        *,
        row_line: int | None = None,
        account: int | None = None,
        reason: str = "",
    ) -> None:
        self.match = match
        self.row_line = row_line
        self.account = account
        self.reason = reason


@transaction.atomic
def contacts_match(*, batch: Import) -> int:
    """Match every staged contact row of the import (see the module's docstring); the
    number of rows that will not be imported (invalid, unmatched or ambiguous, not skipped).
    Reads the import's rows once (their lines, NIPs and names) and the accounts a chunk
    of contact rows names: one query per chunk for NIPs, one per distinct name not found in
    the import."""
    contact_file = ContactFile.objects.filter(batch=batch, checked=True).first()
    if contact_file is None:
        return 0
    by_nip: dict[str, list[int]] = defaultdict(list)
    by_name: dict[str, list[int]] = defaultdict(list)
    name_of: dict[int, str] = {}
    rows = batch.rows.order_by("line").values_list("line", "values__nip", "values__name")
    for line, nip, name in rows.iterator(chunk_size=BATCH):
        if nip:
            by_nip[str(nip)].append(line)
        folded = fold(str(name or ""))
        if folded:
            by_name[folded].append(line)
            name_of[line] = folded
    accounts = _accounts_for(batch.created_by)
    names_seen: dict[str, list[tuple[int, str]]] = {}
    for chunk in _keyset(batch):
        outcomes: dict[int, _Outcome] = {}
        pending: list[tuple[int, str, str, str]] = []
        for pk, values in chunk:
            nip = str(values.get("nip") or "")
            name = fold(str(values.get("name") or ""))
            if nip:
                lines = by_nip.get(nip, [])
                if len(lines) > 1 and name:
                    lines = [line for line in lines if name_of.get(line) == name] or lines
            else:
                lines = by_name.get(name, []) if name else []
            if len(lines) == 1:
                outcomes[pk] = _Outcome(ContactRow.Match.ROW, row_line=lines[0])
            elif lines:
                outcomes[pk] = _Outcome(
                    ContactRow.Match.AMBIGUOUS,
                    reason=_(
                        "Several rows of the import match (lines %(lines)s); give the NIP "
                        "and the exact name of one."
                    )
                    % {"lines": _lines(lines)},
                )
            else:
                pending.append((pk, nip, name, str(values.get("name") or "")))
        _match_existing(pending, accounts, names_seen, outcomes)
        _write_matches(outcomes)
    problems = problem_rows(batch).count()
    ContactFile.objects.filter(pk=contact_file.pk).update(problem_rows=problems)
    return problems


def _write_matches(outcomes: dict[int, _Outcome]) -> None:
    """One ``executemany`` UPDATE for a chunk's matches (``bulk_update`` builds a CASE per
    row and column: seconds for a chunk of a thousand)."""
    if not outcomes:
        return
    quote = connection.ops.quote_name
    columns = ", ".join(
        f"{quote(name)} = %s" for name in ("match", "row_line", "account_id", "reason")
    )
    # Names from the model's own metadata, values as parameters.
    sql = f"UPDATE {quote(ContactRow._meta.db_table)} SET {columns} WHERE {quote('id')} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(
            sql,
            [
                (outcome.match, outcome.row_line, outcome.account, outcome.reason[:500], pk)
                for pk, outcome in outcomes.items()
            ],
        )


def _match_existing(
    pending: list[tuple[int, str, str, str]],
    accounts: QuerySet[Account],
    names_seen: dict[str, list[tuple[int, str]]],
    outcomes: dict[int, _Outcome],
) -> None:
    """Match the rows the import did not hold to the existing accounts the user sees."""
    nips = sorted({item[1] for item in pending if item[1]})
    holders: dict[str, list[tuple[int, str]]] = defaultdict(list)
    if nips:
        for nip, pk, name in accounts.filter(nip__in=nips).values_list("nip", "pk", "name"):
            holders[nip].append((pk, name))
    for pk, nip, name, written in pending:
        if nip:
            found = holders.get(nip, [])
            if len(found) > 1 and name:
                found = [item for item in found if fold(item[1]) == name] or found
        elif name:
            if name not in names_seen:
                # The search index folds diacritics; an exact name is found without it too.
                candidates = accounts.filter(
                    Q(name__iexact=written) | index_matches(name, "account", limit=200)
                )
                names_seen[name] = [
                    (account_pk, account_name)
                    for account_pk, account_name in candidates.values_list("pk", "name")[:200]
                    if fold(account_name) == name
                ]
            found = names_seen[name]
        else:
            found = []
        if len(found) == 1:
            outcomes[pk] = _Outcome(ContactRow.Match.ACCOUNT, account=found[0][0])
        elif found:
            outcomes[pk] = _Outcome(
                ContactRow.Match.AMBIGUOUS,
                reason=_(
                    "Several accounts match (%(names)s); give the NIP and the exact name of one."
                )
                % {"names": ", ".join(sorted(item[1] for item in found)[:NAMES_SHOWN])},
            )
        elif nip:
            outcomes[pk] = _Outcome(
                ContactRow.Match.UNMATCHED,
                reason=_("No account of the import or of yours has the NIP %(nip)s.")
                % {"nip": nip},
            )
        elif name:
            outcomes[pk] = _Outcome(
                ContactRow.Match.UNMATCHED,
                reason=_("No account of the import or of yours is named “%(name)s”.")
                % {"name": written},
            )
        else:
            outcomes[pk] = _Outcome(ContactRow.Match.UNMATCHED)


def problem_rows(batch: Import) -> QuerySet[ContactRow]:
    """The contact rows that will not be imported and were not skipped: invalid ones and
    those without exactly one match."""
    return batch.contact_rows.filter(
        Q(valid=False) | ~Q(match__in=[ContactRow.Match.ROW, ContactRow.Match.ACCOUNT]),
        skipped=False,
    )


def accepted_contacts(batch: Import) -> QuerySet[ContactRow]:
    return batch.contact_rows.filter(
        valid=True, skipped=False, match__in=[ContactRow.Match.ROW, ContactRow.Match.ACCOUNT]
    )
