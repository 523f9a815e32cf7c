"""Background work of imports: the run (see ``running`` for its all-or-nothing design).

``run_import`` is enqueued after the commit that claimed the import (state ``running``); it is
idempotent: an import in another state is left alone.
"""

from __future__ import annotations

from django.tasks import task

from kartoteka.imports.running import import_run


@task
def run_import(import_id: int) -> str:
    """Write the accepted rows of import ``import_id``; its resulting state."""
    return str(import_run(import_id=import_id).state)
