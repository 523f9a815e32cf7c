"""The worker outlasts a database outage: a real worker process, a real SMTP server, and
another connection holding the database for 30 s (on PostgreSQL it also cuts the worker's
connections, as a restarted server would), then the queued mail goes out all the same."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult

from kartoteka.mail.models import Message
from kartoteka.mail.sending.outbound import reply_create
from kartoteka.server.tests.processes import (
    OutputReader,
    database_url,
    kartoteka,
    kartoteka_env,
    stop,
)
from kartoteka.testing.cases import make_case
from kartoteka.testing.mail.sending import make_inbound, make_mailbox

pytestmark = pytest.mark.django_db(transaction=True)

# As long as the outage of the report this test comes from; longer than SQLite's busy
# timeout (20 s), after which django_tasks_db's worker used to give up and exit.
LOCK_SECONDS = 30


@pytest.fixture
def worker(settings, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], OutputReader]]:
    """``kartoteka worker`` on this test's database, sharing its data folder."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.DATA_DIR = tmp_path
    process = subprocess.Popen(
        kartoteka("worker"),
        env=kartoteka_env(tmp_path, database_url=database_url(connection.settings_dict)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output = OutputReader(process)
        output.wait_for("Starting worker")
        yield process, output
    finally:
        stop(process)


def hold_the_database() -> None:
    """Inside the transaction of the caller: keep the worker from the task queue.

    SQLite: the transaction already holds the write lock (it began IMMEDIATE); a write makes
    that plain. PostgreSQL: lock the task table, wait until the worker waits for it, and cut
    the worker's connections (this test database's only other ones)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("UPDATE core_periodicrun SET name = name")
            return
        table = connection.ops.quote_name(DBTaskResult._meta.db_table)
        cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
    _wait_for_a_connection_waiting_on_a_lock()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def _wait_for_a_connection_waiting_on_a_lock() -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            # Within a transaction the activity view stays as first read, unless cleared.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.1)
    raise AssertionError("the worker never waited for the locked task table")


def test_queued_mail_goes_out_after_the_database_was_held_for_30_seconds(
    worker, smtp_server, agent
) -> None:
    # given
    process, output = worker
    mailbox = make_mailbox()
    smtp_server.point(mailbox)
    case = make_case("Drukarka nie drukuje")
    make_inbound(case, mailbox=mailbox, message_id="first@klient.example")
    # when: a reply is queued while another connection holds the database for 30 s
    with transaction.atomic():
        hold_the_database()
        reply = reply_create(case=case, by=agent, text="Proszę zrestartować drukarkę.")
        time.sleep(LOCK_SECONDS)
    # then: the worker lived through it and sent the reply, nobody restarting anything
    assert process.poll() is None, output.text
    deadline = time.monotonic() + 30
    while not smtp_server.received and time.monotonic() < deadline:
        time.sleep(0.2)
    [received] = smtp_server.received
    assert received.rcpt_tos == ["klient@klient.example"]
    assert received.message["Subject"] == reply.subject
    reply.refresh_from_db()
    assert reply.state == Message.State.SENT
    assert process.poll() is None
    # The outage was logged once as it began and once as it ended.
    assert output.count("The database is unavailable") == 1, output.text
    assert output.count("The database is available again") == 1, output.text
