"""A real Dovecot (IMAP and POP3, plain and TLS) started for the tests on free loopback ports.

The ``dovecot`` fixture starts one server per test process (xdist workers each get their own)
with a throwaway config, maildir, passwd file and a self-signed certificate made here; each test
asks it for a fresh account (``dovecot.new_account()``), so tests share no mail. Teardown stops
exactly the process it started, by the pid in its own ``master.pid``.

Without ``/usr/sbin/dovecot`` the tests that need it are skipped, unless
``KARTOTEKA_REQUIRE_MAIL_SERVERS=1`` (set by ``.ci/run``) makes the absence a failure.
"""

from __future__ import annotations

import contextlib
import datetime
import imaplib
import ipaddress
import itertools
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

DOVECOT = "/usr/sbin/dovecot"
HOST = "127.0.0.1"
START_TIMEOUT = 15.0
PASSWORD = "secret"
ACCOUNTS = 500  # users made ready at the start, one per test that asks


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """``count`` different loopback ports nobody listens on right now: the probes stay bound
    until all are chosen, so the system cannot hand out one port twice (Dovecot refuses a
    configuration with a duplicate listener)."""
    with contextlib.ExitStack() as probes:
        ports = []
        for _ in range(count):
            probe = probes.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            probe.bind((HOST, 0))
            ports.append(int(probe.getsockname()[1]))
        return ports


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1; returns (cert, key) paths."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=7))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = directory / "cert.pem"
    key_path = directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


@dataclass(frozen=True)
class Account:
    """One mail user of the test server, with its own empty maildir."""

    server: DovecotServer
    login: str
    password: str

    @contextlib.contextmanager
    def imap(self) -> Iterator[imaplib.IMAP4]:
        """A logged-in plain IMAP connection of this user (another mail client)."""
        client = imaplib.IMAP4(HOST, self.server.imap_port, timeout=10)
        try:
            client.login(self.login, self.password)
            yield client
        finally:
            with contextlib.suppress(Exception):
                client.logout()

    def append(self, raw: bytes, *, folder: str = "INBOX", flags: str = "") -> None:
        """Deliver ``raw`` into ``folder`` through IMAP APPEND (creating the folder if needed)."""
        with self.imap() as client:
            if folder != "INBOX":
                client.create(folder)  # an existing folder answers NO, which is fine
            status, data = client.append(
                folder,
                f"({flags})" if flags else None,
                None,
                raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"),
            )
            assert status == "OK", data

    def create_folder(self, folder: str) -> None:
        with self.imap() as client:
            status, data = client.create(folder)
            assert status == "OK", data

    def flags(self, folder: str = "INBOX") -> dict[str, set[str]]:
        """Each message's Message-ID header mapped to its flags, read without changing them."""
        result: dict[str, set[str]] = {}
        with self.imap() as client:
            status, _ = client.select(folder, readonly=True)
            assert status == "OK", folder
            status, data = client.uid(
                "FETCH", "1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])"
            )
            for item in data:
                if not isinstance(item, tuple):
                    continue
                meta, header = item
                flags = imaplib.ParseFlags(meta)
                message_id = header.decode().partition(":")[2].strip()
                result[message_id] = {flag.decode() for flag in flags}
        return result

    def count(self, folder: str = "INBOX") -> int:
        with self.imap() as client:
            status, data = client.select(folder, readonly=True)
            assert status == "OK", folder
            return int(data[0])

    def uidvalidity(self, folder: str = "INBOX") -> int:
        with self.imap() as client:
            status, data = client.status(folder, "(UIDVALIDITY)")
            assert status == "OK", data
            return int(data[0].split(b"UIDVALIDITY ")[1].rstrip(b")"))

    def renew_uidvalidity(self, folder: str = "INBOX") -> None:
        """Make the server announce a new UIDVALIDITY (as after a mailbox restore): the
        maildir's uidlist is removed, so Dovecot renumbers every message."""
        maildir = self.server.mail_dir / self.login
        if folder != "INBOX":
            maildir = maildir / f".{folder}"
        (maildir / "dovecot-uidlist").unlink()
        for index in maildir.glob("dovecot.index*"):
            index.unlink()
        time.sleep(1.1)  # UIDVALIDITY is a timestamp: make sure the new one differs


class DovecotServer:
    """A running Dovecot with plain and TLS listeners for IMAP and POP3."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.mail_dir = root / "mail"
        self.base_dir = root / "run"
        self.passwd_file = root / "passwd"
        self.config_file = root / "dovecot.conf"
        self.log_file = root / "dovecot.log"
        self.imap_port, self.imaps_port, self.pop3_port, self.pop3s_port = free_ports(4)
        self.host = HOST
        self.cert_path, self.key_path = make_certificate(root)
        self._numbers = itertools.count(1)
        self.pid: int | None = None

    def _owner(self) -> tuple[str, int, int]:
        """The ordinary user that owns the mail (Dovecot refuses root for its processes)."""
        root = os.geteuid() == 0
        entry = pwd.getpwnam("dovecot") if root else pwd.getpwuid(os.geteuid())
        return entry.pw_name, entry.pw_uid, entry.pw_gid

    def write_config(self) -> None:
        user, uid, gid = self._owner()
        self.mail_dir.mkdir()
        os.chown(self.mail_dir, uid, gid)
        # The users exist before the start: Dovecot notices a changed passwd file only once
        # per second, too late for a test that adds a user and logs in at once.
        users = ["support", *(f"user{number}" for number in range(1, ACCOUNTS + 1))]
        self.passwd_file.write_text("".join(f"{user}:{{PLAIN}}{PASSWORD}\n" for user in users))
        not_root = (
            ""
            if os.geteuid() == 0
            else (f"default_login_user = {user}\ndefault_internal_user = {user}\n")
        )
        self.config_file.write_text(
            f"""
protocols = imap pop3
listen = {HOST}
base_dir = {self.base_dir}
state_dir = {self.root / "state"}
log_path = {self.log_file}
info_log_path = {self.log_file}
instance_name = kartoteka-test-{os.getpid()}
{not_root}first_valid_uid = 1
mail_location = maildir:{self.mail_dir}/%u
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
ssl = yes
ssl_cert = <{self.cert_path}
ssl_key = <{self.key_path}
pop3_uidl_format = %08Xu%08Xv
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.passwd_file}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={self.mail_dir}/%u
}}
service imap-login {{
  inet_listener imap {{
    address = {HOST}
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    address = {HOST}
    port = {self.imaps_port}
    ssl = yes
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    address = {HOST}
    port = {self.pop3_port}
  }}
  inet_listener pop3s {{
    address = {HOST}
    port = {self.pop3s_port}
    ssl = yes
  }}
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""
        )

    def start(self) -> None:
        self.write_config()
        subprocess.run([DOVECOT, "-c", str(self.config_file)], check=True, timeout=30)
        pid_file = self.base_dir / "master.pid"
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if pid_file.exists() and pid_file.read_text().strip():
                self.pid = int(pid_file.read_text().strip())
            if self.pid and self._listening():
                return
            time.sleep(0.05)
        log = self.log_file.read_text() if self.log_file.exists() else ""
        self.stop()
        raise RuntimeError(f"Dovecot did not start:\n{log}")

    def _listening(self) -> bool:
        for port in (self.imap_port, self.imaps_port, self.pop3_port, self.pop3s_port):
            try:
                socket.create_connection((HOST, port), timeout=1).close()
            except OSError:
                return False
        return True

    def stop(self) -> None:
        """Stop exactly the master process this server started (its children follow it)."""
        if self.pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        self.pid = None

    def new_account(self) -> Account:
        """A user of its own with an empty maildir, for one test."""
        number = next(self._numbers)
        if number > ACCOUNTS:
            raise RuntimeError(f"all {ACCOUNTS} test accounts of this Dovecot are used")
        return Account(server=self, login=f"user{number}", password=PASSWORD)

    def trust(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Make ``ssl.create_default_context()`` trust this server's certificate."""
        monkeypatch.setenv("SSL_CERT_FILE", str(self.cert_path))

    def client_tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert_path))


def mail_servers_required() -> bool:
    return os.environ.get("KARTOTEKA_REQUIRE_MAIL_SERVERS") == "1"


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    """A running Dovecot for this test process; ask it for a fresh account per test."""
    if not Path(DOVECOT).exists():
        if mail_servers_required():
            pytest.fail(f"{DOVECOT} is missing and KARTOTEKA_REQUIRE_MAIL_SERVERS=1")
        pytest.skip(f"{DOVECOT} is missing (apt-get install dovecot-imapd dovecot-pop3d)")
    root = Path(tempfile.mkdtemp(prefix="kartoteka-dovecot-"))
    root.chmod(0o755)  # Dovecot's own processes run as another user and must reach the maildir
    server = DovecotServer(root)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
