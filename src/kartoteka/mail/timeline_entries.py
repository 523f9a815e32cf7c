"""The mail's part of the customer file's timeline: emails received and sent in its cases and
those filed to it without a case (an archive mailbox's), by ``Message.account``.

Read through ``Message.visible_to``: a reader who may not see a case sees none of its mail.
Registered in ``MailConfig.ready``.
"""

from __future__ import annotations

import dataclasses

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kartoteka.core.search_index import index_matches_in_file
from kartoteka.core.text_search import contains_ignoring_case
from kartoteka.customers.models import EmailAddress
from kartoteka.customers.timeline import (
    Entry,
    Figure,
    Window,
    excerpt,
    narrowed,
    older_than,
    within_dates,
)
from kartoteka.mail.models import Attachment, Message
from kartoteka.people.models import User

EMAIL_IN = "email_in"
EMAIL_OUT = "email_out"
EMAIL_ATTACHMENT = "email_attachment"

_SHOWN_STATES = {
    EMAIL_IN: [Message.State.PLACED, Message.State.ARCHIVED],
    EMAIL_OUT: [
        Message.State.QUEUED,
        Message.State.SENDING,
        Message.State.SENT,
        Message.State.FAILED,
        Message.State.ARCHIVED,
    ],
}
# What happened for sure (no queued or failed mail): the attachments and the last contact.
_DELIVERED_STATES = [Message.State.PLACED, Message.State.SENT, Message.State.ARCHIVED]
_DIRECTION = {EMAIL_IN: Message.Direction.INBOUND, EMAIL_OUT: Message.Direction.OUTBOUND}


class MessageEntries:
    kinds = [
        (EMAIL_IN, gettext_lazy("Emails received")),
        (EMAIL_OUT, gettext_lazy("Emails sent")),
        (EMAIL_ATTACHMENT, gettext_lazy("Email attachments")),
    ]

    def entries(self, window: Window) -> list[Entry]:
        found: list[Entry] = []
        for kind in (EMAIL_IN, EMAIL_OUT):
            if window.wants(kind):
                found += self._emails(window, kind)
        if window.wants(EMAIL_ATTACHMENT):
            found += self._attachments(window)
        return found

    def figures(self, user: User, account_id: int) -> list[Figure]:
        latest = (
            Message.objects.visible_to(user)
            .filter(account_id=account_id, state__in=_DELIVERED_STATES)
            .order_by("-created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        shown = date_format(localtime(latest), "SHORT_DATE_FORMAT") if latest else "—"
        return [Figure(_("Last contact"), shown)]

    def _emails(self, window: Window, kind: str) -> list[Entry]:
        if kind == EMAIL_IN and window.by_user_id is not None:
            return []  # no user wrote them (and the customer's every email would be read)
        rows = Message.objects.visible_to(window.user).filter(
            Q(
                account_id=window.account_id,
                direction=_DIRECTION[kind],
                state__in=_SHOWN_STATES[kind],
            )
            & older_than(window, kind)
            & within_dates(window)
        )
        rows = _narrowed(rows, window)
        if window.query:
            rows = rows.filter(
                index_matches_in_file(
                    window.query, "message", window.account_id, prefix=window.query_prefix
                )
            )
        rows = (
            rows.select_related("case", "author")
            .only(
                "pk", "created_at", "subject", "from_name", "from_address", "text_new", "state",
                "case__number", "case__subject", "author__first_name", "author__last_name",
                "author__username",
            )
            .order_by("-created_at", "-pk")
        )  # fmt: skip
        return [self._entry(kind, message) for message in rows[: window.limit + 1]]

    def _attachments(self, window: Window) -> list[Entry]:
        """The files of the customer's mail, as documents of the file (the bytes stay in the
        mail's store): each at its message's time, linked to its download."""
        # The customer's messages are walked newest first by a join (the index on account and
        # time), each checked by a correlated EXISTS; ``message__in`` a subquery would have the
        # database list every message of the customer first.
        shown = _narrowed(Message.objects.visible_to(window.user), window).filter(
            pk=OuterRef("message_id")
        )
        rows = Attachment.objects.filter(
            Q(
                message__account_id=window.account_id,
                message__state__in=_DELIVERED_STATES,
                inline=False,
            )
            & Q(Exists(shown))
            & older_than(window, EMAIL_ATTACHMENT, at="message__created_at")
            & within_dates(window, at="message__created_at")
        )
        # (the same narrowing again outside, where the database may start from it)
        if window.case_number is not None:
            rows = rows.filter(message__case__number=window.case_number)
        if window.by_user_id is not None:
            rows = rows.filter(message__author_id=window.by_user_id)
        if window.query:
            # The message's search entry holds its attachments' names: the index narrows the
            # customer's messages to the few that may hold one, the name itself decides.
            rows = rows.filter(
                index_matches_in_file(
                    window.query,
                    "message",
                    window.account_id,
                    field="message_id",
                    prefix=window.query_prefix,
                ),
                contains_ignoring_case("filename", window.query),
            )
        rows = rows.select_related("message", "message__case").order_by(
            "-message__created_at", "-pk"
        )
        return [
            Entry(
                kind=EMAIL_ATTACHMENT,
                at=attachment.message.created_at,
                key=attachment.pk,
                title=attachment.filename or _("(no name)"),
                url=reverse("mail:attachment-download", args=[attachment.pk]),
                who=attachment.message.from_name or attachment.message.from_address,
                text=attachment.message.subject,
                context=_case_name(attachment.message),
            )
            for attachment in rows[: window.limit + 1]
        ]

    def _entry(self, kind: str, message: Message) -> Entry:
        case = message.case
        if case is not None:
            url = f"{case.get_absolute_url()}#message-{message.pk}"
        else:
            url = reverse("mail:message-detail", args=[message.pk])
        if kind == EMAIL_IN or message.state == Message.State.ARCHIVED:
            who = message.from_name or message.from_address
        else:
            who = str(message.author) if message.author is not None else "Kartoteka"
        return Entry(
            kind=kind,
            at=message.created_at,
            key=message.pk,
            title=message.subject or _("(no subject)"),
            url=url,
            who=who,
            text=excerpt(message.text_new),
            context=_case_name(message),
        )


def _narrowed[Rows: QuerySet[Message]](rows: Rows, window: Window) -> Rows:
    """``rows`` narrowed by the window's filters. A contact's mail is that of its cases and,
    filed without a case, what came from one of its addresses."""
    if window.contact_id is not None:
        addresses = EmailAddress.objects.filter(contact_id=window.contact_id).values("address")
        rows = rows.filter(
            Q(case__contacts=window.contact_id) | Q(case__isnull=True, from_address__in=addresses)
        )
        window = dataclasses.replace(window, contact_id=None)
    return narrowed(
        rows, window, contacts="case__contacts", case_number="case__number", author="author_id"
    )


def _case_name(message: Message) -> str:
    case = message.case
    return f"#{case.number} {case.subject}" if case is not None else _("without a case")
