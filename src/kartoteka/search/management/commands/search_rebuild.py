"""Write the global search index again from every case, note, email, customer, contact,
document and event (or the kinds named with ``--kind``), in one transaction per run.

Needed after restoring a backup made without the index, after loading data past the
services, or to repair an index suspected to be out of step; ``--check`` only compares the
number of entries of each kind with the number of its objects.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kartoteka.core.search_index import KIND_CODES, index_count, index_rebuild, sources


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--kind", action="append", choices=sorted(KIND_CODES), default=[], dest="kinds"
        )
        parser.add_argument("--check", action="store_true", help="Only compare the counts.")

    def handle(self, *args: Any, kinds: list[str], check: bool, **options: Any) -> None:
        if check:
            stale = []
            for source in sources():
                if kinds and source.kind not in kinds:
                    continue
                entries, objects = index_count(source.kind), source.count()
                self.stdout.write(f"{source.kind}: {entries:,} entries, {objects:,} objects")
                if entries != objects:
                    stale.append(source.kind)
            if stale:
                raise CommandError(f"out of step: {', '.join(stale)}; run search_rebuild")
            return
        started = time.monotonic()
        written = index_rebuild(kinds=kinds, say=self.stdout.write)
        self.stdout.write(f"{written:,} entries written in {time.monotonic() - started:.1f} s")
