"""The customer portal in the demo: the first contacts of three customers sign in to it (the
second with the role that sees the whole company's cases and shared documents), all with the
demo password, and the first customer's domain takes self-registrations."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password
from django.db import transaction

from kartoteka.customers.models import Account, Contact, EmailAddress, PortalRole
from kartoteka.people.models import User
from kartoteka.portal.accounts.services import (
    FREE_MAIL_DOMAINS,
    default_portal_role,
    login_email,
)
from kartoteka.portal.models import PortalDomain

PORTAL_CUSTOMERS = 3


def _chosen_contacts() -> list[Contact]:
    """The first contact with an address of each of the first customers (by creation)."""
    chosen: dict[int, Contact] = {}
    with_address = EmailAddress.objects.filter(contact__isnull=False).values("contact_id")
    candidates = (
        Contact.objects.filter(
            pk__in=with_address, account__kind=Account.Kind.CUSTOMER, account__restricted=False
        )
        .select_related("account", "portal_user")
        .order_by("account_id", "pk")
    )
    for contact in candidates.iterator():
        if contact.account_id is not None and contact.account_id not in chosen:
            chosen[contact.account_id] = contact
            if len(chosen) == PORTAL_CUSTOMERS:
                break
    return list(chosen.values())


@transaction.atomic
def demo_portal(password: str) -> list[str]:
    """Give the chosen contacts their portal logins (a rerun adds nothing) and return the
    user names, in order."""
    encoded = make_password(password)
    whole_company = PortalRole.objects.filter(sees_company_cases=True).order_by("pk").first()
    usernames = []
    chosen = _chosen_contacts()
    for position, contact in enumerate(chosen):
        if contact.portal_user is not None:
            usernames.append(contact.portal_user.username)
            continue
        email = login_email(contact)
        user, _created = User.objects.get_or_create(
            username=email,
            defaults={
                "email": email,
                "first_name": contact.first_name,
                "last_name": contact.last_name,
                "role": User.Role.PORTAL,
                "language": "pl",
                "password": encoded,
            },
        )
        contact.portal_user = user
        contact.portal_role = (
            whole_company if position == 1 and whole_company else default_portal_role()
        )
        contact.save(update_fields=["portal_user", "portal_role"])
        usernames.append(user.username)
    first = chosen[0] if chosen else None
    if first is not None and first.account is not None:
        domain = login_email(first).rpartition("@")[2]
        if domain and domain not in FREE_MAIL_DOMAINS:
            PortalDomain.objects.get_or_create(domain=domain, defaults={"account": first.account})
    return usernames
