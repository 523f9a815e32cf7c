"""Which case an incoming message belongs to: a pure decision, no database.

``decide(message, known)`` takes the parsed message and ``Knowledge`` (what the database said
beforehand, gathered by ``inbound``) and answers with a ``Decision`` and its reason, in this
order:

0. mail sent by one of our own mailboxes (or carrying our own signed Message-ID) that comes
   back is ignored; a bounce goes to the case of the message it reports on, else to triage;
1. our signed Message-ID in ``In-Reply-To``/``References`` names the case positively;
2. ``In-Reply-To``/``References`` naming a stored Message-ID of a case;
3. a subject tag ``[PREFIX#N]`` with our prefix (or an old one still accepted);
4. otherwise a new case for a known sender, the triage inbox (or a new case with a new
   contact, when the mailbox says so) for an unknown one.

An archive mailbox's mail (``Knowledge.archive``: a BCC or journal address, a user's own folder)
is never made a case: after step 0's check of our own signed Message-ID it is filed to the
customer of its correspondents (``_archive``), or waits in triage when none is known.

A participant of a case is one of its contacts, an address of its customer (shared or of any
of its contacts), a verified staff user who may see it, or an address already in its
conversation (a sender, To or Cc of its mail).

Steps 1 and 2 find replies of the conversation: whoever answers a message of the case takes
part in it, as mail programs thread it. A sender who is not a participant yet is appended
all the same and joins the case as a *newcomer* (``Decision.newcomer``): a new contact of the
case's customer when the address belongs to no one yet and its domain is one of that
customer's own (never a free-mail domain, ``sender.PUBLIC_MAIL_DOMAINS``), else an extra
address of the case (its mail in the conversation is what makes it one). The message card
shows the newcomer with a one-click "not part of this case" (``triage.services.
newcomer_reject``), which moves the message to triage and takes the participant back out.
A stored Message-ID can be guessed or learnt, so step 2 keeps a non-participant's message in
triage, marked as pointing to that case, when the mailbox accepts only known participants
(``Knowledge.only_known_participants``, today's strictness kept for those who want it), when
it is an automatic reply (as before: an out-of-office answer does not make anyone a
participant), or when its Reply-To would send our answers to an address that is neither the
sender nor a participant (see ``_stored_reply`` for what such a message can and cannot gain).
A signed Message-ID cannot be forged and names its case whoever answers.

Step 3 is believed only when the sender is a participant: a subject tag is a number anyone
can type, so a tag alone (no reference that names the case) from anyone else waits in triage
marked as pointing to that case. Auto-replies and bounces are placed but never move the
case's status. Before steps 1 to 4, a sender that cannot be believed
(``Knowledge.sender_doubt``: a suspicious From, or mail claiming a staff address or one of our
domains that nothing proved) sends the message to triage: a newcomer is never such a sender.

A mailing list's conversation (members answering each other, ``List-Id``) therefore stays in
one case: its first message makes the case (for a mailbox that creates cases for unknown
senders), and every member's answer names a stored message of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

from kartoteka.mail.reading.message_ids import read_signed
from kartoteka.mail.reading.parsed import ParsedMessage
from kartoteka.mail.reading.sender import PUBLIC_MAIL_DOMAINS, address_domain

Action = Literal["append", "create", "triage", "ignore", "archive"]
# append: how a sender who was not a participant joins the case ("" when they were one)
Newcomer = Literal["", "contact", "address"]

# What mail programs put before a subject, in the languages seen here and around Europe
# (Czech ``Odpověď:``, Polish ``Odp:``, German ``AW:``/``WG:``, ...), optionally counted
# (``Re[2]:``). The one list: sending strips them from the subject it answers too.
REPLY_WORDS = r"re|odp|odpověď|aw|sv|vs|antw|ant|res|rif|odg|ynt|vl|atb"
FORWARD_WORDS = r"fwd?|wg|pd|tr|rv|enc|doorst|fs|vb|přeposlat"


def _prefixes(words: str) -> re.Pattern[str]:
    return re.compile(rf"^\s*(?:(?:{words})\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE)


REPLY_PREFIXES = _prefixes(REPLY_WORDS)
FORWARD_PREFIXES = _prefixes(FORWARD_WORDS)
ANSWER_PREFIXES = _prefixes(f"{REPLY_WORDS}|{FORWARD_WORDS}")
FORGED_REASON = "points to case {number}, sender not a participant"
# The same, for a reader who may not see the case it named (its number is not theirs to know).
FORGED_HIDDEN_REASON = "names a case, sender not a participant"
NEWCOMER_REASON = "{reason}, new participant"


@dataclass(frozen=True)
class Knowledge:
    """What the database told the decision beforehand (gathered in a fixed number of queries).

    ``case_participants`` holds every candidate case that exists (named by a signed id, a
    stored Message-ID or a subject tag), each with the lower-cased addresses that belong to
    it. ``referenced_cases`` maps stored Message-IDs (without brackets) to their case number.
    ``customer_domains`` holds, of those cases with a customer, the domains of its
    customer's addresses (free-mail domains left out): where a newcomer becomes a contact.
    """

    prefix: str
    old_prefixes: tuple[str, ...] = ()
    own_addresses: frozenset[str] = frozenset()
    referenced_cases: Mapping[str, int] = field(default_factory=dict)
    case_participants: Mapping[int, frozenset[str]] = field(default_factory=dict)
    customer_domains: Mapping[int, frozenset[str]] = field(default_factory=dict)
    sender_contact_id: int | None = None
    sender_account_id: int | None = None
    sender_is_staff: bool = False  # a verified staff address
    # of the cases in ``case_participants``, those the staff sender may not see (a
    # restricted customer's): the sender takes part in every other case
    hidden_from_staff_sender: frozenset[int] = frozenset()
    unknown_sender_creates_case: bool = False
    # the mailbox's "only known participants": a stored Message-ID alone does not let a
    # non-participant in (step 2 as it was before newcomers)
    only_known_participants: bool = False
    # why the sender cannot be believed: a suspicious From, or mail claiming to be ours that
    # nothing proved ("" when it can); see ``receiving.sender_check``
    sender_doubt: str = ""
    # an archive mailbox's message: filed to a customer, never a case
    archive: bool = False
    # archive: the From is a staff user's or one of our mailboxes' address (mail we sent,
    # journaled or copied), proved or not
    sender_is_ours: bool = False
    # archive: the known addresses of From, To and Cc, in that order, each with its customer
    correspondents: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Decision:
    action: Action
    reason: str
    case_number: int | None = None
    contact_id: int | None = None
    account_id: int | None = None
    forged: bool = False
    points_to_case: int | None = None  # forged: the case it named
    new_contact: bool = False  # create: make a contact for the unknown sender
    moves_status: bool = False  # append: a customer's own message, the case takes its status
    outgoing: bool = False  # archive: mail we sent (its correspondents are its recipients)
    newcomer: Newcomer = ""  # append: the sender joins the case (see the module docstring)


def decide(message: ParsedMessage, known: Knowledge) -> Decision:
    """The decision for ``message`` given ``known``; never raises on odd input."""
    sender = message.from_.address if message.from_ is not None else ""
    if sender and sender in known.own_addresses:
        return Decision("ignore", f"sent by our own mailbox {sender}")
    if read_signed(message.message_id) is not None:
        return Decision("ignore", "our own message came back")
    if known.archive:
        return _archive(message, known)
    if message.bounce:
        return _bounce(message, known)
    if known.sender_doubt:
        return Decision("triage", known.sender_doubt)
    automatic = message.auto_reply

    # (1) our signed Message-ID
    for reference in references_newest_first(message):
        signed = read_signed(reference)
        if signed is not None and signed.case_number in known.case_participants:
            case_number = signed.case_number
            reason = f"reply to our message in case {case_number}"
            if automatic or _participates(sender, case_number, known) or not sender:
                return _append(case_number, reason, automatic)
            return _newcomer(case_number, reason, sender, known)

    # (2) a stored Message-ID of a case
    for reference in references_newest_first(message):
        number = known.referenced_cases.get(reference)
        if number is None or number not in known.case_participants:
            continue
        return _stored_reply(message, number, sender, known)

    # (3) the subject tag
    tagged = [n for n in subject_tags(message.subject, known) if n in known.case_participants]
    for number in tagged:
        if _participates(sender, number, known):
            return _append(number, f"subject tag of case {number}", automatic)
    if tagged:
        return _forged(tagged[0])

    # (4) a new case, or triage
    if automatic:
        return Decision("ignore", "automatic reply not related to any case")
    if known.sender_contact_id is not None or known.sender_account_id is not None:
        return Decision(
            "create",
            "new case from a known sender",
            contact_id=known.sender_contact_id,
            account_id=known.sender_account_id,
        )
    if known.sender_is_staff:
        return Decision("triage", "sent by a staff user, names no case")
    if not sender:
        return Decision("triage", "no sender address")
    if known.unknown_sender_creates_case:
        return Decision("create", "new case and contact for an unknown sender", new_contact=True)
    return Decision("triage", "unknown sender")


# Real threads refer to a few dozen messages at most. A hostile header with tens of thousands
# would make a query as long, which a database built with SQLite's default limit of 32,766
# parameters refuses (a failure the mail server would retry for ever). The newest are kept:
# they name the case.
REFERENCES_LOOKED_UP = 200


def references_newest_first(message: ParsedMessage) -> Iterator[str]:
    """``In-Reply-To`` first, then ``References`` from the newest, each once; at most
    ``REFERENCES_LOOKED_UP`` of them."""
    seen: set[str] = set()
    for reference in (message.in_reply_to, *reversed(message.references)):
        reference = reference.strip().strip("<>")
        if reference and reference not in seen:
            seen.add(reference)
            yield reference
            if len(seen) == REFERENCES_LOOKED_UP:
                return


def referenced_ids(message: ParsedMessage) -> list[str]:
    """Every Message-ID the decision may look up: references and the bounced message."""
    ids = list(references_newest_first(message))
    bounced = message.bounced_message_id.strip().strip("<>")
    if bounced and bounced not in ids:
        ids.append(bounced)
    return ids


def signed_case_numbers(ids: Iterable[str]) -> list[int]:
    """Case numbers named by our own signed Message-IDs among ``ids``."""
    return [ref.case_number for ref in map(read_signed, ids) if ref is not None]


def _tag_pattern(prefixes: Iterable[str]) -> re.Pattern[str] | None:
    names = [re.escape(p.strip()) for p in prefixes if p and p.strip()]
    if not names:
        return None
    return re.compile(r"\[\s*(" + "|".join(names) + r")\s*#\s*(\d{1,18})\s*\]", re.IGNORECASE)


def subject_tags(subject: str, known: Knowledge) -> list[int]:
    """Case numbers tagged in ``subject``: our current prefix first, then accepted old ones."""
    numbers: list[int] = []
    for prefixes in ((known.prefix,), known.old_prefixes):
        pattern = _tag_pattern(prefixes)
        if pattern is None:
            continue
        for match in pattern.finditer(subject):
            number = int(match.group(2))
            if number not in numbers:
                numbers.append(number)
    return numbers


def tag_numbers(subject: str, *, prefix: str, old_prefixes: Iterable[str] = ()) -> list[int]:
    """The tagged case numbers, for gathering ``Knowledge`` before it exists."""
    return subject_tags(subject, Knowledge(prefix=prefix, old_prefixes=tuple(old_prefixes)))


def clean_subject(subject: str) -> str:
    """The subject without reply and forward prefixes (``Re: Fwd: AW:``), for a new case."""
    return ANSWER_PREFIXES.sub("", subject).strip()


def _participates(sender: str, number: int, known: Knowledge) -> bool:
    if known.sender_is_staff and number not in known.hidden_from_staff_sender:
        return True
    return bool(sender) and sender in known.case_participants.get(number, frozenset())


def _stored_reply(message: ParsedMessage, number: int, sender: str, known: Knowledge) -> Decision:
    """Step 2: the message answers a stored message of case ``number``.

    Message-IDs are not secret: every recipient of a message has its id (a colleague
    copied, a list's archive, a forward), and some mail programs make them guessable. Who
    knows one and writes from an address of their own gains this much: their message is
    appended (followers hear of it, the case reopens) and their address joins the case's
    participants, so a "reply all" of staff would include it and their tag alone is
    believed from then on, as any participant's. Staff see it happen: the card marks the
    new participant, removed with one click. They gain no look at the case: nothing is sent
    to them by itself, and the customer's portal shows only mail that touches the
    customer's own addresses. A forged From of the customer's own domain (mail is not
    signed) makes a contact of that address, as any such From could pass for an existing
    contact already; the card marks it new and shows whether the sender was verified.
    Two doors stay closed: a From that claims a colleague or one of our domains is not
    believed unproved (``sender_doubt``, checked before), and a Reply-To that would send our
    answers to an address outside the case keeps the message in triage, so a forged From
    cannot divert the answers to the forger. A mailbox that wants no newcomers this way
    says ``only_known_participants``.
    """
    reason = f"reply to a stored message of case {number}"
    automatic = message.auto_reply
    if _participates(sender, number, known):
        return _append(number, reason, automatic)
    if not sender or automatic or known.only_known_participants:
        return _forged(number)
    participants = known.case_participants.get(number, frozenset())
    if any(
        other.address and other.address != sender and other.address not in participants
        for other in message.reply_to
    ):
        return _forged(number)
    return _newcomer(number, reason, sender, known)


def _newcomer(number: int, reason: str, sender: str, known: Knowledge) -> Decision:
    """Append a person's reply from ``sender``, not yet a participant, who joins the case: as
    a new contact of its customer when the address is no one's and its domain the
    customer's own (free-mail domains never are), else as an extra address of the case."""
    domain = address_domain(sender)
    unowned = known.sender_contact_id is None and known.sender_account_id is None
    joins: Newcomer = "address"
    if (
        unowned
        and domain
        and domain not in PUBLIC_MAIL_DOMAINS
        and domain in known.customer_domains.get(number, frozenset())
    ):
        joins = "contact"
    return Decision(
        "append",
        NEWCOMER_REASON.format(reason=reason),
        case_number=number,
        moves_status=True,
        newcomer=joins,
    )


def _append(number: int, reason: str, automatic: bool) -> Decision:
    if automatic:
        return Decision("append", f"automatic reply, {reason}", case_number=number)
    return Decision("append", reason, case_number=number, moves_status=True)


def _forged(number: int) -> Decision:
    return Decision(
        "triage", FORGED_REASON.format(number=number), forged=True, points_to_case=number
    )


def _archive(message: ParsedMessage, known: Knowledge) -> Decision:
    """File an archive mailbox's message to the customer of the first known address of From,
    To and Cc (of To and Cc for mail we sent); triage when none is known. A doubtful sender
    is filed all the same (nothing is sent or opened for it; the message keeps its marks)."""
    sender = message.from_.address if message.from_ is not None else ""
    outgoing = known.sender_is_ours
    if message.bounce:
        return Decision("ignore", "archive: a bounce")
    found = [
        (address, account)
        for address, account in known.correspondents
        if not (outgoing and address == sender)
    ]
    if not found:
        if message.auto_reply:
            return Decision("ignore", "archive: an automatic reply, no known correspondent")
        if outgoing:
            return Decision("triage", "archive: sent by us, no known recipient")
        return Decision("triage", "archive: no known correspondent")
    address, account = found[0]
    reason = f"archive: {'sent to' if outgoing else 'with'} {address}"
    others = {other for _address, other in found} - {account}
    if others:
        reason += (
            f"; {len(others) + 1} customers among the correspondents, "
            "filed to the first known address's"
        )
    if known.sender_doubt:
        reason += f"; {known.sender_doubt}"
    return Decision("archive", reason, account_id=account, outgoing=outgoing)


def archive_addresses(message: ParsedMessage) -> list[str]:
    """The addresses of From, To and Cc, in that order, each once (at most
    ``REFERENCES_LOOKED_UP``): whose customer an archived message is filed to."""
    people = (*((message.from_,) if message.from_ is not None else ()), *message.to, *message.cc)
    seen: dict[str, None] = {}
    for person in people:
        address = person.address.strip().lower()
        if address:
            seen.setdefault(address)
            if len(seen) == REFERENCES_LOOKED_UP:
                break
    return list(seen)


def _bounce(message: ParsedMessage, known: Knowledge) -> Decision:
    bounced = message.bounced_message_id.strip().strip("<>")
    candidates = [bounced] if bounced else []
    candidates += list(references_newest_first(message))
    for reference in candidates:
        signed = read_signed(reference)
        number = signed.case_number if signed is not None else known.referenced_cases.get(reference)
        if number is not None and number in known.case_participants:
            return Decision("append", f"bounce of a message of case {number}", case_number=number)
    return Decision("triage", "bounce of a message not found")
