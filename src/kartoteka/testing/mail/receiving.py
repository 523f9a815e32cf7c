"""Fixtures of the tests of receiving mail: a pipe-fed mailbox, a known customer, a case."""

from __future__ import annotations

from pathlib import Path

import pytest

from kartoteka.cases.models import Case
from kartoteka.cases.services import case_create
from kartoteka.customers.models import Contact, EmailAddress
from kartoteka.mail.models import Mailbox
from kartoteka.testing.customers import ContactFactory

CUSTOMER = "jan@klient.example"
SUPPORT = "pomoc@firma.example"


@pytest.fixture
def data_dir(settings, tmp_path: Path) -> Path:
    """Raw messages and attachments of the test go to its own folder."""
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def mailbox(db: None) -> Mailbox:
    return Mailbox.objects.create(name="pomoc", address=SUPPORT, protocol=Mailbox.Protocol.NONE)


@pytest.fixture
def customer(db: None) -> Contact:
    contact = ContactFactory(first_name="Jan", last_name="Kowalski")
    EmailAddress.objects.create(contact=contact, address=CUSTOMER)
    return contact


@pytest.fixture
def case(customer: Contact) -> Case:
    return case_create(
        by=None,
        subject="Drukarka",
        account=customer.account,
        contacts=[customer],
        data={"reporter": customer},
    )
