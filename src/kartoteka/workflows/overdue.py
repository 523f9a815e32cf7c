"""Overdue cases: too long in a status that does not close them.

A status may say that a case counts as overdue after 1 to 7 or 14 days in it, and whom to tell
then: the customer's account manager, the administrators, extra addresses. The periodic job
(``workflows.tasks.mark_overdue_cases``, see ``server.schedule``) calls
``overdue_cases_mark``: a case whose ``status_changed_at`` is that long ago is claimed
(``cases.services.case_overdue_claim`` sets ``overdue_since``) and gets one email, once per
overdue period; a change of status (``cases.services.case_update``) clears ``overdue_since``
and so starts a new period.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format

from kartoteka.cases.models import Case, Status
from kartoteka.cases.services import case_overdue_claim, case_overdue_told
from kartoteka.mail.models import Mailbox
from kartoteka.mail.sending.outbound import message_compose
from kartoteka.people.models import User

logger = logging.getLogger(__name__)

BATCH_SIZE = 500


@dataclass(frozen=True)
class Recipient:
    address: str
    language: str


def overdue_statuses() -> list[Status]:
    """The statuses after which a case can become overdue (not closing, with a period)."""
    return list(Status.objects.filter(closes_case=False, overdue_after_days__isnull=False))


def _administrators() -> list[Recipient]:
    administrators = (
        User.objects.filter(is_active=True)
        .filter(Q(role=User.Role.ADMINISTRATOR) | Q(is_superuser=True))
        .exclude(email="")
        .order_by("pk")
    )
    return [Recipient(user.email, user.language) for user in administrators]


def overdue_recipients(
    case: Case, status: Status, *, administrators: list[Recipient]
) -> list[Recipient]:
    """Whom the status says to tell about ``case``, each address once (a user's own language
    wins over the installation's; an empty language means the installation's)."""
    candidates: list[Recipient] = []
    manager = case.account.manager if case.account is not None else None
    if status.notify_account_manager and manager is not None and manager.is_active:
        candidates.append(Recipient(manager.email, manager.language))
    if status.notify_administrator:
        candidates.extend(administrators)
    extra = (address.strip() for address in status.notify_addresses.split(","))
    candidates.extend(Recipient(address, "") for address in extra if address)
    recipients: dict[str, Recipient] = {}
    for candidate in candidates:
        key = candidate.address.strip().lower()
        if key and key not in recipients:
            language = candidate.language or settings.LANGUAGE_CODE
            recipients[key] = Recipient(candidate.address.strip(), language)
    return list(recipients.values())


def overdue_notification_send(
    *,
    case: Case,
    status: Status,
    recipients: list[Recipient],
    mailbox: Mailbox,
    now: datetime,
) -> list[str]:
    """Queue the overdue email of ``case``: one message per language, to its recipients.

    Automatic mail, so the loop guard may hold some recipients back. Returns the addresses
    it was queued for.
    """
    by_language: dict[str, list[str]] = {}
    for recipient in recipients:
        by_language.setdefault(recipient.language, []).append(recipient.address)
    told: list[str] = []
    days = (now - case.status_changed_at).days
    url = settings.SITE_URL + case.get_absolute_url()
    for language, addresses in by_language.items():
        with translation.override(language):
            context = {
                "case": case,
                "status": status,
                "days": days,
                "since": date_format(
                    timezone.localtime(case.status_changed_at), "SHORT_DATETIME_FORMAT"
                ),
                "url": url,
            }
            subject = render_to_string("workflows/emails/overdue-subject.txt", context).strip()
            text = render_to_string("workflows/emails/overdue-body.txt", context).strip() + "\n"
            message = message_compose(
                mailbox=mailbox, to=addresses, subject=subject, text=text, case=case, automatic=True
            )
        if message is not None:
            told.extend(entry["address"] for entry in message.to)
    return told


def _mark_one(
    case: Case,
    status: Status,
    *,
    cutoff: datetime,
    now: datetime,
    mailbox: Mailbox | None,
    administrators: list[Recipient],
) -> bool:
    """Claim the case's overdue period and tell its recipients, in one transaction."""
    with transaction.atomic():
        if not case_overdue_claim(case=case, status=status, cutoff=cutoff, now=now):
            return False  # its status changed, or another run marked it meanwhile
        recipients = overdue_recipients(case, status, administrators=administrators)
        told: list[str] = []
        if recipients and mailbox is None:
            logger.warning("case #%s is overdue but there is no default mailbox", case.number)
        elif recipients and mailbox is not None:
            told = overdue_notification_send(
                case=case, status=status, recipients=recipients, mailbox=mailbox, now=now
            )
        case_overdue_told(case=case, status=status, now=now, told=told)
    return True


def overdue_cases_mark(*, now: datetime | None = None) -> int:
    """Mark every case that has become overdue and tell whom its status says; how many.

    Idempotent: a case already overdue is skipped until its status changes. Each case is
    claimed by a conditional ``UPDATE`` in its own transaction together with its email and
    history event, so two overlapping runs mark and tell each case once, and a failure of one
    case (logged) leaves it for the next run. Cases are read in batches of ``BATCH_SIZE``.
    """
    now = now or timezone.now()
    mailbox = Mailbox.objects.default()
    administrators: list[Recipient] | None = None
    marked = 0
    for status in overdue_statuses():
        days = status.overdue_after_days or 0
        cutoff = now - timedelta(days=days)
        due = (
            Case.objects.filter(
                status=status,
                overdue_since__isnull=True,
                status_changed_at__lte=cutoff,
                merged_into__isnull=True,
            )
            .select_related("account__manager")
            .order_by("pk")
        )
        if status.notify_administrator and administrators is None:
            administrators = _administrators()
        after = 0
        while batch := list(due.filter(pk__gt=after)[:BATCH_SIZE]):
            after = batch[-1].pk
            for case in batch:
                try:
                    marked += _mark_one(
                        case,
                        status,
                        cutoff=cutoff,
                        now=now,
                        mailbox=mailbox,
                        administrators=administrators or [],
                    )
                except Exception:
                    logger.exception("marking case #%s overdue failed", case.number)
    return marked
