"""POP3: every message whose UIDL is not yet recorded, one at a time.

POP3 has no flags: "seen" is our ``Pop3Seen`` record of the UIDL, written in ``acknowledge``
after the receive pipeline committed the message. Messages stay on the server unless the
mailbox says delete; then ``DELE`` is sent for each acknowledged message and, as deletions
only take effect at ``QUIT``, also for recorded messages a lost connection left behind.
"""

from __future__ import annotations

import contextlib
import poplib
from collections.abc import Iterator

from django.utils.translation import gettext as _

from kartoteka.mail.mailboxes import incoming_port
from kartoteka.mail.models import Mailbox, Pop3Seen
from kartoteka.mail.receiving.sources import (
    TIMEOUT_SECONDS,
    RawMessage,
    SourceError,
    connect_error,
    lost_connection,
    stored_password,
    tls_context,
)

TRANSPORT_ERRORS = (poplib.error_proto, OSError, EOFError)
LOOKUP_BATCH = 500


def _text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).rstrip(". ")  # the messages around it end with their own stop


def pop3_connect(mailbox: Mailbox, *, timeout: float = TIMEOUT_SECONDS) -> poplib.POP3:
    """A connection to the mailbox's POP3 server, encrypted as its security says."""
    host, port = mailbox.host, incoming_port(mailbox)
    try:
        if mailbox.security == Mailbox.Security.SSL:
            return poplib.POP3_SSL(host, port, timeout=timeout, context=tls_context())
        client = poplib.POP3(host, port, timeout=timeout)
    except OSError as error:
        raise connect_error(error, host=host, port=port) from error
    except poplib.error_proto as error:
        raise SourceError(
            "tcp",
            _("%(host)s:%(port)s does not answer like a POP3 server: %(reason)s.")
            % {"host": host, "port": port, "reason": _text(error.args[0] if error.args else "")},
        ) from error
    if mailbox.security == Mailbox.Security.STARTTLS:
        try:
            client.stls(context=tls_context())
        except OSError as error:
            _close(client)
            raise connect_error(error, host=host, port=port) from error
        except poplib.error_proto as error:
            _close(client)
            raise SourceError(
                "tls",
                _("%(host)s does not offer STARTTLS: %(reason)s.")
                % {"host": host, "reason": _text(error.args[0] if error.args else "")},
            ) from error
    return client


def pop3_login(client: poplib.POP3, mailbox: Mailbox) -> None:
    password = stored_password(mailbox)
    try:
        client.user(mailbox.login)
        client.pass_(password)
    except poplib.error_proto as error:
        raise SourceError(
            "login",
            _("Login failed for %(login)s: %(reason)s.")
            % {"login": mailbox.login, "reason": _text(error.args[0] if error.args else "")},
        ) from error
    except (OSError, EOFError) as error:
        raise lost_connection(error) from error


def _close(client: poplib.POP3) -> None:
    with contextlib.suppress(*TRANSPORT_ERRORS):
        client.quit()
    with contextlib.suppress(OSError):
        client.close()


class Pop3Source:
    """The messages of a POP3 mailbox whose UIDL has not been recorded yet."""

    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox
        self.client: poplib.POP3 | None = None
        self.delete = mailbox.after_fetch == Mailbox.AfterFetch.DELETE

    def open(self) -> None:
        client = pop3_connect(self.mailbox)
        self.client = client
        try:
            pop3_login(client, self.mailbox)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """QUIT, which is when the server carries out the deletions of this session."""
        if self.client is not None:
            _close(self.client)
            self.client = None

    def messages(self) -> Iterator[RawMessage]:
        listing = self._listing()
        for batch_start in range(0, len(listing), LOOKUP_BATCH):
            batch = listing[batch_start : batch_start + LOOKUP_BATCH]
            recorded = set(
                Pop3Seen.objects.filter(
                    mailbox=self.mailbox, uidl__in=[uidl for _number, uidl in batch]
                ).values_list("uidl", flat=True)
            )
            for number, uidl in batch:
                if uidl in recorded:
                    if self.delete:
                        self._command("dele", number)
                    continue
                lines = self._command("retr", number)
                yield RawMessage(source=f"pop3:{uidl}", data=lines, number=number)

    def acknowledge(self, message: RawMessage) -> None:
        """The message is committed: record its UIDL, then delete it if the mailbox says so."""
        uidl = message.source.removeprefix("pop3:")
        Pop3Seen.objects.get_or_create(mailbox=self.mailbox, uidl=uidl)
        if self.delete:
            self._command("dele", message.number)

    def _listing(self) -> list[tuple[int, str]]:
        assert self.client is not None  # noqa: S101
        try:
            _response, lines, _size = self.client.uidl()
        except poplib.error_proto as error:
            raise SourceError(
                "connection",
                _("The server does not list message ids (UIDL): %(reason)s.")
                % {"reason": _text(error.args[0] if error.args else "")},
            ) from error
        except (OSError, EOFError) as error:
            raise lost_connection(error) from error
        listing = []
        for line in lines:
            number, _space, uidl = line.decode("ascii", "replace").partition(" ")
            listing.append((int(number), uidl.strip()))
        return listing

    def _command(self, command: str, number: int) -> bytes:
        assert self.client is not None  # noqa: S101
        try:
            if command == "retr":
                _response, lines, _size = self.client.retr(number)
                return b"\r\n".join(lines) + b"\r\n"
            self.client.dele(number)
        except TRANSPORT_ERRORS as error:
            raise lost_connection(error) from error
        return b""
