"""Background housekeeping of the triage inbox.

``purge_discarded_messages`` is enqueued every hour by the worker's scheduler
(``server.schedule.SCHEDULE``); it is idempotent (a second run finds nothing left to delete).
"""

from __future__ import annotations

from django.tasks import task

from kartoteka.mail.triage.services import discarded_messages_purge


@task
def purge_discarded_messages() -> int:
    """Delete messages discarded as spam more than 30 days ago; how many went."""
    return discarded_messages_purge()
