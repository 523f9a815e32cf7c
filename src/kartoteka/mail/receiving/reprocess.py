"""Reading a stored message again after a fix: ``message_reprocess``.

A message that could not be read (state ``unparsable``), or that waits in triage with an
error, keeps its raw bytes in the raw store. Reprocessing runs the same pipeline as a new
delivery (``inbound.process``: parse, gather, decide, apply) on those bytes, but updates the
stored row in place: no second row, its id and time of arrival stay.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kartoteka.mail import selectors
from kartoteka.mail.models import Message
from kartoteka.mail.rawstore import raw_read
from kartoteka.mail.receiving import inbound

if TYPE_CHECKING:
    from kartoteka.people.models import User

logger = logging.getLogger("kartoteka.mail")


def message_reprocess(*, message: Message, by: User | None) -> inbound.Receipt:
    """Run the inbound pipeline again on ``message``'s raw bytes; returns the new receipt.

    Refused (``ValidationError``) for a message that is neither unparsable nor in triage with
    an error, and when its raw bytes are gone. Raises ``inbound.TemporaryFailure`` when the
    database or the disk fails; the message then stays as it was.
    """
    if not Message.objects.filter(selectors.reprocessable(), pk=message.pk).exists():
        raise ValidationError(
            _("Only a message that could not be read, or waits in triage with an error, can be "
              "reprocessed."),
            code="not_reprocessable",
        )  # fmt: skip
    try:
        raw = raw_read(message.raw_sha256)
    except OSError as error:
        raise ValidationError(
            _("The original of this message is missing from the data directory: %(error)s")
            % {"error": error},
            code="raw_missing",
        ) from error
    receipt = inbound.process(
        raw,
        message.raw_sha256,
        mailbox=message.mailbox,
        source=message.source or "reprocess",
        row=message,
    )
    logger.info(
        "message %s reprocessed by %s: %s (case %s, %s)",
        message.pk,
        getattr(by, "pk", None),
        receipt.action,
        receipt.case_number,
        receipt.reason,
    )
    return receipt


def messages_reprocess_unparsable(*, by: User | None = None) -> list[inbound.Receipt]:
    """Reprocess every unparsable message, oldest first (for ``kartoteka mail reprocess``)."""
    receipts = []
    for message in Message.objects.filter(
        direction=Message.Direction.INBOUND, state=Message.State.UNPARSABLE
    ).order_by("pk"):
        try:
            receipts.append(message_reprocess(message=message, by=by))
        except ValidationError as error:
            logger.warning("message %s not reprocessed: %s", message.pk, error)
    return receipts
