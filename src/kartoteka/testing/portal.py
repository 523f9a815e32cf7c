"""Portal customers for tests: a customer's contact with a portal login and a portal role.

Made directly (no invitation), which is all the cases side of the portal needs.
"""

from __future__ import annotations

from kartoteka.customers.models import Account, Contact, EmailAddress, PortalRole
from kartoteka.people.models import User
from kartoteka.testing.customers import AccountFactory, ContactFactory
from kartoteka.testing.people import UserFactory


def portal_role(
    name: str = "Company",
    *,
    sees_company_cases: bool = True,
    may_create_cases: bool = True,
    may_close_cases: bool = True,
    sees_shared_documents: bool = True,
) -> PortalRole:
    """The role of that name, with these rights (an existing one is updated to them)."""
    role, _created = PortalRole.objects.update_or_create(
        name=name,
        defaults={
            "sees_company_cases": sees_company_cases,
            "may_create_cases": may_create_cases,
            "may_close_cases": may_close_cases,
            "sees_shared_documents": sees_shared_documents,
        },
    )
    return role


def portal_contact(
    *,
    account: Account | None = None,
    role: PortalRole | None = None,
    address: str = "",
    username: str = "",
    first_name: str = "Anna",
    last_name: str = "Nowak",
    language: str = "en",
) -> Contact:
    """A contact of ``account`` (a new customer when not given) with a portal login (the
    user's email is the contact's address) and ``role`` (the company role when not given)."""
    account = account if account is not None else AccountFactory()
    contact = ContactFactory(account=account, first_name=first_name, last_name=last_name)
    address = address or f"portal{contact.pk}@klient.example"
    EmailAddress.objects.create(contact=contact, address=address.lower())
    user = UserFactory(
        username=username or f"portal{contact.pk}",
        first_name=first_name,
        last_name=last_name,
        email=address.lower(),
        role=User.Role.PORTAL,
        language=language,
    )
    contact.portal_user = user
    contact.portal_role = role if role is not None else portal_role()
    contact.save(update_fields=["portal_user", "portal_role"])
    return contact
