"""What the parser sees in one message: plain data, no database (see ``parsing.parse``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Address:
    name: str
    address: str  # lower-cased; may be "" when a header held only a name


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str
    content_type: str
    content: bytes = field(repr=False)
    inline: bool = False
    content_id: str = ""  # without angle brackets


@dataclass(frozen=True)
class ParsedMessage:
    message_id: str  # without angle brackets; synthetic "sha256-…@kartoteka.invalid" when absent
    subject: str
    from_: Address | None
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    reply_to: tuple[Address, ...]
    date: datetime | None  # timezone-aware
    in_reply_to: str  # without angle brackets
    references: tuple[str, ...]  # oldest first, without angle brackets
    text: str  # the whole text body (derived from the HTML when only HTML exists)
    text_new: str  # the text without the quoted earlier conversation and signature
    html: str  # sanitised for display ("" when the message had no HTML part)
    attachments: tuple[ParsedAttachment, ...]
    auto_reply: bool  # out-of-office, vacation and other automatic answers
    bounce: bool  # a delivery status notification or a mailer-daemon report
    bounced_message_id: str = ""  # the Message-ID a bounce reports on, when it says
    bounced_recipients: tuple[str, ...] = ()
    bounce_permanent: bool = False  # 5.x.x
    bulk: bool = False  # came through a mailing list or in bulk: never answered automatically
    defects: tuple[str, ...] = ()  # what the parser had to repair, for support
    # "" or why the From header does not look like one person's (see ``sender.from_read``)
    from_suspicion: str = ""
    # the values of every Authentication-Results header, unfolded, topmost first
    authentication_results: tuple[str, ...] = ()
    sha256: str = ""  # of the raw bytes
    size: int = 0
