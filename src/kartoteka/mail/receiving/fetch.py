"""Fetching mailboxes: each source's messages through the receive pipeline, nothing lost.

The source yields each message's bytes and ``message_receive`` stores them; messages are
committed together (``batches``: 50 at most, or half a second's worth) and only then is the
source told to acknowledge them (mark seen, move or delete on the server, move the cursor).
Whatever stops a run (the server, the network, our database) first commits what was stored
well, so that is acknowledged, and leaves the rest unacknowledged: it is fetched again next
time and the pipeline recognises any part of it already stored.

A mailbox's trouble is recorded on it (``last_fetch_at``, ``last_fetch_error``) and in its
``FetchReport``; it never stops the other mailboxes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import DatabaseError
from django.utils.translation import gettext as _

from kartoteka.mail.mailboxes import mailbox_fetch_finished
from kartoteka.mail.models import Mailbox
from kartoteka.mail.receiving import inbound
from kartoteka.mail.receiving.batches import Batch
from kartoteka.mail.receiving.knowledge import ReceivingContext, receiving_context
from kartoteka.mail.receiving.sources import RawMessage, SourceError, source_open

logger = logging.getLogger("kartoteka.mail")

FETCHED_PROTOCOLS = (Mailbox.Protocol.IMAP, Mailbox.Protocol.POP3)


@dataclass
class FetchReport:
    mailbox: Mailbox
    fetched: int = 0  # messages read from the server
    stored: int = 0  # of which new to us
    duplicates: int = 0  # of which already stored (by any path)
    error: str = ""  # "" when the run read everything there was

    @property
    def ok(self) -> bool:
        return not self.error


def fetch_all(mailbox_name: str | None = None) -> list[FetchReport]:
    """Fetch every active IMAP or POP3 mailbox now, or only the one named (active or not).

    Raises ``Mailbox.DoesNotExist`` for an unknown name.
    """
    if mailbox_name is not None:
        return [fetch_mailbox(Mailbox.objects.get(name=mailbox_name))]
    mailboxes = Mailbox.objects.filter(active=True, protocol__in=FETCHED_PROTOCOLS)
    return [fetch_mailbox(mailbox) for mailbox in mailboxes]


def fetch_mailbox(mailbox: Mailbox) -> FetchReport:
    """Read the mailbox's new messages into the receive pipeline; never raises for trouble
    with the server or the database, which ends the run and is reported instead."""
    report = FetchReport(mailbox=mailbox)
    try:
        _fetch(mailbox, report)
    except SourceError as error:
        report.error = error.message
        logger.warning("fetching %s stopped: %s", mailbox.name, error.message)
    except inbound.TemporaryFailure as error:
        report.error = _(
            "A message could not be stored (%(reason)s); it stays on the server and is "
            "fetched again next time."
        ) % {"reason": error}
        logger.error("fetching %s stopped: %s", mailbox.name, error)
    except DatabaseError as error:
        report.error = _("The database failed (%(reason)s); the fetch is tried again later.") % {
            "reason": error
        }
        logger.error("fetching %s stopped: %s", mailbox.name, error)
    except Exception as error:
        report.error = _("Fetching failed unexpectedly: %(reason)s") % {"reason": repr(error)}
        logger.exception("fetching %s failed", mailbox.name)
    try:
        mailbox_fetch_finished(mailbox=mailbox, error=report.error)
    except DatabaseError:
        logger.exception("the fetch result of %s could not be recorded", mailbox.name)
    if report.fetched:
        logger.info(
            "fetched %s: %d message(s), %d new, %d already stored",
            mailbox.name,
            report.fetched,
            report.stored,
            report.duplicates,
        )
    return report


def _fetch(mailbox: Mailbox, report: FetchReport) -> None:
    context: ReceivingContext | None = None
    batch = Batch()
    with source_open(mailbox) as source:
        stored: list[RawMessage] = []  # in the batch, not acknowledged yet

        def commit() -> None:
            for action, count in batch.commit().items():
                if action == "duplicate":
                    report.duplicates += count
                else:
                    report.stored += count
            for message in stored:
                source.acknowledge(message)
            stored.clear()

        try:
            for message in source.messages():
                report.fetched += 1
                batch.open()
                context = context.fresh() if context is not None else receiving_context()
                receipt = inbound.message_receive(
                    raw=message.data, mailbox=mailbox, source=message.source, context=context
                )
                batch.actions[receipt.action] += 1
                stored.append(message)
                if batch.full():
                    commit()
        except (SourceError, inbound.TemporaryFailure):
            # The messages stored before this one are fine: keep and acknowledge them.
            _commit_what_was_stored(commit, batch)
            raise
        except BaseException as error:
            batch.rollback(error)
            raise
        commit()


def _commit_what_was_stored(commit: Callable[[], None], batch: Batch) -> None:
    try:
        commit()
    except (SourceError, DatabaseError) as error:
        # The server went away too (acknowledged next time, as duplicates) or the database
        # cannot commit (the whole batch is fetched again).
        batch.rollback(error)
        logger.warning("the messages stored before the failure could not be finished: %s", error)
