"""Reads of imports; every one starts from ``visible_to(user)``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.core.paginator import Page, Paginator
from django.db.models import Field, QuerySet
from django.http import Http404

from kartoteka.customers.models import Account
from kartoteka.imports.checking import check_stale
from kartoteka.imports.contacts import problem_rows
from kartoteka.imports.models import ContactFile, ContactRow, Import, ImportRow
from kartoteka.imports.running import account_values, import_stale_check

if TYPE_CHECKING:
    from kartoteka.people.models import User

PAGE_SIZE = 50
# The account fields compared side by side on the duplicate review (attribute, value key).
COMPARED = (
    ("name", "name"),
    ("short_name", "short_name"),
    ("nip", "nip"),
    ("regon", "regon"),
    ("street", "street"),
    ("postal_code", "postal_code"),
    ("city", "city"),
    ("phone", "phone"),
    ("website", "website"),
    ("kind", "kind"),
)


def import_list(*, user: User) -> QuerySet[Import]:
    return Import.objects.visible_to(user).select_related("created_by", "segment")


def import_get_for_user(user: User, pk: int) -> Import:
    """The import if the user may see it (its uploader, managers, administrators), else 404.

    A run whose worker went away is marked failed on the way (``import_stale_check``), so
    every page and the API show it as such and it can be started again; a check whose
    worker went away goes back to be checked again (``check_stale``)."""
    batch = Import.objects.visible_to(user).select_related("segment", "created_by").filter(pk=pk)
    found = batch.first()
    if found is None:
        raise Http404
    return check_stale(batch=import_stale_check(batch=found))


def row_get_for_user(user: User, batch: Import, pk: int) -> ImportRow:
    row = ImportRow.objects.visible_to(user).filter(batch=batch, pk=pk).first()
    if row is None:
        raise Http404
    return row


def preview_rows(batch: Import, *, limit: int = 10) -> list[ImportRow]:
    return list(batch.rows.order_by("line")[:limit])


def invalid_page(batch: Import, page: Any) -> Page[ImportRow]:
    rows = batch.rows.filter(valid=False).order_by("line")
    return Paginator(rows, PAGE_SIZE).get_page(page)


@dataclass(frozen=True)
class Comparison:
    """One field of a duplicate row: the existing value, the imported one, and whether they
    clash (both present and different, or the identifier that makes the duplicate)."""

    field: str
    key: str
    label: str
    existing: str
    imported: str
    clash: bool


@dataclass(frozen=True)
class DuplicateRow:
    row: ImportRow
    existing: Account | None
    # The existing account is one the user may not see: only its existence is shown.
    hidden: bool
    fields: list[Comparison]


def duplicate_page(*, user: User, batch: Import, page: Any) -> Page[DuplicateRow]:
    """A page of the rows whose NIP, REGON, email or phone is not unique, each beside the
    existing account it clashes with (two queries whatever the page size)."""
    rows = batch.rows.filter(is_duplicate=True).order_by("line")
    paged = Paginator(rows, PAGE_SIZE).get_page(page)
    targets = {row.target_id for row in paged.object_list if row.target_id}
    visible = Account.objects.visible_to(user).in_bulk(targets) if targets else {}
    paged.object_list = cast(
        Any,
        [
            _compare(
                row, visible.get(row.target_id) if row.target_id else None, bool(row.target_id)
            )
            for row in paged.object_list
        ],
    )
    return cast(Page[DuplicateRow], paged)


def _compare(row: ImportRow, account: Account | None, has_target: bool) -> DuplicateRow:
    incoming = account_values(row.values)
    clashing = {clash["field"] for clash in row.duplicates}
    fields = []
    for attribute, key in COMPARED:
        model_field = cast(Field[Any, Any], Account._meta.get_field(attribute))
        imported = _shown(model_field, incoming.get(attribute, ""))
        existing = _shown(model_field, getattr(account, attribute, "")) if account else ""
        identifier = key
        if not (existing or imported):
            continue
        clash = identifier in clashing or bool(existing and imported and existing != imported)
        label = str(model_field.verbose_name)
        fields.append(Comparison(attribute, key, label, existing, imported, clash))
    return DuplicateRow(row, account, has_target and account is None, fields)


def _shown(model_field: Field[Any, Any], value: Any) -> str:
    """A value as people read it: a choice by its label ("Customer", not "customer")."""
    if value and model_field.choices:
        value = dict(model_field.flatchoices).get(value, value)
    return str(value or "")


def contact_file_of(batch: Import) -> ContactFile | None:
    return ContactFile.objects.filter(batch=batch).first()


def contact_problem_page(batch: Import, page: Any) -> Page[ContactRow]:
    """The contact rows that will not be imported (invalid, no match or several), 50 a page,
    each with the account it was matched to, if any (one query a page)."""
    rows = problem_rows(batch).order_by("line")
    return Paginator(rows, PAGE_SIZE).get_page(page)


@dataclass(frozen=True)
class ContactCounts:
    total: int
    to_rows: int
    to_accounts: int
    problems: int
    skipped: int


def contact_counts(batch: Import) -> ContactCounts:
    """How the contacts file's rows were matched (one query)."""
    from django.db.models import Count, Q

    accepted = Q(valid=True, skipped=False)
    counts = batch.contact_rows.aggregate(
        total=Count("pk"),
        to_rows=Count("pk", filter=accepted & Q(match=ContactRow.Match.ROW)),
        to_accounts=Count("pk", filter=accepted & Q(match=ContactRow.Match.ACCOUNT)),
        skipped=Count("pk", filter=Q(skipped=True)),
    )
    problems = counts["total"] - counts["to_rows"] - counts["to_accounts"] - counts["skipped"]
    return ContactCounts(
        counts["total"], counts["to_rows"], counts["to_accounts"], problems, counts["skipped"]
    )
