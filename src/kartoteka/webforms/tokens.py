"""The signed form token every page submission carries, and its optional proof of work.

A token is ``django.core.signing`` text (timestamped, salted for web forms) holding the form's
public key and a random one-time nonce: it expires after ``TOKEN_MAX_AGE``, a token of one form
is refused by another, and the nonce of an accepted submission is stored (unique), so the same
token is never accepted twice (``services.submission_accept``).

Proof of work (hashcash-like): the browser finds a number ``n`` such that
``sha256("<token>:<n>")`` starts with ``bits`` zero bits (``static/webforms/pow.js``); checking
it costs one hash here, finding it about 2**bits hashes there.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core import signing

SALT = "kartoteka.webforms.token"
TOKEN_MAX_AGE = timedelta(hours=2)
TOKEN_MAX_LENGTH = 200
POW_MAX_LENGTH = 20


class TokenError(Exception):
    """The token is missing, forged, expired or of another form."""


@dataclass(frozen=True)
class Token:
    text: str
    nonce: str


def token_issue(form_key: str) -> str:
    """A fresh token for the form of ``form_key``."""
    return signing.dumps({"k": form_key, "n": secrets.token_hex(16)}, salt=SALT)


def token_read(text: str, *, form_key: str) -> Token:
    """The token's nonce if ``text`` is a valid, unexpired token of this form, else
    ``TokenError``."""
    if not text or len(text) > TOKEN_MAX_LENGTH:
        raise TokenError("missing")
    try:
        payload = signing.loads(text, salt=SALT, max_age=TOKEN_MAX_AGE)
    except signing.SignatureExpired as error:
        raise TokenError("expired") from error
    except signing.BadSignature as error:
        raise TokenError("forged") from error
    if not isinstance(payload, dict) or payload.get("k") != form_key:
        raise TokenError("other form")
    nonce = payload.get("n")
    if not isinstance(nonce, str) or len(nonce) != 32:
        raise TokenError("forged")
    return Token(text=text, nonce=nonce)


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + 8 - byte.bit_length()
    return bits


def proof_valid(token: str, answer: str, *, bits: int) -> bool:
    """Whether ``answer`` (a decimal number) solves the token's challenge of ``bits``."""
    if not answer or len(answer) > POW_MAX_LENGTH or not answer.isdigit():
        return False
    digest = hashlib.sha256(f"{token}:{answer}".encode()).digest()
    return leading_zero_bits(digest) >= bits


def proof_solve(token: str, *, bits: int) -> str:
    """The answer ``pow.js`` would find (for tests, the bench and API clients)."""
    counter = 0
    while not proof_valid(token, str(counter), bits=bits):
        counter += 1
    return str(counter)
