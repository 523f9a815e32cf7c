"""A parsed message for the tests of the pure decisions (no bytes, no database)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from kartoteka.mail.reading.parsed import Address, ParsedMessage
from kartoteka.testing.mail.receiving import CUSTOMER, SUPPORT


def parsed_message(**changes: Any) -> ParsedMessage:
    """Jan Kowalski's message to the support mailbox, with ``changes``."""
    base = ParsedMessage(
        message_id="abc@klient.example",
        subject="Drukarka nie drukuje",
        from_=Address("Jan Kowalski", CUSTOMER),
        to=(Address("", SUPPORT),),
        cc=(),
        reply_to=(),
        date=None,
        in_reply_to="",
        references=(),
        text="Dzień dobry",
        text_new="Dzień dobry",
        html="",
        attachments=(),
        auto_reply=False,
        bounce=False,
    )
    return replace(base, **changes)
