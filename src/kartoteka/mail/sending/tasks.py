"""The outbox task: enqueued after a message is queued (on commit) and every minute by the
schedule (``server.schedule``) for retries. Idempotent: each message is claimed before sending."""

from __future__ import annotations

from django.tasks import task

from kartoteka.mail.sending.outbox import outbox_send_due


@task
def send_due_messages() -> int:
    """Send every queued message that is due; returns how many were sent."""
    return outbox_send_due().sent
