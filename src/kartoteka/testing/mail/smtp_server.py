"""A real SMTP server (aiosmtpd) started by the tests on a free loopback port.

``smtp_server`` is a plain server accepting everything; ``smtp_server.variant()`` starts others:
STARTTLS or implicit TLS with a self-signed certificate made here (``trust()`` makes
``ssl.create_default_context()`` accept it), AUTH required, and faults switched on while it
runs (``mode``): refuse every recipient with 550, fail them temporarily with 451, or drop the
connection when the message data begins. Every accepted message is kept in ``received``.
"""

from __future__ import annotations

import contextlib
import functools
import ssl
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from kartoteka.testing.mail.dovecot import HOST, free_port, make_certificate

LOGIN = "mailer"
PASSWORD = "smtp-secret"


@dataclass
class Received:
    """One message as the server received it."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    login: str | None

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class SmtpServer:
    host: str
    port: int
    security: str  # "none", "starttls" or "ssl" (Mailbox.Security values)
    cert_path: Path | None
    auth: bool
    mode: str = "accept"  # "accept", "refuse" (550), "tempfail" (451) or "drop"
    received: list[Received] = field(default_factory=list)
    connections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    variant: Callable[..., SmtpServer] = field(repr=False, default=lambda **kwargs: None)  # type: ignore[assignment]

    def trust(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Make ``ssl.create_default_context()`` trust this server's certificate."""
        assert self.cert_path is not None
        monkeypatch.setenv("SSL_CERT_FILE", str(self.cert_path))

    def point(self, mailbox: Any, *, login: str = LOGIN, password: str = PASSWORD) -> None:
        """Make ``mailbox`` (saved) send through this server."""
        mailbox.smtp_host = self.host
        mailbox.smtp_port = self.port
        mailbox.smtp_security = self.security
        if self.auth:
            mailbox.smtp_login = login
            mailbox.smtp_password = password
        mailbox.save()


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        with self.server.lock:
            self.server.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.server.mode == "refuse":
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if self.server.mode == "tempfail":
            return "451 4.3.0 Try again later: mailbox busy"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.server.mode == "drop":
            server.transport.close()
            return "421 closing"
        login = session.auth_data.login.decode() if session.auth_data else None
        with self.server.lock:
            self.server.received.append(
                Received(
                    mail_from=envelope.mail_from,
                    rcpt_tos=list(envelope.rcpt_tos),
                    data=envelope.original_content or envelope.content,
                    login=login,
                )
            )
        return "250 2.0.0 Ok: queued"


def _authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == LOGIN.encode()
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


@contextlib.contextmanager
def running_smtp_server(
    *, security: str = "none", auth: bool = False, cert: tuple[Path, Path] | None = None
) -> Iterator[SmtpServer]:
    server_tls: ssl.SSLContext | None = None
    if security != "none":
        assert cert is not None
        server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server_tls.load_cert_chain(str(cert[0]), str(cert[1]))
    state = SmtpServer(
        host=HOST,
        port=free_port(),
        security=security,
        cert_path=cert[0] if cert else None,
        auth=auth,
    )
    smtp_kwargs: dict[str, Any] = {}
    if auth:
        smtp_kwargs.update(authenticator=_authenticator, auth_required=True)
        # aiosmtpd counts only STARTTLS as TLS; implicit TLS is encrypted from the start.
        smtp_kwargs["auth_require_tls"] = security == "starttls"
    if security == "starttls":
        smtp_kwargs.update(tls_context=server_tls, require_starttls=True)
    controller = Controller(
        _Handler(state),
        hostname=HOST,
        port=state.port,
        ssl_context=server_tls if security == "ssl" else None,
        server_hostname="localhost",
        ready_timeout=10,
        **smtp_kwargs,
    )
    controller.start()
    try:
        yield state
    finally:
        controller.stop()


@functools.cache
def _certificate() -> tuple[Path, Path]:
    """One self-signed certificate for every TLS server of this test process."""
    return make_certificate(Path(tempfile.mkdtemp(prefix="kartoteka-smtp-tls-")))


class SmtpServers:
    """The servers of one test: a plain one, and variants started on demand."""

    def __init__(self, stack: contextlib.ExitStack) -> None:
        self._stack = stack

    def start(self, *, security: str = "none", auth: bool = False) -> SmtpServer:
        cert = _certificate() if security != "none" else None
        return self._stack.enter_context(
            running_smtp_server(security=security, auth=auth, cert=cert)
        )


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A plain SMTP server accepting every message, for one test; ``smtp_server.variant(
    security="ssl", auth=True)`` starts another kind, stopped with it."""
    with contextlib.ExitStack() as stack:
        servers = SmtpServers(stack)
        server = servers.start()
        server.variant = servers.start
        yield server
