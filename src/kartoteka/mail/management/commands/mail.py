"""Mail from the command line.

kartoteka mail deliver --mailbox NAME|ADDRESS < message.eml
                                                       take one message from the mail server
kartoteka mail parse FILE... [--json]                  show what the parser reads in files
kartoteka mail fetch [--mailbox NAME]                  fetch IMAP/POP3 mailboxes now
kartoteka mail import PATH --mailbox NAME [--restart]  take an mbox, a Maildir or .eml files
kartoteka mail reprocess --all | ID...                 read unparsable messages again

``deliver`` is for the mail server's pipe (Postfix ``mailbox_command``, an alias, procmail).
``--mailbox`` takes the mailbox's name or its address (in any case): give the mail server the
address, which stays when an administrator renames the mailbox in the settings. It prints one
JSON line ``{"action", "case", "reason"}`` and exits with a sysexits code the mail server
understands: 0 stored (also a duplicate, triage or ignored message), 75 temporary failure (the
database or the disk: the server queues the message and retries), 65 input that can never be
accepted (after its bytes were kept), 67 no such mailbox.

``reprocess`` runs the pipeline again on stored messages (after a parser fix): ``--all`` takes
every unparsable message, oldest first; IDs name messages that are unparsable or wait in
triage with an error. It prints one JSON line per message, ``{"message", "action", "case",
"reason"}`` or ``{"message", "error"}``, and exits 65 when a named message was refused, 75 on
a temporary failure.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

if TYPE_CHECKING:
    from kartoteka.mail.models import Mailbox

EX_USAGE = 64
EX_DATAERR = 65
EX_NOUSER = 67
EX_TEMPFAIL = 75
DELIVER_MAX_BYTES = 50 * 1024 * 1024


class Command(BaseCommand):
    help = __doc__
    stealth_options = ("stdin",)  # a binary stream in place of stdin, for tests
    # The mail server starts one process per message: skip the system checks' start-up cost.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        deliver = commands.add_parser("deliver", help="store one message read from stdin")
        deliver.add_argument(
            "--mailbox",
            required=True,
            metavar="NAME|ADDRESS",
            help="the mailbox's name or address (the address survives a rename)",
        )
        parse = commands.add_parser("parse", help="print what the parser reads in files")
        parse.add_argument("files", nargs="+", metavar="FILE")
        parse.add_argument("--json", action="store_true", help="one JSON array (the default)")
        fetch = commands.add_parser("fetch", help="fetch IMAP and POP3 mailboxes now")
        fetch.add_argument("--mailbox", help="only this mailbox (active or not)")
        archive = commands.add_parser("import", help="import an mbox, Maildir or .eml folder")
        archive.add_argument("path")
        archive.add_argument("--mailbox", required=True, help="the mailbox's name")
        archive.add_argument(
            "--restart",
            action="store_true",
            help="ignore the saved progress of an earlier run (stored messages stay duplicates)",
        )
        archive.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processes parsing ahead (default: one per CPU core but one; 0: none)",
        )
        again = commands.add_parser("reprocess", help="read unparsable messages again")
        again.add_argument("ids", nargs="*", type=int, metavar="ID", help="the messages' ids")
        again.add_argument(
            "--all", dest="every", action="store_true", help="every unparsable message"
        )

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        handler = getattr(self, f"_{subcommand.replace('-', '_')}")
        handler(**options)

    # deliver

    def _deliver(self, *, mailbox: str, **options: Any) -> None:
        stdin: BinaryIO = options.get("stdin") or sys.stdin.buffer
        exit_code, line, error = deliver(stdin.read(), mailbox_name=mailbox)
        if line is not None:
            self.stdout.write(json.dumps(line, ensure_ascii=False))
        if exit_code:
            raise CommandError(error, returncode=exit_code)

    # Imported when called, so each subcommand needs only its own modules.

    def _parse(self, *, files: list[str], **options: Any) -> None:
        from kartoteka.mail.reading.as_json import run

        # The wrapper writes through to the real stream; run() needs only its write().
        status = run(files, cast(TextIO, self.stdout))
        if status:
            raise CommandError("some files could not be read", returncode=status)

    def _fetch(self, *, mailbox: str | None = None, **options: Any) -> None:
        from kartoteka.mail.models import Mailbox
        from kartoteka.mail.receiving.fetch import fetch_all

        try:
            reports = fetch_all(mailbox_name=mailbox)
        except Mailbox.DoesNotExist as error:
            raise CommandError(f"There is no mailbox {mailbox}.", returncode=EX_NOUSER) from error
        for report in reports:
            self.stdout.write(
                f"{report.mailbox.name}: {report.fetched} fetched, {report.stored} stored, "
                f"{report.duplicates} duplicates" + (f"; {report.error}" if report.error else "")
            )
        if any(report.error for report in reports):
            raise CommandError("Some mailboxes could not be fetched.", returncode=EX_TEMPFAIL)

    def _import(
        self,
        *,
        path: str,
        mailbox: str,
        restart: bool = False,
        workers: int | None = None,
        **options: Any,
    ) -> None:
        from kartoteka.mail.receiving.importer import ImportFailed, run

        if workers is not None and workers < 0:
            raise CommandError("--workers must be 0 or more.", returncode=EX_USAGE)
        self.stderr.style_func = None  # progress lines, not errors
        try:
            run(
                path,
                mailbox_name=mailbox,
                stdout=self.stdout,
                stderr=self.stderr,
                restart=restart,
                workers=workers,
            )
        except ImportFailed as error:
            raise CommandError(str(error), returncode=error.exit_code) from error
        except DatabaseError as error:
            raise CommandError(
                f"Temporary failure, run the import again later: {error}", returncode=EX_TEMPFAIL
            ) from error

    def _reprocess(self, *, ids: list[int], every: bool = False, **options: Any) -> None:
        from django.core.exceptions import ValidationError

        from kartoteka.mail.models import Message
        from kartoteka.mail.receiving.inbound import TemporaryFailure
        from kartoteka.mail.receiving.reprocess import (
            message_reprocess,
            messages_reprocess_unparsable,
        )

        if every == bool(ids):
            raise CommandError("Give either --all or message ids.", returncode=EX_USAGE)
        refused = 0
        try:
            if every:
                for receipt in messages_reprocess_unparsable():
                    self._reprocess_line({"message": receipt.message_pk, **receipt.as_json()})
            for pk in ids:
                message = Message.objects.filter(pk=pk).first()
                if message is None:
                    refused += 1
                    self._reprocess_line({"message": pk, "error": "There is no such message."})
                    continue
                try:
                    receipt = message_reprocess(message=message, by=None)
                except ValidationError as error:
                    refused += 1
                    self._reprocess_line({"message": pk, "error": " ".join(error.messages)})
                else:
                    self._reprocess_line({"message": pk, **receipt.as_json()})
        except (TemporaryFailure, DatabaseError) as error:
            raise CommandError(
                f"Temporary failure, reprocess again later: {error}", returncode=EX_TEMPFAIL
            ) from error
        if refused:
            raise CommandError(
                f"Not reprocessed: {refused} of {len(ids)} messages.", returncode=EX_DATAERR
            )

    def _reprocess_line(self, line: dict[str, Any]) -> None:
        self.stdout.write(json.dumps(line, ensure_ascii=False))


def mailbox_for_pipe(name_or_address: str) -> Mailbox | None:
    """The mailbox named ``name_or_address``, else the one with that address (any case).

    A name wins over an address: a mailbox may be named like another one's address. One query.
    """
    from django.db.models import Q

    from kartoteka.mail.models import Mailbox

    wanted = name_or_address.strip()
    if not wanted:
        return None
    found = list(Mailbox.objects.filter(Q(name=wanted) | Q(address__iexact=wanted))[:3])
    by_name = [mailbox for mailbox in found if mailbox.name == wanted]
    if by_name:
        return by_name[0]
    # Stored addresses are unique as typed: two that differ in case only name no one mailbox.
    return found[0] if len(found) == 1 else None


def deliver(raw: bytes, *, mailbox_name: str) -> tuple[int, dict[str, Any] | None, str]:
    """Store ``raw`` for the named mailbox: (exit code, the JSON line, the error).

    The bytes are kept in the raw store before anything else (once: ``message_receive`` is
    given their hash), so even input that is refused (empty, too big) or a database that is
    down loses nothing.
    """
    from kartoteka.mail.rawstore import raw_store
    from kartoteka.mail.receiving.inbound import TemporaryFailure, message_receive

    try:
        sha256 = raw_store(raw)
    except OSError as error:
        return EX_TEMPFAIL, None, f"Temporary failure, cannot keep the message: {error}"
    if not raw.strip():
        return EX_DATAERR, None, "The input is empty: there is no message to store."
    if len(raw) > DELIVER_MAX_BYTES:
        limit = DELIVER_MAX_BYTES // (1024 * 1024)
        return EX_DATAERR, None, f"The message is larger than {limit} MB; kept as {sha256}."
    try:
        mailbox = mailbox_for_pipe(mailbox_name)
        if mailbox is None:
            return EX_NOUSER, None, f"There is no mailbox {mailbox_name}."
        receipt = message_receive(raw=raw, sha256=sha256, mailbox=mailbox, source="pipe")
    except (TemporaryFailure, DatabaseError) as error:
        return EX_TEMPFAIL, None, f"Temporary failure, deliver again later: {error}"
    return 0, receipt.as_json(), ""
