"""Reads of stored mail; every one starts from ``Message.objects.visible_to(user)``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from kartoteka.cases.models import Case
from kartoteka.core.text_search import contains_ignoring_case
from kartoteka.customers.filters import account_search_q
from kartoteka.customers.models import Account, Contact, EmailAddress
from kartoteka.mail.models import DISCARD_KEPT_DAYS, Message

if TYPE_CHECKING:
    from kartoteka.people.models import User


def triage_list(user: User) -> QuerySet[Message]:
    """Received messages waiting in triage, newest first (none for who does not work with
    cases)."""
    return _pointed_case_visible(
        Message.objects.visible_to(user)
        .filter(direction=Message.Direction.INBOUND, state=Message.State.TRIAGE)
        .select_related("mailbox", "points_to_case")
        .order_by("-created_at", "-pk"),
        user,
    )


def _pointed_case_visible(messages: QuerySet[Message], user: User) -> QuerySet[Message]:
    """``messages`` with ``pointed_case_visible``: whether ``user`` may see the case a forged
    tag named (a hidden case's number is not shown to them: one ``EXISTS`` per row)."""
    seen = Case.objects.visible_to(user).filter(pk=OuterRef("points_to_case_id"))
    return messages.annotate(pointed_case_visible=Exists(seen))


def triage_message_get_for_user(user: User, pk: int) -> Message:
    """A message in triage with its attachments, if the user may see it (else 404)."""
    message = triage_list(user).prefetch_related("attachments").filter(pk=pk).first()
    if message is None:
        raise Http404
    return message


def message_get_for_user(user: User, pk: int) -> Message:
    """Any stored message the user may see (of a visible case, or not placed yet), else 404."""
    message = (
        Message.objects.visible_to(user)
        .select_related("mailbox", "case", "account")
        .prefetch_related("attachments")
        .filter(pk=pk)
        .first()
    )
    if message is None:
        raise Http404
    return message


def unparsable_list(user: User) -> QuerySet[Message]:
    """Messages that could not be read (and triage messages with an error), newest first, for
    administrators to look at and reprocess."""
    if not user.is_administrator:
        return Message.objects.none()
    return (
        Message.objects.visible_to(user)
        .filter(reprocessable())
        .select_related("mailbox")
        .order_by("-created_at", "-pk")
    )


def ignored_list(user: User) -> QuerySet[Message]:
    """Received messages set aside as automatic (auto-replies naming no case, our own mail come
    back, second copies), newest first, for administrators to check nothing a person wrote
    was lost."""
    if not user.is_administrator:
        return Message.objects.none()
    return (
        Message.objects.visible_to(user)
        .filter(direction=Message.Direction.INBOUND, state=Message.State.IGNORED)
        .select_related("mailbox")
        .order_by("-created_at", "-pk")
    )


def reprocessable() -> Q:
    """Received messages that may be read again: unparsable, or in triage with an error."""
    return Q(direction=Message.Direction.INBOUND) & (
        Q(state=Message.State.UNPARSABLE) | (Q(state=Message.State.TRIAGE) & ~Q(error=""))
    )


def message_points_to_case(message: Message) -> int | None:
    """The case a forged tag or header named (the message waits in triage because of it),
    when the reader may see that case (the message was read through ``triage_list`` or
    ``triage_inbox``); else None."""
    if not message.forged or message.points_to_case_id is None:
        return None
    if not getattr(message, "pointed_case_visible", False):
        return None
    return message.points_to_case.number if message.points_to_case is not None else None


# The triage inbox and its wizard

# Free-mail providers: a sender there says nothing about the customer it writes for.
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "wp.pl", "o2.pl", "onet.pl", "op.pl", "interia.pl",
        "interia.eu", "poczta.fm", "tlen.pl", "gazeta.pl", "seznam.cz", "centrum.cz", "email.cz",
        "post.cz", "atlas.cz", "volny.cz", "outlook.com", "hotmail.com", "live.com", "msn.com",
        "yahoo.com", "icloud.com", "me.com", "proton.me", "protonmail.com", "gmx.com", "gmx.de",
    }
)  # fmt: skip
SUGGESTIONS_SHOWN = 10
CASE_PREVIEW_MESSAGES = 10


def triage_inbox(user: User, *, query: str = "", discarded: bool = False) -> QuerySet[Message]:
    """The triage inbox page: waiting messages (or those discarded within the days they are
    kept), newest first, narrowed to a sender or subject containing ``query``."""
    messages: QuerySet[Message]
    if discarded:
        since = timezone.now() - timedelta(days=DISCARD_KEPT_DAYS)
        messages = (
            Message.objects.visible_to(user)
            .filter(
                direction=Message.Direction.INBOUND,
                state=Message.State.DISCARDED,
                discarded_at__gte=since,
            )
            .select_related("mailbox", "points_to_case", "discarded_by")
            .order_by("-discarded_at", "-pk")
        )
        messages = _pointed_case_visible(messages, user)
    else:
        messages = triage_list(user)
    text = query.strip()
    if text:
        messages = messages.filter(
            contains_ignoring_case("from_address", text)
            | contains_ignoring_case("from_name", text)
            | contains_ignoring_case("subject", text)
        )
    return messages.defer("html", "text", "references", "to", "cc", "bcc", "reply_to")


def triage_count(user: User) -> int:
    """How many messages wait in triage (one query; none for who does not work with cases)."""
    if not getattr(user, "works_with_cases", False):
        return 0
    return triage_list(user).order_by().count()


def discarded_message_get_for_user(user: User, pk: int) -> Message:
    """A message discarded as spam, if the user may see it (else 404)."""
    message = (
        Message.objects.visible_to(user)
        .filter(direction=Message.Direction.INBOUND, state=Message.State.DISCARDED, pk=pk)
        .first()
    )
    if message is None:
        raise Http404
    return message


def sender_domain(message: Message) -> str:
    address = message.from_address.strip().lower()
    return address.rpartition("@")[2] if "@" in address else ""


@dataclass(frozen=True)
class SenderOwner:
    """Who holds the sender's address: ``known`` even when the holder is hidden from the user."""

    known: bool
    contact: Contact | None = None
    account: Account | None = None


def sender_owner(user: User, message: Message) -> SenderOwner:
    """The contact or customer already holding the sender's address, as far as the user sees."""
    address = message.from_address.strip().lower()
    held = (
        EmailAddress.objects.filter(address=address)
        .select_related("contact__account", "account")
        .first()
        if address
        else None
    )
    if held is None:
        return SenderOwner(known=False)
    if held.contact is not None:
        visible = Contact.objects.visible_to(user).filter(pk=held.contact.pk).exists()
        return SenderOwner(known=True, contact=held.contact if visible else None)
    if held.account is None:
        return SenderOwner(known=True)
    visible = Account.objects.visible_to(user).filter(pk=held.account.pk).exists()
    return SenderOwner(known=True, account=held.account if visible else None)


def account_suggestions(user: User, message: Message) -> list[Account]:
    """Visible customers whose own or contacts' addresses share the sender's domain (none for
    a free-mail domain), by name."""
    domain = sender_domain(message)
    if not domain or domain in FREE_MAIL_DOMAINS:
        return []
    suffix = f"@{domain}"
    return list(
        Account.objects.visible_to(user)
        .filter(
            Exists(EmailAddress.objects.filter(account=OuterRef("pk"), address__endswith=suffix))
            | Exists(
                EmailAddress.objects.filter(
                    contact__account=OuterRef("pk"), address__endswith=suffix
                )
            )
        )
        .order_by("name", "pk")[:SUGGESTIONS_SHOWN]
    )


def account_search(user: User, text: str, *, limit: int = 20) -> list[Account]:
    """Visible customers whose name, NIP, REGON, city, phone or an email (domain) contains
    ``text`` (two characters at least)."""
    text = text.strip()
    if len(text) < 2:
        return []
    return list(
        Account.objects.visible_to(user)
        .filter(account_search_q(text))
        .order_by("name", "pk")[:limit]
    )


def case_message_previews(user: User, case: Case) -> list[Message]:
    """The newest messages of a case the user sees (sender, date, subject, the start of the
    text): enough to tell a thread from another."""
    return list(
        Message.objects.visible_to(user)
        .filter(case=case)
        .only("pk", "case_id", "direction", "from_name", "from_address", "date", "created_at",
              "sent_at", "subject", "text_new", "text")
        .order_by("-created_at", "-pk")[:CASE_PREVIEW_MESSAGES]
    )  # fmt: skip
