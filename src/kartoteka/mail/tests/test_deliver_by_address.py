"""``kartoteka mail deliver --mailbox`` takes the mailbox's address as well as its name, so a
rename in the settings does not break the mail server's pipe."""

from __future__ import annotations

import json
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from kartoteka.mail.management.commands.mail import Command, mailbox_for_pipe
from kartoteka.mail.models import Mailbox, Message
from kartoteka.mail.tests.test_deliver_command import MESSAGE


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def mailbox(db: None) -> Mailbox:
    return Mailbox.objects.create(name="pomoc", address="pomoc@firma.example")


def deliver(mailbox: str) -> tuple[str, int]:
    out = StringIO()
    try:
        call_command("mail", "deliver", "--mailbox", mailbox, stdin=BytesIO(MESSAGE), stdout=out)
    except CommandError as error:
        return str(error), error.returncode
    return out.getvalue(), 0


def test_deliver_by_the_address_stores_in_that_mailbox(mailbox) -> None:
    # when
    output, code = deliver("pomoc@firma.example")
    # then
    assert code == 0
    assert json.loads(output)["action"] == "triage"
    assert Message.objects.get().mailbox == mailbox


def test_the_address_is_matched_in_any_case(mailbox) -> None:
    _output, code = deliver("Pomoc@FIRMA.example")
    assert code == 0
    assert Message.objects.get().mailbox == mailbox


def test_a_renamed_mailbox_still_takes_mail_by_its_address(mailbox) -> None:
    # given: the administrator renamed it after the mail server was set up
    mailbox.name = "Biuro obsługi"
    mailbox.save()
    # when
    _output, old_name_code = deliver("pomoc")
    _output, code = deliver("pomoc@firma.example")
    # then
    assert old_name_code == 67
    assert code == 0
    assert Message.objects.get().mailbox == mailbox


def test_a_name_wins_over_another_mailboxs_address(mailbox) -> None:
    # given: a mailbox named like the other one's address
    named = Mailbox.objects.create(name="pomoc@firma.example", address="inna@firma.example")
    # then
    assert mailbox_for_pipe("pomoc@firma.example") == named
    assert mailbox_for_pipe("POMOC@firma.example") == mailbox


@pytest.mark.parametrize("given", ["", "   ", "nikt@firma.example", "pomoc@firma", "%", "_"])
def test_no_mailbox_for_unknown_or_wildcard_input(mailbox, given: str) -> None:
    assert mailbox_for_pipe(given) is None


def test_two_addresses_differing_in_case_name_no_mailbox(mailbox) -> None:
    Mailbox.objects.create(name="druga", address="POMOC@firma.example")
    assert mailbox_for_pipe("Pomoc@Firma.Example") is None
    assert mailbox_for_pipe("druga").name == "druga"


def test_the_help_says_the_address_works() -> None:
    assert "--mailbox NAME|ADDRESS" in Command.help
    assert "stays when an administrator renames the mailbox" in " ".join(Command.help.split())
