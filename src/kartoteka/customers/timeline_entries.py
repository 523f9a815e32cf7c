"""The customers' part of their own file's timeline: the account and its contacts created,
changed and deleted (from their history). Registered in ``CustomersConfig.ready``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from kartoteka.core.text_search import contains_ignoring_case
from kartoteka.customers.models import Account, Contact
from kartoteka.customers.timeline import Entry, Figure, Window, older_than, within_dates
from kartoteka.people.models import User

ACCOUNT_CHANGE = "account_change"
CONTACT_CHANGE = "contact_change"

_ACCOUNT_TITLES = {
    "+": gettext_lazy("Customer added"),
    "~": gettext_lazy("Customer details changed"),
    "-": gettext_lazy("Customer deleted"),
}
_CONTACT_TITLES = {
    "+": gettext_lazy("Contact added: %(name)s"),
    "~": gettext_lazy("Contact changed: %(name)s"),
    "-": gettext_lazy("Contact deleted: %(name)s"),
}


class CustomerChangeEntries:
    kinds = [
        (ACCOUNT_CHANGE, gettext_lazy("Customer changes")),
        (CONTACT_CHANGE, gettext_lazy("Contact changes")),
    ]

    def figures(self, user: User, account_id: int) -> list[Figure]:
        return []

    def entries(self, window: Window) -> list[Entry]:
        if window.case_number is not None:
            return []
        found: list[Entry] = []
        if window.wants(CONTACT_CHANGE):
            found += self._contacts(window)
        if window.wants(ACCOUNT_CHANGE) and window.contact_id is None:
            found += self._account(window)
        return found

    def _contacts(self, window: Window) -> list[Entry]:
        rows = _filtered(
            Contact.history.filter(account_id=window.account_id), window, CONTACT_CHANGE
        )
        if window.contact_id is not None:
            rows = rows.filter(id=window.contact_id)
        if window.query:
            rows = rows.filter(
                contains_ignoring_case("first_name", window.query)
                | contains_ignoring_case("last_name", window.query)
            )
        return [
            Entry(
                kind=CONTACT_CHANGE,
                at=row.history_date,
                key=row.history_id,
                title=str(_CONTACT_TITLES[row.history_type])
                % {"name": f"{row.first_name} {row.last_name}".strip()},
                url="" if row.history_type == "-" else Contact(pk=row.id).get_absolute_url(),
                who=str(row.history_user or ""),
            )
            for row in rows[: window.limit + 1]
        ]

    def _account(self, window: Window) -> list[Entry]:
        rows = _filtered(Account.history.filter(id=window.account_id), window, ACCOUNT_CHANGE)
        if window.query:
            rows = rows.filter(contains_ignoring_case("name", window.query))
        return [
            Entry(
                kind=ACCOUNT_CHANGE,
                at=row.history_date,
                key=row.history_id,
                title=str(_ACCOUNT_TITLES[row.history_type]),
                who=str(row.history_user or ""),
                # A merge says so ("Merged with …"); another change shows the name it had.
                text=row.history_change_reason or row.name,
            )
            for row in rows[: window.limit + 1]
        ]


def _filtered(rows: QuerySet[Any], window: Window, kind: str) -> QuerySet[Any]:
    rows = rows.filter(
        older_than(window, kind, at="history_date", key="history_id")
        & within_dates(window, at="history_date")
    )
    if window.by_user_id is not None:
        rows = rows.filter(history_user_id=window.by_user_id)
    return rows.select_related("history_user").order_by("-history_date", "-history_id")
