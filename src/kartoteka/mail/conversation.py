"""The case page's conversation: the cards of a case's emails and the tree of its emails,
notes and history, in the reader's order. Reads only, for a case the reader may see
(``cases.selectors.case_get_for_user``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from kartoteka.cases.history import HistoryEntry, case_history
from kartoteka.cases.models import Case
from kartoteka.cases.selectors import case_get_for_user
from kartoteka.mail import display
from kartoteka.mail.models import Attachment, Message
from kartoteka.people.models import User


def case_messages_prefetch() -> Prefetch[str, QuerySet[Message]]:
    """A case's emails, oldest first, with their attachments: for the conversation on its page.

    Oldest first always: a reader who prefers the newest first gets the list reversed by
    ``case_conversation`` (one query either way).
    """
    return Prefetch(
        "messages",
        queryset=Message.objects.order_by("created_at", "pk").prefetch_related("attachments"),
    )


def case_get_with_messages(user: User, number: int) -> Case:
    """``case_get_for_user`` with the case's emails and their attachments fetched (two more
    queries, whatever their number): what the page's conversation and tree read."""
    case = case_get_for_user(user, number)
    prefetch_related_objects([case], case_messages_prefetch())
    return case


@dataclass(frozen=True)
class MessageCard:
    """One email as its card shows it: the HTML prepared by ``mail.display``."""

    message: Message
    html: SafeString
    remote_images: int
    attachments: list[Attachment]
    anchor: str  # the card's id, for the tree's links
    reply_url: str
    reply_all_url: str
    forward_url: str
    move_url: str
    split_url: str
    # a reply that brought its sender into the case (``Message.newcomer``): where "not part of
    # this case" posts; "" for every other message
    newcomer_url: str
    sender: str  # "Name <address>"
    to: str
    cc: str
    reply_to: str  # "" unless replies go elsewhere than to the sender
    # received mail: "suspicious", "held" (claims to be us, unproven), "verified" or
    # "not-verified"; "" for sent mail and mail received before senders were checked
    sender_state: str
    # "" for received mail; else "queued", "sending", "sent", "cancelled" or "failed" (also
    # when a bounce reported it undelivered), with ``problem`` the server's reason
    delivery: str
    problem: str

    @property
    def collapsed(self) -> bool:
        """Auto-replies and bounces are folded: rarely worth reading."""
        return self.message.auto_reply or self.message.bounce


@dataclass(frozen=True)
class TreeItem:
    """A line of the case tree: an email, a note (each with its card's anchor), a history
    entry (shown in the tree itself), or an item of another page (``url``, e.g. a call)."""

    # "message", "note" (internal), "comment" (public), a HistoryEntry kind: "created",
    # "changed", "event", or what the page adds ("activity")
    kind: str
    when: datetime
    label: str
    anchor: str = ""
    who: str = ""
    entry: HistoryEntry | None = None
    url: str = ""
    icon: str = ""
    message: Message | None = None  # an email's line shows its moment as its card does
    who_url: str = ""  # ``who`` links here (a customer's contact who changed the case)


def _url_per_pk(name: str) -> Callable[[int], str]:
    """``reverse(name, args=[pk])`` reversed once: a page of hundreds of messages needs it
    for each (``pk`` is the URL's only argument, an integer)."""
    before, after = reverse(name, args=[987654321]).rsplit("987654321", 1)
    return lambda pk: f"{before}{pk}{after}"


def _address(name: str | None, address: str | None) -> str:
    return f"{name} <{address or ''}>" if name else f"<{address or ''}>"


def _delivery(message: Message) -> str:
    if message.direction != Message.Direction.OUTBOUND:
        return ""
    if message.state == Message.State.FAILED or message.delivery_failed_at:
        return "failed"
    if message.state in (Message.State.QUEUED, Message.State.SENDING, Message.State.CANCELLED):
        return message.state
    return "sent"


def _sender_state(message: Message) -> str:
    if message.direction != Message.Direction.INBOUND or not message.sender_verification:
        return ""
    if message.sender_suspicion:
        return "suspicious"
    if message.sender_held:
        return "held"
    return message.sender_verification


def case_conversation(case: Case, *, newest_first: bool = False) -> list[MessageCard]:
    """The cards of the case's emails in the reader's order; no query when the case was
    fetched ``case_get_with_messages``."""
    compose = reverse("mail:compose", args=[case.number])
    move_url = _url_per_pk("mail:message-move")
    split_url = _url_per_pk("mail:message-split")
    not_in_case_url = _url_per_pk("mail:message-not-in-case")
    cards = []
    for message in case.messages.all():
        attachments = list(message.attachments.all())
        shown = display.message_display(message, attachments)
        cards.append(
            MessageCard(
                message=message,
                html=shown.html,
                remote_images=shown.remote_images,
                attachments=attachments,
                anchor=f"message-{message.pk}",
                reply_url=f"{compose}?kind=reply&message={message.pk}",
                reply_all_url=f"{compose}?kind=reply-all&message={message.pk}",
                forward_url=f"{compose}?kind=forward&message={message.pk}",
                move_url=move_url(message.pk),
                split_url=split_url(message.pk),
                newcomer_url=not_in_case_url(message.pk) if message.newcomer else "",
                sender=_address(message.from_name, message.from_address),
                to=", ".join(_address(r.get("name"), r.get("address")) for r in message.to),
                cc=", ".join(_address(r.get("name"), r.get("address")) for r in message.cc),
                reply_to=", ".join(
                    _address(r.get("name"), r.get("address")) for r in message.reply_to
                )
                if message.reply_to_differs
                else "",
                sender_state=_sender_state(message),
                delivery=_delivery(message),
                problem=(message.delivery_error or message.error)
                if _delivery(message) == "failed"
                else "",
            )
        )
    if newest_first:
        cards.reverse()
    return cards


def _message_label(message: Message) -> str:
    sender = message.from_name or message.from_address or _("unknown sender")
    return f"{sender}: {message.subject}" if message.subject else sender


def case_tree(case: Case, *, newest_first: bool = False) -> list[TreeItem]:
    """The case's emails, notes and history entries in one time-ordered list.

    Emails and notes come from the case as fetched ``case_get_with_messages``; the history entries
    from ``history.case_history`` (a fixed number of queries), without its notes.
    """
    items = [
        TreeItem(
            kind="message",
            when=message.received_at,
            label=_message_label(message),
            anchor=f"message-{message.pk}",
            message=message,
        )
        for message in case.messages.all()
    ]
    items += [
        TreeItem(
            kind="note" if note.internal else "comment",
            when=note.created_at,
            label=Truncator(note.text).chars(80),
            anchor=f"note-{note.pk}",
            who=str(note.author or ""),
        )
        for note in case.notes.all()
    ]
    items += [
        TreeItem(
            kind=entry.kind,
            when=entry.when,
            label=_entry_label(entry),
            who=entry.author,
            entry=entry,
            who_url=entry.contact.get_absolute_url() if entry.contact and not entry.who else "",
        )
        for entry in case_history(case)
        if entry.kind != "note"
    ]
    items.sort(key=lambda item: item.when, reverse=newest_first)
    return items


def _entry_label(entry: HistoryEntry) -> str:
    if entry.kind == "created":
        return _("Case created")
    if entry.kind == "deleted":
        return _("Case deleted")
    if entry.text:
        return entry.text
    return _("Changed: %(fields)s") % {
        "fields": ", ".join(change.label for change in entry.changes)
    }
