"""Storing a run of messages in a few transactions instead of one each.

A long run (an archive import, a mailbox's backlog) pays for a commit per message otherwise.
In a ``Batch`` each message's own transaction becomes a savepoint of the batch's, so a message
that fails alone is undone alone. A batch ends after ``BATCH_MESSAGES`` messages or
``BATCH_SECONDS`` (other writers wait for it that long at most); when our database fails, the
whole batch is rolled back, and its messages are read again next time: nothing about them was
acknowledged yet.
"""

from __future__ import annotations

import time
from collections import Counter

from django.db import transaction

BATCH_MESSAGES = 50
BATCH_SECONDS = 0.5


class Batch:
    """Messages stored in one transaction; ``actions`` counts their receipts' actions."""

    def __init__(self) -> None:
        self._atomic: transaction.Atomic | None = None
        self._started = 0.0
        self.actions: Counter[str] = Counter()

    def open(self) -> None:
        if self._atomic is None:
            self._atomic = transaction.atomic()
            self._atomic.__enter__()
            self._started = time.monotonic()

    def full(self) -> bool:
        return self._atomic is not None and (
            self.actions.total() >= BATCH_MESSAGES
            or time.monotonic() - self._started >= BATCH_SECONDS
        )

    def commit(self) -> Counter[str]:
        """Commit; returns the actions of the batch's messages."""
        actions, self.actions = self.actions, Counter()
        if self._atomic is not None:
            atomic, self._atomic = self._atomic, None
            atomic.__exit__(None, None, None)
        return actions

    def rollback(self, error: BaseException) -> None:
        self.actions = Counter()
        if self._atomic is not None:
            atomic, self._atomic = self._atomic, None
            atomic.__exit__(type(error), error, error.__traceback__)
