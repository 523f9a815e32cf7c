"""The API of a case's messages and of the mailboxes."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from kartoteka.cases.models import Status
from kartoteka.cases.services import case_create, case_settings
from kartoteka.mail.models import Attachment, Message
from kartoteka.mail.reading.message_ids import read_signed
from kartoteka.people.models import User
from kartoteka.testing.cases import make_case
from kartoteka.testing.customers import AccountFactory
from kartoteka.testing.mail.sending import make_inbound, make_mailbox

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path) -> None:
    settings.DATA_DIR = tmp_path


def api_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def messages_url(number: int) -> str:
    return f"/api/v1/cases/{number}/messages/"


@pytest.fixture
def hidden_case(support_team):
    """A case of a restricted Support account: the outsider (Sales) must not see it."""
    account = AccountFactory(restricted=True, team=support_team)
    return case_create(by=None, subject="Tajna sprawa", account=account)


def test_list_shows_the_messages_of_the_case_oldest_first(agent) -> None:
    # given
    mailbox = make_mailbox()
    case = make_case()
    first = make_inbound(case, mailbox=mailbox, message_id="1@klient.example")
    second = make_inbound(case, mailbox=mailbox, message_id="2@klient.example", subject="Re: x")
    make_inbound(make_case("Inna"), mailbox=mailbox, message_id="3@klient.example")

    # when
    response = api_for(agent).get(messages_url(case.number))

    # then
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [first.pk, second.pk]
    assert rows[0]["sender"] == {"name": "Klient", "address": "klient@klient.example"}
    assert rows[0]["direction"] == "in"
    assert "text" not in rows[0]


def test_retrieve_shows_bodies_and_attachment_metadata(agent) -> None:
    # given
    case = make_case()
    message = make_inbound(case, text="Treść", html="<p>Treść</p>", text_new="Treść")
    Attachment.objects.create(
        message=message,
        filename="faktura.pdf",
        content_type="application/pdf",
        size=1234,
        sha256="a" * 64,
    )

    # when
    response = api_for(agent).get(f"{messages_url(case.number)}{message.pk}/")

    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["text"], body["html"], body["text_new"]) == ("Treść", "<p>Treść</p>", "Treść")
    assert body["attachments"] == [
        {
            "id": message.attachments.get().pk,
            "filename": "faktura.pdf",
            "content_type": "application/pdf",
            "size": 1234,
            "inline": False,
            "content_id": "",
            "sha256": "a" * 64,
        }
    ]


def test_retrieve_holds_remote_images_as_the_page_does(agent) -> None:
    # given: HTML as an older version stored it, a tracking pixel in src, and an inline image
    case = make_case()
    message = make_inbound(
        case,
        html='<p>Oferta<img src="https://tracker.example/p.gif?u=42"><img src="cid:logo@x"></p>',
    )
    logo = Attachment.objects.create(
        message=message, filename="logo.png", content_type="image/png", size=10,
        sha256="b" * 64, inline=True, content_id="logo@x",
    )  # fmt: skip

    # when
    body = api_for(agent).get(f"{messages_url(case.number)}{message.pk}/").json()

    # then: a client that renders the HTML loads nothing from the sender's server
    assert not re.search(r'\ssrc="https?:', body["html"])
    assert 'data-remote-src="https://tracker.example/p.gif?u=42"' in body["html"]
    assert f'src="/mail/attachments/{logo.pk}/inline/"' in body["html"]
    assert body["remote_images"] == 1


def test_retrieve_of_a_message_of_another_case_is_404(agent) -> None:
    case, other = make_case(), make_case("Inna")
    message = make_inbound(other)

    response = api_for(agent).get(f"{messages_url(case.number)}{message.pk}/")

    assert response.status_code == 404


@pytest.mark.parametrize("method", ["get", "post"])
def test_outsider_gets_404_for_the_messages_of_a_hidden_case(
    outsider, hidden_case, method: str
) -> None:
    response = getattr(api_for(outsider), method)(
        messages_url(hidden_case.number), {"text": "x"}, format="json"
    )

    assert response.status_code == 404


def test_outsider_gets_404_for_a_message_of_a_hidden_case(outsider, hidden_case) -> None:
    message = make_inbound(hidden_case)

    response = api_for(outsider).get(f"{messages_url(hidden_case.number)}{message.pk}/")

    assert response.status_code == 404


def test_clerk_without_case_work_is_refused(clerk) -> None:
    case = make_case()

    response = api_for(clerk).get(messages_url(case.number))

    assert response.status_code == 403


def test_create_queues_a_reply_and_the_outbox_sends_it(
    agent, smtp_server, django_capture_on_commit_callbacks
) -> None:
    # given
    waiting = Status.objects.create(name="Czeka na klienta", position=50)
    settings_row = case_settings()
    settings_row.reply_status = waiting
    settings_row.save()
    mailbox = make_mailbox()
    smtp_server.point(mailbox)
    case = make_case()
    make_inbound(case, mailbox=mailbox, message_id="1@klient.example")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(agent).post(
            messages_url(case.number),
            {"text": "Proszę zrestartować drukarkę.", "cc": ["szef@klient.example"]},
            format="json",
        )

    # then
    assert response.status_code == 201
    body = response.json()
    assert body["state"] == "queued"
    assert body["to"] == [{"name": "Klient", "address": "klient@klient.example"}]
    assert body["cc"] == [{"name": "", "address": "szef@klient.example"}]
    assert body["in_reply_to"] == "1@klient.example"
    assert body["author"] == {"id": agent.pk, "name": str(agent)}
    message = Message.objects.get(pk=body["id"])
    assert message.state == Message.State.SENT
    [received] = smtp_server.received
    assert received.rcpt_tos == ["klient@klient.example", "szef@klient.example"]
    assert read_signed(received.message["Message-ID"]).message_pk == message.pk
    case.refresh_from_db()
    assert case.status == waiting


def test_create_with_attachments_as_multipart(agent) -> None:
    # given
    mailbox = make_mailbox(is_default=True)
    case = make_case()

    # when
    response = api_for(agent).post(
        messages_url(case.number),
        {
            "text": "Raport w załączniku.",
            "to": ["jan@klient.example", "Anna <anna@klient.example>"],
            "mailbox": mailbox.pk,
            "attachments": [
                SimpleUploadedFile("raport.txt", b"wyniki", content_type="text/plain"),
                SimpleUploadedFile("foto.png", b"\x89PNG...", content_type="image/png"),
            ],
        },
        format="multipart",
    )

    # then
    assert response.status_code == 201
    body = response.json()
    assert [a["filename"] for a in body["attachments"]] == ["raport.txt", "foto.png"]
    assert [entry["address"] for entry in body["to"]] == [
        "jan@klient.example",
        "anna@klient.example",
    ]


def test_create_from_a_mailbox_that_cannot_send_is_400(agent) -> None:
    # given
    make_mailbox(is_default=True)
    inactive = make_mailbox("stara@firma.example", active=False)
    case = make_case(reporter_address="jan@klient.example")

    # when
    response = api_for(agent).post(
        messages_url(case.number), {"text": "x", "mailbox": inactive.pk}, format="json"
    )

    # then
    assert response.status_code == 400
    assert list(response.json()) == ["mailbox"]
    assert Message.objects.count() == 0


def test_create_in_reply_to_a_message_of_another_case_is_400(agent) -> None:
    make_mailbox(is_default=True)
    case = make_case(reporter_address="jan@klient.example")
    foreign = make_inbound(make_case("Inna"))

    response = api_for(agent).post(
        messages_url(case.number), {"text": "x", "in_reply_to": foreign.pk}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"in_reply_to": ["That message is not part of this case."]}


def test_create_without_a_recipient_is_400(agent) -> None:
    make_mailbox(is_default=True)
    case = make_case()

    response = api_for(agent).post(messages_url(case.number), {"text": "x"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"to": ["The case has no address to reply to; enter a recipient."]}


@pytest.mark.parametrize("rows", [1, 5])
def test_list_query_count_does_not_grow_with_messages(
    agent, django_assert_num_queries, rows: int
) -> None:
    mailbox = make_mailbox()
    case = make_case()
    for number in range(rows):
        message = make_inbound(case, mailbox=mailbox, message_id=f"{number}@klient.example")
        Attachment.objects.create(
            message=message, filename="a.txt", content_type="text/plain", size=1, sha256="b" * 64
        )
    client = api_for(agent)

    with django_assert_num_queries(7):
        response = client.get(messages_url(case.number))

    assert response.status_code == 200
    assert len(response.json()["results"]) == rows


# Mailboxes


def test_mailboxes_are_for_administrators_only(agent, manager) -> None:
    make_mailbox()

    assert api_for(agent).get("/api/v1/mailboxes/").status_code == 403
    assert api_for(manager).get("/api/v1/mailboxes/").status_code == 403


def test_mailboxes_never_show_a_password(admin) -> None:
    # given
    mailbox = make_mailbox(login="pomoc")
    mailbox.password = "tajne-haslo-imap"
    mailbox.smtp_password = "tajne-haslo-smtp"
    mailbox.save()

    # when
    listed = api_for(admin).get("/api/v1/mailboxes/")
    one = api_for(admin).get(f"/api/v1/mailboxes/{mailbox.pk}/")

    # then
    assert listed.status_code == one.status_code == 200
    for response in (listed, one):
        assert "tajne-haslo" not in response.content.decode()
        assert mailbox.password_encrypted not in response.content.decode()
    body = one.json()
    assert (body["has_password"], body["has_smtp_password"]) == (True, True)
    assert not {key for key in body if "password" in key} - {"has_password", "has_smtp_password"}
    assert listed.json()["results"][0]["address"] == "pomoc@firma.example"


def test_mailbox_list_query_count_is_fixed(admin, django_assert_num_queries) -> None:
    for number in range(3):
        make_mailbox(f"skrzynka{number}@firma.example")
    client = api_for(admin)

    with django_assert_num_queries(2):
        response = client.get("/api/v1/mailboxes/")

    assert response.json()["count"] == 3


def test_unknown_mailbox_is_404(admin) -> None:
    assert api_for(admin).get("/api/v1/mailboxes/999999/").status_code == 404
