"""Whether a received message proves its sender, before it is placed (``sender_check``).

The From header is whatever the sender typed. It is believed for mail that claims to come
from us (a staff address, one of our own domains) only when proved: by a trusted receiving
server's ``Authentication-Results`` (``reading.sender.results_verify``) or, when the mailbox
asks for it, by a valid DKIM signature aligned with the From domain, checked here. Unproved,
such mail waits in triage (``threading.decide``). Customers' mail is placed as before: most
installations fetch from a provider whose results they cannot vouch for.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import dkim
import dkim.dnsplug

from kartoteka.mail.models import Mailbox, Message
from kartoteka.mail.reading.parsed import ParsedMessage
from kartoteka.mail.reading.sender import (
    NAME_IS_ADDRESS,
    SEVERAL_ADDRESSES,
    address_domain,
    aligned,
    results_verify,
)
from kartoteka.mail.receiving.knowledge import ReceivingContext

logger = logging.getLogger("kartoteka.mail")

# ``dkimpy``'s lookup of a TXT record: ``(name: bytes, timeout: int) -> bytes | None``.
DnsLookup = Callable[..., bytes | None]
DKIM_SIGNATURES_CHECKED = 5  # a message signed on its way by a few servers; more is abuse
DKIM_DNS_TIMEOUT = 5  # seconds per lookup

_DOUBT = {
    SEVERAL_ADDRESSES: "suspicious sender: the From header holds several addresses",
    NAME_IS_ADDRESS: "suspicious sender: the sender's name is another email address",
}


@dataclass(frozen=True)
class SenderCheck:
    verification: str  # a ``Message.SenderVerification``
    evidence: str  # what proved the sender, or why nothing did
    claims_own: bool  # a staff address or one of our own domains
    suspicion: str  # a ``Message.SenderSuspicion``

    def fill(self, message: Message) -> None:
        """Set the judgement on the (unsaved) ``message``."""
        message.sender_verification = self.verification
        message.sender_evidence = self.evidence
        message.sender_claims_own = self.claims_own
        message.sender_suspicion = self.suspicion

    @property
    def doubt(self) -> str:
        """Why the message must not be placed by itself ("" when it may be)."""
        if self.suspicion:
            return _DOUBT[self.suspicion]
        if self.claims_own and self.verification != Message.SenderVerification.VERIFIED:
            return f"sender not verified: claims to be us ({self.evidence})"
        return ""


def sender_check(
    parsed: ParsedMessage,
    mailbox: Mailbox | None,
    context: ReceivingContext,
    *,
    raw: bytes | None = None,
    dns_lookup: DnsLookup | None = None,
) -> SenderCheck:
    """Judge the sender of ``parsed``; never raises.

    The mailbox's trusted Authentication-Results are read first; when they prove nothing and
    the mailbox checks DKIM, the signatures of ``raw`` are verified with ``dns_lookup``
    (``dkimpy``'s DNS lookup when ``None``; tests give their own key).
    """
    sender = parsed.from_.address if parsed.from_ is not None else ""
    from_domain = address_domain(sender)
    claims_own = bool(sender) and (
        sender in context.staff_addresses or from_domain in context.own_domains
    )
    trusted = mailbox.trusted_authserv_id_set if mailbox is not None else frozenset()
    proof = results_verify(parsed.authentication_results, trusted=trusted, from_domain=from_domain)
    verified, evidence = proof.verified, proof.evidence
    if not verified and mailbox is not None and mailbox.verify_dkim and raw is not None:
        verified, evidence = dkim_verify(raw, from_domain, dns_lookup=dns_lookup)
    return SenderCheck(
        verification=(
            Message.SenderVerification.VERIFIED
            if verified
            else Message.SenderVerification.NOT_VERIFIED
        ),
        evidence=evidence[:255],
        claims_own=claims_own,
        suspicion=parsed.from_suspicion,
    )


def dkim_verify(
    raw: bytes, from_domain: str, *, dns_lookup: DnsLookup | None = None
) -> tuple[bool, str]:
    """Whether a valid DKIM signature of ``raw`` speaks for ``from_domain``, and what was
    found. A signature covering part of the body only (``l=``) proves nothing: text can
    be added after it. Broken signatures and DNS failures answer "not verified"."""
    lookup = dns_lookup if dns_lookup is not None else dkim.dnsplug.get_txt
    try:
        checker = dkim.DKIM(raw, timeout=DKIM_DNS_TIMEOUT)
        count = sum(1 for name, _value in checker.headers if name.lower() == b"dkim-signature")
    except Exception as error:  # dkimpy raises many kinds on broken mail
        return False, f"DKIM: message not readable ({type(error).__name__})"
    if count == 0:
        return False, "DKIM: no signature"
    found: list[str] = []
    for index in range(min(count, DKIM_SIGNATURES_CHECKED)):
        checker.domain = None
        try:
            valid = checker.verify(idx=index, dnsfunc=lookup)
        except dkim.DKIMException as error:
            # "body hash mismatch (got …, expected …)": the part before the hashes
            problem = str(error).split(" (", 1)[0][:60]
            found.append(f"invalid d={_signer(checker)} ({problem})")
            continue
        except Exception as error:
            logger.info("DKIM signature %s not checked: %s", index, error)
            found.append(f"error ({type(error).__name__})")
            continue
        domain = _signer(checker)
        partial = b"l" in (checker.signature_fields or {})
        if valid and not partial and aligned(domain, from_domain):
            return True, f"DKIM: valid signature d={domain}"
        found.append(f"{'valid' if valid else 'invalid'} d={domain}{' l=' if partial else ''}")
    return False, "DKIM: " + ", ".join(found)


def _signer(checker: dkim.DKIM) -> str:
    """The ``d=`` of the signature ``checker`` last read ("?" before it got that far)."""
    domain = checker.domain
    return domain.decode("ascii", "replace").lower() if domain else "?"
