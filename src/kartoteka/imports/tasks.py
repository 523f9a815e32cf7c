"""Background work of imports: the check and the run (see ``checking`` and ``running``).

Both are enqueued after the commit that claimed the import (state ``checking`` or
``running``); both are idempotent: an import in another state is left alone.
"""

from __future__ import annotations

from django.tasks import task

from kartoteka.imports.checking import check_in_worker
from kartoteka.imports.running import import_run


@task
def check_import(import_id: int) -> str:
    """Check and stage the rows of import ``import_id``; its resulting state."""
    return str(check_in_worker(import_id=import_id).state)


@task
def run_import(import_id: int) -> str:
    """Write the accepted rows of import ``import_id``; its resulting state."""
    return str(import_run(import_id=import_id).state)
