"""The demo's outbox: a refused reply that was to close its case, and replies sent lately."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kartoteka.demo.services import demo_load
from kartoteka.mail.models import Message
from kartoteka.people.models import User
from kartoteka.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_the_demo_outbox_shows_a_refused_reply_and_replies_sent_lately(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    # when
    demo_load(accounts=20, contacts=40, cases=10)

    # then: one refused reply, whose case kept its status and says why
    refused = Message.objects.get(direction=Message.Direction.OUTBOUND, state="failed")
    assert refused.error.startswith("550 5.1.1 <")
    assert refused.error.endswith(
        "Recipient address rejected: User unknown in virtual mailbox table"
    )
    assert refused.status_after_sending is not None
    assert refused.case.status != refused.status_after_sending
    manager = User.objects.get(username="kierownik")
    outbox = client_for(manager).get(reverse("mail:outbox")).content.decode()
    assert "User unknown in virtual mailbox table" in outbox
    sent = client_for(manager).get(reverse("mail:outbox"), {"view": "sent"})
    assert len(sent.context["page_obj"].object_list) >= 5
    # and a second run adds nothing
    demo_load(accounts=20, contacts=40, cases=10)
    assert Message.objects.filter(state="failed").count() == 1
