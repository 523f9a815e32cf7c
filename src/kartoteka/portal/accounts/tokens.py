"""The secrets of one-time links, and the password reset links of portal users.

An invitation or registration link carries a random secret; the database keeps only its
SHA-256, so neither a copy of the database nor a log of queries opens a login. Password reset
links are Django's (``PasswordResetTokenGenerator``, which voids a link once the password
changes or the user signs in) under a salt of their own, so no other reset link of the
installation opens a portal login.
"""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.tokens import PasswordResetTokenGenerator

# Long enough that guessing is hopeless; URL-safe, so it travels in a path.
SECRET_BYTES = 32
SECRET_MAX_LENGTH = 64


def secret_new() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def secret_hash(secret: str) -> str:
    """The stored form of a link's secret; a malformed one hashes to nothing stored."""
    return hashlib.sha256(secret[:SECRET_MAX_LENGTH].encode("utf-8", "replace")).hexdigest()


class PortalPasswordResetTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "kartoteka.portal.accounts.tokens.PortalPasswordResetTokenGenerator"


password_reset_tokens = PortalPasswordResetTokenGenerator()
