"""Secrets at rest (mailbox passwords): encrypted with a key kept apart from the database.

The key comes from ``KARTOTEKA_SECRETS_KEY`` (or ``KARTOTEKA_SECRETS_KEY_FILE``), else from
``secrets.key`` in the data dir, generated on first use. A database dump alone reveals no
password; losing the key means re-entering the passwords, never a silent wrong value.
"""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING

from django.conf import settings

from kartoteka.env import env_str

if TYPE_CHECKING:
    from cryptography.fernet import Fernet


class SecretUnreadable(Exception):
    """The stored secret was encrypted with another key (or is damaged)."""


@cache
def _fernet() -> Fernet:
    # Imported here: every process loads the mail models (which use this module), few of them
    # a mailbox password, and cryptography takes 10 ms to import.
    from cryptography.fernet import Fernet

    key = env_str("KARTOTEKA_SECRETS_KEY")
    if not key:
        key_file = settings.DATA_DIR / "secrets.key"
        if not key_file.exists():
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(Fernet.generate_key().decode("ascii"))
        key = key_file.read_text(encoding="ascii").strip()
    return Fernet(key.encode("ascii"))


def encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode("utf-8")).decode("ascii") if plain else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    from cryptography.fernet import InvalidToken

    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as error:
        raise SecretUnreadable("the secret was stored with another key") from error
