"""The composer: what reply, reply-all and forward start with, and sending from it."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kartoteka.cases.models import Status
from kartoteka.cases.services import case_settings
from kartoteka.mail import rawstore
from kartoteka.mail.blobstore import blob_store
from kartoteka.mail.models import Attachment, Draft, Message
from kartoteka.mail.sending import outbound, outbox
from kartoteka.mail.sending.status_after_sending import status_after_sending_apply
from kartoteka.testing.cases import make_case
from kartoteka.testing.cases import make_case as make_case_of
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory
from kartoteka.testing.mail.composing import posted, raw_of
from kartoteka.testing.mail.sending import make_inbound, make_mailbox

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path) -> None:
    settings.DATA_DIR = tmp_path


@pytest.fixture
def mailbox():
    return make_mailbox()


@pytest.fixture
def case():
    return make_case("Drukarka nie drukuje")


@pytest.fixture
def inbound(case, mailbox) -> Message:
    message = make_inbound(
        case,
        mailbox=mailbox,
        message_id="second@klient.example",
        references="first@klient.example",
        from_name="Jan Kowalski",
        text="Nadal nie działa.\n\nJan",
        cc=[
            {"name": "Szef", "address": "SZEF@klient.example"},
            {"name": "", "address": "jan@klient.example"},
        ],
        reply_to=[{"name": "Jan Kowalski", "address": "jan@klient.example"}],
    )
    message.to = [
        {"name": "", "address": "pomoc@firma.example"},
        {"name": "Anna", "address": "anna@klient.example"},
    ]
    message.save(update_fields=["to"])
    return message


def compose_url(case, **query) -> str:
    url = reverse("mail:compose", args=[case.number])
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def opened(client, case, **query):
    response = client.get(compose_url(case, **query), **HTMX)
    assert response.status_code == 200
    return response.context["form"]


# What the composer starts with


def test_reply_starts_with_the_reply_to_address_tagged_subject_quote_and_mailbox(
    agent, case, inbound, mailbox
) -> None:
    # when
    form = opened(client_for(agent), case, kind="reply", message=inbound.pk)

    # then
    prefix = case_settings().prefix
    assert form.initial["to"] == "Jan Kowalski <jan@klient.example>"
    assert form.initial["cc"] == ""
    assert form.initial["subject"] == f"Re: [{prefix}#{case.number}] Drukarka nie drukuje"
    assert form.initial["mailbox"] == mailbox
    assert form.initial["message"] == inbound.pk
    body = form.initial["body"]
    assert body.startswith("\n\nOn ")
    assert body.endswith(", Jan Kowalski wrote:\n> Nadal nie działa.\n>\n> Jan\n")
    assert form.initial["status"] == case_settings().reply_status


def test_reply_all_adds_the_other_recipients_without_our_mailboxes_or_repeats(
    agent, case, inbound
) -> None:
    # given: another of our mailboxes was copied too
    make_mailbox("sprzedaz@firma.example")
    inbound.cc = [*inbound.cc, {"name": "", "address": "Sprzedaz@firma.example"}]
    inbound.save(update_fields=["cc"])

    # when
    form = opened(client_for(agent), case, kind="reply-all", message=inbound.pk)

    # then
    assert form.initial["to"] == "Jan Kowalski <jan@klient.example>, Anna <anna@klient.example>"
    assert form.initial["cc"] == "Szef <szef@klient.example>"


def test_reply_to_our_own_message_goes_to_its_recipients(agent, case, mailbox) -> None:
    # given
    sent = outbound.reply_create(
        case=case, by=agent, text="Pierwsza", to=["Ewa <ewa@klient.example>"], mailbox=mailbox
    )

    # when
    form = opened(client_for(agent), case, kind="reply", message=sent.pk)

    # then
    assert form.initial["to"] == "Ewa <ewa@klient.example>"


def test_forward_starts_empty_with_fwd_subject_the_forwarded_message_and_its_files(
    agent, case, inbound
) -> None:
    # given
    report = Attachment.objects.create(
        message=inbound, filename="raport.pdf", content_type="application/pdf", size=5,
        sha256=blob_store(b"%PDF-"),
    )  # fmt: skip
    Attachment.objects.create(
        message=inbound, filename="logo.png", content_type="image/png", size=3,
        sha256=blob_store(b"PNG"), inline=True,
    )  # fmt: skip

    # when
    form = opened(client_for(agent), case, kind="forward", message=inbound.pk)

    # then
    prefix = case_settings().prefix
    assert form.initial["to"] == ""
    assert form.initial["subject"] == f"Fwd: [{prefix}#{case.number}] Drukarka nie drukuje"
    body = form.initial["body"]
    assert (
        "---------- Forwarded message ----------\nFrom: Jan Kowalski <klient@klient.example>\n"
        in body
    )
    assert (
        "\nSubject: Drukarka nie drukuje\nTo: pomoc@firma.example, Anna <anna@klient.example>\n"
        in body
    )
    assert (
        "Cc: Szef <SZEF@klient.example>, jan@klient.example\n\nNadal nie działa.\n\nJan\n" in body
    )
    assert form.initial["forwarded"] == [report.pk]
    assert [choice[1] for choice in form.fields["forwarded"].choices] == ["raport.pdf", "logo.png"]


def test_composer_without_a_message_replies_to_the_latest_received_one(
    agent, case, inbound, mailbox
) -> None:
    # given
    latest = make_inbound(case, mailbox=mailbox, message_id="third@klient.example")

    # when
    form = opened(client_for(agent), case)

    # then
    assert form.initial["kind"] == "reply"
    assert form.initial["message"] == latest.pk
    assert form.initial["to"] == "Klient <klient@klient.example>"


def test_composer_offers_the_mailbox_signature_and_only_mailboxes_that_can_send(
    agent, case, inbound, mailbox
) -> None:
    # given
    make_mailbox("stara@firma.example", active=False)
    make_mailbox("pipe@firma.example", smtp_host="", host="")

    # when
    response = client_for(agent).get(compose_url(case, kind="reply", message=inbound.pk), **HTMX)

    # then
    assert list(response.context["form"].fields["mailbox"].queryset) == [mailbox]
    assert response.context["signature"] == "Zespół pomocy\ntel. 22 100 20 30"
    assert 'data-signature="Zespół pomocy' in response.content.decode()
    assert b"<html" not in response.content  # the form alone, for htmx


def test_composer_without_htmx_is_a_whole_page(agent, case, inbound) -> None:
    response = client_for(agent).get(compose_url(case, kind="reply", message=inbound.pk))

    assert response.status_code == 200
    assert b"<html" in response.content
    assert b'id="composer-form"' in response.content


# Sending


def test_send_queues_one_message_with_tag_threading_cc_and_blind_copy_only_in_the_envelope(
    agent, case, inbound
) -> None:
    # given
    client = client_for(agent)
    form = opened(client, case, kind="reply-all", message=inbound.pk)

    # when
    response = client.post(
        compose_url(case),
        posted(form, body="Proszę zrestartować drukarkę.", bcc="kierownik@firma.example"),
        **HTMX,
    )

    # then
    assert response.status_code == 200
    assert response["HX-Redirect"] == case.get_absolute_url()
    message = Message.objects.get(direction=Message.Direction.OUTBOUND)
    assert message.state == Message.State.QUEUED
    assert message.author == agent
    assert message.bcc == [{"name": "", "address": "kierownik@firma.example"}]
    assert outbox.envelope_recipients(message) == [
        "jan@klient.example", "anna@klient.example", "szef@klient.example",
        "kierownik@firma.example",
    ]  # fmt: skip
    sent = raw_of(message)
    prefix = case_settings().prefix
    assert sent["Subject"] == f"Re: [{prefix}#{case.number}] Drukarka nie drukuje"
    assert sent["To"] == "Jan Kowalski <jan@klient.example>, Anna <anna@klient.example>"
    assert sent["Cc"] == "Szef <szef@klient.example>"
    assert sent["Bcc"] is None
    assert b"kierownik" not in rawstore.raw_read(message.raw_sha256)
    assert sent["In-Reply-To"] == "<second@klient.example>"
    assert sent["References"] == "<first@klient.example> <second@klient.example>"
    text = sent.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.startswith("Proszę zrestartować drukarkę.\n\n-- \nZespół pomocy")


def test_the_same_form_posted_twice_queues_one_message(agent, case, inbound) -> None:
    # given
    client = client_for(agent)
    data = posted(opened(client, case, kind="reply", message=inbound.pk), body="Odpowiedź")

    # when
    first = client.post(compose_url(case), data)
    second = client.post(compose_url(case), data)

    # then
    assert first.status_code == second.status_code == 302
    assert second.url == case.get_absolute_url()
    assert Message.objects.filter(direction=Message.Direction.OUTBOUND).count() == 1


def accepted_by_the_server(message: Message) -> None:
    """What the outbox worker does once the server accepted ``message``."""
    Message.objects.filter(pk=message.pk).update(state=Message.State.SENT)
    status_after_sending_apply(message_pk=message.pk)


def test_send_and_set_status_sets_the_chosen_status_recorded_in_history(
    agent, case, inbound
) -> None:
    # given
    waiting = Status.objects.create(name="Czeka na dostawcę", position=60)
    client = client_for(agent)
    form = opened(client, case, kind="reply", message=inbound.pk)

    # when
    client.post(compose_url(case), posted(form, body="Zamówiliśmy część.", status=waiting.pk))

    # then: set once the server accepts the reply (``status_after_sending``), not before
    case.refresh_from_db()
    assert case.status != waiting
    accepted_by_the_server(Message.objects.get(direction=Message.Direction.OUTBOUND))
    case.refresh_from_db()
    assert case.status == waiting
    record = case.history.first()
    assert (record.status_id, record.history_user) == (waiting.pk, agent)


def test_send_without_a_chosen_status_sets_the_reply_status(agent, case, inbound) -> None:
    # given
    replied = Status.objects.create(name="Odpowiedziano", position=70)
    settings_row = case_settings()
    settings_row.reply_status = replied
    settings_row.save()
    client = client_for(agent)
    form = opened(client, case, kind="reply", message=inbound.pk)

    # when
    client.post(compose_url(case), posted(form, body="Gotowe."))
    accepted_by_the_server(Message.objects.get(direction=Message.Direction.OUTBOUND))

    # then
    case.refresh_from_db()
    assert form.initial["status"] == replied
    assert case.status == replied


def test_forward_sends_the_chosen_original_attachments_and_a_new_file_without_threading(
    agent, case, inbound
) -> None:
    # given
    report = Attachment.objects.create(
        message=inbound, filename="raport.pdf", content_type="application/pdf", size=5,
        sha256=blob_store(b"%PDF-"),
    )  # fmt: skip
    client = client_for(agent)
    form = opened(client, case, kind="forward", message=inbound.pk)
    upload = SimpleUploadedFile("zdjecie.jpg", b"JPEGDATA", content_type="image/jpeg")

    # when
    client.post(
        compose_url(case),
        posted(form, to="serwis@dostawca.example", body="Proszę o naprawę.", files=upload),
    )

    # then
    message = Message.objects.get(direction=Message.Direction.OUTBOUND)
    sent = raw_of(message)
    prefix = case_settings().prefix
    assert sent["Subject"] == f"Fwd: [{prefix}#{case.number}] Drukarka nie drukuje"
    assert sent["To"] == "serwis@dostawca.example"
    assert sent["In-Reply-To"] is None
    assert sent["References"] is None
    files = [(part.get_filename(), part.get_content()) for part in sent.iter_attachments()]
    assert files == [("raport.pdf", b"%PDF-"), ("zdjecie.jpg", b"JPEGDATA")]
    assert report.pk in form.initial["forwarded"]


# Refusals: clear messages, nothing sent, nothing lost

INJECTED = "\r\nBcc: ofiara@example.com"
NO_SUCH_CHOICE = "Select a valid choice. That choice is not one of the available choices."


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"body": "  \n "}, "body", "Write the message first."),
        ({"to": ""}, "to", "Enter at least one recipient."),
        ({"to": "jan@klient.example, nie-adres"}, "to", "“nie-adres” is not an email address."),
        ({"cc": "szef@klient"}, "cc", "“szef@klient” is not an email address."),
        ({"subject": f"Re: x{INJECTED}"}, "subject", "The subject must be a single line."),
        ({"to": f"jan@klient.example{INJECTED}"}, "to", "Addresses must be on one line."),
        ({"mailbox": "99999"}, "mailbox", NO_SUCH_CHOICE),
        ({"status": "99999"}, "status", NO_SUCH_CHOICE),
    ],
)  # fmt: skip
def test_a_refused_send_says_why_sends_nothing_and_keeps_the_text(
    agent, case, inbound, changes, field, error
) -> None:
    # given
    client = client_for(agent)
    form = opened(client, case, kind="reply", message=inbound.pk)
    data = posted(form, body="Mój długi tekst odpowiedzi.")
    data.update(changes)

    # when
    response = client.post(compose_url(case), data)

    # then
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [error]
    assert not Message.objects.filter(direction=Message.Direction.OUTBOUND).exists()
    assert response.context["form"]["body"].value() == data["body"]
    draft = Draft.objects.get(author=agent)
    assert draft.body == data["body"]


def test_attachments_past_the_limit_are_refused(agent, case, inbound, monkeypatch) -> None:
    # given
    monkeypatch.setattr(outbound, "ATTACHMENTS_MAX_BYTES", 10)
    client = client_for(agent)
    form = opened(client, case, kind="reply", message=inbound.pk)
    upload = SimpleUploadedFile("duzy.bin", b"x" * 11)

    # when
    response = client.post(compose_url(case), posted(form, body="Plik", files=upload))

    # then
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "The attachments have 11\xa0bytes; a message may carry 10\xa0bytes."
    ]
    assert response.context["upload_errors"] == []  # said once
    assert Draft.objects.get(author=agent).body == "Plik"
    assert not Message.objects.filter(direction=Message.Direction.OUTBOUND).exists()


def test_a_message_of_another_case_is_404(agent, case, inbound, mailbox) -> None:
    # given
    other = make_inbound(make_case("Inna sprawa"), mailbox=mailbox, message_id="x@klient.example")
    client = client_for(agent)
    data = posted(opened(client, case, kind="reply", message=inbound.pk), body="Tekst")

    # when
    got = client.get(compose_url(case, kind="reply", message=other.pk), **HTMX)
    sent = client.post(compose_url(case), {**data, "message": other.pk})
    garbage = client.get(compose_url(case, kind="reply", message="abc"), **HTMX)

    # then
    assert (got.status_code, sent.status_code, garbage.status_code) == (404, 404, 404)
    assert not Message.objects.filter(direction=Message.Direction.OUTBOUND).exists()


# Who may compose


def test_a_case_the_user_cannot_see_is_404_for_composing(outsider, support_team, mailbox) -> None:
    # given: a case of Support's restricted account
    hidden = make_case_of("Tajna", account=AccountFactory(restricted=True, team=support_team))
    message = make_inbound(hidden, mailbox=mailbox)
    client = client_for(outsider)

    # when
    got = client.get(compose_url(hidden, kind="reply", message=message.pk), **HTMX)
    sent = client.post(compose_url(hidden), {"kind": "reply", "body": "x", "to": "a@b.example"})
    saved = client.post(reverse("mail:draft-save", args=[hidden.number]), {"body": "x"}, **HTMX)

    # then
    assert (got.status_code, sent.status_code, saved.status_code) == (404, 404, 404)
    assert not Draft.objects.exists()


def test_a_user_who_does_not_work_with_cases_gets_404(clerk, case, inbound) -> None:
    client = client_for(clerk)

    assert client.get(compose_url(case), **HTMX).status_code == 404
    assert client.post(compose_url(case), {"body": "x"}).status_code == 404
