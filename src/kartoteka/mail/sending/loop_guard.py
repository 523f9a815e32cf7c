"""The loop guard: whether an automatic message (a notification, an acknowledgement) may go out.

Never to an address that answers automatically or reports delivery (mailer-daemon,
postmaster, no-reply and its spellings), nor to one of our own mailboxes, nor to an address
a permanent bounce marked undeliverable (for ``MAIL_UNDELIVERABLE_PAUSE_DAYS``, or until a
user clears the mark on the contact), nor to an address whose latest message to us was an
auto-reply, a bounce (two robots answering each other fill both mailboxes in minutes) or list
mail (RFC 3834: the answer would reach everyone on the list). On top, per-recipient rate limits
for automatic mail, per case and overall, over two windows (by default at most 10 in 10 minutes
and 25 in an hour; see ``MAIL_AUTO_LIMIT_*`` in the settings).

Mail written by a person is never held back by this module. Automatic outbound messages are
those queued with ``automatic=True`` (``Message.automatic``).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kartoteka.core.addresses import address_invalid
from kartoteka.mail.models import Mailbox, Message

if TYPE_CHECKING:
    from kartoteka.cases.models import Case

ROBOT_LOCAL_PART = re.compile(
    r"^(mailer[-_.]?daemon|postmaster|no[-_.]?reply|do[-_.]?not[-_.]?reply|bounces?)([-+._].*)?$",
    re.IGNORECASE,
)


def _windows() -> list[tuple[timedelta, int, int]]:
    """(window, limit per case, limit overall) for each window, from the settings."""
    return [
        (
            timedelta(minutes=10),
            settings.MAIL_AUTO_LIMIT_10_MINUTES_PER_CASE,
            settings.MAIL_AUTO_LIMIT_10_MINUTES,
        ),
        (
            timedelta(hours=1),
            settings.MAIL_AUTO_LIMIT_HOUR_PER_CASE,
            settings.MAIL_AUTO_LIMIT_HOUR,
        ),
    ]


def automatic_messages() -> QuerySet[Message]:
    """Outbound messages sent by Kartoteka itself, not by a person."""
    return Message.objects.filter(direction=Message.Direction.OUTBOUND, automatic=True)


def _recent_to(address: str, *, since: datetime) -> list[tuple[int | None, datetime]]:
    """(case id, created at) of automatic messages to ``address`` since ``since``.

    The JSON recipient lists are narrowed in the database by their text, then checked exactly.
    """
    rows = (
        automatic_messages()
        .filter(created_at__gte=since)
        .exclude(state__in=[Message.State.FAILED, Message.State.CANCELLED])
        .annotate(to_text=Cast("to", TextField()), cc_text=Cast("cc", TextField()))
        .filter(Q(to_text__icontains=address) | Q(cc_text__icontains=address))
        .values_list("case_id", "created_at", "to", "cc")
    )
    found: list[tuple[int | None, datetime]] = []
    for case_id, created_at, to, cc in rows:
        addresses = {str(entry.get("address", "")).lower() for entry in [*to, *cc]}
        if address in addresses:
            found.append((case_id, created_at))
    return found


def undeliverable_pause(address: str, *, now: datetime) -> str:
    """Why automatic mail to ``address`` pauses after a permanent bounce ("" when it does not).

    The pause lasts ``MAIL_UNDELIVERABLE_PAUSE_DAYS`` from the latest permanent bounce, or
    until a user clears the mark on the contact.
    """
    from kartoteka.customers.models import EmailAddress

    since = now - timedelta(days=settings.MAIL_UNDELIVERABLE_PAUSE_DAYS)
    mark = (
        EmailAddress.objects.filter(address=address, undeliverable_since__gt=since)
        .values_list("undeliverable_since", "undeliverable_reason")
        .first()
    )
    if mark is None or mark[0] is None:
        return ""
    marked_at: datetime = mark[0]
    reason: str = mark[1]
    until = marked_at + timedelta(days=settings.MAIL_UNDELIVERABLE_PAUSE_DAYS)
    return _(
        "%(address)s is undeliverable since %(since)s (%(reason)s); automatic mail to it "
        "pauses until %(until)s or until someone clears the mark on the contact."
    ) % {
        "address": address,
        "since": date_format(timezone.localtime(marked_at), "SHORT_DATE_FORMAT"),
        "reason": reason or _("a permanent bounce"),
        "until": date_format(timezone.localtime(until), "SHORT_DATE_FORMAT"),
    }


def is_robot_address(address: str) -> bool:
    local = address.rpartition("@")[0]
    return bool(ROBOT_LOCAL_PART.match(local))


def may_send_automatically(
    address: str, *, case: Case | None, now: datetime | None = None
) -> tuple[bool, str]:
    """Whether an automatic message may go to ``address`` now, with the reason when not."""
    address = address.strip().lower()
    now = now or timezone.now()
    if "@" not in address:
        return False, address_invalid(address).messages[0]
    if is_robot_address(address):
        return False, _("%(address)s is an automatic address (it never reads replies).") % {
            "address": address
        }
    # (an archive mailbox answers nothing: a colleague's own address may be one)
    ours = Mailbox.objects.filter(address__iexact=address).exclude(purpose=Mailbox.Purpose.ARCHIVE)
    if ours.exists():
        return False, _("%(address)s is one of our own mailboxes.") % {"address": address}
    paused = undeliverable_pause(address, now=now)
    if paused:
        return False, paused
    latest = (
        Message.objects.filter(direction=Message.Direction.INBOUND, from_address=address)
        .order_by("-created_at", "-pk")
        .values_list("auto_reply", "bounce", "bulk")
        .first()
    )
    if latest is not None and latest[0]:
        return False, _("The latest message from %(address)s was an automatic reply.") % {
            "address": address
        }
    if latest is not None and latest[1]:
        return False, _("The latest message from %(address)s was a delivery report.") % {
            "address": address
        }
    if latest is not None and latest[2]:
        # RFC 3834: an answer to list mail would go to everyone on the list.
        return False, _(
            "The latest message from %(address)s came through a mailing list or in bulk."
        ) % {"address": address}
    windows = _windows()
    longest = max(window for window, _per_case, _overall in windows)
    recent = _recent_to(address, since=now - longest)
    for window, per_case, overall in windows:
        in_window = [case_id for case_id, created_at in recent if created_at >= now - window]
        minutes = int(window.total_seconds() // 60)
        if len(in_window) >= overall:
            return False, _(
                "%(address)s already got %(count)s automatic messages in %(minutes)s minutes."
            ) % {"address": address, "count": len(in_window), "minutes": minutes}
        if case is not None and in_window.count(case.pk) >= per_case:
            return False, _(
                "%(address)s already got %(count)s automatic messages about this case "
                "in %(minutes)s minutes."
            ) % {"address": address, "count": in_window.count(case.pk), "minutes": minutes}
    return True, ""
