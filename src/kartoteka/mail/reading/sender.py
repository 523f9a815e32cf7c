"""Who sent a message, as far as its headers can tell: pure, no database, no DNS.

``from_read`` judges the From header: the sender is the address in angle brackets (a name
written as an address, ``hubert@customer.example <m-s@evil.example>``, is only a name), and a
From that holds several addresses or a name that is another address is *suspicious*: mail
programs show the name, so it is how a sender passes for someone else.

``results_verify`` reads the receiving server's ``Authentication-Results`` (RFC 8601): only
headers whose authserv-id the mailbox trusts count (anyone can write the header; the trusted
server removes copies that claim its name), and the sender is verified by ``dkim=pass`` for a
domain aligned with the From domain, or by ``dmarc=pass`` for the From domain.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import authres
import authres.dmarc

from kartoteka.mail.reading.address_lists import top_level_entries, unquoted
from kartoteka.mail.reading.parsed import Address

# The values of ``Message.SenderSuspicion`` (this module may not import models).
SEVERAL_ADDRESSES = "several-addresses"
NAME_IS_ADDRESS = "name-is-address"

# A hostile message may carry thousands of these; a real one a handful.
RESULTS_READ = 50

_ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A name that is an address, bare or in brackets or quotes, maybe after a name of its own:
# "hubert@customer.example", "<hubert@customer.example>", "Hubert <hubert@customer.example>".
_NAME_AS_ADDRESS = re.compile(r"^(?:.*[\s<\"'(])?[<\"'(]*(" + _ADDRESS.pattern + r")[>\"')]*$")
_FEATURES = authres.FeatureContext(authres.dmarc)


@dataclass(frozen=True)
class FromHeader:
    sender: Address | None
    suspicion: str = ""  # "", SEVERAL_ADDRESSES or NAME_IS_ADDRESS


def from_read(value: str, addresses: list[Address]) -> FromHeader:
    """The sender of a From header and whether it is suspicious.

    ``addresses`` is what ``header_values.parse_addresses`` read from ``value``. The address in
    angle brackets is the sender's when the header holds one entry: an address before it is
    part of the name, even unquoted (which ``getaddresses`` reads as two addresses).
    """
    entries = top_level_entries(value)
    with_address = [a for a in addresses if a.address]
    if len(entries) > 1 and len(with_address) > 1:
        return FromHeader(with_address[0], SEVERAL_ADDRESSES)
    bracketed = _angle_addresses(value)
    if len(bracketed) == 1 and len(with_address) > 1:
        address = bracketed[0]
        name = " ".join(a.name or a.address for a in addresses if a.address != address)
        sender: Address | None = Address(name=name, address=address)
    else:
        sender = with_address[0] if with_address else (addresses[0] if addresses else None)
    if sender is None:
        return FromHeader(None)
    if _name_is_other_address(sender) or _unquoted_name_has_other_address(value, sender):
        return FromHeader(sender, NAME_IS_ADDRESS)
    if len(entries) > 1:
        # "Kowalski, Jan <jan@…>": read as one name, as clients show it, but a strict reader
        # (and a filter before us) sees an address "Kowalski" beside jan@….
        return FromHeader(sender, SEVERAL_ADDRESSES)
    return FromHeader(sender)


def _unquoted_name_has_other_address(value: str, sender: Address) -> bool:
    """Whether the name written before the sender's ``<address>``, outside quotes and
    comments, holds another address: ``jan@firma.example via Forum <forum@…>``, which a
    strict reader takes for the sender jan@firma.example."""
    name = unquoted(value.rpartition("<")[0]) if "<" in value else ""
    return any(found.lower() != sender.address for found in _ADDRESS.findall(name))


def _name_is_other_address(sender: Address) -> bool:
    match = _NAME_AS_ADDRESS.match(sender.name.strip())
    return match is not None and match.group(1).lower() != sender.address.lower()


def _angle_addresses(value: str) -> list[str]:
    """The addresses written in angle brackets outside quotes and comments, lower-cased."""
    found: list[str] = []
    quoted = False
    depth = 0
    start = -1
    for index, character in enumerate(value):
        if character == '"' and start < 0 and not depth:
            quoted = not quoted
        elif character == "(" and not quoted and start < 0:
            depth += 1
        elif character == ")" and not quoted and depth:
            depth -= 1
        elif character == "<" and not quoted and not depth:
            start = index + 1
        elif character == ">" and start >= 0:
            inner = value[start:index].strip().lower()
            if "@" in inner:
                found.append(inner)
            start = -1
    return found


# Domains where anyone can have an address: a colleague's address there is ours, the rest of
# the domain is not (else every customer writing from it would have to prove who they are).
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
        "yahoo.com", "icloud.com", "me.com", "aol.com", "gmx.com", "gmx.de", "gmx.net",
        "web.de", "proton.me", "protonmail.com", "mail.com", "zoho.com", "yandex.com",
        "wp.pl", "o2.pl", "onet.pl", "op.pl", "interia.pl", "interia.eu", "poczta.fm",
        "gazeta.pl", "tlen.pl", "vp.pl", "poczta.onet.pl", "int.pl",
        "seznam.cz", "email.cz", "centrum.cz", "post.cz", "volny.cz", "atlas.cz", "tiscali.cz",
    }
)  # fmt: skip


def own_domains(addresses: Iterable[str]) -> frozenset[str]:
    """The domains of our own ``addresses`` (mailboxes, staff users), public ones left out."""
    domains = {address_domain(address) for address in addresses}
    return frozenset(domain for domain in domains if domain and domain not in PUBLIC_MAIL_DOMAINS)


def address_domain(address: str) -> str:
    """The domain of ``address``, lower-cased ("" when it has none)."""
    _local, at, domain = address.rpartition("@")
    return domain.strip().lower().rstrip(".") if at else ""


def aligned(signer: str, from_domain: str) -> bool:
    """Whether a DKIM signing domain speaks for the From domain (relaxed alignment without
    the public suffix list: the same domain, or one a subdomain of the other, never a bare
    top-level domain)."""
    signer, from_domain = signer.lower().rstrip("."), from_domain.lower().rstrip(".")
    if not signer or not from_domain or "." not in signer or "." not in from_domain:
        return False
    return (
        signer == from_domain
        or from_domain.endswith("." + signer)
        or signer.endswith("." + from_domain)
    )


@dataclass(frozen=True)
class Proof:
    """What a trusted receiving server said about the sender."""

    verified: bool
    evidence: str  # "mx.ours: dkim=pass header.d=firma.example", or why nothing counted


def results_verify(headers: Iterable[str], *, trusted: frozenset[str], from_domain: str) -> Proof:
    """Whether the ``Authentication-Results`` header values ``headers`` (unfolded, as in the
    message) verify ``from_domain``, believing only the authserv-ids in ``trusted``
    (lower-cased). Unreadable headers count as absent; never raises."""
    seen_trusted = False
    said: list[str] = []
    for index, value in enumerate(headers):
        if index == RESULTS_READ:
            break
        try:
            header = _FEATURES.parse_value(value)
        except (authres.AuthResError, ValueError, IndexError):
            continue
        server = (header.authserv_id or "").lower()
        if server not in trusted:
            continue
        seen_trusted = True
        for result in header.results:
            method, outcome = str(result.method).lower(), str(result.result).lower()
            domain = _result_domain(result)
            if outcome == "pass" and method == "dmarc" and domain in ("", from_domain):
                return Proof(True, f"{server}: dmarc=pass header.from={domain or from_domain}")
            if outcome == "pass" and method == "dkim" and aligned(domain, from_domain):
                return Proof(True, f"{server}: dkim=pass header.d={domain}")
            said.append(f"{method}={outcome}")
    if not seen_trusted:
        return Proof(False, "no trusted Authentication-Results")
    return Proof(False, "trusted Authentication-Results: " + (" ".join(said) or "none"))


def _result_domain(result: authres.core.AuthenticationResult) -> str:
    """The domain a result speaks for: DKIM's ``header.d`` (else the domain of
    ``header.i``), DMARC's ``header.from``."""
    values = {(str(p.type), str(p.name)): str(p.value or "") for p in result.properties or ()}
    if str(result.method).lower() == "dmarc":
        return values.get(("header", "from"), "").strip().lower()
    domain = values.get(("header", "d"), "") or address_domain(values.get(("header", "i"), ""))
    return domain.strip().lower().rstrip(".")
