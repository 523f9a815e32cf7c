"""Reads of accounts and contacts; every one starts from ``visible_to(user)``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from kartoteka.customers.filters import AccountFilter, ContactFilter, account_search_q
from kartoteka.customers.models import Account, Contact, EmailAddress, PhoneNumber

if TYPE_CHECKING:
    from kartoteka.people.models import User


def account_list(*, user: User, filters: Mapping[str, Any] | None = None) -> QuerySet[Account]:
    """Visible accounts matching the list filters (see ``AccountFilter``), ready to display."""
    filterset = account_filterset(user=user, filters=filters or {})
    return filterset.qs if filterset.is_valid() else Account.objects.none()


def account_filterset(*, user: User, filters: Mapping[str, Any]) -> AccountFilter:
    """The bound filter of the account list (the page renders its form)."""
    base = (
        Account.objects.visible_to(user)
        .select_related("manager", "team")
        .prefetch_related("segments", "classifications__dictionary")
    )
    return AccountFilter(filters, queryset=base)


def account_get_for_user(user: User, pk: int, *, write: bool = False) -> Account:
    """The account if the user may see it (else 404); ``write`` also requires edit rights."""
    account = (
        Account.objects.visible_to(user)
        .select_related("manager", "team", "created_by", "updated_by")
        .prefetch_related(
            "segments",
            "classifications__dictionary",
            "shared_emails",
            Prefetch(
                "contacts",
                queryset=Contact.objects.prefetch_related("emails", "phones"),
            ),
        )
        .filter(pk=pk)
        .first()
    )
    if account is None:
        raise Http404
    if write and not account_can_edit(user, account):
        raise PermissionDenied
    return account


DUPLICATES_NAMED = 5  # holders a duplicate warning names; the rest are counted


def account_duplicates(
    *, nip: str, regon: str, exclude_pk: int | None = None
) -> dict[str, list[Account]]:
    """Other accounts holding the (normalised) NIP or REGON, per field, oldest first: at most
    ``DUPLICATES_NAMED`` and one more, so that a message can say there are more. Whoever may
    see them: the caller names only the visible ones."""
    found: dict[str, list[Account]] = {}
    for field, value in (("nip", nip), ("regon", regon)):
        if not value:
            continue
        holders = Account.objects.filter(**{field: value}).order_by("pk")
        if exclude_pk is not None:
            holders = holders.exclude(pk=exclude_pk)
        if accounts := list(holders[: DUPLICATES_NAMED + 1]):
            found[field] = accounts
    return found


@dataclass
class DuplicateHolders:
    """The accounts already holding a NIP or REGON, as a user may learn of them."""

    visible: list[Account]
    hidden: int  # how many the user may not see


def account_duplicates_for_user(
    user: User, *, nip: str, regon: str, exclude_pk: int | None = None
) -> DuplicateHolders:
    """The holders of the NIP or REGON (normalised) other than ``exclude_pk``: those the user
    sees, and a count of the others (a few; see ``account_duplicates``)."""
    found = account_duplicates(nip=nip, regon=regon, exclude_pk=exclude_pk)
    holders = {account.pk: account for accounts in found.values() for account in accounts}
    seen = set(Account.objects.visible_to(user).filter(pk__in=holders).values_list("pk", flat=True))
    visible = [account for pk, account in sorted(holders.items()) if pk in seen]
    return DuplicateHolders(visible=visible, hidden=len(holders) - len(visible))


def account_can_edit(user: User, account: Account) -> bool:
    """Every staff member who sees an account may edit it."""
    return user.is_staff_member


def account_can_delete(user: User, account: Account) -> bool:
    """Administrators, managers and the account's own manager may delete it."""
    return user.sees_everything or account.manager_id == user.pk


def contact_filterset(*, user: User, filters: Mapping[str, Any]) -> ContactFilter:
    base = (
        Contact.objects.visible_to(user)
        .select_related("account")
        .prefetch_related(
            Prefetch("emails", queryset=EmailAddress.objects.order_by("position", "pk")),
            Prefetch("phones", queryset=PhoneNumber.objects.order_by("position", "pk")),
        )
    )
    filterset = ContactFilter(filters, queryset=base)
    filterset.filters["account"].queryset = Account.objects.visible_to(user)
    return filterset


def contact_list(*, user: User, filters: Mapping[str, Any] | None = None) -> QuerySet[Contact]:
    filterset = contact_filterset(user=user, filters=filters or {})
    return filterset.qs if filterset.is_valid() else Contact.objects.none()


def contact_get_for_user(user: User, pk: int, *, write: bool = False) -> Contact:
    contact = (
        Contact.objects.visible_to(user)
        .select_related("account", "created_by", "updated_by")
        .prefetch_related("emails", "phones", "classifications__dictionary")
        .filter(pk=pk)
        .first()
    )
    if contact is None:
        raise Http404
    if write and not user.is_staff_member:
        raise PermissionDenied
    return contact


MERGE_CANDIDATES = 20


def account_merge_candidates(user: User, account: Account, query: str = "") -> list[Account]:
    """Accounts the user sees that ``account`` may merge with: those matching ``query`` (name,
    NIP, REGON, … as the list's search), or without a query those sharing its NIP or REGON."""
    others = Account.objects.visible_to(user).exclude(pk=account.pk).order_by("name", "pk")
    if query.strip():
        others = others.filter(account_search_q(query))
    else:
        same = Q(pk__in=[])
        if account.nip:
            same |= Q(nip=account.nip)
        if account.regon:
            same |= Q(regon=account.regon)
        others = others.filter(same)
    return list(others[:MERGE_CANDIDATES])
