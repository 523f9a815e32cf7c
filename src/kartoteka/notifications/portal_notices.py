"""Emails to the customer's portal users about the staff's public answers in their cases: the
step ``portal_notices_send`` of ``workflows.followup``, after the customer notices.

Who hears what:

- ``note_added`` of a public comment (never an internal note): every portal user following
  the case but its author;
- ``message_sent`` (a person's email from the case): every portal user following the case,
  when the email is one the customer's side has (a reply to them; never a forward to a
  supplier).

Each follower is asked through the doors whether they may read the case and the new item
(``CaseNote``/``Message`` ``.objects.visible_to``), so a follower who lost the right (another
role, another customer, a deactivated login) hears nothing. Nobody whose
``notification_email`` is off is told, and no address gets the same news twice: the email's
own recipients (they have the email) and the customer notices' recipients of the same
comment (``notices.notice_recipients``, when the case tells them) are left out.

Each email goes to one person (colleagues never see each other's addresses), in their language
(else their customer's, ``notices.contact_language``), from the case's mailbox
(``mail.mailboxes.mailbox_for_case``) as automatic mail with the case's tag, so a reply by
email lands in the case; it carries a short text of the news and a link to the portal's page of
the case.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from kartoteka.cases.happenings import Kind
from kartoteka.cases.models import CaseNote
from kartoteka.cases.services import case_settings
from kartoteka.customers.models import EmailAddress
from kartoteka.mail.customer_side import stored_addresses
from kartoteka.mail.mailboxes import mailbox_for_case
from kartoteka.mail.models import Message
from kartoteka.mail.sending.outbound import message_compose
from kartoteka.notifications.notices import _what_to_tell, contact_language, notice_recipients
from kartoteka.people.models import User

if TYPE_CHECKING:
    from kartoteka.cases.happenings import Happening
    from kartoteka.cases.models import Case

logger = logging.getLogger(__name__)

# The news is cut to this many characters; the portal shows it whole.
TEXT_LIMIT = 1000


def _cut(text: str) -> str:
    text = text.strip()
    return text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT].rstrip() + "…"


def portal_followers(case: Case) -> list[User]:
    """The active portal users following ``case`` who want emails, by primary key."""
    return list(
        User.objects.filter(
            followed_cases__case=case,
            is_active=True,
            is_superuser=False,
            role=User.Role.PORTAL,
        )
        .exclude(notification_email=User.NotificationEmail.OFF)
        .order_by("pk")
    )


def _news(happening: Happening, case: Case) -> tuple[str, set[str]] | None:
    """(text, addresses that already have it) of a happening portal users hear of; None for
    any other."""
    if happening.kind == Kind.NOTE_ADDED and happening.note_id is not None:
        note = CaseNote.objects.filter(pk=happening.note_id, case=case, internal=False).first()
        if note is None:
            return None  # an internal note never leaves the house (or it is gone)
        told: set[str] = set()
        if case.notify and case.merged_into_id is None:
            settings_row = case_settings()
            if _what_to_tell(happening, case, settings_row.notice_fields_shown()) is not None:
                recipients = notice_recipients(
                    case, settings_row=settings_row, actor_id=happening.actor_id
                )
                told = {recipient.address.lower() for recipient in recipients}
        return note.text, told
    if happening.kind == Kind.MESSAGE_SENT and happening.message_id is not None:
        message = Message.objects.filter(
            pk=happening.message_id, case=case, direction=Message.Direction.OUTBOUND
        ).first()
        if message is None:
            return None
        told = (
            stored_addresses(message.to)
            | stored_addresses(message.cc)
            | stored_addresses(message.bcc)
        )
        return message.text_new or message.text, told
    return None


def _may_read(user: User, happening: Happening) -> bool:
    if happening.kind == Kind.NOTE_ADDED and happening.note_id is not None:
        return CaseNote.objects.visible_to(user).filter(pk=happening.note_id).exists()
    if happening.message_id is not None:
        return Message.objects.visible_to(user).filter(pk=happening.message_id).exists()
    return False


def _addresses_of(user: User) -> tuple[str, set[str]]:
    """(where to write, every address of the person): the login's email, else the contact's
    first address."""
    own = set(
        EmailAddress.objects.filter(contact__portal_user=user)
        .order_by("position", "pk")
        .values_list("address", flat=True)
    )
    own = {address.lower() for address in own}
    first = user.email.lower() if user.email else min(own, default="")
    if user.email:
        own.add(user.email.lower())
    return first, own


def portal_notices_send(happening: Happening, case: Case) -> None:
    """Email the case's portal followers about a public answer (see the module's docstring).
    Runs in the worker after the happening committed; each email
    is queued in its own transaction by ``message_compose``."""
    if case.merged_into_id is not None:
        return
    news = _news(happening, case)
    if news is None:
        return
    text, told = news
    followers = [user for user in portal_followers(case) if user.pk != happening.actor_id]
    if not followers:
        return
    mailbox = mailbox_for_case(case)
    if mailbox is None:
        logger.warning("case #%s: no mailbox can send, so portal users are not told", case.number)
        return
    url = settings.SITE_URL + reverse("portal:case-detail", args=[case.number])
    for user in followers:
        address, own = _addresses_of(user)
        if not address or own & told or not _may_read(user, happening):
            continue
        told |= own
        language = user.language or contact_language(case.account)
        with translation.override(language):
            context = {"case": case, "text": _cut(text), "url": url}
            subject = render_to_string("notifications/emails/portal-subject.txt", context).strip()
            body = render_to_string("notifications/emails/portal-body.txt", context).strip() + "\n"
            message_compose(
                mailbox=mailbox, to=[address], subject=subject, text=body, case=case, automatic=True
            )
