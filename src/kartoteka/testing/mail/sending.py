"""Mailboxes, cases and messages for the tests of outgoing mail."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from kartoteka.cases.models import Case
from kartoteka.mail.models import Mailbox, Message
from kartoteka.mail.search_entries import message_index


def make_mailbox(address: str = "pomoc@firma.example", **fields: Any) -> Mailbox:
    defaults: dict[str, Any] = {
        "name": address.partition("@")[0],
        "sender_name": "Pomoc Firma",
        "protocol": Mailbox.Protocol.NONE,
        "smtp_host": "127.0.0.1",
        "smtp_port": 2525,
        "smtp_security": Mailbox.Security.NONE,
        "signature_text": "Zespół pomocy\ntel. 22 100 20 30",
    }
    defaults.update(fields)
    return Mailbox.objects.create(address=address, **defaults)


def make_inbound(
    case: Case | None,
    *,
    mailbox: Mailbox | None = None,
    sender: str = "klient@klient.example",
    message_id: str = "abc123@klient.example",
    references: str = "",
    auto_reply: bool = False,
    bounce: bool = False,
    **fields: Any,
) -> Message:
    return Message.objects.create(
        case=case,
        account_id=case.account_id if case is not None else None,
        mailbox=mailbox,
        direction=Message.Direction.INBOUND,
        state=Message.State.PLACED,
        message_id=message_id,
        references=references,
        subject=fields.pop("subject", "Drukarka nie drukuje"),
        from_name=fields.pop("from_name", "Klient"),
        from_address=sender,
        to=[{"name": "", "address": mailbox.address if mailbox else "pomoc@firma.example"}],
        date=timezone.now(),
        text=fields.pop("text", "Nadal nie działa."),
        auto_reply=auto_reply,
        bounce=bounce,
        raw_sha256="0" * 64,
        **fields,
    )


def add_message(case: Case, *, direction: str = Message.Direction.INBOUND, **fields: object):
    """A message stored in ``case`` as received (or, ``direction`` "out", as sent)."""
    defaults: dict[str, object] = {
        "state": Message.State.PLACED
        if direction == Message.Direction.INBOUND
        else Message.State.SENT,
        "message_id": f"{Message.objects.count()}@klient.example",
        "subject": "Drukarka nie drukuje",
        "from_name": "Klient",
        "from_address": "klient@klient.example",
        "to": [{"name": "Pomoc", "address": "pomoc@firma.example"}],
        "date": timezone.now(),
        "text": "Nadal nie działa.",
        "raw_sha256": "0" * 64,
    }
    defaults["account_id"] = case.account_id
    message = Message.objects.create(case=case, direction=direction, **(defaults | fields))
    message_index(message)  # as the storing services do: the searches find it
    return message
