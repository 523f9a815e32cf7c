"""Choosing a customer or a contact by typing (``core.pickers``): the search and the fields.

Both searches read the global search index (``core.search_index``), whose words are folded
(case and accents) and whose last word is read as a beginning, so "kow", "Kowal" and "KOWAL"
all find "Kowalski & Syn", "526" a NIP beginning with it, "jan.kow" an email address. The index
gives a kind's newest candidates holding every word (``index_search``); they are then read
through the rows the user may see (``visible_to``, passed in as ``rows``) and ordered: a name
that begins with the text first, then a name with a word that begins with it, then the rest
(an email, a city, a NIP), each group by name. A user who sees few of many matches (restricted
customers) gets the next candidates, up to ``PAGES`` pages.

A contact search narrowed to one customer (the customer's few contacts) is an ordinary
filter on that customer's rows instead: the index's newest candidates would be other
customers' contacts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from kartoteka.core.pickers import PickerField, PickerKind, PickerMultipleField
from kartoteka.core.search_index import index_search, query_parse
from kartoteka.core.text_search import contains_ignoring_case, fold
from kartoteka.customers.models import Account, Contact

CANDIDATES = 60  # index candidates read per page (three times the rows shown)
PAGES = 3


def _indexed(kind: str, rows: QuerySet[Any], text: str, limit: int) -> list[Any]:
    """Up to ``limit`` of ``rows`` among the index's candidates for ``text``."""
    query = query_parse(text)
    if query.empty:
        return []
    found: dict[int, Any] = {}
    older = None
    for _ in range(PAGES):
        matches = index_search(query, kind, limit=CANDIDATES, prefix=True, older_than=older)
        ids = [match.object_id for match in matches.found]
        if ids:
            found.update({row.pk: row for row in rows.filter(pk__in=ids)})
        if len(found) >= limit or matches.older_than is None:
            break
        older = matches.older_than
    return list(found.values())


def _rank(text: str, names: Sequence[str]) -> tuple[int, str]:
    """0: a name begins with the text; 1: a word of a name does; 2: anything else."""
    wanted = fold(text).strip()
    folded = [fold(name) for name in names if name]
    if any(name.startswith(wanted) for name in folded):
        return 0, folded[0] if folded else ""
    first = wanted.split()[0] if wanted.split() else wanted
    if any(word.startswith(first) for name in folded for word in name.split()):
        return 1, folded[0] if folded else ""
    return 2, folded[0] if folded else ""


def account_search(rows: QuerySet[Account], text: str, limit: int) -> list[Account]:
    """The customers among ``rows`` best matching ``text`` (name, short name, NIP, REGON,
    email, phone, city), at most ``limit``."""
    found = _indexed("account", rows.only(*ACCOUNT_FIELDS), text, limit * 3)
    found.sort(key=lambda row: (_rank(text, [row.name, row.short_name]), row.pk))
    return found[:limit]


def account_detail(account: Account) -> str:
    return " · ".join(part for part in (account.nip, account.city) if part)


ACCOUNT_FIELDS = ("pk", "name", "short_name", "nip", "city")

ACCOUNTS = PickerKind(
    url_name="customers:pick-accounts",
    search=account_search,
    detail=account_detail,
)


def contact_search(rows: QuerySet[Contact], text: str, limit: int) -> list[Contact]:
    """The contacts among ``rows`` best matching ``text`` (names, email, phone, position)."""
    rows = rows.select_related("account").only(*CONTACT_FIELDS)
    found = _indexed("contact", rows, text, limit * 3)
    found.sort(key=lambda row: (_rank(text, [row.last_name, str(row)]), row.pk))
    return found[:limit]


def contact_search_of_account(rows: QuerySet[Contact], text: str, limit: int) -> list[Contact]:
    """The contacts among ``rows`` (one customer's) whose name, position or email contains
    ``text``; the first ``limit`` by name without a text."""
    rows = rows.select_related("account").only(*CONTACT_FIELDS)
    text = text.strip()
    if text:
        words = Q()
        for word in text.split()[:4]:
            words &= (
                contains_ignoring_case("first_name", word)
                | contains_ignoring_case("last_name", word)
                | contains_ignoring_case("position", word)
                | Q(emails__address__contains=word.lower())
            )
        rows = rows.filter(words).distinct()
    found = list(rows.order_by("last_name", "first_name", "pk")[: limit * 3])
    found.sort(key=lambda row: (_rank(text, [row.last_name, str(row)]), row.pk))
    return found[:limit]


def contact_detail(contact: Contact) -> str:
    parts = (contact.position, contact.account.name if contact.account else "")
    return " · ".join(part for part in parts if part)


CONTACT_FIELDS = (
    "pk", "first_name", "last_name", "position", "account", "account__name",
)  # fmt: skip

CONTACTS = PickerKind(
    url_name="customers:pick-contacts",
    search=contact_search,
    detail=contact_detail,
    narrow="account",
)
# The endpoint's search when the typing is narrowed to one customer's contacts.
ACCOUNT_CONTACTS = replace(CONTACTS, search=contact_search_of_account)


def account_picker(**kwargs: Any) -> PickerField:
    """A customer picker; the form sets ``queryset`` to ``Account.objects.visible_to(user)``."""
    kwargs.setdefault("queryset", Account.objects.none())
    return PickerField(ACCOUNTS, **kwargs)


def contact_picker(*, multiple: bool = False, **kwargs: Any) -> PickerField | PickerMultipleField:
    """A contact picker (several with ``multiple``); the form sets ``queryset`` to
    ``Contact.objects.visible_to(user)``."""
    kwargs.setdefault("queryset", Contact.objects.none())
    if multiple:
        return PickerMultipleField(CONTACTS, **kwargs)
    return PickerField(CONTACTS, **kwargs)


class AccountPickerField(PickerField):
    """A customer picker as a filter's field (``django_filters`` passes the queryset)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(ACCOUNTS, **kwargs)


class AccountPickerFilter(django_filters.ModelChoiceFilter):
    """A list filter's customer, chosen by typing."""

    field_class = AccountPickerField
