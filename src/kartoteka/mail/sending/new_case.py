"""Writing to a customer from the file: a new email that opens its case.

"New email" on an account or a contact opens the composer without a case; sending it
(``case_open_by_email``) creates the case and queues the mail as its first message, as the
composer of a case does (``compose.composed_send``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction

from kartoteka.cases.models import Case, Status
from kartoteka.cases.services import case_create, case_settings
from kartoteka.customers.models import Account, Contact
from kartoteka.mail.models import Draft, Mailbox, Message
from kartoteka.mail.sending import compose, outbound

if TYPE_CHECKING:
    from kartoteka.people.models import User


@dataclass(frozen=True)
class Addressee:
    """Whom a new email is written to: the customer and, when started from one, the contact."""

    account: Account | None
    contact: Contact | None = None

    @classmethod
    def of_contact(cls, contact: Contact) -> Addressee:
        return cls(account=contact.account, contact=contact)

    @property
    def name(self) -> str:
        return str(self.contact) if self.contact is not None else str(self.account)


def _first_address(contact: Contact) -> dict[str, str] | None:
    email = contact.emails.order_by("position", "pk").first()
    return {"name": str(contact), "address": email.address} if email is not None else None


def addressee_recipients(addressee: Addressee) -> str:
    """The To a new email starts with: the contact's first address; for an account, its
    shared address, else its first contact's that has one."""
    if addressee.contact is not None:
        entry = _first_address(addressee.contact)
        return compose.addresses_text([entry] if entry else [])
    account = addressee.account
    if account is None:
        return ""
    shared = account.shared_emails.order_by("position", "pk").first()
    if shared is not None:
        return compose.addresses_text([{"name": account.name, "address": shared.address}])
    for contact in account.contacts.order_by("last_name", "first_name", "pk"):
        entry = _first_address(contact)
        if entry is not None:
            return compose.addresses_text([entry])
    return ""


def new_email_mailbox() -> Mailbox | None:
    """The mailbox a new email starts from: the default one when it can send, else the first
    that can."""
    mailboxes = list(compose.sending_mailboxes())
    default = Mailbox.objects.default()
    if default in mailboxes:
        return default
    return mailboxes[0] if mailboxes else None


def new_email_status() -> Status | None:
    """The status the new case takes once the mail is queued (as after any reply)."""
    return case_settings().reply_status or Status.objects.filter(is_default=True).first()


def _case_people(addressee: Addressee, to: str) -> list[Contact]:
    """The contacts the case gets: the one the email was started from and every recipient
    who is a contact of the customer (others, say another customer's people, are not)."""
    people: list[Contact] = []
    if addressee.contact is not None:
        people.append(addressee.contact)
    if addressee.account is not None:
        addresses = [entry["address"] for entry in outbound.recipients_parse([to], field="to")]
        people += [
            contact
            for contact in addressee.account.contacts.filter(emails__address__in=addresses)
            .distinct()
            .order_by("last_name", "first_name", "pk")
            if contact not in people
        ]
    return people


@transaction.atomic
def case_open_by_email(
    *, by: User, addressee: Addressee, outgoing: compose.Outgoing
) -> tuple[Case, Message]:
    """Create the case of a new email (subject, customer, contacts, reporter, channel email,
    created by ``by``) and queue the email in it as its first message, in one transaction:
    a refused mail (``ValidationError`` by field, as ``composed_send`` raises) leaves no case.
    The caller guards against a double submit (``core.once.submit_once``)."""
    people = _case_people(addressee, outgoing.to)
    case = case_create(
        by=by,
        subject=outgoing.subject.strip()[: Case._meta.get_field("subject").max_length],
        account=addressee.account,
        contacts=people,
        data={"reporter": people[0] if people else None},
        channel=Case.Channel.EMAIL,
    )
    message = compose.composed_send(
        case=case, by=by, kind=Draft.Kind.REPLY, replying_to=None, outgoing=outgoing
    )
    return case, message
