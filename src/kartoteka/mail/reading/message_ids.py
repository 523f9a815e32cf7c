"""Message-IDs of the mail we send: they name the case and carry an HMAC, so a reply's
``In-Reply-To``/``References`` identifies its case positively and cannot be forged.

Form: ``kart.<case number>.<message pk>.<random>.<signature>@<domain>``, the signature being
the first 20 base32 characters of HMAC-SHA256(secret, "<case>.<message>.<random>").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from django.conf import settings

SIGNED_ID = re.compile(r"^kart\.(\d+)\.(\d+)\.([a-z0-9]{8})\.([a-z2-7]{20})@", re.IGNORECASE)


@dataclass(frozen=True)
class SignedReference:
    case_number: int
    message_pk: int


def _signature(payload: str) -> str:
    key = hashlib.sha256(b"kartoteka-message-id:" + settings.SECRET_KEY.encode()).digest()
    digest = hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest()
    return base64.b32encode(digest).decode("ascii")[:20].lower()


def signed_message_id(*, case_number: int, message_pk: int, domain: str) -> str:
    """A new Message-ID (without angle brackets) for a message of a case."""
    nonce = secrets.token_hex(4)
    payload = f"{case_number}.{message_pk}.{nonce}"
    return f"kart.{payload}.{_signature(payload)}@{domain}"


def read_signed(message_id: str) -> SignedReference | None:
    """The case and message a Message-ID of ours names, or None (foreign or forged)."""
    match = SIGNED_ID.match(message_id.strip().strip("<>"))
    if match is None:
        return None
    case, message, nonce, signature = match.groups()
    expected = _signature(f"{case}.{message}.{nonce.lower()}")
    if not hmac.compare_digest(expected, signature.lower()):
        return None
    return SignedReference(case_number=int(case), message_pk=int(message))
