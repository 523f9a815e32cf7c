"""Inviting the customer's people to a meeting: an iTIP request (RFC 5546, ``METHOD:REQUEST``)
mailed to the event's contacts through the outbox, from the mailbox the customer's mail goes
through (the case's, else the installation's default).

The invitation carries the event's UID of the feed (``event-<pk>@<host>``), so sending it again
after a change updates the entry in the attendees' calendars (a higher ``SEQUENCE``: minutes
since the event was recorded). Its text is what the user writes for the customer — never the
event's own description and result, which are internal notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import formataddr
from typing import cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from kartoteka.activities.feed import ical_fold, ical_host, ical_text, ical_time
from kartoteka.activities.models import Event
from kartoteka.mail.models import Mailbox, Message
from kartoteka.mail.sending.outbound import (
    OutgoingAttachment,
    default_mailbox,
    message_compose,
)
from kartoteka.people.models import User

CONTENT_TYPE = "text/calendar; method=REQUEST; charset=UTF-8"


@dataclass(frozen=True)
class Attendee:
    name: str
    address: str


def invitation_attendees(event: Event) -> list[Attendee]:
    """The event's contacts that have an email address, each at their first one."""
    attendees = []
    for contact in event.contacts.prefetch_related("emails"):
        emails = list(contact.emails.all())
        if emails:
            attendees.append(Attendee(str(contact), emails[0].address))
    return attendees


def invitation_mailbox(event: Event) -> Mailbox | None:
    """The mailbox the invitation goes out from: the case's, else the default one."""
    if event.case is not None:
        return default_mailbox(event.case, replying_to=None)
    return Mailbox.objects.default()


def invitation_summary(event: Event, mailbox: Mailbox) -> str:
    return f"{event.event_type.local_name} — {mailbox.sender_name or mailbox.address}"


def invitation_ics(
    event: Event, *, organizer: Mailbox, attendees: list[Attendee], note: str, now: datetime
) -> bytes:
    """The iTIP request for ``event``: one VEVENT, the organizer and attendees waiting for
    their answer."""
    sequence = max(int((now - event.created_at).total_seconds() // 60), 0)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Kartoteka//Activities//EN",
        "METHOD:REQUEST",
        "BEGIN:VEVENT",
        f"UID:event-{event.pk}@{ical_host()}",
        f"SEQUENCE:{sequence}",
        f"DTSTAMP:{ical_time(now)}",
        f"DTSTART:{ical_time(event.starts_at)}",
        f"DTEND:{ical_time(event.ends_at)}",
        f"SUMMARY:{ical_text(invitation_summary(event, organizer))}",
        *([f"DESCRIPTION:{ical_text(note)}"] if note else []),
        *([f"LOCATION:{ical_text(event.resource.name)}"] if event.resource else []),
        f"ORGANIZER{_name(organizer.sender_name)}:mailto:{organizer.address}",
        *(
            f"ATTENDEE{_name(attendee.name)};ROLE=REQ-PARTICIPANT;"
            f"PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{attendee.address}"
            for attendee in attendees
        ),
        "STATUS:CONFIRMED",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return b"".join(ical_fold(line) + b"\r\n" for line in lines)


@transaction.atomic
def event_invitation_send(*, by: User, event: Event, note: str = "") -> Message:
    """Queue the invitation to ``event``'s contacts (the caller has checked that ``by`` sees
    the event). Refused with a message when the event is over, nobody has an address, or no
    mailbox can send. Sent by the outbox worker after commit."""
    now = timezone.now()
    note = note.strip()
    if event.ends_at <= now:
        raise ValidationError(_("The meeting is over; there is nothing to invite to."))
    attendees = invitation_attendees(event)
    if not attendees:
        raise ValidationError(
            _("Add the customer's people taking part, with an email address, first.")
        )
    mailbox = invitation_mailbox(event)
    if mailbox is None:
        raise ValidationError(
            _("No mailbox can send the invitation; an administrator sets a default mailbox.")
        )
    start = timezone.localtime(event.starts_at)
    when = _("%(day)s, %(start)s–%(end)s") % {
        "day": formats.date_format(start, "DATE_FORMAT"),
        "start": formats.time_format(start, "H:i"),
        "end": formats.time_format(timezone.localtime(event.ends_at), "H:i"),
    }
    summary = invitation_summary(event, mailbox)
    lines = [note, "", f"{summary}", when] if note else [summary, when]
    if event.resource is not None:
        lines.append(_("Where: %(place)s") % {"place": event.resource.name})
    ics = invitation_ics(event, organizer=mailbox, attendees=attendees, note=note, now=now)
    message = message_compose(
        mailbox=mailbox,
        to=[formataddr((attendee.name, attendee.address)) for attendee in attendees],
        subject=_("Invitation: %(summary)s, %(when)s") % {"summary": summary, "when": when},
        text="\n".join(lines),
        case=event.case,
        by=by,
        attachments=[OutgoingAttachment("invite.ics", ics, CONTENT_TYPE)],
    )
    # Only automatic mail is ever held back (None); this one has an author.
    return cast(Message, message)


def _name(value: str) -> str:
    """The ``;CN=`` parameter (RFC 5545 3.2): quoted, without the characters a parameter value
    cannot hold; nothing for no name."""
    cleaned = "".join(ch for ch in value if ch != '"' and ch >= " ").strip()
    return f';CN="{cleaned}"' if cleaned else ""
