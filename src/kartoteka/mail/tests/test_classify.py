from __future__ import annotations

import pytest

from kartoteka.mail.reading.parsing import parse


def _message(headers: str, body: str = "Hello\n") -> bytes:
    return (headers.strip() + "\n\n" + body).replace("\n", "\r\n").encode("utf-8")


@pytest.mark.parametrize(
    "headers",
    [
        "From: a@x.pl\nSubject: Hi\nAuto-Submitted: auto-replied",
        "From: a@x.pl\nSubject: Hi\nX-Auto-Response-Suppress: All",
        "From: a@x.pl\nSubject: Hi\nPrecedence: auto_reply",
        "From: a@x.pl\nSubject: Hi\nX-Autoreply: yes",
        "From: a@x.pl\nSubject: Hi\nX-Autorespond: Out of office",
        "From: a@x.pl\nSubject: Automatic reply: Faktura",
        "From: a@x.pl\nSubject: Out of Office: Faktura",
        "From: a@x.pl\nSubject: =?utf-8?q?Odpowied=C5=BA_automatyczna=3A_Faktura?=",
        "From: a@x.pl\nSubject: =?utf-8?q?Nieobecno=C5=9B=C4=87?=",
        "From: a@x.pl\nSubject: =?utf-8?q?Automatick=C3=A1_odpov=C4=9B=C4=8F=3A_Faktura?=",
        "From: a@x.pl\nSubject: Abwesenheitsnotiz: Rechnung",
    ],
)
def test_auto_replies_are_recognised(headers: str) -> None:
    message = parse(_message(headers))
    assert (message.auto_reply, message.bounce) == (True, False)


def test_ordinary_mail_is_neither_auto_reply_nor_bounce() -> None:
    message = parse(_message("From: a@x.pl\nSubject: Office hours\nAuto-Submitted: no"))
    assert (message.auto_reply, message.bounce, message.bulk) == (False, False, False)


@pytest.mark.parametrize(
    "headers",
    [
        "List-Id: Support <support.firma.pl>",
        "List-Post: <mailto:support@firma.pl>",
        "List-Unsubscribe: <mailto:support+unsubscribe@googlegroups.com>",
        "Mailing-List: list support@firma.pl; contact support-owner@firma.pl",
        "Precedence: list",
        "Precedence: bulk",
        "Precedence: junk",
    ],
)
def test_list_and_bulk_mail_is_bulk_not_an_auto_reply(headers: str) -> None:
    """A person wrote it; it only must never be answered automatically."""
    message = parse(_message(f"From: jan@klient.pl\nSubject: Awaria drukarki\n{headers}"))
    assert (message.bulk, message.auto_reply, message.bounce) == (True, False, False)


def test_an_auto_reply_through_a_list_is_both() -> None:
    message = parse(
        _message("From: a@x.pl\nSubject: Hi\nAuto-Submitted: auto-replied\nList-Id: <l.x.pl>")
    )
    assert (message.auto_reply, message.bulk) == (True, True)


DSN = """From: Mail Delivery System <MAILER-DAEMON@mx.example.com>
To: support@firma.pl
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

I'm sorry to have to inform you that your message could not be delivered.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com
Original-Message-ID: <kart.1.2@firma.pl>

Final-Recipient: rfc822; Nobody@Example.com
Original-Recipient: rfc822;nobody@example.com
Action: failed
Status: {status}
Diagnostic-Code: smtp; 550 5.1.1 User unknown

--B
Content-Type: message/rfc822

From: support@firma.pl
To: nobody@example.com
Message-ID: <kart.9.9@firma.pl>
Subject: Your case

Hello
--B--
"""


def test_permanent_dsn_names_recipient_and_original_message() -> None:
    message = parse(DSN.format(status="5.1.1").replace("\n", "\r\n").encode())
    assert message.bounce is True
    assert message.auto_reply is False
    assert message.bounce_permanent is True
    assert message.bounced_recipients == ("nobody@example.com",)
    assert message.bounced_message_id == "kart.1.2@firma.pl"


def test_temporary_dsn_is_not_permanent() -> None:
    raw = DSN.format(status="4.2.2").replace("Action: failed", "Action: delayed")
    message = parse(raw.replace("Original-Message-ID: <kart.1.2@firma.pl>\n", "").encode())
    assert (message.bounce, message.bounce_permanent) == (True, False)
    # without Original-Message-ID the returned message's own id is used
    assert message.bounced_message_id == "kart.9.9@firma.pl"


def test_successful_delivery_report_is_not_a_bounce() -> None:
    raw = DSN.format(status="2.0.0").replace("Action: failed", "Action: delivered")
    message = parse(raw.encode())
    assert (message.bounce, message.auto_reply) == (False, True)


def test_free_form_mailer_daemon_report_is_a_bounce() -> None:
    raw = _message(
        "From: MAILER-DAEMON@mail.example.com\nTo: support@firma.pl\nSubject: failure notice",
        "Hi. This is the qmail-send program at mail.example.com.\n"
        "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
        "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
        "<gone@example.com>:\n550 5.1.1 user unknown\n\n"
        "--- Below this line is a copy of the message.\n\nFrom: support@firma.pl\n",
    )
    message = parse(raw)
    assert message.bounce is True
    assert message.bounced_recipients == ("gone@example.com",)
    assert message.bounce_permanent is True


def test_warning_about_delay_is_a_temporary_bounce() -> None:
    raw = _message(
        "From: Mail Delivery Subsystem <mailer-daemon@example.com>\nSubject: Warning: could "
        "not send message for past 4 hours",
        "The original message was received at Mon, 2 Mar 2020\n"
        "   ----- Transcript of session follows -----\n"
        "<slow@example.org>... Deferred: Connection timed out\n"
        "Warning: message still undelivered after 4 hours\n"
        "Will keep trying until message is 5 days old\n",
    )
    message = parse(raw)
    assert (message.bounce, message.bounce_permanent) == (True, False)
    assert message.bounced_recipients == ("slow@example.org",)


def test_mail_from_a_person_about_delivery_is_not_a_bounce() -> None:
    raw = _message("From: jan@x.pl\nSubject: Delivery of the chairs", "The delivery failed, sorry.")
    assert parse(raw).bounce is False
