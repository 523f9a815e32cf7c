"""Downloading attachments of stored messages, and showing images in place."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kartoteka.mail.blobstore import blob_store
from kartoteka.mail.models import Attachment, Message
from kartoteka.testing.cases import make_case
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("data_dir")]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def stored_attachment(
    *, case=None, filename="faktura.pdf", content_type="application/pdf", data=b"%PDF-1.4 ..."
) -> Attachment:
    message = Message.objects.create(
        case=case,
        direction=Message.Direction.INBOUND,
        state=Message.State.PLACED if case else Message.State.TRIAGE,
        message_id=f"{Message.objects.count()}@klient.example",
        raw_sha256="0" * 64,
    )
    return Attachment.objects.create(
        message=message,
        filename=filename,
        content_type=content_type,
        size=len(data),
        sha256=blob_store(data),
    )


def download(attachment: Attachment) -> str:
    return reverse("mail:attachment-download", args=[attachment.pk])


def inline(attachment: Attachment) -> str:
    return reverse("mail:attachment-inline", args=[attachment.pk])


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_download_gives_the_bytes_with_the_rfc6266_name(agent):
    # given
    attachment = stored_attachment(case=make_case(), filename="Faktura ąę 1.pdf")

    # when
    response = client_for(agent).get(download(attachment))

    # then
    assert response.status_code == 200
    assert body(response) == b"%PDF-1.4 ..."
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"]
        == "attachment; filename*=utf-8''Faktura%20%C4%85%C4%99%201.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    "content_type",
    ["text/html", "text/html; charset=utf-8", "image/svg+xml", "application/xhtml+xml", "bad type"],
)
def test_documents_a_browser_would_run_are_opaque_downloads(agent, content_type):
    # given
    attachment = stored_attachment(
        case=make_case(),
        filename="strona.html",
        content_type=content_type,
        data=b"<script>alert(1)</script>",
    )
    client = client_for(agent)

    # when
    responses = [client.get(download(attachment)), client.get(inline(attachment))]

    # then
    for response in responses:
        assert response["Content-Type"] == "application/octet-stream"
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"


def test_an_image_is_shown_inline(agent):
    # given
    attachment = stored_attachment(
        case=make_case(), filename="logo.png", content_type="image/png", data=PNG
    )

    # when
    response = client_for(agent).get(inline(attachment))

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'inline; filename="logo.png"'
    assert body(response) == PNG


def test_a_pdf_asked_inline_is_downloaded(agent):
    # given
    attachment = stored_attachment(case=make_case())

    # when
    response = client_for(agent).get(inline(attachment))

    # then
    assert response["Content-Disposition"] == 'attachment; filename="faktura.pdf"'


def test_outsider_gets_404_for_an_attachment_of_a_hidden_case(agent, outsider, support_team):
    # given
    hidden = make_case(account=AccountFactory(restricted=True, team=support_team))
    attachment = stored_attachment(case=hidden)

    # when
    responses = [
        client_for(outsider).get(download(attachment)),
        client_for(outsider).get(inline(attachment)),
    ]

    # then
    assert [response.status_code for response in responses] == [404, 404]
    assert client_for(agent).get(download(attachment)).status_code == 200


@pytest.mark.parametrize("persona", ["clerk", "portal_user"])
def test_users_without_case_rights_get_404(request, persona):
    # given
    attachment = stored_attachment(case=make_case())

    # when
    response = client_for(request.getfixturevalue(persona)).get(download(attachment))

    # then
    assert response.status_code == 404


def test_anonymous_is_sent_to_log_in(client, db):
    # given
    attachment = stored_attachment(case=make_case())

    # when
    response = client.get(download(attachment))

    # then
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_attachment_in_triage_is_for_case_workers(agent):
    # given
    attachment = stored_attachment(case=None)

    # when
    response = client_for(agent).get(download(attachment))

    # then
    assert response.status_code == 200


def test_unknown_attachment_and_lost_bytes_are_404(agent):
    # given
    attachment = stored_attachment(case=make_case())
    Attachment.objects.filter(pk=attachment.pk).update(sha256="f" * 64)
    client = client_for(agent)

    # when
    responses = [client.get(download(attachment)), client.get(f"/mail/attachments/{10**9}/")]

    # then
    assert [response.status_code for response in responses] == [404, 404]


def test_post_is_not_allowed(agent):
    # given
    attachment = stored_attachment(case=make_case())

    # when
    response = client_for(agent).post(download(attachment))

    # then
    assert response.status_code == 405


def test_mail_we_sent_outside_any_case_is_only_for_those_who_see_everything(agent, manager):
    # given: a notification to a colleague (it may name a restricted case), and triage mail
    sent = Message.objects.create(
        direction=Message.Direction.OUTBOUND,
        state=Message.State.SENT,
        message_id="notice@firma.example",
        raw_sha256="0" * 64,
    )
    waiting = stored_attachment().message
    # then
    assert list(Message.objects.visible_to(agent).order_by("pk")) == [waiting]
    assert list(Message.objects.visible_to(manager).order_by("pk")) == [sent, waiting]
