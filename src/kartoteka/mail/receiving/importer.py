"""Importing an archive: ``kartoteka mail import PATH --mailbox NAME``.

PATH is an mbox file, a Maildir (``cur``/``new``/``tmp``) or a folder of ``.eml`` files (read
recursively, in sorted order). Every message goes through ``message_receive`` like a message
from the mail server, so it is placed (new case, append, triage) exactly as it would have
been, and a message already stored answers "duplicate". Old mail is not news: nothing of it
is reported (``cases.happenings.held``: no notifications, no rules).

A few messages are in memory at a time (those parsed ahead): the mbox is split line by line
as it is read, a folder is
listed and each file read when its turn comes.

Resumable: the number of messages done (and the key and SHA-256 of the last one) is kept in
``<data dir>/mail/imports/<sha1 of the mailbox and the absolute path>.json``, saved whenever
a batch of messages is committed (see ``batches``) and when the run stops. A rerun skips that
many messages without
storing them again, after checking that the last one done is still the same message (when it
is not, the archive changed and the run starts from the beginning, which is safe: duplicates
are recognised). A ``TemporaryFailure`` (our database or disk) stops the run with the
progress saved; the command exits 75.
"""

from __future__ import annotations

import hashlib
import json
import logging
import mailbox as mailbox_formats
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.db import DatabaseError

from kartoteka.cases import happenings
from kartoteka.mail.models import Mailbox
from kartoteka.mail.receiving.batches import Batch
from kartoteka.mail.receiving.inbound import TemporaryFailure, message_receive
from kartoteka.mail.receiving.knowledge import ReceivingContext, receiving_context
from kartoteka.mail.receiving.preparing import default_workers, prepared_in_order

PROGRESS_EVERY = 500  # a progress line on stderr every this many messages
EX_DATAERR = 65
EX_NOINPUT = 66
EX_NOUSER = 67
EX_TEMPFAIL = 75
ACTIONS = ("created", "appended", "triage", "duplicate", "ignored", "unparsable", "archived")

# An mbox separator: "From " at the start of the file or after an empty line, followed by
# the envelope sender and a date with a year ("From jan@example.com Mon Mar  2 10:00:00 2026",
# Thunderbird's "From - Mon Mar 02 10:00:00 2026"). A body line starting "From " that is not
# one of these stays in the message even where the writer forgot to quote it.
_MBOX_SEPARATOR = re.compile(rb"^From \S+ .*\d{4}")
# mboxrd quoting: one ">" is removed from every ">From ", ">>From "... line (which also
# undoes mboxo's ">From ").
_QUOTED_FROM = re.compile(rb"^>+From ")


class Writer(Protocol):
    """Where lines go: a text stream or a management command's ``OutputWrapper``."""

    def write(self, text: str, /) -> Any: ...


class ImportFailed(Exception):
    """The import cannot start or had to stop; ``exit_code`` is a sysexits code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class ArchivedMessage:
    key: str  # the message's place in the archive: a number, a Maildir key, a relative path
    read: Callable[[], bytes]


@dataclass
class Archive:
    kind: str  # "mbox", "maildir" or "eml"
    path: Path
    total: int | None  # messages, when known without reading them all
    size: int | None  # bytes of an mbox, for the ETA
    messages: Callable[[], Iterator[ArchivedMessage]]
    position: Callable[[], int] = lambda: 0  # bytes of the mbox read so far


@dataclass
class ImportReport:
    path: str
    mailbox: str
    kind: str
    read: int = 0  # messages taken from the archive in this run, skipped ones included
    skipped: int = 0  # done by a previous run, not delivered again
    empty: int = 0  # empty files or mbox entries, not delivered
    actions: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ACTIONS, 0))
    seconds: float = 0.0
    stopped: str = ""  # why the run stopped early; "" when it read everything

    @property
    def delivered(self) -> int:
        return sum(self.actions.values())

    @property
    def rate(self) -> float:
        return self.delivered / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        counts = ", ".join(f"{count} {action}" for action, count in self.actions.items())
        extra = ""
        if self.skipped:
            extra += f", {self.skipped} skipped (done by an earlier run)"
        if self.empty:
            extra += f", {self.empty} empty"
        return (
            f"Imported {self.path} ({self.kind}) into {self.mailbox}: {self.read} messages"
            f"{extra}; {counts}; {self.seconds:.1f} s, {self.rate:.0f} messages/s"
        )


def run(
    path: str | os.PathLike[str],
    *,
    mailbox_name: str,
    stdout: Writer | None = None,
    stderr: Writer | None = None,
    restart: bool = False,
    progress_every: int = PROGRESS_EVERY,
    quiet_log: bool = True,
    workers: int | None = None,
) -> ImportReport:
    """Import every message of the archive at ``path`` into the named mailbox.

    Prints a progress line to ``stderr`` every ``progress_every`` messages and the summary to
    ``stdout``; returns the report. ``restart`` ignores the saved progress (messages already
    stored still answer "duplicate"). ``quiet_log`` keeps the per-message INFO log lines of the
    receive pipeline out of the way during the import (warnings still show). ``workers`` is
    how many processes parse ahead (default: one per core but one; 0: none, all in this one).

    Raises ``ImportFailed`` for an unknown mailbox, an unreadable path, or a temporary failure
    of our database or disk (the progress is saved; run the same command again).
    """
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    target = Mailbox.objects.filter(name=mailbox_name).first()
    if target is None:
        raise ImportFailed(f"There is no mailbox {mailbox_name}.", EX_NOUSER)
    archive = archive_open(Path(path))
    progress_file = progress_path(archive.path, target)
    saved = {} if restart else _progress_load(progress_file)
    report = ImportReport(path=str(archive.path), mailbox=target.name, kind=archive.kind)
    logger = logging.getLogger("kartoteka.mail")
    level = logger.level
    if quiet_log and logger.getEffectiveLevel() < logging.WARNING:
        logger.setLevel(logging.WARNING)
    meter = _Progress(archive, err, progress_every)
    done = 0
    last: dict[str, str] = {}
    try:
        # An archive is history: its cases and messages are nobody's news (no followers told,
        # no rules run, no customer notified).
        with happenings.held():
            done, last = _import(
                archive,
                target,
                saved,
                report,
                meter,
                progress_file,
                workers=default_workers() if workers is None else workers,
            )
    finally:
        logger.setLevel(level)
        report.seconds = meter.elapsed()
    if report.stopped:
        _progress_save(progress_file, archive, target, done, last)
        raise ImportFailed(report.stopped, EX_TEMPFAIL)
    _progress_save(progress_file, archive, target, done, last, complete=True)
    meter.line(report, final=True)
    out.write(report.summary() + "\n")
    return report


def _import(
    archive: Archive,
    target: Mailbox,
    saved: dict[str, Any],
    report: ImportReport,
    meter: _Progress,
    progress_file: Path,
    workers: int,
) -> tuple[int, dict[str, str]]:
    """Deliver the archive's messages past the saved progress; returns the progress reached.

    ``workers`` processes prepare (store and parse) the messages ahead while this one places
    them, in the archive's order (see ``preparing``)."""
    skip = int(saved.get("done", 0)) if saved else 0
    last: dict[str, str] = dict(saved.get("last") or {}) if saved else {}
    if skip and not _same_start(archive, skip, last):
        meter.note(
            f"{archive.path} changed since the last import: reading it again from the start "
            "(messages already stored are recognised as duplicates)"
        )
        skip, last = 0, {}
    done = 0
    source_prefix = f"import:{archive.path}:"
    context: ReceivingContext | None = None
    batch = Batch()
    committed: tuple[int, dict[str, str]] = (skip, last)

    def to_deliver() -> Iterator[tuple[ArchivedMessage, bytes]]:
        nonlocal done
        for item in archive.messages():
            if done < skip:
                report.read += 1
                done += 1
                report.skipped += 1
                meter.tick(report)
                continue
            yield item, item.read()

    def commit() -> None:
        nonlocal committed
        for action, count in batch.commit().items():
            report.actions[action] += count
        committed = (done, last)
        _progress_save(progress_file, archive, target, done, last)

    def stop(item: ArchivedMessage, error: Exception) -> None:
        report.stopped = (
            f"Stopped at message {done + 1} ({item.key}): {error}. The progress is saved "
            f"(up to message {committed[0]}): run the same command again to continue."
        )

    try:
        for item, raw, outcome in prepared_in_order(to_deliver(), workers=workers):
            report.read += 1
            if isinstance(outcome, TemporaryFailure):  # our disk: what is stored stays stored
                commit()
                stop(item, outcome)
                return committed
            if outcome is None:
                report.empty += 1
            else:
                batch.open()
                try:
                    context = context.fresh() if context is not None else receiving_context()
                    receipt = message_receive(
                        raw=raw,
                        mailbox=target,
                        source=source_prefix + item.key,
                        context=context,
                        prepared=outcome,
                    )
                except (TemporaryFailure, DatabaseError) as error:
                    batch.rollback(error)  # our database: the batch is read again next time
                    stop(item, error)
                    return committed
                batch.actions[receipt.action] += 1
            done += 1
            last = {"key": item.key, "sha256": hashlib.sha256(raw).hexdigest()}
            if batch.full():
                commit()
            meter.tick(report)
        commit()
    except BaseException as error:
        # Ctrl-C or anything unexpected: what was committed stays done.
        batch.rollback(error)
        _progress_save(progress_file, archive, target, *committed)
        raise
    return committed


def _same_start(archive: Archive, skip: int, last: dict[str, str]) -> bool:
    """Whether message number ``skip`` of the archive is still the last one done before."""
    if not last:
        return False
    for number, item in enumerate(archive.messages(), start=1):
        if number == skip:
            return item.key == last.get("key") and (
                hashlib.sha256(item.read()).hexdigest() == last.get("sha256")
            )
    return False


# --- archives ------------------------------------------------------------------------------


def archive_open(path: Path) -> Archive:
    """The archive at ``path``: an mbox file, a Maildir or a folder of .eml files."""
    path = path.expanduser().absolute()
    if not path.exists():
        raise ImportFailed(f"{path} does not exist.", EX_NOINPUT)
    if path.is_file():
        return _mbox(path)
    if path.is_dir() and all((path / name).is_dir() for name in ("cur", "new")):
        return _maildir(path)
    if path.is_dir():
        return _eml_folder(path)
    raise ImportFailed(f"{path} is neither a file nor a folder.", EX_NOINPUT)


def _mbox(path: Path) -> Archive:
    size = path.stat().st_size
    with path.open("rb") as handle:
        first = handle.readline()
    if size and not first.startswith(b"From "):
        if path.suffix.lower() == ".eml":  # a single message
            return Archive(
                kind="eml",
                path=path,
                total=1,
                size=None,
                messages=lambda: iter([ArchivedMessage(path.name, path.read_bytes)]),
            )
        raise ImportFailed(
            f"{path} is not an mbox file (it does not start with a 'From ' line), a Maildir "
            "or a folder of .eml files.",
            EX_DATAERR,
        )
    position = [0]

    def messages() -> Iterator[ArchivedMessage]:
        for number, data in enumerate(mbox_split(path, position), start=1):
            yield ArchivedMessage(str(number), lambda data=data: data)  # type: ignore[misc]

    return Archive(
        kind="mbox",
        path=path,
        total=None,
        size=size,
        messages=messages,
        position=lambda: position[0],
    )


def mbox_split(path: Path, position: list[int] | None = None) -> Iterator[bytes]:
    """Each message of the mbox file at ``path``, without its "From " line, unquoted.

    Reads line by line and keeps one message in memory; ``position[0]`` follows the bytes
    read. The empty line before a separator belongs to the format and is dropped.
    """
    lines: list[bytes] = []
    previous_empty = True
    started = False
    read = 0
    with path.open("rb") as handle:
        for line in handle:
            read += len(line)
            if previous_empty and line.startswith(b"From ") and _MBOX_SEPARATOR.match(line):
                if started:
                    if position is not None:
                        position[0] = read - len(line)
                    yield _mbox_message(lines)
                lines = []
                started = True
                previous_empty = False
                continue
            previous_empty = line in (b"\n", b"\r\n")
            if started:
                lines.append(line[1:] if line[:1] == b">" and _QUOTED_FROM.match(line) else line)
    if started:
        if position is not None:
            position[0] = read
        yield _mbox_message(lines)


def _mbox_message(lines: list[bytes]) -> bytes:
    if lines and lines[-1] in (b"\n", b"\r\n"):
        lines = lines[:-1]
    return b"".join(lines)


def _maildir(path: Path) -> Archive:
    box = mailbox_formats.Maildir(path, factory=None, create=False)
    keys = sorted(box.iterkeys())

    def messages() -> Iterator[ArchivedMessage]:
        for key in keys:
            yield ArchivedMessage(key, lambda key=key: _maildir_read(box, key))  # type: ignore[misc]

    return Archive(kind="maildir", path=path, total=len(keys), size=None, messages=messages)


def _maildir_read(box: mailbox_formats.Maildir, key: str) -> bytes:
    try:
        return box.get_bytes(key)
    except KeyError:  # moved by a mail client since the listing
        return b""


def _eml_folder(path: Path) -> Archive:
    files = sorted(
        (item for item in path.rglob("*") if item.suffix.lower() == ".eml" and item.is_file()),
        key=lambda item: item.relative_to(path).parts,
    )
    if not files:
        raise ImportFailed(
            f"{path} holds no .eml files and is not a Maildir (no cur and new folders).",
            EX_NOINPUT,
        )

    def messages() -> Iterator[ArchivedMessage]:
        for file in files:
            yield ArchivedMessage(file.relative_to(path).as_posix(), file.read_bytes)

    return Archive(kind="eml", path=path, total=len(files), size=None, messages=messages)


# --- progress ------------------------------------------------------------------------------


def progress_path(path: Path, target: Mailbox) -> Path:
    """Where the progress of importing ``path`` into ``target`` is kept (in the data dir)."""
    digest = hashlib.sha1(  # noqa: S324 - a file name, not a security measure
        f"{target.pk}\0{path}".encode("utf-8", "surrogateescape")
    ).hexdigest()
    return Path(settings.DATA_DIR) / "mail" / "imports" / f"{digest}.json"


def _progress_load(file: Path) -> dict[str, Any]:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _progress_save(
    file: Path,
    archive: Archive,
    target: Mailbox,
    done: int,
    last: dict[str, str],
    *,
    complete: bool = False,
) -> None:
    data = {
        "path": str(archive.path),
        "mailbox": target.name,
        "done": done,
        "last": last,
        "complete": complete,
        "saved_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=file.parent, prefix=".progress-")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        os.replace(temporary, file)
    except OSError:
        # Only the skipping on a rerun is lost: duplicates are still recognised.
        logging.getLogger("kartoteka.mail").warning("cannot save the import progress to %s", file)


class _Progress:
    """Plain progress lines: count, rate and, when the size of the job is known, the ETA."""

    def __init__(self, archive: Archive, stream: Writer, every: int) -> None:
        self.archive = archive
        self.stream = stream
        self.every = max(1, every)
        self.started = time.monotonic()
        # Where delivering started (after the skipped messages): the ETA follows its pace.
        self.delivering_since: tuple[float, float] | None = None

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def note(self, text: str) -> None:
        self.stream.write(f"import: {text}\n")
        flush = getattr(self.stream, "flush", None)
        if flush is not None:
            flush()

    def _fraction(self, report: ImportReport) -> float | None:
        if self.archive.total:
            return report.read / self.archive.total
        if self.archive.size:
            return self.archive.position() / self.archive.size
        return None

    def tick(self, report: ImportReport) -> None:
        if self.delivering_since is None and report.read > report.skipped:
            self.delivering_since = (time.monotonic(), self._fraction(report) or 0.0)
        if report.read % self.every == 0 and report.read != self.archive.total:
            self.line(report)  # (the last one is followed by the final line anyway)

    def line(self, report: ImportReport, *, final: bool = False) -> None:
        elapsed = self.elapsed()
        total = self.archive.total
        fraction = self._fraction(report)
        count = f"{report.read:,}" + (f"/{total:,}" if total else "") + " messages"
        parts = [count + (f" ({fraction:.0%})" if total and fraction is not None else "")]
        if not total and self.archive.size and fraction is not None:
            parts.append(f"{fraction:.0%} of {self.archive.size / 1_048_576:,.1f} MB")
        rate = report.delivered / elapsed if elapsed > 0 else 0.0
        parts.append(f"{rate:,.0f}/s")
        if report.skipped:
            parts.append(f"{report.skipped:,} skipped")
        if final:
            parts.append(f"done in {_duration(elapsed)}")
        elif fraction is not None and self.delivering_since is not None:
            since, base = self.delivering_since
            if fraction > base:
                remaining = (time.monotonic() - since) * (1 - fraction) / (fraction - base)
                parts.append(f"ETA {_duration(remaining)}")
        self.note(", ".join(parts))


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
