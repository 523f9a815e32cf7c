"""Notification emails about a case to its customer's side (and whom the installation adds).

A case says whether its creation and changes are told (``Case.notify``) and to whom: its
reporter, one more contact of its customer, extra addresses, with an extra text at the end.
The case settings add the account manager, the administrators and their own extra addresses,
and choose which of the case's fields the emails show (``cases.models.NOTICE_FIELDS``; none
chosen = all).

``customer_notices_send`` is the last step ``workflows.followup`` runs after a happening
commits. It tells:

- ``case_created``: always (when the case says so);
- ``case_updated``: when a field the emails show changed, a rule's change included; not when
  the change came with a message (``Happening.with_message``): the customer's own, which
  reopened the case, or our reply, which the customer has;
- ``note_added``: only for a public comment, never for an internal note;
- never for ``message_received`` (the customer has their own email) or ``case_overdue``.

Internal notes are never sent: the "last message" is the latest email of the case (neither
automatic, discarded, nor an auto-reply or bounce) from or to the customer's side
(``customer_side_addresses``), or public comment, whichever is newer; a forward to a supplier
or a supplier's own message is never quoted.

The emails are automatic mail from the case's mailbox (else the default) through the outbox
(``mail.sending.outbound.message_compose(automatic=True)``): they carry the case's tag, so a
reply lands in the case, and the loop guard holds back auto-repliers, robots, our own mailboxes and
rate-limited addresses. One email goes per language and audience: the customer's side
(reporter, contact, the case's addresses) never sees the installation's own recipients
(manager, administrators, the settings' addresses), who get theirs with a link to the case.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.formats import date_format

from kartoteka.cases.changes import ChangeDescription
from kartoteka.cases.happenings import Kind
from kartoteka.cases.models import (
    NOTICE_FIELDS,
    CaseNote,
    CaseSettings,
)
from kartoteka.cases.services import case_settings
from kartoteka.customers.models import EmailAddress
from kartoteka.mail.customer_side import (
    customer_side_addresses,
    split_addresses,
    touches_customer_side,
)
from kartoteka.mail.mailboxes import mailbox_for_case
from kartoteka.mail.models import Mailbox, Message
from kartoteka.mail.sending.outbound import message_compose
from kartoteka.people.models import User
from kartoteka.people.selectors import active_administrators

if TYPE_CHECKING:
    from kartoteka.cases.happenings import Happening
    from kartoteka.cases.models import Case
    from kartoteka.customers.models import Account, Contact

logger = logging.getLogger(__name__)

_LABELS = dict(NOTICE_FIELDS)
# Texts longer than this (a description, the last message) are cut in the email.
TEXT_LIMIT = 4000
# The customer's language by the customer's country (``contact_language``).
COUNTRY_LANGUAGES = {"PL": "pl", "CZ": "cs", "SK": "cs"}


class Audience:
    CUSTOMER = "customer"
    STAFF = "staff"


@dataclass(frozen=True)
class NoticeRecipient:
    address: str
    language: str
    audience: str


# Recipients


def contact_language(account: Account | None) -> str:
    """The language of the customer's people: a contact has no language of its own, so the
    customer's country decides (Poland → Polish, Czechia and Slovakia → Czech); any other
    country, or no customer, gets the installation's language (``LANGUAGE_CODE``)."""
    country = (account.country if account is not None else "").upper()
    return COUNTRY_LANGUAGES.get(country, settings.LANGUAGE_CODE)


def _first_address(contact: Contact | None) -> str:
    if contact is None:
        return ""
    return (
        EmailAddress.objects.filter(contact=contact)
        .order_by("position", "pk")
        .values_list("address", flat=True)
        .first()
        or ""
    )


def _actor_addresses(actor_id: int | None) -> set[str]:
    """The addresses of whoever made the happening: nobody is told what they did."""
    if actor_id is None:
        return set()
    actor = User.objects.filter(pk=actor_id).first()
    if actor is None:
        return set()
    own = {actor.email.lower()} if actor.email else set()
    own.update(
        address.lower()
        for address in EmailAddress.objects.filter(contact__portal_user=actor).values_list(
            "address", flat=True
        )
    )
    return own


def notice_recipients(
    case: Case, *, settings_row: CaseSettings, actor_id: int | None = None
) -> list[NoticeRecipient]:
    """Whom a notification about ``case`` goes to, each address once (case-insensitive).

    The customer's side: the reporter's first address (when the case says so), the chosen
    contact's first address and the case's extra addresses, in ``contact_language``. The
    installation's: the account manager and the active administrators (each in their own
    language, else the installation's), and the settings' extra addresses. The actor's own
    addresses are left out.
    """
    customer_language = contact_language(case.account)
    staff_language = settings.LANGUAGE_CODE
    candidates: list[NoticeRecipient] = []
    if case.notify_reporter:
        reporter = _first_address(case.reporter)
        if reporter:
            candidates.append(NoticeRecipient(reporter, customer_language, Audience.CUSTOMER))
    contact = _first_address(case.notify_contact)
    if contact:
        candidates.append(NoticeRecipient(contact, customer_language, Audience.CUSTOMER))
    candidates.extend(
        NoticeRecipient(address, customer_language, Audience.CUSTOMER)
        for address in split_addresses(case.notify_addresses)
    )
    staff: list[User] = []
    manager = case.account.manager if case.account is not None else None
    if settings_row.notify_account_manager and manager is not None and manager.is_active:
        staff.append(manager)
    if settings_row.notify_administrator:
        staff.extend(active_administrators().exclude(email="").order_by("pk"))
    candidates.extend(
        NoticeRecipient(user.email, user.language or staff_language, Audience.STAFF)
        for user in staff
        if user.email
    )
    candidates.extend(
        NoticeRecipient(address, staff_language, Audience.STAFF)
        for address in split_addresses(settings_row.notify_addresses)
    )
    skipped = _actor_addresses(actor_id)
    recipients: dict[str, NoticeRecipient] = {}
    for candidate in candidates:
        key = candidate.address.lower()
        if key not in recipients and key not in skipped:
            recipients[key] = candidate
    return list(recipients.values())


# Content


def last_public_text(case: Case) -> str:
    """The newest item of the case its customer's side may read: an email in or out (neither
    automatic, discarded, triaged, failed, an auto-reply nor a bounce) from or to one of the
    ``customer_side_addresses`` (in From, To or Cc: a forward to a supplier, or a supplier's
    own message, is not theirs to read), or a public comment. Never an internal note.

    Four queries however long the conversation: the newest comment, the customer's addresses,
    the addresses of the emails not older than that comment, and the chosen email's text."""
    note = (
        CaseNote.objects.filter(case=case, internal=False)
        .order_by("-created_at", "-pk")
        .only("created_at", "text")
        .first()
    )
    emails = (
        Message.objects.filter(case=case)
        .filter(
            Q(
                direction=Message.Direction.INBOUND,
                state=Message.State.PLACED,
                auto_reply=False,
                bounce=False,
            )
            | Q(direction=Message.Direction.OUTBOUND, automatic=False)
        )
        .exclude(state__in=[Message.State.FAILED, Message.State.CANCELLED])
    )
    if note is not None:
        emails = emails.filter(created_at__gte=note.created_at)
    customer_side = customer_side_addresses(case)
    newest_seen = next(
        (
            pk
            for pk, sender, to, cc in emails.order_by("-created_at", "-pk").values_list(
                "pk", "from_address", "to", "cc"
            )
            if touches_customer_side(sender, to, cc, customer_side)
        ),
        None,
    )
    if newest_seen is not None:
        message = Message.objects.only("text", "text_new").get(pk=newest_seen)
        return (message.text_new or message.text).strip()
    return note.text.strip() if note is not None else ""


def _cut(text: str) -> str:
    return text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT].rstrip() + "…"


def _field_value(case: Case, name: str, *, last_text: str) -> str:
    if name == "number":
        return str(case.number)
    if name == "due_date":
        return date_format(case.due_date, "SHORT_DATE_FORMAT") if case.due_date else "—"
    if name == "last_message":
        return _cut(last_text) or "—"
    if name == "description":
        return _cut(case.description.strip()) or "—"
    value = getattr(case, name)
    return str(value) if value is not None and value != "" else "—"


def customer_notice_send(
    *,
    case: Case,
    kind: str,
    recipients: list[NoticeRecipient],
    mailbox: Mailbox,
    shown: list[str],
    changes: dict[str, list[Any]] | None = None,
    comment: str = "",
) -> list[str]:
    """Queue the notification about ``case``: one message per language and audience.

    ``kind`` is ``created``, ``updated`` (with ``changes``) or ``comment`` (a public comment's
    ``comment`` text). Automatic mail: the loop guard may hold recipients back. Returns the
    addresses it was queued for.
    """
    groups: dict[tuple[str, str], list[str]] = {}
    for recipient in recipients:
        groups.setdefault((recipient.language, recipient.audience), []).append(recipient.address)
    fields = [name for name in shown if not (kind == "comment" and name == "last_message")]
    last_text = last_public_text(case) if "last_message" in fields else ""
    changed = ChangeDescription(changes or {}).lines(shown) if kind == "updated" else []
    url = settings.SITE_URL + case.get_absolute_url()
    told: list[str] = []
    for (language, audience), addresses in groups.items():
        with translation.override(language):
            context = {
                "case": case,
                "kind": kind,
                "changes": [
                    {"label": str(_LABELS[name]), "old": old, "new": new}
                    for name, old, new in changed
                ],
                "fields": [
                    {
                        "label": str(_LABELS[name]),
                        "value": _field_value(case, name, last_text=last_text),
                        "block": name in ("description", "last_message"),
                    }
                    for name in fields
                ],
                "comment": _cut(comment.strip()),
                "extra_text": case.notify_text.strip(),
                "url": url if audience == Audience.STAFF else "",
            }
            subject = render_to_string("notifications/emails/notice-subject.txt", context).strip()
            text = render_to_string("notifications/emails/notice-body.txt", context).strip() + "\n"
            message = message_compose(
                mailbox=mailbox, to=addresses, subject=subject, text=text, case=case, automatic=True
            )
        if message is not None:
            told.extend(entry["address"] for entry in message.to)
    return told


# The step


def _what_to_tell(happening: Happening, case: Case, shown: list[str]) -> tuple[str, str] | None:
    """(kind, comment) of the notification a happening calls for; None when none."""
    if happening.kind == Kind.CASE_CREATED:
        return "created", ""
    if happening.kind == Kind.CASE_UPDATED:
        # A change that came with a message (the customer's, or our reply): the message is
        # what the customer hears.
        if happening.with_message or not set(happening.changes) & set(shown):
            return None
        return "updated", ""
    if happening.kind == Kind.NOTE_ADDED and happening.note_id is not None:
        note = CaseNote.objects.filter(pk=happening.note_id, case=case).first()
        if note is None or note.internal:
            return None  # an internal note never leaves the house
        return "comment", note.text
    return None


def customer_notices_send(happening: Happening, case: Case) -> None:
    """Notification emails to the customer's side for a happening (see the module's docstring).

    Runs in the worker after the happening committed. Nothing is sent when the case says
    not to, for a merged case, when nobody is to be told, or when no mailbox can send them
    (``mailbox_for_case``: the case's own, else the default; logged as a warning). Each email
    is queued in its own transaction by ``message_compose``.
    """
    if not case.notify or case.merged_into_id is not None:
        return
    settings_row = case_settings()
    shown = settings_row.notice_fields_shown()
    what = _what_to_tell(happening, case, shown)
    if what is None:
        return
    kind, comment = what
    recipients = notice_recipients(case, settings_row=settings_row, actor_id=happening.actor_id)
    if not recipients:
        return
    mailbox = mailbox_for_case(case)
    if mailbox is None:
        logger.warning(
            "case #%s: no default mailbox, so its notification emails are not sent", case.number
        )
        return
    customer_notice_send(
        case=case,
        kind=kind,
        recipients=recipients,
        mailbox=mailbox,
        shown=shown,
        changes=happening.changes,
        comment=comment,
    )
