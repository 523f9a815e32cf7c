"""Drafts of the composer: saved as one types, restored, sent or discarded; the author's own."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kartoteka.mail.blobstore import blob_read
from kartoteka.mail.models import Draft, DraftAttachment, Message
from kartoteka.mail.tests.test_compose import HTMX, compose_url, opened, posted
from kartoteka.testing.cases import make_case
from kartoteka.testing.clients import client_for
from kartoteka.testing.mail.composing import raw_of
from kartoteka.testing.mail.sending import make_inbound, make_mailbox

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path) -> None:
    settings.DATA_DIR = tmp_path


@pytest.fixture
def case():
    return make_case("Drukarka nie drukuje")


@pytest.fixture
def inbound(case) -> Message:
    return make_inbound(case, mailbox=make_mailbox(), text="Nadal nie działa.")


def save_url(case) -> str:
    return reverse("mail:draft-save", args=[case.number])


def test_typing_saves_the_draft_as_typed_and_only_the_status_line_changes(
    agent, case, inbound
) -> None:
    # given
    client = client_for(agent)
    form = opened(client, case, kind="reply", message=inbound.pk)

    # when: half-typed, with an address not finished yet
    response = client.post(
        save_url(case),
        posted(form, body="Dzień dobry, proszę", to="jan@", bcc="szef@firma.example"),
        **HTMX,
    )

    # then
    assert response.status_code == 200
    assert response["HX-Reswap"] == "none"
    assert b"Draft saved at" in response.content
    assert b'hx-swap-oob="true"' in response.content
    draft = Draft.objects.get()
    assert (draft.case, draft.author, draft.kind, draft.replying_to) == (
        case, agent, "reply", inbound
    )  # fmt: skip
    assert (draft.to, draft.bcc, draft.body) == (
        "jan@",
        "szef@firma.example",
        "Dzień dobry, proszę",
    )
    assert draft.subject == form.initial["subject"]
    assert draft.mailbox == inbound.mailbox


def test_saving_again_updates_the_one_draft(agent, case, inbound) -> None:
    client = client_for(agent)
    form = opened(client, case, kind="reply", message=inbound.pk)

    client.post(save_url(case), posted(form, body="Pierwsza wersja"), **HTMX)
    client.post(save_url(case), posted(form, body="Druga wersja"), **HTMX)

    assert list(Draft.objects.values_list("body", flat=True)) == ["Druga wersja"]


def test_reopening_the_composer_restores_the_draft_with_its_files(agent, case, inbound) -> None:
    # given
    client = client_for(agent)
    form = opened(client, case, kind="reply", message=inbound.pk)
    upload = SimpleUploadedFile("faktura.pdf", b"%PDF-faktura", content_type="application/pdf")
    response = client.post(save_url(case), posted(form, body="Szkic", files=upload), **HTMX)

    # when
    again = opened(client, case, kind="reply", message=inbound.pk)
    latest = opened(client, case)  # no message named: the latest draft

    # then
    assert "HX-Reswap" not in response  # the file list is swapped in
    assert b"faktura.pdf" in response.content
    attachment = DraftAttachment.objects.get()
    assert (attachment.name, attachment.size, attachment.content_type) == (
        "faktura.pdf", 12, "application/pdf"
    )  # fmt: skip
    assert blob_read(attachment.sha256) == b"%PDF-faktura"
    assert again.initial["body"] == latest.initial["body"] == "Szkic"
    assert again.initial["kept"] == [attachment.pk]
    assert latest.initial["message"] == inbound.pk


def test_unticking_an_uploaded_file_removes_it_from_the_draft(agent, case, inbound) -> None:
    # given
    client = client_for(agent)
    form = opened(client, case, kind="reply", message=inbound.pk)
    upload = SimpleUploadedFile("a.txt", b"A")
    client.post(save_url(case), posted(form, body="x", files=upload), **HTMX)

    # when
    response = client.post(save_url(case), posted(form, body="x", kept=[]), **HTMX)

    # then
    assert "HX-Reswap" not in response
    assert not DraftAttachment.objects.exists()


def test_sending_takes_the_draft_files_and_deletes_the_draft(agent, case, inbound) -> None:
    # given
    client = client_for(agent)
    form = opened(client, case, kind="reply", message=inbound.pk)
    upload = SimpleUploadedFile("faktura.pdf", b"%PDF-faktura", content_type="application/pdf")
    client.post(save_url(case), posted(form, body="Szkic", files=upload), **HTMX)
    form = opened(client, case, kind="reply", message=inbound.pk)

    # when
    client.post(compose_url(case), posted(form, body="Faktura w załączniku."))

    # then
    message = Message.objects.get(direction=Message.Direction.OUTBOUND)
    sent = raw_of(message)
    files = [(part.get_filename(), part.get_content()) for part in sent.iter_attachments()]
    assert files == [("faktura.pdf", b"%PDF-faktura")]
    assert not Draft.objects.exists()


def test_a_save_arriving_after_the_send_does_not_bring_the_draft_back(agent, case, inbound) -> None:
    # given
    client = client_for(agent)
    data = posted(opened(client, case, kind="reply", message=inbound.pk), body="Wysłane")
    client.post(compose_url(case), data)

    # when
    response = client.post(save_url(case), data, **HTMX)

    # then
    assert response.status_code == 204
    assert not Draft.objects.exists()


def test_discarding_deletes_the_draft_and_offers_a_fresh_composer(agent, case, inbound) -> None:
    # given
    client = client_for(agent)
    form = opened(client, case, kind="reply", message=inbound.pk)
    client.post(save_url(case), posted(form, body="Niepotrzebne"), **HTMX)
    draft = Draft.objects.get()

    # when
    response = client.post(reverse("mail:draft-discard", args=[case.number, draft.pk]), **HTMX)

    # then
    assert response.status_code == 200
    assert not Draft.objects.exists()
    assert response.context["form"].initial["body"].startswith("\n\nOn ")
    assert b"Draft discarded." in response.content


def test_only_the_author_sees_or_discards_a_draft(agent, supervisor, case, inbound) -> None:
    # given
    form = opened(client_for(agent), case, kind="reply", message=inbound.pk)
    client_for(agent).post(save_url(case), posted(form, body="Tajny szkic"), **HTMX)
    draft = Draft.objects.get()
    other = client_for(supervisor)

    # when
    seen = opened(other, case, kind="reply", message=inbound.pk)
    discarded = other.post(reverse("mail:draft-discard", args=[case.number, draft.pk]), **HTMX)

    # then
    assert "Tajny szkic" not in seen.initial["body"]
    assert "kept" not in seen.initial
    assert discarded.status_code == 404
    assert Draft.objects.get().body == "Tajny szkic"


def test_a_draft_of_another_case_is_404(agent, case, inbound) -> None:
    # given
    form = opened(client_for(agent), case, kind="reply", message=inbound.pk)
    client_for(agent).post(save_url(case), posted(form, body="Szkic"), **HTMX)
    draft = Draft.objects.get()
    other_case = make_case("Inna")

    # when
    response = client_for(agent).post(
        reverse("mail:draft-discard", args=[other_case.number, draft.pk]), **HTMX
    )

    # then
    assert response.status_code == 404
    assert Draft.objects.count() == 1


def test_someone_elses_draft_files_cannot_be_sent(agent, supervisor, case, inbound) -> None:
    # given: the agent's draft has a file
    form = opened(client_for(agent), case, kind="reply", message=inbound.pk)
    upload = SimpleUploadedFile("poufne.pdf", b"%PDF-poufne")
    client_for(agent).post(save_url(case), posted(form, body="x", files=upload), **HTMX)
    theirs = DraftAttachment.objects.get()
    other = client_for(supervisor)
    data = posted(opened(other, case, kind="reply", message=inbound.pk), body="Moja odpowiedź")

    # when
    response = other.post(compose_url(case), {**data, "kept": [theirs.pk]})

    # then
    assert response.status_code == 400
    assert response.context["form"].errors["kept"] == [
        f"Select a valid choice. {theirs.pk} is not one of the available choices."
    ]
    assert not Message.objects.filter(direction=Message.Direction.OUTBOUND).exists()
