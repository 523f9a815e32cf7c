"""What a case's customer side has seen: the rule behind customer notices and customer prints.

The customer side of a case is every address of its reporter, of the contact its notices tell,
of its contacts, each of its customer (shared or of any of its contacts), and the case's extra
addresses. An email from or to one of them (From, To or Cc) is one they have; a forward to a
supplier, or a supplier's own answer, is not theirs to read, nor is an internal note.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q

from kartoteka.cases.models import Case
from kartoteka.customers.models import EmailAddress
from kartoteka.mail.models import Message


def split_addresses(addresses: str) -> list[str]:
    """The addresses of a typed list separated by commas or semicolons."""
    return [a.strip() for a in addresses.replace(";", ",").split(",") if a.strip()]


def customer_side_addresses(case: Case) -> frozenset[str]:
    """Every address of ``case``'s customer side, lower-cased (one query)."""
    owners = Q(contact__cases=case)
    for contact_id in (case.reporter_id, case.notify_contact_id):
        if contact_id is not None:
            owners |= Q(contact_id=contact_id)
    if case.account_id is not None:
        owners |= Q(account_id=case.account_id) | Q(contact__account_id=case.account_id)
    stored = EmailAddress.objects.filter(owners).values_list("address", flat=True).distinct()
    typed = split_addresses(case.notify_addresses)
    return frozenset(a.lower() for a in [*stored.order_by(), *typed])


def stored_addresses(entries: Any) -> set[str]:
    """The addresses of a message's stored ``to`` or ``cc``, lower-cased."""
    if not isinstance(entries, list):
        return set()
    return {str(e.get("address", "")).lower() for e in entries if isinstance(e, dict)}


def touches_customer_side(sender: str, to: Any, cc: Any, customer_side: frozenset[str]) -> bool:
    """Whether an email with this sender and stored ``to``/``cc`` went from or to the customer
    side."""
    addresses = {sender.lower(), *stored_addresses(to), *stored_addresses(cc)}
    return not customer_side.isdisjoint(addresses)


def seen_by_customer_side(case: Case, messages: Iterable[Message]) -> list[Message]:
    """The emails of ``messages`` (already fetched, of ``case``) its customer side has: placed
    mail from or to them, and our mail to them that left; never a bounce, a triaged, discarded,
    failed or still unsent message. One query."""
    customer_side = customer_side_addresses(case)
    return [
        message
        for message in messages
        if _delivered(message)
        and not message.bounce
        and touches_customer_side(message.from_address, message.to, message.cc, customer_side)
    ]


def _delivered(message: Message) -> bool:
    if message.direction == Message.Direction.INBOUND:
        return message.state == Message.State.PLACED
    return message.state == Message.State.SENT
