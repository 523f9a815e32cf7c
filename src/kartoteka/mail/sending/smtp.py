"""The SMTP transport: hand one message's bytes to a mailbox's outgoing server.

Security follows ``Mailbox.smtp_security``: implicit TLS (``SMTP_SSL``, port 465 by default),
STARTTLS (587) or none (25); certificates are verified against the system's trust store.
AUTH uses the mailbox's outgoing login and password, else its incoming ones. Every network
step has a timeout. The outcome is a ``SmtpResult``, or one of two errors: ``SmtpPermanentError``
(the server refused with a 5xx code: sending again will not help) and ``SmtpTemporaryError``
(4xx, a dropped connection, DNS, TLS, a timeout: worth another attempt later).
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from kartoteka.mail.models import Mailbox

TIMEOUT_SECONDS = 30.0
DEFAULT_PORTS = {"ssl": 465, "starttls": 587, "none": 25}


class SmtpError(Exception):
    """Sending failed; ``str()`` is what the server (or the network) said."""


class SmtpPermanentError(SmtpError):
    """The server refused for good (5xx)."""


class SmtpTemporaryError(SmtpError):
    """A failure worth another attempt later (4xx or the network)."""


@dataclass(frozen=True)
class SmtpResult:
    reply: str  # the server's answer to the message data
    refused: dict[str, str]  # recipients refused while others accepted: address -> reply


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    return f"{code} {text}".strip()


def smtp_endpoint(mailbox: Mailbox) -> tuple[str, int, str]:
    """(host, port, security) of the mailbox's outgoing server."""
    security = mailbox.smtp_security or "starttls"
    host = mailbox.smtp_host or mailbox.host
    port = mailbox.smtp_port or DEFAULT_PORTS.get(security, 25)
    return host, port, security


def _connect(mailbox: Mailbox, *, timeout: float) -> smtplib.SMTP:
    host, port, security = smtp_endpoint(mailbox)
    if not host:
        raise SmtpTemporaryError(_("The mailbox has no outgoing server."))
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if security == "ssl":
        client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
    try:
        client.ehlo_or_helo_if_needed()
        if security == "starttls":
            client.starttls(context=context)
            client.ehlo()
        login = mailbox.smtp_login or mailbox.login
        if login:
            client.login(login, mailbox.smtp_password)
    except BaseException:
        client.close()
        raise
    return client


def smtp_send(
    *,
    mailbox: Mailbox,
    sender: str,
    recipients: Sequence[str],
    data: bytes,
    timeout: float = TIMEOUT_SECONDS,
) -> SmtpResult:
    """Send ``data`` as it is to ``recipients`` through the mailbox's outgoing server.

    Raises ``SmtpPermanentError`` when the server refuses the sender, every recipient or the
    data with a 5xx code, ``SmtpTemporaryError`` for everything that may pass later.
    """
    client: smtplib.SMTP | None = None
    try:
        client = _connect(mailbox, timeout=timeout)
        code, answer = client.mail(sender)
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, answer, sender)
        refused: dict[str, tuple[int, bytes]] = {}
        for recipient in recipients:
            code, answer = client.rcpt(recipient)
            if code not in (250, 251):
                refused[recipient] = (code, answer)
        if len(refused) == len(recipients):
            raise smtplib.SMTPRecipientsRefused(refused)  # type: ignore[arg-type]
        code, answer = client.data(data)
        if code != 250:
            raise smtplib.SMTPDataError(code, answer)
        return SmtpResult(
            reply=_reply(code, answer),
            refused={address: _reply(c, m) for address, (c, m) in refused.items()},
        )
    except smtplib.SMTPRecipientsRefused as error:
        replies = {address: _reply(c, m) for address, (c, m) in error.recipients.items()}
        text = "; ".join(f"{address}: {reply}" for address, reply in replies.items())
        if all(c >= 500 for c, _m in error.recipients.values()):
            raise SmtpPermanentError(text) from error
        raise SmtpTemporaryError(text) from error
    except smtplib.SMTPAuthenticationError as error:
        # Wrong credentials are the installation's to fix: retried until someone does.
        raise SmtpTemporaryError(_reply(error.smtp_code, error.smtp_error)) from error
    except smtplib.SMTPResponseException as error:
        text = _reply(error.smtp_code, error.smtp_error)
        if error.smtp_code >= 500:
            raise SmtpPermanentError(text) from error
        raise SmtpTemporaryError(text) from error
    except (smtplib.SMTPException, OSError) as error:
        raise SmtpTemporaryError(str(error) or error.__class__.__name__) from error
    finally:
        if client is not None:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()
