"""The mailbox's "Test connection" against real servers: it says exactly which step failed."""

from __future__ import annotations

import pytest

from kartoteka.mail.mailbox_check import connection_test, incoming_test, outgoing_test
from kartoteka.mail.models import Mailbox
from kartoteka.testing.mail.dovecot import HOST, free_port
from kartoteka.testing.mail.smtp_server import LOGIN, PASSWORD

pytestmark = pytest.mark.django_db


def outcome(steps):
    return [(step.step, step.ok) for step in steps]


@pytest.mark.parametrize("protocol", [Mailbox.Protocol.IMAP, Mailbox.Protocol.POP3])
def test_every_incoming_step_passes(account, make_mailbox, protocol):
    mailbox = make_mailbox(protocol=protocol, security=Mailbox.Security.SSL)

    steps = incoming_test(mailbox)

    expected = [
        ("incoming.dns", True),
        ("incoming.tcp", True),
        ("incoming.tls", True),
        ("incoming.login", True),
    ]
    if protocol == Mailbox.Protocol.IMAP:
        expected.append(("incoming.folder", True))
    assert outcome(steps) == expected
    assert steps[3].message == f"Signed in as {account.login}."


def test_unknown_host_fails_at_dns(make_mailbox):
    mailbox = make_mailbox(host="nonexistent.invalid")

    steps = incoming_test(mailbox)

    assert outcome(steps) == [("incoming.dns", False)]
    assert steps[0].message == "The server name nonexistent.invalid could not be found (DNS)."


def test_closed_port_fails_at_tcp(make_mailbox):
    port = free_port()
    mailbox = make_mailbox(port=port)

    steps = incoming_test(mailbox)

    assert outcome(steps) == [("incoming.dns", True), ("incoming.tcp", False)]
    assert steps[1].message == f"{HOST}:{port} refused the connection (TCP)."


def test_ssl_on_the_plain_port_fails_at_tls(account, make_mailbox):
    mailbox = make_mailbox(security=Mailbox.Security.SSL, port=account.server.imap_port)

    steps = incoming_test(mailbox)

    assert outcome(steps) == [
        ("incoming.dns", True),
        ("incoming.tcp", True),
        ("incoming.tls", False),
    ]
    assert steps[2].message.startswith(f"The encrypted connection to {HOST}:")
    assert steps[2].message.endswith("check the security setting and the port.")


def test_untrusted_certificate_fails_at_tls(make_mailbox, monkeypatch):
    mailbox = make_mailbox(security=Mailbox.Security.SSL)
    monkeypatch.delenv("SSL_CERT_FILE")

    steps = incoming_test(mailbox)

    assert outcome(steps)[-1] == ("incoming.tls", False)
    assert steps[-1].message.startswith(f"The certificate of {HOST} is not trusted:")


@pytest.mark.parametrize("protocol", [Mailbox.Protocol.IMAP, Mailbox.Protocol.POP3])
def test_wrong_password_fails_at_login(account, make_mailbox, protocol):
    mailbox = make_mailbox(protocol=protocol, password="wrong")

    steps = incoming_test(mailbox)

    assert outcome(steps) == [
        ("incoming.dns", True),
        ("incoming.tcp", True),
        ("incoming.login", False),
    ]
    assert steps[-1].message.startswith(f"Login failed for {account.login}:")


def test_missing_folder_fails_at_folder(make_mailbox):
    mailbox = make_mailbox(imap_folder="Archiv")

    steps = incoming_test(mailbox)

    assert outcome(steps)[-1] == ("incoming.folder", False)
    assert steps[-1].message.startswith("The folder Archiv cannot be opened:")


def test_outgoing_starttls_with_login_passes(make_mailbox, smtp_server, monkeypatch):
    server = smtp_server.variant(security="starttls", auth=True)
    server.trust(monkeypatch)
    mailbox = make_mailbox()
    server.point(mailbox)

    steps = outgoing_test(mailbox)

    assert outcome(steps) == [
        ("outgoing.dns", True),
        ("outgoing.tcp", True),
        ("outgoing.tls", True),
        ("outgoing.login", True),
    ]
    assert steps[-1].message == f"Signed in as {LOGIN}."


def test_outgoing_wrong_password_fails_at_login(make_mailbox, smtp_server, monkeypatch):
    server = smtp_server.variant(security="starttls", auth=True)
    server.trust(monkeypatch)
    mailbox = make_mailbox()
    server.point(mailbox, password=PASSWORD + "-wrong")

    steps = outgoing_test(mailbox)

    assert outcome(steps)[-1] == ("outgoing.login", False)
    assert steps[-1].message.startswith(f"Login failed for {LOGIN}: 535")


def test_outgoing_starttls_missing_fails_at_tls(make_mailbox, smtp_server):
    mailbox = make_mailbox(smtp_security=Mailbox.Security.STARTTLS)
    mailbox.smtp_host, mailbox.smtp_port = smtp_server.host, smtp_server.port

    steps = outgoing_test(mailbox)

    assert outcome(steps) == [
        ("outgoing.dns", True),
        ("outgoing.tcp", True),
        ("outgoing.tls", False),
    ]
    assert steps[-1].message == f"{HOST} does not offer STARTTLS."


def test_both_directions_are_checked(make_mailbox, smtp_server, monkeypatch):
    server = smtp_server.variant(security="starttls", auth=True)
    server.trust(monkeypatch)  # the incoming side is plain IMAP here
    mailbox = make_mailbox()
    server.point(mailbox)

    steps = connection_test(mailbox)

    assert [(step.direction, step.ok) for step in steps] == [("incoming", True)] * 4 + [
        ("outgoing", True)
    ] * 4


def test_outgoing_login_without_auth_offered_fails_at_login(make_mailbox, smtp_server):
    # the incoming login is used for sending too, but this server offers no AUTH
    mailbox = make_mailbox(smtp_security=Mailbox.Security.NONE)
    mailbox.smtp_host, mailbox.smtp_port = smtp_server.host, smtp_server.port

    steps = outgoing_test(mailbox)

    assert outcome(steps)[-1] == ("outgoing.login", False)
    assert steps[-1].message == f"{HOST} offers no login (AUTH) here."
