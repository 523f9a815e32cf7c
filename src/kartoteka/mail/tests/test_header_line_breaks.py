"""Subjects and names with line and paragraph separators: replies still go out.

A subject may carry characters that Python's email package reads as line breaks (U+2028,
U+2029, U+0085, vertical tab, form feed, the separators \\x1c-\\x1e) or other control
characters; built into a header as they are, they made every reply fail.
"""

from __future__ import annotations

import base64
from email import message_from_bytes, policy

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from kartoteka.cases.services import case_settings
from kartoteka.mail import rawstore
from kartoteka.mail.models import Message
from kartoteka.mail.reading.header_text import has_line_break, header_text
from kartoteka.mail.receiving.inbound import message_receive
from kartoteka.mail.sending import outbound
from kartoteka.testing.cases import make_case
from kartoteka.testing.clients import client_for
from kartoteka.testing.mail.sending import make_inbound, make_mailbox

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
BREAKS = ["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\r", "\n", "\x00"]
BREAK_IDS = [f"U+{ord(character):04X}" for character in BREAKS]
# What a stored row can hold: PostgreSQL text never holds NUL (the parser drops it first).
STORABLE_BREAKS = [character for character in BREAKS if character != "\x00"]
STORABLE_IDS = [f"U+{ord(character):04X}" for character in STORABLE_BREAKS]


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path) -> None:
    settings.DATA_DIR = tmp_path


@pytest.fixture(autouse=True)
def _no_sending(monkeypatch) -> None:
    monkeypatch.setattr("kartoteka.mail.sending.outbound._enqueue_sending", lambda: None)


def encoded_word(text: str) -> bytes:
    return b"=?utf-8?b?" + base64.b64encode(text.encode()) + b"?="


def received(subject: str, *, mailbox) -> Message:
    raw = (
        b"From: Jan Kowalski <jan@klient.example>\r\n"
        b"To: pomoc@firma.example\r\n"
        b"Subject: " + encoded_word(subject) + b"\r\n"
        b"Message-ID: <first@klient.example>\r\n"
        b"Date: Mon, 02 Mar 2026 10:00:00 +0100\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"\r\n"
        b"Drukarka nie drukuje.\r\n"
    )
    receipt = message_receive(raw=raw, mailbox=mailbox, source="test")
    return Message.objects.get(pk=receipt.message_pk)


def sent_headers(message: Message):
    return message_from_bytes(rawstore.raw_read(message.raw_sha256), policy=policy.default)


def assert_single_line(value: str) -> None:
    assert len(value.splitlines()) == 1
    assert not any(character in value for character in BREAKS)


@pytest.mark.parametrize("character", BREAKS, ids=BREAK_IDS)
def test_a_reply_from_the_composer_to_a_subject_with_a_line_separator_is_queued(
    agent, character
) -> None:
    # given: the customer writes again into the case with a separator in the encoded subject
    mailbox = make_mailbox()
    case = make_case("Drukarka")
    make_inbound(case, mailbox=mailbox, sender="jan@klient.example", message_id="0@klient.example")
    tag = f"[{case_settings().prefix}#{case.number}]"
    message = received(f"{tag} Drukarka {character} nie drukuje", mailbox=mailbox)
    assert message.case == case
    client = client_for(agent)
    compose_url = reverse("mail:compose", args=[case.number])
    opened = client.get(f"{compose_url}?kind=reply&message={message.pk}", **HTMX)
    form = opened.context["form"]
    data = {
        name: getattr(value, "pk", value)
        for name, field in form.fields.items()
        if (value := form.initial.get(name, field.initial)) is not None
    }

    # when: sent with the subject the composer offered
    response = client.post(compose_url, data | {"body": "Proszę zrestartować drukarkę."}, **HTMX)

    # then
    assert response.status_code == 200
    assert response["HX-Redirect"] == case.get_absolute_url()
    reply = Message.objects.get(direction=Message.Direction.OUTBOUND)
    assert reply.state == Message.State.QUEUED
    assert reply.subject == f"Re: {tag} Drukarka nie drukuje"
    assert sent_headers(reply)["Subject"] == f"Re: {tag} Drukarka nie drukuje"


@pytest.mark.parametrize("character", STORABLE_BREAKS, ids=STORABLE_IDS)
def test_a_reply_with_the_default_subject_of_a_stored_case_subject_is_queued(
    agent, character
) -> None:
    # given: a case and a message stored with the character (as before it was cleaned)
    mailbox = make_mailbox()
    case = make_case(f"Drukarka {character} nie  drukuje")
    make_inbound(
        case,
        mailbox=mailbox,
        subject=f"Drukarka {character} nie drukuje",
        from_name=f"Jan {character} Kowalski",
    )

    # when
    reply = outbound.reply_create(case=case, by=agent, text="Proszę zrestartować drukarkę.")

    # then
    tag = f"[{case_settings().prefix}#{case.number}]"
    assert reply.subject == f"Re: {tag} Drukarka nie drukuje"
    headers = sent_headers(reply)
    assert headers["Subject"] == f"Re: {tag} Drukarka nie drukuje"
    assert headers["To"] == "Jan Kowalski <klient@klient.example>"
    assert_single_line(str(headers["Subject"]))


@pytest.mark.parametrize("character", STORABLE_BREAKS, ids=STORABLE_IDS)
def test_the_api_sends_a_reply_with_the_default_subject(agent, character) -> None:
    # given
    mailbox = make_mailbox()
    case = make_case(f"Drukarka {character} nie drukuje")
    make_inbound(case, mailbox=mailbox, subject=f"Drukarka {character} nie drukuje")
    api = APIClient()
    api.force_authenticate(agent)

    # when
    response = api.post(
        f"/api/v1/cases/{case.number}/messages/",
        {"text": "Proszę zrestartować drukarkę."},
        format="json",
    )

    # then
    assert response.status_code == 201
    tag = f"[{case_settings().prefix}#{case.number}]"
    assert response.json()["subject"] == f"Re: {tag} Drukarka nie drukuje"


@pytest.mark.parametrize("character", ["\u2028", "\x85", "\x0b", "\x1e", "\n"])
def test_the_api_refuses_a_given_subject_with_a_line_break(agent, character) -> None:
    # given
    mailbox = make_mailbox()
    case = make_case()
    make_inbound(case, mailbox=mailbox)
    api = APIClient()
    api.force_authenticate(agent)

    # when
    response = api.post(
        f"/api/v1/cases/{case.number}/messages/",
        {"text": "Proszę zrestartować drukarkę.", "subject": f"Pytanie{character}drugie"},
        format="json",
    )

    # then
    assert response.status_code == 400
    assert response.json()["subject"] == ["The subject must be a single line."]
    assert not Message.objects.filter(direction=Message.Direction.OUTBOUND).exists()


def test_automatic_mail_with_a_separator_in_the_subject_is_queued() -> None:
    # given
    mailbox = make_mailbox()
    case = make_case()

    # when
    message = outbound.message_compose(
        mailbox=mailbox,
        to=["jan@klient.example"],
        subject="Nowa\u2028sprawa:\x00 Drukarka",
        text="Przyjęliśmy zgłoszenie.",
        case=case,
        automatic=True,
    )

    # then
    assert message is not None
    tag = f"[{case_settings().prefix}#{case.number}]"
    assert message.subject == f"{tag} Nowa sprawa: Drukarka"
    assert sent_headers(message)["Subject"] == f"{tag} Nowa sprawa: Drukarka"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Drukarka\u2028nie\u2029drukuje", "Drukarka nie drukuje"),
        ("\x0bDrukarka\x0c\x1c\x1d\x1enie\x85 drukuje\r\n", "Drukarka nie drukuje"),
        ("Druk\x00arka  \t nie drukuje", "Drukarka nie drukuje"),
        ("Zażółć gęślą jaźń", "Zażółć gęślą jaźń"),
    ],
)
def test_header_text_is_one_line_without_control_characters(value, expected) -> None:
    assert header_text(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("Pytanie\u2028drugie", True), ("Pytanie\x0b", True), ("Pytanie\r", True),
     ("Pytanie\x00 drugie", False), ("Pytanie\tdrugie", False)],
)  # fmt: skip
def test_has_line_break_finds_what_a_header_reads_as_a_line_break(value, expected) -> None:
    assert has_line_break(value) is expected
