"""What the database knows that placing a message needs (``threading.decide`` is pure).

``ReceivingContext`` holds what is the same for every message of a run (the case settings,
our own addresses, the default values of a new case): a fetch or an import reads it once and
again when it is ``CONTEXT_MAX_AGE`` old, not once per message. ``knowledge_gather`` reads what
depends on the message: its sender, the messages it refers to, the cases it names.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from kartoteka.cases.models import Case, CaseSettings
from kartoteka.cases.services import case_defaults, case_settings
from kartoteka.core.statements import InstanceStatement, Statement
from kartoteka.customers.models import Account, Contact, EmailAddress
from kartoteka.mail.models import Mailbox, Message
from kartoteka.mail.reading import threading
from kartoteka.mail.reading.parsed import ParsedMessage
from kartoteka.mail.reading.sender import PUBLIC_MAIL_DOMAINS, address_domain, own_domains
from kartoteka.people.models import User

CONTEXT_MAX_AGE = 5.0  # seconds: an admin's change of settings reaches a long run this late


_CONTACT = InstanceStatement(Contact, lambda pk: Contact.objects.filter(pk=pk))
_ACCOUNT = InstanceStatement(Account, lambda pk: Account.objects.filter(pk=pk))


@dataclass(frozen=True)
class ReceivingContext:
    settings_row: CaseSettings  # with its incoming status
    own_addresses: frozenset[str]  # of every mailbox but the archive ones, lower-cased
    staff_addresses: frozenset[str]  # of every active staff user, lower-cased
    case_defaults: dict[str, Any]  # the default status, priority, type, category, group
    # the domains of the mailboxes' and staff users' addresses (``sender.own_domains``)
    own_domains: frozenset[str] = frozenset()
    # of the archive mailboxes (a journal address, a user's own): not senders of ours
    archive_addresses: frozenset[str] = frozenset()
    read_at: float = field(default_factory=time.monotonic)
    # Senders' contacts with their customers, as read during this context's few seconds: most
    # mail of a run comes from people who wrote before.
    contacts: dict[int, Contact | None] = field(default_factory=dict)

    def contact(self, pk: int) -> Contact | None:
        """The contact ``pk`` with its customer (``None`` when it is gone)."""
        if pk not in self.contacts:
            contact = _CONTACT.first(pk=pk)
            if contact is not None and contact.account_id is not None:
                contact.account = _ACCOUNT.first(pk=contact.account_id)
            self.contacts[pk] = contact
        return self.contacts[pk]

    def fresh(self) -> ReceivingContext:
        """This context, or a new one when it is older than ``CONTEXT_MAX_AGE``."""
        if time.monotonic() - self.read_at < CONTEXT_MAX_AGE:
            return self
        return receiving_context()


def receiving_context() -> ReceivingContext:
    """Read what every message of a run shares (four queries and one per case list)."""
    settings_row = (
        CaseSettings.objects.select_related("incoming_status").filter(pk=1).first()
        or case_settings()
    )
    mailboxes = [
        (address.lower(), purpose)
        for address, purpose in Mailbox.objects.values_list("address", "purpose")
    ]
    archive = Mailbox.Purpose.ARCHIVE
    archive_addresses = frozenset(a for a, purpose in mailboxes if purpose == archive)
    own_addresses = frozenset(a for a, _purpose in mailboxes) - archive_addresses
    staff_addresses = frozenset(
        address.lower()
        for address in User.objects.filter(is_active=True)
        .filter(~Q(role=User.Role.PORTAL) | Q(is_superuser=True))
        .exclude(email="")
        .values_list("email", flat=True)
    )
    return ReceivingContext(
        settings_row=settings_row,
        own_addresses=own_addresses,
        staff_addresses=staff_addresses,
        case_defaults=case_defaults(),
        own_domains=own_domains(own_addresses | staff_addresses | archive_addresses),
        archive_addresses=archive_addresses,
    )


# What is asked of every message (see ``core.statements``).
_ADDRESS_OWNER = Statement(
    lambda address: (
        EmailAddress.objects.filter(address=address)
        .values_list("contact_id", "account_id", "contact__account_id")
        .order_by()[:1]
    )
)
_ADDRESS_OWNERS = Statement(
    lambda addresses: (
        EmailAddress.objects.filter(address__in=addresses)
        .values_list("address", "account_id", "contact__account_id")
        .order_by()
    )
)
_REFERENCED_CASES = Statement(
    lambda ids: (
        Message.objects.filter(message_id__in=ids, case__isnull=False)
        .order_by("pk")
        .values_list("message_id", "case__number")
    )
)
_CASES_BY_NUMBER = Statement(
    lambda numbers: (
        Case.objects.filter(number__in=numbers)
        .values_list("number", "pk", "account_id", "merged_into_id")
        .order_by()
    )
)
_CONTACT_ADDRESSES = Statement(
    lambda cases: (
        Case.contacts.through.objects.filter(
            case_id__in=cases, contact__emails__address__isnull=False
        )
        .values_list("case_id", "contact__emails__address")
        .order_by()
    )
)
_ACCOUNT_ADDRESSES = Statement(
    lambda accounts: (
        EmailAddress.objects.filter(
            Q(account_id__in=accounts) | Q(contact__account_id__in=accounts)
        )
        .values_list("address", "account_id", "contact__account_id")
        .order_by()
    )
)
_CONVERSATION_ADDRESSES = Statement(
    lambda cases: (
        Message.objects.filter(case_id__in=cases)
        .values_list("case_id", "from_address", "to", "cc")
        .order_by()
    )
)


def knowledge_gather(
    parsed: ParsedMessage,
    mailbox: Mailbox | None,
    context: ReceivingContext,
    *,
    sender_verified: bool = False,
    sender_doubt: str = "",
) -> threading.Knowledge:
    """What ``threading.decide`` needs from the database, in at most six queries.

    ``sender_verified`` and ``sender_doubt`` come from ``sender_check``: a staff address
    counts as a colleague's only when verified."""
    settings_row = context.settings_row
    sender = parsed.from_.address if parsed.from_ is not None else ""
    if mailbox is not None and mailbox.archives:
        return _archive_knowledge(parsed, context, sender=sender, sender_doubt=sender_doubt)
    contact_id = account_id = None
    if sender:
        owner = _ADDRESS_OWNER.first(address=sender)
        if owner is not None:
            contact_id, account_id = owner[0], owner[1] or owner[2]
    referenced_ids = threading.referenced_ids(parsed)
    referenced: dict[str, int] = {}
    if referenced_ids:
        referenced = dict(_REFERENCED_CASES.rows(ids=list(referenced_ids)))
    numbers = set(threading.signed_case_numbers(referenced_ids)) | set(referenced.values())
    old_prefixes = settings_row.old_prefixes
    numbers |= set(
        threading.tag_numbers(parsed.subject, prefix=settings_row.prefix, old_prefixes=old_prefixes)
    )
    people = case_people(numbers)
    participants = people.participants
    is_staff = sender_verified and sender.lower() in context.staff_addresses
    return threading.Knowledge(
        prefix=settings_row.prefix,
        old_prefixes=old_prefixes,
        own_addresses=context.own_addresses,
        referenced_cases=referenced,
        case_participants=participants,
        customer_domains=people.customer_domains,
        sender_contact_id=contact_id,
        sender_account_id=account_id,
        sender_is_staff=is_staff,
        hidden_from_staff_sender=(
            cases_hidden_from(sender, set(participants)) if is_staff else frozenset()
        ),
        sender_doubt=sender_doubt,
        unknown_sender_creates_case=(
            mailbox is not None and mailbox.unknown_sender == Mailbox.UnknownSender.NEW_CASE
        ),
        only_known_participants=mailbox is not None and mailbox.only_known_participants,
    )


def _archive_knowledge(
    parsed: ParsedMessage, context: ReceivingContext, *, sender: str, sender_doubt: str
) -> threading.Knowledge:
    """What filing an archive mailbox's message needs: whose its correspondents' addresses
    are (one query), and whether we sent it."""
    addresses = threading.archive_addresses(parsed)
    owners: dict[str, int] = {}
    if addresses:
        for address, account, contact_account in _ADDRESS_OWNERS.rows(addresses=addresses):
            if account or contact_account:
                owners[address] = account or contact_account
    ours = context.own_addresses | context.archive_addresses | context.staff_addresses
    return threading.Knowledge(
        prefix=context.settings_row.prefix,
        own_addresses=context.own_addresses,
        sender_doubt=sender_doubt,
        archive=True,
        sender_is_ours=bool(sender) and sender in ours,
        correspondents=tuple((a, owners[a]) for a in addresses if a in owners),
    )


def cases_hidden_from(address: str, numbers: set[int]) -> frozenset[int]:
    """Of the case ``numbers``, those no active staff user of ``address`` may see (two
    queries; none without numbers)."""
    if not numbers:
        return frozenset()
    users = User.objects.filter(is_active=True, email__iexact=address).exclude(
        role=User.Role.PORTAL, is_superuser=False
    )
    seen: set[int] = set()
    for user in users:
        seen.update(
            Case.objects.visible_to(user)
            .filter(number__in=numbers)
            .values_list("number", flat=True)
            .order_by()
        )
    return frozenset(numbers - seen)


@dataclass(frozen=True)
class CasePeople:
    """Of each existing case named, by number: the addresses that belong to it, and the
    domains of its customer's addresses (free-mail ones left out; none without a customer)."""

    participants: dict[int, frozenset[str]] = field(default_factory=dict)
    customer_domains: dict[int, frozenset[str]] = field(default_factory=dict)


def case_people(numbers: set[int]) -> CasePeople:
    """The addresses belonging to each existing case of ``numbers`` (five queries at most):
    its contacts', its customer's (shared and of every contact) and every address already in
    its conversation (senders and recipients); and its customer's domains, read from the
    same rows. A case merged into another answers with those of the case it was merged
    into, where its mail goes."""
    if not numbers:
        return CasePeople()
    final_of = merge_targets(numbers)
    if not final_of:
        return CasePeople()
    cases = set(final_of.values())
    found: dict[int, set[str]] = {pk: set() for pk, _account in cases}
    domains: dict[int, set[str]] = {}  # of each customer
    of_account: dict[int, list[int]] = {}
    for pk, account in cases:
        if account is not None:
            of_account.setdefault(account, []).append(pk)
    for case_pk, address in _CONTACT_ADDRESSES.rows(cases=list(found)):
        found[case_pk].add(address)
    if of_account:
        for address, account, contact_account in _ACCOUNT_ADDRESSES.rows(accounts=list(of_account)):
            owner = account or contact_account
            for case_pk in of_account.get(owner, []):
                found[case_pk].add(address)
            domain = address_domain(address)
            if domain and domain not in PUBLIC_MAIL_DOMAINS:
                domains.setdefault(owner, set()).add(domain)
    for case_pk, sender, to, cc in _CONVERSATION_ADDRESSES.rows(cases=list(found)):
        found[case_pk].add(sender)
        found[case_pk].update(_addresses(to) | _addresses(cc))
    return CasePeople(
        participants={
            number: frozenset(a.lower() for a in found.get(pk, ()) if a)
            for number, (pk, _account) in final_of.items()
        },
        customer_domains={
            number: frozenset(domains[account])
            for number, (_pk, account) in final_of.items()
            if account is not None and account in domains
        },
    )


MERGE_CHAIN_LIMIT = 10  # merged cases pointing on and on: a cycle or a corrupt chain ends here


def merge_targets(numbers: set[int]) -> dict[int, tuple[int, int | None]]:
    """For each existing case number, the case its mail goes to, as (pk, account id): itself,
    or the case it was merged into (followed along a chain of merges). One query without
    merges."""
    rows = _CASES_BY_NUMBER.rows(numbers=sorted(numbers))
    final_of: dict[int, tuple[int, int | None]] = {}
    pending: dict[int, int] = {}  # number -> the case pk to follow
    for number, pk, account, merged_into in rows:
        final_of[number] = (pk, account)
        if merged_into is not None:
            pending[number] = merged_into
    for _step in range(MERGE_CHAIN_LIMIT):
        if not pending:
            break
        onward: dict[int, tuple[int | None, int | None]] = {
            pk: (account, merged_into)
            for pk, account, merged_into in Case.objects.filter(pk__in=set(pending.values()))
            .values_list("pk", "account_id", "merged_into_id")
            .order_by()
        }
        for number, target in list(pending.items()):
            target_account, further = onward.get(target, (None, None))
            final_of[number] = (target, target_account)
            if further is not None:
                pending[number] = further
            else:
                del pending[number]
    return final_of


def _addresses(stored: Any) -> set[str]:
    if not isinstance(stored, list):
        return set()
    return {str(item.get("address", "")) for item in stored if isinstance(item, dict)}
