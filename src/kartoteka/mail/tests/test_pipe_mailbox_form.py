"""The pipe mailbox's form: its incoming fields are hidden and ignored; "Test connection"
answers beside its button, in the user's language."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from kartoteka.mail.forms.mailboxes import INCOMING, MailboxForm
from kartoteka.mail.models import Mailbox
from kartoteka.mail.tests.test_mailbox_views import CREATE, a_mailbox, form_data
from kartoteka.testing.clients import client_for

pytestmark = pytest.mark.django_db

PIPE_FORM = form_data(
    protocol="none",
    host=None,
    port=None,
    security=None,
    login=None,
    password=None,
    imap_folder=None,
    after_fetch=None,
    move_to_folder=None,
    fetch_every_minutes=None,
)


@pytest.fixture
def admin_client(admin):
    return client_for(admin)


def test_a_pipe_mailbox_is_created_without_any_incoming_field(admin_client) -> None:
    # when
    response = admin_client.post(CREATE, PIPE_FORM)
    # then
    assert response.status_code == 302
    mailbox = Mailbox.objects.get()
    assert mailbox.protocol == Mailbox.Protocol.NONE
    assert (mailbox.host, mailbox.imap_folder, mailbox.fetch_every_minutes) == ("", "INBOX", 2)


def test_a_pipe_mailbox_ignores_hostile_incoming_values_and_keeps_the_stored_ones() -> None:
    # given: an IMAP mailbox switched to the pipe, with junk left in the hidden fields
    stored = a_mailbox(host="imap.firma.example", fetch_every_minutes=5)
    data = form_data(
        protocol="none",
        host="x" * 5000,
        port="-1",
        security="rot13",
        imap_folder="",
        after_fetch="burn",
        fetch_every_minutes="soon",
        password="nowe-hasło",
    )
    # when
    form = MailboxForm(data, instance=stored)
    # then
    assert form.is_valid(), form.errors
    service = form.service_data()
    assert (service["host"], service["port"], service["fetch_every_minutes"]) == (
        "imap.firma.example",
        stored.port,
        5,
    )
    assert service["password"] is None  # the stored password stays


def test_an_imap_mailbox_still_requires_its_incoming_choices() -> None:
    form = MailboxForm(form_data(security="", after_fetch="", fetch_every_minutes=""))
    assert not form.is_valid()
    assert set(form.errors) == {"security", "after_fetch", "fetch_every_minutes"}


def test_the_form_marks_each_incoming_field_with_its_protocols(admin_client) -> None:
    # when
    page = admin_client.get(CREATE).text
    # then
    assert re.search(r'<select name="protocol"[^>]*data-protocol-switch', page)
    assert re.search(r'<input type="text" name="imap_folder"[^>]*data-shown-for="imap"', page)
    assert re.search(r'<input type="text" name="host"[^>]*data-shown-for="imap pop3"', page)
    assert 'src="/static/mail/mailbox_form.js"' in page
    assert set(INCOMING) <= set(MailboxForm().fields)


def test_the_connection_test_answers_beside_its_button_in_polish(admin, admin_client) -> None:
    # given
    admin.language = "pl"
    admin.save(update_fields=["language"])
    mailbox = a_mailbox(protocol="none", smtp_host="localhost", smtp_port=9)
    page = admin_client.get(reverse("mail:mailbox-edit", args=[mailbox.pk])).text
    check = page[page.index('<div class="connection-check">') :]
    assert check.index("hx-post=") < check.index('id="connection-test"')
    # when
    answer = admin_client.post(
        reverse("mail:mailbox-test", args=[mailbox.pk]),
        PIPE_FORM | {"smtp_host": "127.0.0.1", "smtp_port": "9"},
        HTTP_HX_REQUEST="true",
    ).text
    # then: only the partial, in Polish, with a summary first
    assert answer.lstrip().startswith('<div id="connection-test"')
    assert "<html" not in answer
    assert "Poczta przychodząca" in answer
    assert "Test połączenia wykrył problem" in answer
