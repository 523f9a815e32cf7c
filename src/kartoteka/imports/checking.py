"""The check of an import in the worker, as the run is (see ``running``).

Reading, checking and staging 100,000 rows takes seconds: too long for a web request (and a
proxy in front of it would give up). So the page claims the check (the import turns
``checking`` in one ``UPDATE`` that must change exactly one row, committed at once) and
enqueues ``tasks.check_import`` after the commit; the worker stages the rows in one
transaction (``check_now``: the accounts' rows, then the contacts file's), writing its progress
to the side file of ``progress`` (phase ``check``, then ``contacts``): rows read of about how
many the file holds, rows per second and time left. The import ends ``checked``; a file that
turns out unreadable, or any failure, rolls the staging back and returns the import to where
it was (``mapped``, or ``checked`` when only the contacts file was checked) with the reason
in ``error``, to be checked again.

A small file is checked at once in the request (``CHECK_AT_ONCE_BYTES``): under a quarter of
a second of work, spared the trip through the worker's queue and the progress page. The
command line checks at once whatever the size (``check_now``), as it runs at once.
"""

from __future__ import annotations

import logging
import time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kartoteka.imports.contacts import contacts_stage
from kartoteka.imports.models import ContactFile, Import
from kartoteka.imports.progress import Ticker, progress_clear, progress_path
from kartoteka.imports.reading import ImportFileError, rows_estimate
from kartoteka.imports.staging import file_on_disk, import_check

logger = logging.getLogger(__name__)

# A CSV up to this size (about 1,500 rows) is checked in the request.
CHECK_AT_ONCE_BYTES = 192 * 1024
# A check whose progress file has not changed for this long lost its worker.
STALE_SECONDS = 15 * 60
# Where a check that did not end goes back to.
RETURN_STATE = {
    Import.CheckScope.ALL: Import.State.MAPPED,
    Import.CheckScope.CONTACTS: Import.State.CHECKED,
}


def check_at_once(batch: Import, scope: str) -> bool:
    """Whether the check is small enough for the request: every file it reads is a small CSV."""
    files: list[tuple[str, int]] = []
    if scope == Import.CheckScope.ALL:
        files.append((batch.kind, batch.size))
    contact_file = _contacts_to_check(batch, scope)
    if contact_file is not None:
        files.append((contact_file.kind, contact_file.size))
    return all(kind == Import.Kind.CSV and size <= CHECK_AT_ONCE_BYTES for kind, size in files)


@transaction.atomic
def check_now(*, batch: Import, scope: str, progress: bool = False) -> Import:
    """Check in this process: with ``scope`` ``all`` every row of the accounts' file (and
    the contacts file, if it has a mapping and was not checked yet), with ``contacts`` the
    contacts file only (the accounts' rows and their decisions stay). The import becomes
    ``checked``. ``progress`` writes the progress file as it goes.

    Raises ``ImportFileError`` (nothing staged, the transaction rolled back) when a file
    cannot be read."""
    if scope == Import.CheckScope.ALL:
        ticker = _ticker(batch, batch, "check") if progress else None
        import_check(batch=batch, tick=ticker.tick if ticker else None)
    contact_file = _contacts_to_check(batch, scope)
    if contact_file is not None:
        ticker = _ticker(batch, contact_file, "contacts") if progress else None
        contacts_stage(batch=batch, tick=ticker.tick if ticker else None)
    Import.objects.filter(pk=batch.pk).update(state=Import.State.CHECKED, check_scope="", error="")
    batch.refresh_from_db()
    return batch


def _contacts_to_check(batch: Import, scope: str) -> ContactFile | None:
    """The contacts file the check reads: with its columns matched, and (for a check of
    every row) not checked yet."""
    contact_file = ContactFile.objects.filter(batch=batch).first()
    if contact_file is None or not contact_file.mapping:
        return None
    if scope == Import.CheckScope.CONTACTS or not contact_file.checked:
        return contact_file
    return None


def _ticker(batch: Import, source: Import | ContactFile, phase: str) -> Ticker:
    with file_on_disk(source) as path:
        total = rows_estimate(path, skip_header=source.skip_header)
    ticker = Ticker(batch.pk, total, phase=phase)
    ticker.tick(0, force=True)
    return ticker


def check_claim(*, batch: Import, scope: str) -> bool:
    """Mark the import ``checking`` (from ``uploaded``, ``mapped`` or ``checked``); False
    when it is in another state (checking already, running, done)."""
    with transaction.atomic():
        claimed = Import.objects.filter(
            pk=batch.pk,
            state__in=[Import.State.UPLOADED, Import.State.MAPPED, Import.State.CHECKED],
        ).update(
            state=Import.State.CHECKING,
            check_scope=scope,
            progress_at=timezone.now(),
            error="",
        )
    return claimed == 1


def check_in_worker(*, import_id: int) -> Import:
    """The worker's check of a claimed (``checking``) import (see the module's docstring).

    Idempotent: an import in another state is returned untouched; a second delivery of the
    task while the first still checks waits for its lock and then finds it ``checked``."""
    batch = Import.objects.get(pk=import_id)
    if batch.state != Import.State.CHECKING:
        return batch
    scope = batch.check_scope or Import.CheckScope.ALL
    message = ""
    try:
        with transaction.atomic():
            if not (
                Import.objects.select_for_update()
                .filter(pk=batch.pk, state=Import.State.CHECKING)
                .exists()
            ):
                return Import.objects.get(pk=batch.pk)
            check_now(batch=batch, scope=scope, progress=True)
    except ImportFileError as error:
        message = error.message
    except ValidationError as error:
        message = "; ".join(error.messages)
    except Exception as error:
        logger.exception("Check of import %s failed", batch.pk)
        message = _("The check failed: %(reason)s") % {"reason": error}
    finally:
        progress_clear(batch.pk)
    if message:
        Import.objects.filter(pk=batch.pk, state=Import.State.CHECKING).update(
            state=RETURN_STATE.get(Import.CheckScope(scope), Import.State.MAPPED),
            check_scope="",
            error=message[:5000],
        )
    batch.refresh_from_db()
    return batch


def check_stale(*, batch: Import) -> Import:
    """Return a ``checking`` import whose worker went away (no progress for
    ``STALE_SECONDS``, or never picked up) to where it was, to be checked again."""
    if batch.state != Import.State.CHECKING:
        return batch
    try:
        last = progress_path(batch.pk).stat().st_mtime
    except OSError:
        last = batch.progress_at.timestamp() if batch.progress_at else 0.0
    if time.time() - last < STALE_SECONDS:
        return batch
    scope = Import.CheckScope(batch.check_scope or Import.CheckScope.ALL)
    Import.objects.filter(pk=batch.pk, state=Import.State.CHECKING).update(
        state=RETURN_STATE[scope],
        check_scope="",
        error=_("The background worker stopped during the check. Check the rows again."),
    )
    batch.refresh_from_db()
    return batch
