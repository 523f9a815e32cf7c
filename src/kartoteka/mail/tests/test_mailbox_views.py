"""The administrator's mailbox pages: write-only passwords, one default, test and fetch."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kartoteka.mail.mailboxes import mailbox_create
from kartoteka.mail.models import Mailbox, Message
from kartoteka.testing.clients import client_for
from kartoteka.testing.mail.dovecot import HOST
from kartoteka.testing.mail.fetching import eml

pytestmark = pytest.mark.django_db

LIST = reverse("mail:mailbox-list")
CREATE = reverse("mail:mailbox-create")


def form_data(**overrides):
    data = {
        "name": "Support",
        "address": "support@firma.example",
        "sender_name": "Firma support",
        "protocol": "imap",
        "host": "imap.firma.example",
        "port": "",
        "security": "ssl",
        "login": "support@firma.example",
        "password": "",
        "imap_folder": "INBOX",
        "after_fetch": "seen",
        "move_to_folder": "",
        "smtp_host": "",
        "smtp_port": "",
        "smtp_security": "starttls",
        "smtp_login": "",
        "smtp_password": "",
        "signature_text": "",
        "signature_html": "",
        "fetch_every_minutes": "2",
        "active": "on",
        "unknown_sender": "triage",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def a_mailbox(name="Support", **fields):
    fields.setdefault("address", f"{name.lower()}@firma.example")
    fields.setdefault("host", "imap.firma.example")
    fields.setdefault("login", name.lower())
    return mailbox_create(name=name, password="stored-secret", **fields)


@pytest.fixture
def admin_client(admin):
    return client_for(admin)


def test_agent_is_refused_and_portal_user_sees_nothing(agent, portal_user):
    mailbox = a_mailbox()
    for url in (LIST, CREATE, mailbox.get_absolute_url()):
        assert client_for(agent).get(url).status_code == 403
        assert client_for(portal_user).get(url).status_code == 404
    for name in ("mail:mailbox-test", "mail:mailbox-fetch", "mail:mailbox-delete"):
        url = reverse(name, args=[mailbox.pk])
        assert client_for(agent).post(url, form_data()).status_code == 403
        assert client_for(portal_user).post(url, form_data()).status_code == 404
    assert Mailbox.objects.filter(pk=mailbox.pk).exists()


def test_list_shows_mailboxes_with_their_last_fetch_error(admin_client):
    a_mailbox()
    Mailbox.objects.update(last_fetch_error="Login failed for support: wrong password.")

    response = admin_client.get(LIST)

    assert response.status_code == 200
    assert [mailbox.name for mailbox in response.context["mailboxes"]] == ["Support"]
    assert "Login failed for support: wrong password." in response.text


def test_create_fills_the_usual_ports_and_makes_the_first_mailbox_default(admin_client):
    response = admin_client.post(CREATE, form_data(password="s3cret-pass"))

    assert response.status_code == 302
    mailbox = Mailbox.objects.get()
    assert (mailbox.port, mailbox.smtp_port, mailbox.is_default) == (993, 587, True)
    assert mailbox.password == "s3cret-pass"
    assert "s3cret-pass" not in mailbox.password_encrypted


@pytest.mark.parametrize(
    ("protocol", "security", "port"),
    [("imap", "starttls", 143), ("pop3", "ssl", 995), ("pop3", "none", 110)],
)
def test_incoming_port_defaults_by_protocol_and_security(admin_client, protocol, security, port):
    admin_client.post(CREATE, form_data(protocol=protocol, security=security))

    assert Mailbox.objects.get().port == port


def test_password_is_never_shown_back(admin_client):
    mailbox = a_mailbox()

    response = admin_client.get(mailbox.get_absolute_url())

    assert "stored-secret" not in response.text
    assert mailbox.password_encrypted not in response.text
    assert 'name="password"' in response.text


def test_empty_password_keeps_the_stored_one(admin_client):
    mailbox = a_mailbox()

    admin_client.post(mailbox.get_absolute_url(), form_data(name="Renamed", is_default="on"))

    mailbox.refresh_from_db()
    assert (mailbox.name, mailbox.password) == ("Renamed", "stored-secret")


def test_new_password_replaces_and_clear_removes(admin_client):
    mailbox = a_mailbox()

    admin_client.post(mailbox.get_absolute_url(), form_data(password="new-secret", is_default="on"))
    mailbox.refresh_from_db()
    replaced = mailbox.password
    admin_client.post(mailbox.get_absolute_url(), form_data(clear_password="on", is_default="on"))
    mailbox.refresh_from_db()

    assert (replaced, mailbox.password_encrypted) == ("new-secret", "")


def test_making_another_mailbox_default_unsets_the_old_one(admin_client):
    first = a_mailbox("Support")
    second = a_mailbox("Sales")

    admin_client.post(
        second.get_absolute_url(),
        form_data(name="Sales", address="sales@firma.example", is_default="on"),
    )

    assert list(Mailbox.objects.filter(is_default=True)) == [second]
    first.refresh_from_db()
    assert first.is_default is False


def test_the_default_cannot_simply_be_unset(admin_client):
    mailbox = a_mailbox()

    response = admin_client.post(mailbox.get_absolute_url(), form_data())

    assert response.status_code == 200
    assert response.context["form"].errors["is_default"] == [
        "One mailbox is always the default: make another mailbox the default instead."
    ]


def test_pop3_cannot_move_mail(admin_client):
    response = admin_client.post(
        CREATE, form_data(protocol="pop3", after_fetch="move", move_to_folder="Done")
    )

    assert response.status_code == 200
    assert response.context["form"].errors["after_fetch"] == [
        "POP3 has no folders; choose another action."
    ]


def test_deleting_the_default_makes_the_next_mailbox_default(admin_client):
    default = a_mailbox("Support")
    other = a_mailbox("Sales")

    response = admin_client.post(reverse("mail:mailbox-delete", args=[default.pk]))

    assert response.status_code == 302
    assert list(Mailbox.objects.values_list("name", "is_default")) == [("Sales", True)]
    assert other.pk == Mailbox.objects.get().pk


def test_test_connection_uses_the_stored_password(admin_client, account, make_mailbox):
    mailbox = make_mailbox()
    data = form_data(
        name=mailbox.name,
        address=mailbox.address,
        host=HOST,
        port=str(mailbox.port),
        security="none",
        login=account.login,
        is_default="on",
        smtp_host="nonexistent.invalid",
    )

    response = admin_client.post(
        reverse("mail:mailbox-test", args=[mailbox.pk]), data, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    steps = [(step.step, step.ok) for step in response.context["steps"]]
    assert steps == [
        ("incoming.dns", True),
        ("incoming.tcp", True),
        ("incoming.login", True),
        ("incoming.folder", True),
        ("outgoing.dns", False),
    ]
    assert "<html" not in response.text
    assert "Signed in as" in response.text


def test_test_connection_of_a_new_mailbox_uses_the_typed_password(admin_client, account, dovecot):
    data = form_data(
        host=HOST,
        port=str(dovecot.pop3_port),
        protocol="pop3",
        security="none",
        login=account.login,
        password="wrong",
    )

    response = admin_client.post(reverse("mail:mailbox-test-new"), data)

    steps = [(step.step, step.ok) for step in response.context["steps"]][:3]
    assert steps == [("incoming.dns", True), ("incoming.tcp", True), ("incoming.login", False)]
    assert Mailbox.objects.count() == 0


def test_fetch_now_reads_the_mailbox(admin_client, account, make_mailbox):
    account.append(eml("Fetched from the page")[1])
    mailbox = make_mailbox()

    response = admin_client.post(reverse("mail:mailbox-fetch", args=[mailbox.pk]), follow=True)

    assert [str(message) for message in response.context["messages"]] == [
        f"Mailbox {mailbox.name} fetched."
    ]
    assert Message.objects.get(mailbox=mailbox).subject == "Fetched from the page"
