"""Replies and other outgoing messages: what is built, stored and queued."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from kartoteka.cases.models import Status
from kartoteka.cases.services import case_settings
from kartoteka.mail import rawstore
from kartoteka.mail.models import Message
from kartoteka.mail.reading.message_ids import SignedReference, read_signed
from kartoteka.mail.sending.outbound import (
    OutgoingAttachment,
    build_message,
    message_compose,
    reply_create,
    subject_for,
)
from kartoteka.mail.sending.status_after_sending import status_after_sending_apply
from kartoteka.testing.cases import make_case
from kartoteka.testing.mail.composing import raw_of
from kartoteka.testing.mail.sending import make_inbound, make_mailbox

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path) -> None:
    settings.DATA_DIR = tmp_path


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Drukarka nie drukuje", "Re: [KART#7] Drukarka nie drukuje"),
        ("Re: RE: Odp: Drukarka", "Re: [KART#7] Drukarka"),
        ("Re: [KART#7] Drukarka", "Re: [KART#7] Drukarka"),
        ("AW: [kart # 7] Drukarka", "Re: [kart # 7] Drukarka"),
        ("Drukarka [KART#7]", "Re: Drukarka [KART#7]"),
    ],
)
def test_reply_subject_carries_the_tag_once_and_one_re(given: str, expected: str) -> None:
    # when
    subject = subject_for(given, case_number=7, prefix="KART", reply=True)

    # then
    assert subject == expected


def test_subject_of_a_new_message_gets_the_tag_without_re() -> None:
    assert subject_for("Potwierdzenie", case_number=7, prefix="KART", reply=False) == (
        "[KART#7] Potwierdzenie"
    )


def test_reply_is_queued_with_signed_id_tag_threading_headers_and_signature(agent) -> None:
    # given
    mailbox = make_mailbox()
    case = make_case("Drukarka nie drukuje")
    first = make_inbound(case, mailbox=mailbox, message_id="first@klient.example")
    earlier = make_inbound(
        case,
        mailbox=mailbox,
        message_id="second@klient.example",
        references="first@klient.example",
        reply_to=[{"name": "Biuro", "address": "biuro@klient.example"}],
    )
    prefix = case_settings().prefix

    # when
    message = reply_create(case=case, by=agent, text="Proszę zrestartować drukarkę.")

    # then
    message.refresh_from_db()
    assert message.state == Message.State.QUEUED
    assert message.direction == Message.Direction.OUTBOUND
    assert message.author == agent
    assert message.subject == f"Re: [{prefix}#{case.number}] Drukarka nie drukuje"
    assert read_signed(message.message_id) == SignedReference(
        case_number=case.number, message_pk=message.pk
    )
    assert message.message_id.endswith("@firma.example")
    assert message.to == [{"name": "Biuro", "address": "biuro@klient.example"}]
    assert message.in_reply_to == earlier.message_id
    assert message.references == f"{first.message_id} {earlier.message_id}"
    assert message.text == (
        "Proszę zrestartować drukarkę.\n\n-- \nZespół pomocy\ntel. 22 100 20 30\n"
    )
    sent = raw_of(message)
    assert sent["Message-ID"] == f"<{message.message_id}>"
    assert sent["Subject"] == message.subject
    assert sent["From"] == "Pomoc Firma <pomoc@firma.example>"
    assert sent["Reply-To"] == "Pomoc Firma <pomoc@firma.example>"
    assert sent["To"] == "Biuro <biuro@klient.example>"
    assert sent["In-Reply-To"] == "<second@klient.example>"
    assert sent["References"] == "<first@klient.example> <second@klient.example>"
    assert sent["Auto-Submitted"] is None
    assert sent["X-Auto-Response-Suppress"] is None
    assert sent.get_body(("plain",)).get_content().replace("\r\n", "\n") == message.text
    assert message.size == len(rawstore.raw_read(message.raw_sha256))


def test_reply_keeps_the_reply_status_for_when_the_server_accepts_it(agent) -> None:
    # given
    waiting = Status.objects.create(name="Czeka na klienta", position=50)
    settings_row = case_settings()
    settings_row.reply_status = waiting
    settings_row.save()
    mailbox = make_mailbox()
    case = make_case()
    before = case.status
    make_inbound(case, mailbox=mailbox)

    # when: queued, the case keeps its status; the message holds the one to set
    reply = reply_create(case=case, by=agent, text="Odpowiedź")
    case.refresh_from_db()
    assert (case.status, reply.status_after_sending) == (before, waiting)

    # when: the server accepted it (the worker records it sent and applies the status)
    Message.objects.filter(pk=reply.pk).update(state=Message.State.SENT)
    with transaction.atomic():
        applied = status_after_sending_apply(message_pk=reply.pk)

    # then: the case moves, as the reply's author's change
    case.refresh_from_db()
    assert (applied, case.status) == ("applied", waiting)
    assert case.history.first().history_user == agent


def test_reply_goes_to_the_reporter_when_the_case_has_no_mail(agent) -> None:
    # given
    make_mailbox(is_default=True)
    case = make_case(reporter_address="jan@klient.example")

    # when
    message = reply_create(case=case, by=agent, text="Dzień dobry")

    # then
    assert message.to == [{"name": "Jan Kowalski", "address": "jan@klient.example"}]
    assert message.in_reply_to == ""
    assert message.mailbox.is_default is True


def test_reply_without_any_recipient_is_refused(agent) -> None:
    # given
    make_mailbox(is_default=True)
    case = make_case()

    # when
    with pytest.raises(ValidationError) as raised:
        reply_create(case=case, by=agent, text="Dzień dobry")

    # then
    assert raised.value.message_dict == {
        "to": ["The case has no address to reply to; enter a recipient."]
    }
    assert Message.objects.count() == 0


def test_reply_with_an_invalid_address_is_refused(agent) -> None:
    make_mailbox(is_default=True)
    case = make_case()

    with pytest.raises(ValidationError) as raised:
        reply_create(case=case, by=agent, text="Dzień dobry", to=["nie-adres"])

    assert raised.value.message_dict == {"to": ["“nie-adres” is not an email address."]}


def test_a_reply_is_signed_above_the_message_it_quotes(agent) -> None:
    # given
    mailbox = make_mailbox(signature_html="<p><b>Zespół pomocy</b></p>")
    case = make_case()
    make_inbound(case, mailbox=mailbox)
    text = "Już działa.\n\nOn 2 Mar 2026, Jan Kowalski wrote:\n> Nie działa.\n>\n> Jan\n"

    # when
    message = reply_create(case=case, by=agent, text=text)

    # then: the signature under the answer, the quote under the signature
    assert message.text == (
        "Już działa.\n\n-- \nZespół pomocy\ntel. 22 100 20 30\n\n"
        "On 2 Mar 2026, Jan Kowalski wrote:\n> Nie działa.\n>\n> Jan\n"
    )
    assert message.text_new == "Już działa."
    sent = raw_of(message)
    assert sent.get_body(("plain",)).get_content().replace("\r\n", "\n") == message.text
    html = sent.get_body(("html",)).get_content()
    assert html.index("Zespół pomocy") < html.index("<blockquote") < html.index("Nie działa.")


def test_reply_carries_cc_attachments_and_an_html_alternative(agent) -> None:
    # given
    mailbox = make_mailbox(signature_html="<p><b>Zespół pomocy</b></p>")
    case = make_case()
    make_inbound(case, mailbox=mailbox)

    # when
    message = reply_create(
        case=case,
        by=agent,
        text="Wynik <test> & raport w załączniku.",
        cc=["Szef <szef@klient.example>"],
        attachments=[OutgoingAttachment("raport.pdf", b"%PDF-1.4 raport", "application/pdf")],
    )

    # then
    sent = raw_of(message)
    assert sent["Cc"] == "Szef <szef@klient.example>"
    html = sent.get_body(("html",)).get_content()
    assert "Wynik &lt;test&gt; &amp; raport w załączniku." in html
    assert "<p><b>Zespół pomocy</b></p>" in html
    files = [(part.get_filename(), part.get_content()) for part in sent.iter_attachments()]
    assert files == [("raport.pdf", b"%PDF-1.4 raport")]
    assert list(message.attachments.values_list("filename", "content_type", "size")) == [
        ("raport.pdf", "application/pdf", 15)
    ]


def test_automatic_message_carries_auto_submitted_headers() -> None:
    # given
    mailbox = make_mailbox()

    # when
    built = build_message(
        mailbox=mailbox,
        subject="[KART#1] Przyjęliśmy zgłoszenie",
        to=[{"name": "", "address": "klient@klient.example"}],
        text="Dziękujemy.",
        message_id="kart.1.2.abcdefgh.aaaaaaaaaaaaaaaaaaaa@firma.example",
        automatic=True,
    )

    # then
    assert built["Auto-Submitted"] == "auto-generated"
    assert built["X-Auto-Response-Suppress"] == "All"


def test_automatic_message_to_a_robot_is_not_queued() -> None:
    # given
    mailbox = make_mailbox()
    case = make_case()

    # when
    message = message_compose(
        mailbox=mailbox,
        case=case,
        to=["MAILER-DAEMON@klient.example"],
        subject="Przyjęliśmy zgłoszenie",
        text="Dziękujemy.",
        automatic=True,
    )

    # then
    assert message is None
    assert Message.objects.count() == 0


def test_automatic_message_keeps_only_the_recipients_the_loop_guard_allows() -> None:
    mailbox = make_mailbox()
    case = make_case()

    message = message_compose(
        mailbox=mailbox,
        case=case,
        to=["klient@klient.example", "noreply@sklep.example"],
        subject="Przyjęliśmy zgłoszenie",
        text="Dziękujemy.",
        automatic=True,
    )

    assert message.to == [{"name": "", "address": "klient@klient.example"}]
    assert (message.author, message.automatic) == (None, True)
    assert raw_of(message)["Auto-Submitted"] == "auto-generated"
    assert message.subject == f"[{case_settings().prefix}#{case.number}] Przyjęliśmy zgłoszenie"


def test_recipients_may_be_separated_by_semicolons_and_a_bad_one_is_named_as_typed() -> None:
    from kartoteka.mail.sending.outbound import recipients_parse

    # given: Outlook's separator, a name with a comma in quotes, one address twice
    typed = (
        'a@klient.example; B@klient.example, "Kowalski, Jan" <jan@klient.example>, a@klient.example'
    )
    # when / then
    assert recipients_parse([typed], field="to") == [
        {"name": "", "address": "a@klient.example"},
        {"name": "", "address": "b@klient.example"},
        {"name": "Kowalski, Jan", "address": "jan@klient.example"},
    ]
    with pytest.raises(ValidationError) as raised:
        recipients_parse(["jan@klient.example; nie ma adresu"], field="cc")
    assert raised.value.message_dict == {"cc": ["“nie ma adresu” is not an email address."]}
