"""Waits that double after each failure up to a ceiling, and start again after a success."""

from __future__ import annotations


class Backoff:
    def __init__(self, *, first: float, most: float) -> None:
        self.first = first
        self.most = most
        self._next = first

    def next(self) -> float:
        """Seconds to wait before the next try; each call doubles the following one."""
        wait = self._next
        self._next = min(self._next * 2, self.most)
        return wait

    def reset(self) -> None:
        self._next = self.first
