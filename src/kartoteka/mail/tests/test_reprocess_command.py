"""``kartoteka mail reprocess``: kept messages read again, one JSON line each."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError

from kartoteka.mail.models import Message
from kartoteka.mail.receiving import inbound
from kartoteka.mail.receiving.inbound import message_receive
from kartoteka.mail.tests.test_inbound import email
from kartoteka.mail.tests.test_reprocess import unparsable

pytestmark = pytest.mark.usefixtures("data_dir")


def reprocess(*args: str) -> tuple[list[dict[str, object]], int, str]:
    """The JSON lines printed, the exit code and the error of ``mail reprocess ARGS``."""
    out = StringIO()
    code, error = 0, ""
    try:
        call_command("mail", "reprocess", *args, stdout=out)
    except CommandError as failure:
        code, error = failure.returncode, str(failure)
    return [json.loads(line) for line in out.getvalue().splitlines()], code, error


def test_reprocess_all_places_every_unparsable_message(mailbox, customer) -> None:
    # given
    first = unparsable(email(message_id="<a@klient.example>"), mailbox)
    second = unparsable(email(message_id="<b@klient.example>"), mailbox)
    # when
    lines, code, _ = reprocess("--all")
    # then
    first.refresh_from_db()
    second.refresh_from_db()
    assert code == 0
    assert lines == [
        {
            "message": first.pk,
            "action": "created",
            "case": first.case.number,
            "reason": "new case from a known sender",
        },
        {
            "message": second.pk,
            "action": "created",
            "case": second.case.number,
            "reason": "new case from a known sender",
        },
    ]
    assert not Message.objects.filter(state=Message.State.UNPARSABLE).exists()


def test_reprocess_by_id_refuses_a_placed_or_missing_message_and_exits_65(
    mailbox, customer
) -> None:
    # given
    kept = unparsable(email(message_id="<a@klient.example>"), mailbox)
    placed = message_receive(raw=email(message_id="<b@klient.example>"), mailbox=mailbox)
    # when
    lines, code, error = reprocess(str(kept.pk), str(placed.message_pk), "999999")
    # then
    kept.refresh_from_db()
    assert (code, error) == (65, "Not reprocessed: 2 of 3 messages.")
    assert lines == [
        {
            "message": kept.pk,
            "action": "created",
            "case": kept.case.number,
            "reason": "new case from a known sender",
        },
        {
            "message": placed.message_pk,
            "error": "Only a message that could not be read, or waits in triage with an error, "
            "can be reprocessed.",
        },
        {"message": 999999, "error": "There is no such message."},
    ]


def test_reprocess_with_the_database_failing_exits_75(mailbox, monkeypatch) -> None:
    # given
    kept = unparsable(email(), mailbox)

    def down(*args: object, **kwargs: object) -> None:
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(inbound, "knowledge_gather", down)
    # when
    lines, code, error = reprocess(str(kept.pk))
    # then
    assert (lines, code) == ([], 75)
    assert error == (
        "Temporary failure, reprocess again later: database error: could not connect to server"
    )
    kept.refresh_from_db()
    assert kept.state == Message.State.UNPARSABLE


@pytest.mark.parametrize("args", [(), ("--all", "1")])
def test_reprocess_needs_all_or_ids_but_not_both(db: None, args: tuple[str, ...]) -> None:
    lines, code, error = reprocess(*args)
    assert (lines, code, error) == ([], 64, "Give either --all or message ids.")
