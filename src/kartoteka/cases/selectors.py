"""Reads of cases; every one starts from ``Case.objects.visible_to(user)``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from kartoteka.cases.filters import CaseFilter
from kartoteka.cases.history import HistoryEntry, case_history
from kartoteka.cases.models import Case, CaseAttachment, CaseNote
from kartoteka.customers.models import Account, Contact
from kartoteka.mail import display
from kartoteka.mail.models import Attachment, Message
from kartoteka.people.models import User

LIST_RELATIONS = ("status", "priority", "case_type", "category", "group", "account", "assignee")
# The lookup lists are tiny: fetched once per page instead of joined, which keeps PostgreSQL's
# planning time down on the million-row list (seven joins cost more to plan than to run).
LIST_JOINS = ("account", "assignee")
LIST_LOOKUPS = ("status", "priority", "case_type", "category", "group")


def case_filterset(*, user: User, filters: Mapping[str, Any]) -> CaseFilter:
    """The bound filter of the case list; its ``qs`` is what the list, export and API show."""
    base = Case.objects.visible_to(user).select_related(*LIST_JOINS).prefetch_related(*LIST_LOOKUPS)
    filterset = CaseFilter(filters, queryset=base, user=user)
    # A customer filter may only name customers the user can see.
    filterset.filters["account"].queryset = Account.objects.visible_to(user)
    return filterset


def case_list(*, user: User, filters: Mapping[str, Any] | None = None) -> QuerySet[Case]:
    """Visible cases matching the filters; an invalid filter matches nothing."""
    filterset = case_filterset(user=user, filters=filters or {})
    return filterset.qs if filterset.is_valid() else Case.objects.none()


def case_messages_prefetch() -> Prefetch:
    """A case's emails, oldest first, with their attachments: for the conversation on its page.

    Oldest first always: a reader who prefers the newest first gets the list reversed by
    ``case_conversation`` (one query either way).
    """
    return Prefetch(
        "messages",
        queryset=Message.objects.order_by("created_at", "pk").prefetch_related("attachments"),
    )


def case_get_for_user(
    user: User, number: int, *, write: bool = False, with_messages: bool = False
) -> Case:
    """The case with this number if the user may see it (else 404).

    ``with_messages`` also fetches its emails with their attachments (two queries, whatever
    their number) for the case page; other callers do not pay for them.
    """
    queryset = Case.objects.visible_to(user)
    if with_messages:
        queryset = queryset.prefetch_related(case_messages_prefetch())
    case = (
        queryset.select_related(*LIST_RELATIONS, "reporter", "created_by", "merged_into")
        .prefetch_related(
            Prefetch("contacts", queryset=Contact.objects.order_by("last_name", "first_name")),
            Prefetch("notes", queryset=CaseNote.objects.select_related("author")),
            "attachments",
        )
        .filter(number=number)
        .first()
    )
    if case is None:
        raise Http404
    if write and not user.works_with_cases:
        raise PermissionDenied
    return case


def case_can_delete(user: User) -> bool:
    """Deleting cases is for administrators and managers."""
    return user.sees_everything


def case_attachment_get_for_user(user: User, number: int, pk: int) -> CaseAttachment:
    """An attachment of a case the user may see (else 404)."""
    attachment = (
        CaseAttachment.objects.filter(case__in=Case.objects.visible_to(user))
        .filter(case__number=number, pk=pk)
        .first()
    )
    if attachment is None:
        raise Http404
    return attachment


def case_workers() -> QuerySet[User]:
    """Active users who work with cases: whom a case may be assigned to."""
    return User.objects.filter(is_active=True).filter(
        Q(role__in=[User.Role.ADMINISTRATOR, User.Role.MANAGER])
        | Q(is_superuser=True)
        | (Q(can_work_with_cases=True) & ~Q(role=User.Role.PORTAL))
    )


# The case page: its conversation and its tree


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
    sender: str  # "Name <address>"
    to: str
    cc: str
    # "" for received mail; else "queued", "sending", "sent" or "failed" (also when a bounce
    # reported it undelivered), with ``problem`` the server's reason
    delivery: str
    problem: str

    @property
    def collapsed(self) -> bool:
        """Auto-replies and bounces are folded: rarely worth reading."""
        return self.message.auto_reply or self.message.bounce


@dataclass(frozen=True)
class TreeItem:
    """A line of the case tree: an email, a note (each with its card's anchor) or a history
    entry (shown in the tree itself)."""

    # "message", "note" (internal), "comment" (public), or a HistoryEntry kind: "created",
    # "changed", "event"
    kind: str
    when: datetime
    label: str
    anchor: str = ""
    who: str = ""
    entry: HistoryEntry | None = None


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
    if message.state in (Message.State.QUEUED, Message.State.SENDING):
        return message.state
    return "sent"


def case_conversation(case: Case, *, newest_first: bool = False) -> list[MessageCard]:
    """The cards of the case's emails in the reader's order; no query when the case was
    fetched ``with_messages``."""
    compose = reverse("mail:compose", args=[case.number])
    move_url = _url_per_pk("mail:message-move")
    split_url = _url_per_pk("mail:message-split")
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
                sender=_address(message.from_name, message.from_address),
                to=", ".join(_address(r.get("name"), r.get("address")) for r in message.to),
                cc=", ".join(_address(r.get("name"), r.get("address")) for r in message.cc),
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

    Emails and notes come from the case as fetched ``with_messages``; the history entries
    from ``history.case_history`` (a fixed number of queries), without its notes.
    """
    items = [
        TreeItem(
            kind="message",
            when=message.created_at,
            label=_message_label(message),
            anchor=f"message-{message.pk}",
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
            who=str(entry.who or ""),
            entry=entry,
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
