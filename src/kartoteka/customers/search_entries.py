"""Accounts and contacts in the global search (``core.search_index``).

Identifiers go to the entry's keys in every spelling a search may use: NIP and REGON as bare
digits (the query is reduced to digits too, so "PL 526-025-02-74" finds "5260250274"), phone
numbers as international digits and national number (``phone_keys``), email addresses. The
services write the entries in the transaction of the change; hits are shown only through
``Account.visible_to`` and ``Contact.visible_to``. Registered in ``CustomersConfig.ready``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy

from kartoteka.core.search_index import (
    BATCH,
    Hit,
    IndexEntry,
    ModelSource,
    batched,
    digits,
    index_put,
    phone_keys,
)
from kartoteka.customers.models import Account, Contact, EmailAddress, PhoneNumber

if TYPE_CHECKING:
    from kartoteka.people.models import User


def account_entry(account: Account, emails: Sequence[str]) -> IndexEntry:
    keys = [digits(account.nip), digits(account.regon), *phone_keys(account.phone), *emails]
    return IndexEntry(
        "account",
        account.pk,
        keys=keys,
        title=f"{account.name} {account.short_name}",
        body=" ".join((account.street, account.postal_code, account.city, account.notes)),
        account_id=account.pk,
    )


def contact_entry(contact: Contact, emails: Sequence[str], phones: Sequence[str]) -> IndexEntry:
    keys = list(emails)
    for phone in phones:
        keys += phone_keys(phone)
    return IndexEntry(
        "contact",
        contact.pk,
        keys=keys,
        title=f"{contact.first_name} {contact.last_name}",
        body=f"{contact.position} {contact.notes}",
        account_id=contact.account_id,
    )


def account_index(account: Account) -> None:
    """Write the account's entry (its addresses read afresh); call in the changing transaction."""
    emails = EmailAddress.objects.filter(account=account).values_list("address", flat=True)
    index_put([account_entry(account, list(emails))])


def contact_index(contact: Contact) -> None:
    """Write the contact's entry (addresses and phones read afresh), in the changing transaction."""
    emails = EmailAddress.objects.filter(contact=contact).values_list("address", flat=True)
    phones = PhoneNumber.objects.filter(contact=contact).values_list("number", flat=True)
    index_put([contact_entry(contact, list(emails), list(phones))])


class AccountSource(ModelSource):
    model = Account
    kind = "account"
    label = gettext_lazy("Customers")

    def entries(self) -> Iterator[list[IndexEntry]]:
        rows = Account.objects.order_by("pk").prefetch_related("shared_emails")
        for batch in batched(rows.iterator(chunk_size=BATCH)):
            yield [
                account_entry(account, [email.address for email in account.shared_emails.all()])
                for account in batch
            ]

    def hits(self, user: User, object_ids: Sequence[int]) -> dict[int, Hit]:
        rows = Account.objects.visible_to(user).filter(pk__in=object_ids)
        return {
            account.pk: Hit(
                "account",
                account.pk,
                title=account.name,
                url=account.get_absolute_url(),
                context=" · ".join(
                    part for part in (account.get_kind_display(), account.nip, account.city) if part
                ),
                text=account.notes,
                at=account.created_at,
            )
            for account in rows
        }


class ContactSource(ModelSource):
    model = Contact
    kind = "contact"
    label = gettext_lazy("Contacts")

    def entries(self) -> Iterator[list[IndexEntry]]:
        rows = Contact.objects.order_by("pk").prefetch_related("emails", "phones")
        for batch in batched(rows.iterator(chunk_size=BATCH)):
            yield [
                contact_entry(
                    contact,
                    [email.address for email in contact.emails.all()],
                    [phone.number for phone in contact.phones.all()],
                )
                for contact in batch
            ]

    def hits(self, user: User, object_ids: Sequence[int]) -> dict[int, Hit]:
        rows = (
            Contact.objects.visible_to(user)
            .filter(pk__in=object_ids)
            .select_related("account")
            .prefetch_related("emails")
        )
        hits = {}
        for contact in rows:
            emails = [email.address for email in contact.emails.all()]
            context = [contact.position, contact.account.name if contact.account else "", *emails]
            hits[contact.pk] = Hit(
                "contact",
                contact.pk,
                title=str(contact),
                url=contact.get_absolute_url(),
                context=" · ".join(part for part in context[:3] if part),
                text=contact.notes,
                at=contact.created_at,
            )
        return hits
