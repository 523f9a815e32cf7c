"""The demo's replies from people new to a case: each joins its case, marked on its card."""

from __future__ import annotations

import pytest

from kartoteka.demo.services import demo_load
from kartoteka.mail.models import Message
from kartoteka.people.models import User
from kartoteka.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_a_colleague_and_a_supplier_join_their_cases_as_new_participants(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    # when
    demo_load(accounts=20, contacts=40, cases=10)

    # then: the customer's colleague became its contact, the supplier an address of the case
    colleague, supplier = Message.objects.exclude(newcomer="").order_by("pk")
    assert colleague.case is not None
    assert supplier.case is not None
    assert colleague.state == supplier.state == Message.State.PLACED
    assert colleague.newcomer_contact is not None
    assert colleague.newcomer_contact.account_id == colleague.case.account_id
    assert supplier.newcomer_contact is None
    assert supplier.from_address == "serwis@drukpol-serwis.example"
    agent = User.objects.get(username="agent")
    page = client_for(agent).get(supplier.case.get_absolute_url()).content.decode()
    assert "New participant: Serwis Drukpol" in page
    assert "Not part of this case" in page
    assert supplier.case.pk != colleague.case.pk
    # and a second run adds nothing
    demo_load(accounts=20, contacts=40, cases=10)
    assert Message.objects.exclude(newcomer="").count() == 2
