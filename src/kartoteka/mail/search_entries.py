"""Emails in the global search (``core.search_index``): subject, the message's new text (without
the quoted history, which is the earlier messages' own text), its addresses and the names of its
attachments (the customer file finds an attachment through its message's entry).

Written by the receiving and sending services when they store a message; hits are shown only
through ``Message.visible_to``. Registered in ``MailConfig.ready``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kartoteka.core.search_index import BATCH, Hit, IndexEntry, ModelSource, batched, index_put
from kartoteka.mail.models import Attachment, Message

if TYPE_CHECKING:
    from kartoteka.people.models import User

_FIELDS = ("subject", "from_name", "from_address", "to", "cc", "text_new", "account_id")


def _addresses(recipients: Any) -> list[str]:
    """The addresses of a stored recipient list (strings or ``{"address": …}`` items)."""
    found = []
    for item in recipients or []:
        if isinstance(item, dict):
            found += [str(item.get("name") or ""), str(item.get("address") or "")]
        else:
            found.append(str(item))
    return found


def message_entry(message: Message, filenames: Iterable[str] = ()) -> IndexEntry:
    return _entry(message.pk, *(getattr(message, name) for name in _FIELDS), filenames=filenames)


def _entry(
    pk: int,
    subject: str,
    from_name: str,
    from_address: str,
    to: Any,
    cc: Any,
    text_new: str,
    account_id: int | None,
    *,
    filenames: Iterable[str] = (),
) -> IndexEntry:
    return IndexEntry(
        "message",
        pk,
        keys=[from_address, *_addresses(to), *_addresses(cc)],
        title=f"{subject} {from_name}",
        body="\n".join([*filenames, text_new]),
        account_id=account_id,
    )


def _filenames(message_ids: Sequence[int]) -> dict[int, list[str]]:
    """The names of each message's attachments (not the inline images)."""
    found: dict[int, list[str]] = defaultdict(list)
    rows = Attachment.objects.filter(message_id__in=message_ids, inline=False)
    for message_id, filename in rows.values_list("message_id", "filename"):
        found[message_id].append(filename)
    return found


def message_index(message: Message, filenames: Iterable[str] | None = None) -> None:
    """Write the message's entry; call in the transaction that stores it. ``filenames``: its
    attachments' names, when they are not stored yet (read from the database otherwise)."""
    if filenames is None:
        filenames = _filenames([message.pk]).get(message.pk, [])
    index_put([message_entry(message, filenames)])


class MessageSource(ModelSource):
    model = Message
    kind = "message"
    label = gettext_lazy("Emails")

    def entries(self) -> Iterator[list[IndexEntry]]:
        rows = Message.objects.order_by("pk").values_list("pk", *_FIELDS)
        for batch in batched(rows.iterator(chunk_size=BATCH)):
            filenames = _filenames([row[0] for row in batch])
            yield [_entry(*row, filenames=filenames.get(row[0], ())) for row in batch]

    def hits(self, user: User, object_ids: Sequence[int]) -> dict[int, Hit]:
        rows = (
            Message.objects.visible_to(user)
            .filter(pk__in=object_ids)
            .select_related("case")
            .only(
                "subject", "from_name", "from_address", "text_new", "created_at", "case_id",
                "direction", "state", "case__number", "case__subject",
            )
        )  # fmt: skip
        hits = {}
        for message in rows:
            case = message.case
            if case is not None:
                url = f"{case.get_absolute_url()}#message-{message.pk}"
                context = f"#{case.number} {case.subject}"
            elif message.state == Message.State.ARCHIVED:  # filed to its customer, no case
                url = reverse("mail:message-detail", args=[message.pk])
                context = str(_("without a case"))
            else:
                url = reverse("mail:triage-message", args=[message.pk])
                context = str(_("Triage"))
            who = message.from_name or message.from_address
            hits[message.pk] = Hit(
                "message",
                message.pk,
                title=message.subject or _("(no subject)"),
                url=url,
                context=" · ".join(part for part in (who, context) if part),
                text=message.text_new,
                at=message.created_at,
            )
        return hits
