"""``kartoteka mail deliver``: the mail server's pipe, its JSON line and its exit codes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError

from kartoteka.customers.models import EmailAddress
from kartoteka.mail.models import Mailbox, Message
from kartoteka.mail.rawstore import raw_path
from kartoteka.mail.receiving import inbound
from kartoteka.testing.customers import ContactFactory

MESSAGE = (
    b"From: Jan Kowalski <jan@klient.example>\r\n"
    b"To: pomoc@firma.example\r\n"
    b"Subject: Drukarka nie drukuje\r\n"
    b"Message-ID: <pipe-1@klient.example>\r\n"
    b"Date: Mon, 02 Mar 2026 10:00:00 +0100\r\n"
    b"\r\n"
    b"Dzien dobry.\r\n"
)


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def mailbox(db: None) -> Mailbox:
    return Mailbox.objects.create(name="pomoc", address="pomoc@firma.example")


def deliver(raw: bytes, mailbox: str = "pomoc") -> tuple[dict[str, object], int]:
    out = StringIO()
    try:
        call_command("mail", "deliver", "--mailbox", mailbox, stdin=BytesIO(raw), stdout=out)
    except CommandError as error:
        return {"stdout": out.getvalue(), "error": str(error)}, error.returncode
    return json.loads(out.getvalue()), 0


def test_deliver_prints_one_json_line_and_exits_0(mailbox) -> None:
    # given
    contact = ContactFactory()
    EmailAddress.objects.create(contact=contact, address="jan@klient.example")
    # when
    line, code = deliver(MESSAGE)
    # then
    message = Message.objects.get()
    assert code == 0
    assert line == {
        "action": "created",
        "case": message.case.number,
        "reason": "new case from a known sender",
    }


def test_deliver_of_the_same_message_twice_says_duplicate(mailbox) -> None:
    deliver(MESSAGE)
    line, code = deliver(MESSAGE)
    assert (line, code) == ({"action": "duplicate", "case": None, "reason": "already stored"}, 0)
    assert Message.objects.count() == 1


def test_triage_is_stored_so_exits_0(mailbox) -> None:
    line, code = deliver(MESSAGE)
    assert (line, code) == ({"action": "triage", "case": None, "reason": "unknown sender"}, 0)


def test_deliver_hashes_and_stores_the_raw_bytes_once(mailbox, monkeypatch) -> None:
    # given
    import hashlib

    from kartoteka.mail import rawstore

    writes: list[Path] = []
    hashed: list[bytes] = []
    durable_write, sha256 = rawstore.durable_write, hashlib.sha256

    def counted_write(path: Path, data: bytes) -> None:
        writes.append(path)
        durable_write(path, data)

    def counted_sha256(data: bytes = b"", **kwargs: bool) -> object:
        hashed.append(bytes(data))
        return sha256(data, **kwargs)

    monkeypatch.setattr(rawstore, "durable_write", counted_write)
    monkeypatch.setattr(hashlib, "sha256", counted_sha256)
    # when
    line, code = deliver(MESSAGE)
    # then
    assert (line["action"], code) == ("triage", 0)
    assert writes == [raw_path(sha256(MESSAGE).hexdigest())]
    assert hashed.count(MESSAGE) == 1


def test_unknown_mailbox_exits_67_and_says_so(mailbox) -> None:
    line, code = deliver(MESSAGE, mailbox="nie-ma")
    assert code == 67
    assert line == {"stdout": "", "error": "There is no mailbox nie-ma."}


def test_empty_input_exits_65(mailbox) -> None:
    line, code = deliver(b"  \r\n")
    assert code == 65
    assert line["error"] == "The input is empty: there is no message to store."


def test_too_big_input_is_kept_and_exits_65(mailbox, monkeypatch, data_dir) -> None:
    monkeypatch.setattr("kartoteka.mail.management.commands.mail.DELIVER_MAX_BYTES", 100)
    line, code = deliver(MESSAGE)
    assert code == 65
    assert str(line["error"]).startswith("The message is larger than 0 MB; kept as ")
    assert Message.objects.count() == 0
    assert len(list((data_dir / "mail" / "raw").rglob("*.eml"))) == 1


def test_database_unavailable_exits_75_with_the_raw_kept(mailbox, monkeypatch) -> None:
    # given
    def down(*args: object, **kwargs: object) -> None:
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(inbound, "knowledge_gather", down)
    # when
    line, code = deliver(MESSAGE)
    # then
    assert code == 75
    assert line["error"] == (
        "Temporary failure, deliver again later: database error: could not connect to server"
    )
    import hashlib

    assert raw_path(hashlib.sha256(MESSAGE).hexdigest()).read_bytes() == MESSAGE


# Real processes, as the mail server runs it


def process_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PORT", "DEBUG"}}
    env.update(
        KARTOTEKA_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="kartoteka.settings",
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


def kartoteka(*args: str) -> list[str]:
    return [sys.executable, "-m", "kartoteka", *args]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def migrated_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("deliver")
    subprocess.run(kartoteka("migrate", "-v0"), env=process_env(data_dir), check=True)
    script = (
        "from kartoteka.mail.models import Mailbox;"
        "Mailbox.objects.create(name='pomoc', address='pomoc@firma.example')"
    )
    subprocess.run(kartoteka("shell", "-c", script), env=process_env(data_dir), check=True)
    return data_dir


def test_deliver_through_a_real_process_stores_once(migrated_dir: Path) -> None:
    # when
    runs = [
        subprocess.run(
            kartoteka("mail", "deliver", "--mailbox", "pomoc"),
            input=MESSAGE,
            env=process_env(migrated_dir),
            capture_output=True,
            timeout=60,
            check=False,
        )
        for _ in range(2)
    ]
    # then
    assert [run.returncode for run in runs] == [0, 0], runs[0].stderr
    assert [json.loads(run.stdout) for run in runs] == [
        {"action": "triage", "case": None, "reason": "unknown sender"},
        {"action": "duplicate", "case": None, "reason": "already stored"},
    ]


def test_deliver_to_an_unknown_mailbox_through_a_real_process_exits_67(
    migrated_dir: Path,
) -> None:
    run = subprocess.run(
        kartoteka("mail", "deliver", "--mailbox", "nie-ma"),
        input=MESSAGE,
        env=process_env(migrated_dir),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert (run.returncode, run.stdout) == (67, b"")
    assert b"There is no mailbox nie-ma." in run.stderr


def test_deliver_with_the_database_down_exits_75_and_keeps_the_raw(tmp_path: Path) -> None:
    # given a database server that does not answer
    url = f"postgres://kartoteka:x@127.0.0.1:{closed_port()}/kartoteka"
    # when
    run = subprocess.run(
        kartoteka("mail", "deliver", "--mailbox", "pomoc"),
        input=MESSAGE,
        env=process_env(tmp_path, DATABASE_URL=url),
        capture_output=True,
        timeout=60,
        check=False,
    )
    # then
    assert run.returncode == 75, run.stderr
    assert b"Temporary failure" in run.stderr
    assert len(list((tmp_path / "mail" / "raw").rglob("*.eml"))) == 1
