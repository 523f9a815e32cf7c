"""``kartoteka mail import``: mbox, Maildir and .eml folders, each message stored once."""

from __future__ import annotations

import json
import mailbox as mailbox_formats
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from kartoteka.mail.models import Mailbox, Message
from kartoteka.mail.receiving import batches, importer
from kartoteka.mail.receiving.importer import ImportFailed, mbox_split, progress_path
from kartoteka.mail.receiving.inbound import TemporaryFailure


def eml(number: int, body: str = "") -> bytes:
    return (
        f"From: Klient {number} <klient{number}@example.com>\n"
        "To: pomoc@firma.example\n"
        f"Subject: Zgłoszenie {number}\n"
        f"Message-ID: <import-{number}@example.com>\n"
        "Date: Mon, 02 Mar 2026 10:00:00 +0100\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n"
        f"{body or f'Treść numer {number}.'}\n"
    ).encode()


MBOX = (
    b"From klient1@example.com Mon Mar  2 10:00:00 2026\n"
    + eml(1)
    + b"\nFrom klient2@example.com Mon Mar  2 10:01:00 2026\n"
    + eml(2, "First line.\n\n>From the start it failed.\n>>From quoted twice.\nEnd.")
    + b"\nFrom - Mon Mar 02 10:02:00 2026\n"
    + eml(3)
)


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    return tmp_path / "data"


@pytest.fixture(autouse=True)
def _batches_by_count(monkeypatch) -> None:
    """Batches end by their count only: what a test stores does not hang on its speed."""
    monkeypatch.setattr(batches, "BATCH_SECONDS", 3600)


@pytest.fixture
def mailbox(db: None) -> Mailbox:
    return Mailbox.objects.create(
        name="pomoc", address="pomoc@firma.example", protocol=Mailbox.Protocol.NONE
    )


@pytest.fixture
def mbox_file(tmp_path: Path) -> Path:
    path = tmp_path / "Inbox.mbox"
    path.write_bytes(MBOX)
    return path


def run(path: Path, *, restart: bool = False) -> importer.ImportReport:
    return importer.run(
        path, mailbox_name="pomoc", stdout=StringIO(), stderr=StringIO(), restart=restart
    )


def stored_ids() -> list[str]:
    return sorted(Message.objects.values_list("message_id", flat=True))


def test_an_mbox_stores_each_message_once_with_from_lines_unquoted(mailbox, mbox_file) -> None:
    report = run(mbox_file)
    assert report.kind == "mbox"
    assert report.read == 3
    assert report.actions["triage"] == 3
    assert stored_ids() == ["import-1@example.com", "import-2@example.com", "import-3@example.com"]
    text = Message.objects.get(message_id="import-2@example.com").text
    assert "\nFrom the start it failed.\n>From quoted twice.\nEnd." in text
    assert not text.endswith("\n\n")  # the empty line before the next "From " is the format's


def test_the_mbox_splitter_keeps_body_lines_that_only_look_like_separators(tmp_path) -> None:
    path = tmp_path / "odd.mbox"
    path.write_bytes(
        b"From a@example.com Mon Mar  2 10:00:00 2026\n"
        b"Subject: one\n\nFrom what I see (not after an empty line? it is):\n"
        b"From here on\n\nFrom now on, no date here\n"
        b"\nFrom b@example.com Mon Mar  2 10:00:00 2026\nSubject: two\n\nbody\n"
    )
    messages = list(mbox_split(path))
    assert len(messages) == 2
    assert b"From here on\n\nFrom now on, no date here\n" in messages[0]
    assert messages[1] == b"Subject: two\n\nbody\n"


def test_a_maildir_stores_each_message_once(mailbox, tmp_path) -> None:
    box = mailbox_formats.Maildir(tmp_path / "Maildir", create=True)
    for number in (1, 2, 3):
        box.add(eml(number))
    report = run(tmp_path / "Maildir")
    assert report.kind == "maildir"
    assert report.read == 3
    assert stored_ids() == ["import-1@example.com", "import-2@example.com", "import-3@example.com"]


def test_a_folder_of_eml_files_is_read_recursively_in_order(mailbox, tmp_path) -> None:
    folder = tmp_path / "export"
    (folder / "2026" / "03").mkdir(parents=True)
    (folder / "b.eml").write_bytes(eml(2))
    (folder / "a.EML").write_bytes(eml(1))
    (folder / "2026" / "03" / "c.eml").write_bytes(eml(3))
    (folder / "notes.txt").write_text("not a message")
    err = StringIO()
    report = importer.run(
        folder, mailbox_name="pomoc", stdout=StringIO(), stderr=err, progress_every=1
    )
    assert report.kind == "eml"
    assert report.read == 3
    assert stored_ids() == ["import-1@example.com", "import-2@example.com", "import-3@example.com"]
    # sorted by path: the subfolder first, then a.EML, b.eml
    assert list(Message.objects.order_by("pk").values_list("message_id", flat=True)) == [
        "import-3@example.com",
        "import-1@example.com",
        "import-2@example.com",
    ]
    assert "import: 1/3 messages (33%)" in err.getvalue()


def test_a_second_run_stores_nothing(mailbox, mbox_file) -> None:
    run(mbox_file)
    again = run(mbox_file)
    assert (again.skipped, again.delivered) == (3, 0)
    from_start = run(mbox_file, restart=True)
    assert from_start.actions["duplicate"] == 3
    assert Message.objects.count() == 3


def test_messages_added_to_the_mbox_later_are_imported_on_the_next_run(mailbox, mbox_file) -> None:
    run(mbox_file)
    with mbox_file.open("ab") as handle:
        handle.write(b"\nFrom klient4@example.com Mon Mar  2 11:00:00 2026\n" + eml(4))
    report = run(mbox_file)
    assert (report.skipped, report.actions["triage"]) == (3, 1)
    assert Message.objects.count() == 4


def test_an_interrupted_run_continues_where_it_stopped(mailbox, mbox_file, monkeypatch) -> None:
    # given: the database fails on the second message (the first is in the same batch)
    calls = []
    real = importer.message_receive

    def failing(**kwargs):
        calls.append(kwargs["source"])
        if len(calls) == 2:
            raise TemporaryFailure("database error: disk I/O error")
        return real(**kwargs)

    monkeypatch.setattr(importer, "message_receive", failing)
    # when
    with pytest.raises(ImportFailed) as stopped:
        run(mbox_file)
    # then: the batch was rolled back whole, and the progress says so
    assert stopped.value.exit_code == 75
    assert "Stopped at message 2" in str(stopped.value)
    assert "(up to message 0)" in str(stopped.value)
    assert Message.objects.count() == 0
    progress = json.loads(progress_path(mbox_file, mailbox).read_text())
    assert progress["done"] == 0
    assert progress["complete"] is False
    # when: run again
    report = run(mbox_file)
    # then: every message once
    assert report.actions["triage"] == 3
    assert stored_ids() == ["import-1@example.com", "import-2@example.com", "import-3@example.com"]
    assert calls == [f"import:{mbox_file}:{n}" for n in (1, 2, 1, 2, 3)]


def test_a_batch_committed_before_a_failure_stays_and_is_skipped_next_time(
    mailbox, tmp_path, monkeypatch
) -> None:
    # given: 60 messages; the database fails on the 55th, after the first batch of 50
    monkeypatch.setattr(batches, "BATCH_MESSAGES", 50)
    folder = conversation_folder(tmp_path, 30)
    real = importer.message_receive
    calls = []

    def failing(**kwargs):
        calls.append(kwargs["source"])
        if len(calls) == 55:
            raise TemporaryFailure("database error: disk I/O error")
        return real(**kwargs)

    monkeypatch.setattr(importer, "message_receive", failing)
    # when
    with pytest.raises(ImportFailed):
        importer.run(folder, mailbox_name="pomoc", stdout=StringIO(), stderr=StringIO())
    # then: the committed batch stays
    assert Message.objects.count() == 50
    assert json.loads(progress_path(folder, mailbox).read_text())["done"] == 50
    # when: run again
    report = importer.run(folder, mailbox_name="pomoc", stdout=StringIO(), stderr=StringIO())
    # then: the rest, once
    assert (report.skipped, report.delivered) == (50, 10)
    assert Message.objects.count() == 60


def test_a_changed_archive_is_read_again_and_duplicates_are_recognised(mailbox, tmp_path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "b.eml").write_bytes(eml(2))
    run(folder)
    (folder / "a.eml").write_bytes(eml(1))  # sorts before the one done
    err = StringIO()
    report = importer.run(folder, mailbox_name="pomoc", stdout=StringIO(), stderr=err)
    assert "changed since the last import" in err.getvalue()
    assert (report.skipped, report.actions["triage"], report.actions["duplicate"]) == (0, 1, 1)
    assert Message.objects.count() == 2


def test_an_unknown_mailbox_is_a_clear_error(mailbox, mbox_file) -> None:
    with pytest.raises(ImportFailed, match="There is no mailbox nope") as error:
        importer.run(mbox_file, mailbox_name="nope", stdout=StringIO(), stderr=StringIO())
    assert error.value.exit_code == 67
    with pytest.raises(CommandError, match="There is no mailbox nope") as command_error:
        call_command("mail", "import", str(mbox_file), "--mailbox", "nope", stderr=StringIO())
    assert command_error.value.returncode == 67
    assert Message.objects.count() == 0


def test_a_path_that_is_no_archive_is_a_clear_error(mailbox, tmp_path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ImportFailed, match="is not an mbox file"):
        run(tmp_path / "notes.txt")
    with pytest.raises(ImportFailed, match="does not exist"):
        run(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ImportFailed, match=r"holds no \.eml files"):
        run(tmp_path / "empty")


def test_the_command_prints_the_summary_and_exits_75_on_a_temporary_failure(
    mailbox, mbox_file, monkeypatch
) -> None:
    out = StringIO()
    call_command(
        "mail", "import", str(mbox_file), "--mailbox", "pomoc", stdout=out, stderr=StringIO()
    )
    assert "3 messages" in out.getvalue()
    assert "3 triage" in out.getvalue()

    def failing(**kwargs):
        raise TemporaryFailure("cannot keep the raw message: No space left on device")

    monkeypatch.setattr(importer, "message_receive", failing)
    with pytest.raises(CommandError) as error:
        call_command(
            "mail", "import", str(mbox_file), "--mailbox", "pomoc", "--restart", stderr=StringIO()
        )
    assert error.value.returncode == 75
    assert "run the same command again" in str(error.value)


# Preparing in other processes


def conversation_folder(tmp_path: Path, count: int) -> Path:
    """Messages and, right after each, the customer's reply to it (In-Reply-To only): a
    reply placed before its original would open a case of its own."""
    folder = tmp_path / "conversation"
    folder.mkdir()
    for number in range(count):
        (folder / f"{number:03d}a.eml").write_bytes(eml(number))
        reply = eml(number).replace(
            f"Message-ID: <import-{number}@example.com>".encode(),
            f"Message-ID: <reply-{number}@example.com>\n"
            f"In-Reply-To: <import-{number}@example.com>".encode(),
        )
        (folder / f"{number:03d}b.eml").write_bytes(reply)
    return folder


@pytest.mark.parametrize("workers", [0, 2])
def test_workers_parsing_ahead_keep_the_archive_order(mailbox, tmp_path, workers) -> None:
    # given: 40 messages, each followed by a reply to it (more than a chunk per worker)
    mailbox.unknown_sender = Mailbox.UnknownSender.NEW_CASE
    mailbox.save()
    folder = conversation_folder(tmp_path, 40)
    # when
    report = importer.run(
        folder, mailbox_name="pomoc", stdout=StringIO(), stderr=StringIO(), workers=workers
    )
    # then: every reply is in the case its original opened
    assert (report.actions["created"], report.actions["appended"]) == (40, 40)
    for number in range(40):
        original = Message.objects.get(message_id=f"import-{number}@example.com")
        reply = Message.objects.get(message_id=f"reply-{number}@example.com")
        assert reply.case_id == original.case_id is not None
    assert list(Message.objects.order_by("pk").values_list("message_id", flat=True)[:3]) == [
        "import-0@example.com",
        "reply-0@example.com",
        "import-1@example.com",
    ]


def test_a_disk_failure_in_a_worker_stops_the_import_with_the_progress_saved(
    mailbox, tmp_path, monkeypatch
) -> None:
    # given: the raw store refuses the 21st message (in a worker process, forked after this)
    from kartoteka.mail.receiving import inbound

    real = inbound.raw_store

    def failing(raw: bytes) -> str:
        if b"import-10@" in raw:
            raise OSError(28, "No space left on device")
        return real(raw)

    monkeypatch.setattr(inbound, "raw_store", failing)
    folder = conversation_folder(tmp_path, 20)
    # when
    with pytest.raises(ImportFailed) as stopped:
        importer.run(folder, mailbox_name="pomoc", stdout=StringIO(), stderr=StringIO(), workers=2)
    # then: the 20 messages before it are stored (the batch is committed: the database is
    # fine), the run says where it stopped
    assert stopped.value.exit_code == 75
    assert "Stopped at message 21 (010a.eml)" in str(stopped.value)
    assert "No space left on device" in str(stopped.value)
    assert Message.objects.count() == 20
    assert json.loads(progress_path(folder, mailbox).read_text())["done"] == 20
