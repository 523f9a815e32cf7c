"""Reads of accounts and contacts; every one starts from ``visible_to(user)``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404

from kartoteka.customers.filters import AccountFilter, ContactFilter
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
