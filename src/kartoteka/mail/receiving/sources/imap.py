"""IMAP: read a folder past its cursor, one message at a time, flags untouched until told.

The folder's ``ImapCursor`` keeps its UIDVALIDITY and the last UID acknowledged, so a message
is read once whether or not another mail client has read it (``\\Seen`` plays no part).
Messages are fetched with ``BODY.PEEK[]``, which never sets ``\\Seen``. When the server
announces a new UIDVALIDITY every UID has changed meaning: the folder is read again from the
start and the receive pipeline recognises the messages it already has.

``acknowledge`` runs after the pipeline committed a message: only then is it marked seen,
moved or deleted as the mailbox says, and the cursor moved past it (saved after each message,
so an interrupted fetch resumes where it stopped).
"""

from __future__ import annotations

import base64
import contextlib
import imaplib
import re
from collections.abc import Iterator

from django.utils.translation import gettext as _

from kartoteka.mail.mailboxes import incoming_port
from kartoteka.mail.models import ImapCursor, Mailbox
from kartoteka.mail.receiving.sources import (
    TIMEOUT_SECONDS,
    RawMessage,
    SourceError,
    connect_error,
    lost_connection,
    stored_password,
    tls_context,
)

TRANSPORT_ERRORS = (imaplib.IMAP4.error, OSError, EOFError)
_UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)")


def folder_name(folder: str) -> str:
    """A folder name as an IMAP argument: modified UTF-7 (RFC 3501 5.1.3), quoted."""
    encoded: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            chunk = base64.b64encode("".join(pending).encode("utf-16-be")).decode("ascii")
            encoded.append("&" + chunk.rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in folder:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            encoded.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    name = "".join(encoded).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{name}"'


def _server_text(data: object) -> str:
    """The server's words from a response (a list of lines, a line or an error's text)."""
    if isinstance(data, list):
        data = data[-1] if data else b""
    if isinstance(data, tuple):
        data = data[0]
    if isinstance(data, bytes):
        data = data.decode("utf-8", "replace")
    return str(data or "").rstrip(". ")  # the messages around it end with their own stop


def imap_connect(mailbox: Mailbox, *, timeout: float = TIMEOUT_SECONDS) -> imaplib.IMAP4:
    """A connection to the mailbox's IMAP server, encrypted as its security says."""
    host, port = mailbox.host, incoming_port(mailbox)
    try:
        if mailbox.security == Mailbox.Security.SSL:
            return imaplib.IMAP4_SSL(host, port, ssl_context=tls_context(), timeout=timeout)
        client = imaplib.IMAP4(host, port, timeout=timeout)
    except OSError as error:
        raise connect_error(error, host=host, port=port) from error
    except imaplib.IMAP4.error as error:
        raise SourceError(
            "tcp",
            _("%(host)s:%(port)s does not answer like an IMAP server: %(reason)s.")
            % {"host": host, "port": port, "reason": error},
        ) from error
    if mailbox.security == Mailbox.Security.STARTTLS:
        try:
            client.starttls(ssl_context=tls_context())
        except OSError as error:
            _close(client)
            raise connect_error(error, host=host, port=port) from error
        except imaplib.IMAP4.error as error:
            _close(client)
            raise SourceError(
                "tls",
                _("%(host)s does not offer STARTTLS: %(reason)s.")
                % {"host": host, "reason": error},
            ) from error
    return client


def imap_login(client: imaplib.IMAP4, mailbox: Mailbox) -> None:
    password = stored_password(mailbox)
    try:
        client.login(mailbox.login, password)
    except imaplib.IMAP4.abort as error:
        raise lost_connection(error) from error
    except imaplib.IMAP4.error as error:
        raise SourceError(
            "login",
            _("Login failed for %(login)s: %(reason)s.")
            % {"login": mailbox.login, "reason": _server_text(error.args[0] if error.args else "")},
        ) from error
    except OSError as error:
        raise lost_connection(error) from error


def imap_select(client: imaplib.IMAP4, folder: str, *, readonly: bool) -> int:
    """Open ``folder`` and return its UIDVALIDITY."""
    try:
        status, data = client.select(folder_name(folder), readonly=readonly)
    except imaplib.IMAP4.abort as error:
        raise lost_connection(error) from error
    except imaplib.IMAP4.error as error:
        status, data = "NO", [str(error).encode()]
    except OSError as error:
        raise lost_connection(error) from error
    if status != "OK":
        raise SourceError(
            "folder",
            _("The folder %(folder)s cannot be opened: %(reason)s.")
            % {"folder": folder, "reason": _server_text(data)},
        )
    _name, values = client.response("UIDVALIDITY")
    if values and values[0]:
        return int(values[0])
    match = _UIDVALIDITY.search(b" ".join(item for item in data if isinstance(item, bytes)))
    return int(match.group(1)) if match else 0


def _close(client: imaplib.IMAP4) -> None:
    with contextlib.suppress(*TRANSPORT_ERRORS):
        client.logout()
    with contextlib.suppress(OSError):
        client.shutdown()


class ImapSource:
    """The messages of one IMAP folder that the cursor has not passed yet."""

    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox
        self.folder = mailbox.imap_folder or "INBOX"
        self.client: imaplib.IMAP4 | None = None
        self.uidvalidity = 0
        self.last_uid = 0
        self.capabilities: set[str] = set()

    def open(self) -> None:
        client = imap_connect(self.mailbox)
        self.client = client
        try:
            imap_login(client, self.mailbox)
            self.capabilities = self._capabilities()
            keep = self.mailbox.after_fetch == Mailbox.AfterFetch.KEEP
            self.uidvalidity = imap_select(client, self.folder, readonly=keep)
        except BaseException:
            self.close()
            raise
        self.last_uid = self._cursor_start()

    def close(self) -> None:
        if self.client is not None:
            _close(self.client)
            self.client = None

    def messages(self) -> Iterator[RawMessage]:
        """Each message past the cursor, oldest UID first, fetched only when its turn comes."""
        for uid in self._new_uids():
            data = self._fetch(uid)
            if data is None:
                continue  # expunged by another client since the search
            source = f"imap:{self.folder}:{self.uidvalidity}:{uid}"
            yield RawMessage(source=source, data=data, number=uid)

    def acknowledge(self, message: RawMessage) -> None:
        """The message is committed: apply the mailbox's after-fetch action, move the cursor."""
        uid = str(message.number)
        action = self.mailbox.after_fetch
        try:
            if action == Mailbox.AfterFetch.MARK_SEEN:
                self._command("STORE", uid, "+FLAGS.SILENT", "(\\Seen)")
            elif action == Mailbox.AfterFetch.MOVE:
                self._move(uid, self.mailbox.move_to_folder)
            elif action == Mailbox.AfterFetch.DELETE:
                self._delete(uid)
        except TRANSPORT_ERRORS as error:
            raise lost_connection(error) from error
        ImapCursor.objects.filter(
            mailbox=self.mailbox,
            folder=self.folder,
            uidvalidity=self.uidvalidity,
            last_uid__lt=message.number,
        ).update(last_uid=message.number)
        self.last_uid = max(self.last_uid, message.number)

    def _cursor_start(self) -> int:
        """The last UID read in this folder, or 0 when UIDVALIDITY changed (read again)."""
        cursor, _created = ImapCursor.objects.get_or_create(
            mailbox=self.mailbox, folder=self.folder, defaults={"uidvalidity": self.uidvalidity}
        )
        if cursor.uidvalidity != self.uidvalidity:
            ImapCursor.objects.filter(pk=cursor.pk).update(uidvalidity=self.uidvalidity, last_uid=0)
            return 0
        return cursor.last_uid

    def _capabilities(self) -> set[str]:
        assert self.client is not None  # noqa: S101
        try:
            status, data = self.client.capability()
        except TRANSPORT_ERRORS as error:
            raise lost_connection(error) from error
        words = _server_text(data).upper().split() if status == "OK" else []
        return set(words) | {str(word).upper() for word in self.client.capabilities}

    def _new_uids(self) -> list[int]:
        if self.last_uid:
            data = self._command("SEARCH", "UID", f"{self.last_uid + 1}:*")
        else:
            data = self._command("SEARCH", "ALL")
        words = b" ".join(item for item in data if isinstance(item, bytes)).split()
        # "n:*" also matches the highest UID when it is below n: keep only the new ones.
        return sorted(uid for uid in map(int, words) if uid > self.last_uid)

    def _fetch(self, uid: int) -> bytes | None:
        for item in self._command("FETCH", str(uid), "(BODY.PEEK[])"):
            if isinstance(item, tuple) and b"BODY[]" in item[0]:
                return item[1]
        return None

    def _move(self, uid: str, target: str) -> None:
        if "MOVE" in self.capabilities:
            status, data = self._try("MOVE", uid, folder_name(target))
            if status != "OK" and b"TRYCREATE" in _server_text(data).upper().encode():
                self._create(target)
                status, data = self._try("MOVE", uid, folder_name(target))
            if status != "OK":
                raise self._refused(data)
            return
        status, data = self._try("COPY", uid, folder_name(target))
        if status != "OK" and b"TRYCREATE" in _server_text(data).upper().encode():
            self._create(target)
            status, data = self._try("COPY", uid, folder_name(target))
        if status != "OK":
            raise self._refused(data)
        self._delete(uid)

    def _delete(self, uid: str) -> None:
        self._command("STORE", uid, "+FLAGS.SILENT", "(\\Deleted)")
        if "UIDPLUS" in self.capabilities:
            self._command("EXPUNGE", uid)
        else:  # without UIDPLUS only a whole-folder EXPUNGE exists
            assert self.client is not None  # noqa: S101
            self.client.expunge()

    def _create(self, folder: str) -> None:
        assert self.client is not None  # noqa: S101
        self.client.create(folder_name(folder))

    def _try(self, command: str, *args: str) -> tuple[str, list[bytes]]:
        assert self.client is not None  # noqa: S101
        try:
            status, data = self.client.uid(command, *args)
        except imaplib.IMAP4.abort:
            raise
        except imaplib.IMAP4.error as error:
            return "NO", [str(error).encode()]
        return status, data

    def _command(self, command: str, *args: str) -> list[bytes]:
        try:
            status, data = self._try(command, *args)
        except TRANSPORT_ERRORS as error:
            raise lost_connection(error) from error
        if status != "OK":
            raise self._refused(data)
        return data

    def _refused(self, data: list[bytes]) -> SourceError:
        return SourceError(
            "connection",
            _("The server refused a command: %(reason)s.") % {"reason": _server_text(data)},
        )
