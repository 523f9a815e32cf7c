"""What the fetch tests share: an account of the test Dovecot, mailboxes pointing at it and
messages to deliver into it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kartoteka.mail.mailboxes import mailbox_create
from kartoteka.mail.models import Mailbox
from kartoteka.testing.mail.dovecot import HOST, Account, DovecotServer


def eml(subject: str, *, sender: str = "customer@example.com") -> tuple[str, bytes]:
    """A message of its own (unique Message-ID and content); returns (Message-ID, bytes)."""
    message_id = f"<{uuid.uuid4().hex}@example.com>"
    raw = (
        f"From: Customer <{sender}>\r\n"
        "To: support@firma.example\r\n"
        f"Subject: {subject}\r\n"
        f"Message-ID: {message_id}\r\n"
        "Date: Mon, 23 Nov 2026 10:00:00 +0100\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        f"Body of {subject}.\r\n"
    ).encode()
    return message_id, raw


def port_for(server: DovecotServer, protocol: str, security: str) -> int:
    if protocol == Mailbox.Protocol.IMAP:
        return server.imaps_port if security == Mailbox.Security.SSL else server.imap_port
    return server.pop3s_port if security == Mailbox.Security.SSL else server.pop3_port


@pytest.fixture
def account(
    dovecot: DovecotServer, settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Account:
    """A fresh Dovecot user; raw mail goes to this test's data dir; its certificate trusted."""
    settings.DATA_DIR = tmp_path
    dovecot.trust(monkeypatch)
    return dovecot.new_account()


MailboxMaker = Callable[..., Mailbox]


@pytest.fixture
def make_mailbox(account: Account, db: None) -> MailboxMaker:
    """Make a mailbox reading ``account`` (IMAP without TLS unless told otherwise)."""

    def make(
        *,
        protocol: str = Mailbox.Protocol.IMAP,
        security: str = Mailbox.Security.NONE,
        after_fetch: str = Mailbox.AfterFetch.MARK_SEEN,
        **fields: Any,
    ) -> Mailbox:
        fields.setdefault("name", f"Support {account.login}")
        fields.setdefault("address", f"{account.login}@firma.example")
        fields.setdefault("port", port_for(account.server, protocol, security))
        fields.setdefault("password", account.password)
        fields.setdefault("host", HOST)
        return mailbox_create(
            protocol=protocol,
            security=security,
            login=account.login,
            after_fetch=after_fetch,
            **fields,
        )

    return make
