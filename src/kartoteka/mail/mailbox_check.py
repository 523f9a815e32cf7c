"""The administrator's "Test connection": both directions, step by step, saying what failed.

Incoming (IMAP or POP3) and outgoing (SMTP) are each checked in order: name lookup (DNS),
connection (TCP), encryption (TLS, unless the security is "none"), login and, for IMAP, the
folder. Each step passed is listed; the first one that fails ends that direction with a
message saying what to check. Nothing is read, sent or changed on the servers.
"""

from __future__ import annotations

import contextlib
import imaplib
import poplib
import smtplib
import socket
from typing import NamedTuple

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kartoteka.core.crypto import SecretUnreadable
from kartoteka.mail.mailboxes import incoming_port, outgoing_host, outgoing_login, outgoing_port
from kartoteka.mail.models import Mailbox
from kartoteka.mail.receiving.sources import SourceError, connect_error, tls_context
from kartoteka.mail.receiving.sources.imap import imap_connect, imap_login, imap_select
from kartoteka.mail.receiving.sources.pop3 import pop3_connect, pop3_login

TIMEOUT_SECONDS = 10.0

STEP_LABELS = {
    "dns": gettext_lazy("Server name (DNS)"),
    "tcp": gettext_lazy("Connection (TCP)"),
    "tls": gettext_lazy("Encryption (TLS)"),
    "login": gettext_lazy("Login"),
    "folder": gettext_lazy("Folder"),
    "connection": gettext_lazy("Connection"),
    "setup": gettext_lazy("Settings"),
}


class ConnectionStep(NamedTuple):
    step: str  # "<incoming|outgoing>.<dns|tcp|tls|login|folder|connection|setup>"
    ok: bool
    message: str

    @property
    def direction(self) -> str:
        return self.step.partition(".")[0]

    @property
    def label(self) -> str:
        direction = _("Incoming") if self.direction == "incoming" else _("Outgoing")
        return f"{direction}: {STEP_LABELS[self.step.partition('.')[2]]}"


def connection_test(mailbox: Mailbox) -> list[ConnectionStep]:
    """Check the incoming and the outgoing server of ``mailbox`` (saved or not)."""
    return incoming_test(mailbox) + outgoing_test(mailbox)


class _Steps:
    """The steps of one direction, failing at the step a ``SourceError`` names."""

    ORDER = ("dns", "tcp", "tls", "login", "folder")

    def __init__(self, direction: str) -> None:
        self.direction = direction
        self.steps: list[ConnectionStep] = []
        self.passed: set[str] = set()

    def ok(self, step: str, message: str) -> None:
        self.steps.append(ConnectionStep(f"{self.direction}.{step}", True, message))
        self.passed.add(step)

    def fail(self, step: str, message: str) -> list[ConnectionStep]:
        self.steps.append(ConnectionStep(f"{self.direction}.{step}", False, message))
        return self.steps

    def resolve(self, host: str, port: int) -> bool:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as error:
            self.fail("dns", str(connect_error(socket.gaierror(str(error)), host=host, port=port)))
            return False
        address = infos[0][4][0]
        self.ok("dns", _("%(host)s is %(address)s.") % {"host": host, "address": address})
        return True

    def connected(self, host: str, port: int, security: str) -> None:
        self.ok("tcp", _("%(host)s:%(port)s answers.") % {"host": host, "port": port})
        if security != Mailbox.Security.NONE:
            self.ok("tls", _("The connection is encrypted and the certificate is valid."))

    def source_error(self, error: SourceError, host: str, port: int) -> list[ConnectionStep]:
        if error.step == "tls" and "tcp" not in self.passed:
            self.ok("tcp", _("%(host)s:%(port)s answers.") % {"host": host, "port": port})
        return self.fail(error.step, error.message)


def incoming_test(mailbox: Mailbox) -> list[ConnectionStep]:
    steps = _Steps("incoming")
    if mailbox.protocol == Mailbox.Protocol.NONE:
        steps.ok("setup", _("Mail is delivered by the mail server's pipe: nothing to connect to."))
        return steps.steps
    host, port = mailbox.host, incoming_port(mailbox)
    if not host:
        return steps.fail("setup", _("Enter the incoming server."))
    if not steps.resolve(host, port):
        return steps.steps
    client: imaplib.IMAP4 | poplib.POP3 | None = None
    try:
        if mailbox.protocol == Mailbox.Protocol.IMAP:
            client = imap_connect(mailbox, timeout=TIMEOUT_SECONDS)
            steps.connected(host, port, mailbox.security)
            imap_login(client, mailbox)
            steps.ok("login", _("Signed in as %(login)s.") % {"login": mailbox.login})
            folder = mailbox.imap_folder or "INBOX"
            imap_select(client, folder, readonly=True)
            steps.ok("folder", _("The folder %(folder)s opens.") % {"folder": folder})
        else:
            client = pop3_connect(mailbox, timeout=TIMEOUT_SECONDS)
            steps.connected(host, port, mailbox.security)
            pop3_login(client, mailbox)
            steps.ok("login", _("Signed in as %(login)s.") % {"login": mailbox.login})
    except SourceError as error:
        return steps.source_error(error, host, port)
    finally:
        if client is not None:
            _quit(client)
    return steps.steps


def _quit(client: imaplib.IMAP4 | poplib.POP3 | smtplib.SMTP) -> None:
    with contextlib.suppress(Exception):
        if isinstance(client, imaplib.IMAP4):
            client.logout()
        else:
            client.quit()
    with contextlib.suppress(Exception):
        client.close()  # type: ignore[union-attr]


def outgoing_test(mailbox: Mailbox) -> list[ConnectionStep]:
    steps = _Steps("outgoing")
    host, port = outgoing_host(mailbox), outgoing_port(mailbox)
    if not host:
        return steps.fail("setup", _("Enter the outgoing server."))
    if not steps.resolve(host, port):
        return steps.steps
    security = mailbox.smtp_security
    client: smtplib.SMTP | None = None
    try:
        try:
            client = _smtp_connect(host, port, security)
        except (OSError, smtplib.SMTPException) as error:
            return steps.source_error(_smtp_connect_error(error, host, port, security), host, port)
        steps.connected(host, port, security)
        login = outgoing_login(mailbox)
        if not login:
            return steps.steps
        try:
            password = mailbox.smtp_password
        except SecretUnreadable:
            return steps.fail("login", _("The stored password cannot be read; enter it again."))
        if not client.has_extn("auth"):
            return steps.fail("login", _("%(host)s offers no login (AUTH) here.") % {"host": host})
        try:
            client.login(login, password)
        except smtplib.SMTPAuthenticationError as error:
            return steps.fail(
                "login",
                _("Login failed for %(login)s: %(reason)s.")
                % {"login": login, "reason": _smtp_reason(error)},
            )
        except (OSError, smtplib.SMTPException) as error:
            return steps.fail(
                "connection",
                _("The connection to the server was lost: %(reason)s.") % {"reason": error},
            )
        steps.ok("login", _("Signed in as %(login)s.") % {"login": login})
    finally:
        if client is not None:
            _quit(client)
    return steps.steps


def _smtp_connect(host: str, port: int, security: str) -> smtplib.SMTP:
    if security == Mailbox.Security.SSL:
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            host, port, timeout=TIMEOUT_SECONDS, context=tls_context()
        )
    else:
        client = smtplib.SMTP(host, port, timeout=TIMEOUT_SECONDS)
    try:
        client.ehlo()
        if security == Mailbox.Security.STARTTLS:
            if not client.has_extn("starttls"):
                raise smtplib.SMTPNotSupportedError("STARTTLS")
            client.starttls(context=tls_context())
            client.ehlo()
    except BaseException:
        _quit(client)
        raise
    return client


def _smtp_reason(error: smtplib.SMTPResponseException) -> str:
    text = error.smtp_error
    reason = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{error.smtp_code} {reason}".rstrip(". ")


def _smtp_connect_error(error: Exception, host: str, port: int, security: str) -> SourceError:
    if isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException):
        return connect_error(error, host=host, port=port)
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return SourceError("tls", _("%(host)s does not offer STARTTLS.") % {"host": host})
    if isinstance(error, smtplib.SMTPServerDisconnected) and security == Mailbox.Security.SSL:
        return SourceError(
            "tls",
            _(
                "The encrypted connection to %(host)s:%(port)s failed; check the security "
                "setting and the port."
            )
            % {"host": host, "port": port},
        )
    return SourceError(
        "tcp",
        _("%(host)s:%(port)s does not answer like a mail (SMTP) server: %(reason)s.")
        % {"host": host, "port": port, "reason": error},
    )
