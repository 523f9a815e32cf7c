"""Write the knowledge base's search index again from every article, in one transaction.

Needed after loading articles past the services (a restore of an older backup, a bulk load);
the services keep the index in step on their own.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from kartoteka.kb.search import index_rebuild


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        count = index_rebuild()
        self.stdout.write(f"{count:,} articles indexed in {time.monotonic() - started:.1f} s")
