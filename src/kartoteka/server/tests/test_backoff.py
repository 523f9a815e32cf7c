from __future__ import annotations

from kartoteka.server.backoff import Backoff


def test_waits_double_up_to_the_ceiling() -> None:
    backoff = Backoff(first=1, most=30)

    assert [backoff.next() for _ in range(7)] == [1, 2, 4, 8, 16, 30, 30]


def test_after_a_reset_the_first_wait_comes_again() -> None:
    backoff = Backoff(first=1, most=30)
    backoff.next()
    backoff.next()

    backoff.reset()

    assert backoff.next() == 1
