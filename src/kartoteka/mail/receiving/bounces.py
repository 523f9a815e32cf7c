"""Bounces of our own mail: the message they report on, and addresses that no longer work.

``bounce_record`` runs inside the transaction that stores a received bounce (``inbound``):

- our outbound message it reports on (by the bounced Message-ID, else the bounce's
  references; in any mailbox) gets ``delivery_failed_at`` and ``delivery_error`` (the
  report's status and diagnostic per recipient, else the first lines of its explanation); a
  report that delivery is merely delayed changes nothing;
- a permanent bounce (5.x.x) of one of our messages marks each bounced recipient of that
  message we know (an ``EmailAddress`` row) as undeliverable; automatic mail to it pauses
  (``loop_guard``) until the pause ends or a user clears the mark on the contact.

A bounce that reports on no message of ours marks nothing: anybody can send a bounce-shaped
message, and it must not silence mail to our customers.
"""

from __future__ import annotations

import re
from datetime import datetime
from email.parser import HeaderParser

from django.utils import timezone
from django.utils.translation import gettext as _

from kartoteka.customers.models import EmailAddress
from kartoteka.mail.models import Message
from kartoteka.mail.reading import threading
from kartoteka.mail.reading.parsed import ParsedMessage

DELIVERY_STATUS_TYPES = frozenset({"message/delivery-status", "message/global-delivery-status"})
REASON_MAX = 500
_PARSER = HeaderParser()
_BLANK_LINE = re.compile(r"\r?\n[ \t]*\r?\n")
_TYPE_PREFIX = re.compile(r"^\s*(?:smtp|x-[\w-]+|rfc822|x400)\s*;\s*", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


def bounce_record(*, parsed: ParsedMessage, now: datetime | None = None) -> Message | None:
    """Mark our message ``parsed`` reports on, and for a permanent bounce its recipients we
    know; returns that message (None when the bounce names none of ours)."""
    now = now or timezone.now()
    original = reported_message(parsed)
    if original is None:
        return None
    blocks = delivery_status_blocks(parsed)
    failures = [block for block in blocks if _is_failure(block)]
    if failures and all(_action(block) == "delayed" for block in failures):
        return original  # only a notice that the server keeps trying
    reason = bounce_reason(parsed, blocks=blocks)
    errors = [line for line in original.delivery_error.splitlines() if line.strip()]
    if reason not in errors:
        errors.append(reason)
    original.delivery_failed_at = original.delivery_failed_at or now
    original.delivery_error = "\n".join(errors)
    original.save(update_fields=["delivery_failed_at", "delivery_error"])
    if parsed.bounce_permanent:
        sent_to = {
            str(entry.get("address", "")).lower()
            for entry in [*original.to, *original.cc]
            if isinstance(entry, dict)
        }
        bounced = {address.lower() for address in parsed.bounced_recipients} & sent_to
        details = _details_by_recipient(failures)
        for address in EmailAddress.objects.filter(address__in=bounced):
            address.undeliverable_since = now
            address.undeliverable_reason = (details.get(address.address) or reason)[:REASON_MAX]
            address.save(update_fields=["undeliverable_since", "undeliverable_reason"])
    return original


def reported_message(parsed: ParsedMessage) -> Message | None:
    """Our outbound message the bounce reports on: its bounced Message-ID first, then the
    bounce's own In-Reply-To/References; in any mailbox."""
    bounced = parsed.bounced_message_id.strip().strip("<>")
    candidates = ([bounced] if bounced else []) + list(threading.references_newest_first(parsed))
    if not candidates:
        return None
    found = {
        message.message_id: message
        for message in Message.objects.filter(
            direction=Message.Direction.OUTBOUND, message_id__in=candidates
        ).order_by("pk")
    }
    for candidate in candidates:
        if candidate in found:
            return found[candidate]
    return None


def delivery_status_blocks(parsed: ParsedMessage) -> list[dict[str, str]]:
    """The per-recipient fields of the machine-readable report (lower-cased names), if any."""
    blocks: list[dict[str, str]] = []
    for attachment in parsed.attachments:
        if attachment.content_type.lower() not in DELIVERY_STATUS_TYPES:
            continue
        text = attachment.content.decode("utf-8", "replace")
        for chunk in _BLANK_LINE.split(text.strip()):
            fields = {
                name.lower(): _SPACES.sub(" ", str(value)).strip()
                for name, value in _PARSER.parsestr(chunk.strip() + "\n").items()
            }
            if "final-recipient" in fields or "original-recipient" in fields:
                blocks.append(fields)
    return blocks


def bounce_reason(parsed: ParsedMessage, *, blocks: list[dict[str, str]] | None = None) -> str:
    """What went wrong, as the report says it: ``recipient: status diagnostic`` for each
    failed recipient, else the first lines of the explanation."""
    blocks = delivery_status_blocks(parsed) if blocks is None else blocks
    lines = [
        f"{recipient}: {detail}" if recipient else detail
        for recipient, detail in (
            (_recipient(block), _detail(block)) for block in blocks if _is_failure(block)
        )
    ]
    if lines:
        return "; ".join(dict.fromkeys(lines))[:REASON_MAX]
    explanation = _explanation(parsed.text_new or parsed.text)
    return explanation or _("The message could not be delivered.")


def _recipient(block: dict[str, str]) -> str:
    for name in ("final-recipient", "original-recipient"):
        address = _TYPE_PREFIX.sub("", block.get(name, "")).strip().strip("<>").lower()
        if address:
            return address
    return ""


def _detail(block: dict[str, str]) -> str:
    """``5.1.1 550 5.1.1 <jan@…>: Recipient address rejected`` (status, then diagnostic)."""
    status = block.get("status", "").split()
    diagnostic = _TYPE_PREFIX.sub("", block.get("diagnostic-code", ""))
    detail = " ".join(part for part in (status[0] if status else "", diagnostic) if part)
    return detail or _action(block) or _("failed")


def _details_by_recipient(failures: list[dict[str, str]]) -> dict[str, str]:
    details: dict[str, str] = {}
    for block in failures:
        for name in ("final-recipient", "original-recipient"):
            address = _TYPE_PREFIX.sub("", block.get(name, "")).strip().strip("<>").lower()
            if address:
                details.setdefault(address, _detail(block))
    return details


def _action(block: dict[str, str]) -> str:
    return block.get("action", "").split(";")[0].strip().lower()


def _is_failure(block: dict[str, str]) -> bool:
    status = block.get("status", "").strip()
    return not (status.startswith("2") or _action(block) in ("delivered", "relayed", "expanded"))


def _explanation(text: str) -> str:
    lines: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            if lines:
                break
            continue
        lines.append(line)
        if sum(len(found) for found in lines) > 300:
            break
    return _SPACES.sub(" ", " ".join(lines))[:REASON_MAX]
