"""Where inbound mail comes from: transports that only yield raw bytes with the server's id.

A source opens a connection (``SourceError`` says at which step it failed), yields one
``RawMessage`` at a time and is told to ``acknowledge`` a message only after the receive
pipeline committed it: only then is it marked seen, moved or deleted on the server and the
source's cursor moved past it. A source never parses or stores a message itself.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from django.utils.translation import gettext as _

from kartoteka.core.crypto import SecretUnreadable

if TYPE_CHECKING:
    from kartoteka.mail.models import Mailbox

TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class RawMessage:
    """One message as the server gave it; ``source`` names it on that server for good."""

    source: str  # "imap:<folder>:<uidvalidity>:<uid>" or "pop3:<uidl>"
    data: bytes = field(repr=False)
    number: int = 0  # the IMAP UID or the POP3 message number of this session


class SourceError(Exception):
    """The server could not be reached or read; ``step`` says where it failed.

    Steps: ``dns``, ``tcp``, ``tls``, ``login``, ``folder`` and ``connection`` (lost or
    refused after a good start).
    """

    def __init__(self, step: str, message: str) -> None:
        super().__init__(message)
        self.step = step
        self.message = message


class Source(Protocol):
    def messages(self) -> Iterator[RawMessage]: ...

    def acknowledge(self, message: RawMessage) -> None: ...


def tls_context() -> ssl.SSLContext:
    """Certificates are verified against the system's authorities (or ``SSL_CERT_FILE``)."""
    return ssl.create_default_context()


def connect_error(error: OSError, *, host: str, port: int) -> SourceError:
    """The step a failure to connect belongs to, with a message that says what to check."""
    where = {"host": host, "port": port}
    if isinstance(error, socket.gaierror):
        return SourceError("dns", _("The server name %(host)s could not be found (DNS).") % where)
    if isinstance(error, ssl.SSLCertVerificationError):
        return SourceError(
            "tls",
            _("The certificate of %(host)s is not trusted: %(reason)s.")
            % {**where, "reason": error.verify_message or error.reason},
        )
    if isinstance(error, ssl.SSLError):
        return SourceError(
            "tls",
            _(
                "The encrypted connection to %(host)s:%(port)s failed (%(reason)s); "
                "check the security setting and the port."
            )
            % {**where, "reason": error.reason or error},
        )
    if isinstance(error, TimeoutError):
        return SourceError("tcp", _("%(host)s:%(port)s did not answer in time (TCP).") % where)
    if isinstance(error, ConnectionRefusedError):
        return SourceError("tcp", _("%(host)s:%(port)s refused the connection (TCP).") % where)
    return SourceError(
        "tcp",
        _("Could not connect to %(host)s:%(port)s (TCP): %(reason)s.")
        % {**where, "reason": error.strerror or error},
    )


def lost_connection(error: Exception) -> SourceError:
    return SourceError(
        "connection", _("The connection to the server was lost: %(reason)s.") % {"reason": error}
    )


@contextmanager
def source_open(mailbox: Mailbox) -> Iterator[Source]:
    """The mailbox's source, connected, logged in and ready; closed on leaving."""
    from kartoteka.mail.models import Mailbox
    from kartoteka.mail.receiving.sources.imap import ImapSource
    from kartoteka.mail.receiving.sources.pop3 import Pop3Source

    source: ImapSource | Pop3Source
    if mailbox.protocol == Mailbox.Protocol.IMAP:
        source = ImapSource(mailbox)
    elif mailbox.protocol == Mailbox.Protocol.POP3:
        source = Pop3Source(mailbox)
    else:
        raise SourceError("connection", _("This mailbox is not fetched: mail is delivered to it."))
    source.open()
    try:
        yield source
    finally:
        source.close()


def stored_password(mailbox: Mailbox) -> str:
    """The mailbox's incoming password, or a login ``SourceError`` when it cannot be read."""
    try:
        return mailbox.password
    except SecretUnreadable as error:
        raise SourceError(
            "login", _("The stored password cannot be read; enter it again.")
        ) from error
