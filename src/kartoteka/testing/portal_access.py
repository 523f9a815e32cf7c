"""Portal logins for tests: contacts with an address, their login, and the portal emails
the outbox holds (with the link each carries)."""

from __future__ import annotations

import re
from typing import Any

from kartoteka.customers.models import Contact, PortalRole
from kartoteka.mail.models import Message
from kartoteka.people.models import User
from kartoteka.testing.customers import AccountFactory, ContactFactory, EmailAddressFactory
from kartoteka.testing.people import PASSWORD

LINK = re.compile(r"https?://\S+/portal/\S+")


def contact_with_email(
    address: str = "jan.kowalski@budimex.example", *, account: Any = None, **fields: Any
) -> Contact:
    contact = ContactFactory(
        account=account or AccountFactory(name="Budimex S.A.", country="PL"),
        first_name=fields.pop("first_name", "Jan"),
        last_name=fields.pop("last_name", "Kowalski"),
        **fields,
    )
    EmailAddressFactory(contact=contact, address=address)
    return contact


def portal_login(
    contact: Contact, *, password: str = PASSWORD, role: PortalRole | None = None
) -> User:
    """An active portal login of ``contact`` (its first address as user name), as if it had
    accepted an invitation."""
    address = contact.emails.order_by("position", "pk").first()
    email = address.address if address is not None else f"contact{contact.pk}@klient.example"
    user = User.objects.create_user(
        username=email, email=email, password=password, role=User.Role.PORTAL, language="en"
    )
    contact.portal_user = user
    contact.portal_role = role or PortalRole.objects.get(is_default=True)
    contact.save(update_fields=["portal_user", "portal_role"])
    return user


def sent_to(address: str) -> list[Message]:
    """The emails queued in the outbox to ``address``, oldest first."""
    return [
        message
        for message in Message.objects.filter(direction=Message.Direction.OUTBOUND).order_by("pk")
        if any(entry["address"] == address for entry in message.to)
    ]


def link_in(message: Message) -> str:
    """The path of the portal link an email carries."""
    found = LINK.search(message.text)
    assert found is not None, message.text
    return "/portal/" + found.group(0).split("/portal/", 1)[1]


def portal_outbox(settings: Any, tmp_path: Any, monkeypatch: Any) -> None:
    """The installation of the portal's mail tests: a default mailbox, the site's address,
    and queued mail that stays queued (the tests read the outbox, not an SMTP server)."""
    from kartoteka.testing.mail.sending import make_mailbox

    settings.DATA_DIR = tmp_path
    settings.SITE_URL = "https://crm.firma.example"
    monkeypatch.setattr("kartoteka.mail.sending.outbound._enqueue_sending", lambda: None)
    make_mailbox(is_default=True)
