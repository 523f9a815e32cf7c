"""Whose data a request is about, and which stored records belong to them.

A *subject* is an account (with all its contacts) or one contact. Messages belong to a subject
when one of its addresses is the sender or among the recipients: a message of someone else in
the same case is that person's, and stays out of the export and the erasure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Q

from kartoteka.cases.models import Case
from kartoteka.customers.models import Account, Contact, EmailAddress
from kartoteka.mail.models import Message

RECIPIENT_FIELDS = ("to", "cc", "bcc", "reply_to")


@dataclass(frozen=True)
class Subject:
    """The person or company a request is about."""

    account: Account | None
    contacts: tuple[Contact, ...]
    addresses: frozenset[str] = field(default_factory=frozenset)

    @property
    def label(self) -> str:
        return str(self.account) if self.account is not None else str(self.contacts[0])


def account_subject(account: Account) -> Subject:
    contacts = tuple(account.contacts.all())
    emails = EmailAddress.objects.filter(Q(account=account) | Q(contact__account=account))
    return Subject(
        account=account,
        contacts=contacts,
        addresses=frozenset(
            address.lower() for address in emails.values_list("address", flat=True)
        ),
    )


def contact_subject(contact: Contact) -> Subject:
    addresses = contact.emails.values_list("address", flat=True)
    return Subject(
        account=None, contacts=(contact,), addresses=frozenset(a.lower() for a in addresses)
    )


def subject_cases(subject: Subject) -> list[Case]:
    """The account's cases, or the cases the contact is a contact or the reporter of."""
    if subject.account is not None:
        found = Case.objects.filter(account=subject.account)
    else:
        contact = subject.contacts[0]
        found = Case.objects.filter(Q(contacts=contact) | Q(reporter=contact))
    return list(found.distinct().order_by("number"))


def recipient_addresses(message: Message) -> set[str]:
    return {
        str(entry.get("address", "")).lower()
        for name in RECIPIENT_FIELDS
        for entry in getattr(message, name)
        if isinstance(entry, dict)
    }


def is_sender(message: Message, subject: Subject) -> bool:
    return message.from_address.lower() in subject.addresses


def involves(message: Message, subject: Subject) -> bool:
    return is_sender(message, subject) or bool(recipient_addresses(message) & subject.addresses)


def subject_messages(subject: Subject) -> list[Message]:
    """The messages from or to the subject's addresses, oldest first.

    The database narrows by a case-insensitive text match on the sender and the recipient
    lists (the same on SQLite and PostgreSQL); the exact address comparison is ``involves``.
    """
    if not subject.addresses:
        return []
    matches = [
        Q(from_address__iexact=address)
        | reduce(or_, (Q(**{f"{name}__icontains": address}) for name in RECIPIENT_FIELDS))
        for address in sorted(subject.addresses)
    ]
    candidates = Message.objects.filter(reduce(or_, matches)).order_by("created_at", "pk")
    return [message for message in candidates if involves(message, subject)]
