"""Background fetching of inbound mail.

``fetch_due_mailboxes`` is enqueued every 30 seconds by the worker's scheduler
(``server.schedule.SCHEDULE``); it fetches each active IMAP or POP3 mailbox whose own interval
(``fetch_every_minutes``) has elapsed. Each mailbox is claimed with a conditional UPDATE of
its ``last_fetch_at`` first, so several workers never fetch the same mailbox for the same
interval. ``fetch_mailbox_now`` is the administrator's "Fetch now". Both are idempotent:
fetching twice reads nothing twice (cursors, UIDL records and the pipeline's duplicate check).
"""

from __future__ import annotations

from django.tasks import task
from django.utils import timezone

from kartoteka.mail.mailboxes import mailbox_fetch_claim
from kartoteka.mail.models import Mailbox
from kartoteka.mail.receiving.fetch import FETCHED_PROTOCOLS, fetch_mailbox


@task
def fetch_due_mailboxes() -> list[str]:
    """Fetch every active mailbox whose interval elapsed; the names of those fetched."""
    now = timezone.now()
    candidates = Mailbox.objects.filter(active=True, protocol__in=FETCHED_PROTOCOLS)
    fetched = []
    for mailbox_id in candidates.values_list("pk", flat=True):
        if not mailbox_fetch_claim(mailbox_id=mailbox_id, now=now):
            continue
        mailbox = Mailbox.objects.filter(pk=mailbox_id).first()
        if mailbox is not None:
            fetch_mailbox(mailbox)
            fetched.append(mailbox.name)
    return fetched


@task
def fetch_mailbox_now(mailbox_id: int) -> str:
    """Fetch one mailbox at once, whatever its interval; the error, "" when none."""
    mailbox = Mailbox.objects.filter(pk=mailbox_id).first()
    if mailbox is None:
        return ""
    return fetch_mailbox(mailbox).error
