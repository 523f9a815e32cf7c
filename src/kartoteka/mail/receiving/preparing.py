"""Preparing messages (raw store, parse, attachments) in other processes while this one
writes to the database: how a long import uses more than one core.

``prepared_in_order`` takes an iterator of raw messages and yields each with its
``PreparedMessage`` (or the ``TemporaryFailure`` that preparing it raised), in the order
given, since placing a reply needs the message it answers to be stored first. At most
``WINDOW_CHUNKS`` chunks of ``CHUNK`` messages are in flight, so memory stays flat however
long the archive. With ``workers=0`` everything happens here, one message at a time.

Preparing touches no database (``inbound.message_prepare``): the workers are forked from
this process with Django already set up and never use its connections.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor

from kartoteka.mail.receiving.inbound import PreparedMessage, TemporaryFailure, message_prepare

CHUNK = 16  # messages per task: fewer round trips between the processes
WINDOW_CHUNKS = 4  # tasks in flight per worker

Outcome = PreparedMessage | TemporaryFailure | None  # None: an empty message, not prepared


def default_workers() -> int:
    """One core for this process (the database side), the others for preparing."""
    return max(0, min((os.cpu_count() or 1) - 1, 4))


def _prepare_chunk(raws: list[bytes]) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for raw in raws:
        if not raw.strip():
            outcomes.append(None)
            continue
        try:
            outcomes.append(message_prepare(raw))
        except TemporaryFailure as failure:
            outcomes.append(failure)
    return outcomes


def prepared_in_order[Key](
    messages: Iterable[tuple[Key, bytes]], *, workers: int
) -> Iterator[tuple[Key, bytes, Outcome]]:
    """Each (key, raw) of ``messages`` with its outcome, in order."""
    if workers <= 0:
        for key, raw in messages:
            yield key, raw, _prepare_chunk([raw])[0]
        return
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        in_flight: deque[tuple[list[tuple[Key, bytes]], Future[list[Outcome]]]] = deque()
        chunk: list[tuple[Key, bytes]] = []

        def submit() -> None:
            in_flight.append((chunk, pool.submit(_prepare_chunk, [raw for _key, raw in chunk])))

        def drain_one() -> Iterator[tuple[Key, bytes, Outcome]]:
            items, future = in_flight.popleft()
            for (key, raw), outcome in zip(items, future.result(), strict=True):
                yield key, raw, outcome

        for item in messages:
            chunk.append(item)
            if len(chunk) == CHUNK:
                submit()
                chunk = []
                if len(in_flight) > WINDOW_CHUNKS * workers:
                    yield from drain_one()
        if chunk:
            submit()
        while in_flight:
            yield from drain_one()
