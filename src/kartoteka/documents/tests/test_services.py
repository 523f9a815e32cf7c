"""Creating documents, adding versions, and refusing hostile uploads with a clear message."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kartoteka.documents.models import Document, DocumentFile
from kartoteka.documents.services import document_delete, document_update, file_version_add
from kartoteka.documents.tests import samples
from kartoteka.documents.tests.conftest import make_document, upload
from kartoteka.testing.customers import ContactFactory


def test_a_document_keeps_its_files_with_the_sniffed_type_and_checksum(agent, account):
    document = make_document(by=agent, account=account, files=[upload("../../etc/offer.txt")])

    (stored,) = document.files.all()
    assert (stored.name, stored.version, stored.size) == ("offer.txt", 1, 18)
    assert stored.content_type == "text/plain"
    assert len(stored.sha256) == 64
    assert stored.file.read() == b"Oferta na drukarki"


def test_the_text_is_extracted_after_commit(agent, account, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        document = make_document(
            by=agent, account=account, files=[upload("offer.pdf", samples.pdf_with("Toner X200"))]
        )

    stored = document.files.get()
    assert stored.text_state == DocumentFile.TextState.DONE
    assert "Toner X200" in stored.text


def test_a_damaged_file_is_marked_failed(agent, account, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        document = make_document(
            by=agent, account=account, files=[upload("offer.pdf", b"%PDF-1.4 garbage")]
        )

    assert document.files.get().text_state == DocumentFile.TextState.FAILED


def test_a_new_version_keeps_the_earlier_ones(agent, account):
    document = make_document(by=agent, account=account, files=[upload("offer.txt", b"v1")])

    file_version_add(by=agent, document=document, upload=upload("offer.txt", b"v2"))
    file_version_add(
        by=agent, document=document, upload=upload("renamed.txt", b"v3"), name="offer.txt"
    )

    versions = document.files.filter(name="offer.txt").order_by("version")
    assert [(row.version, row.file.read()) for row in versions] == [
        (1, b"v1"),
        (2, b"v2"),
        (3, b"v3"),
    ]


def test_only_the_author_or_an_administrator_changes_a_document(agent, outsider, admin, account):
    document = make_document(by=agent, account=account)

    with pytest.raises(PermissionDenied):
        file_version_add(by=outsider, document=document, upload=upload())
    with pytest.raises(PermissionDenied):
        document_delete(by=outsider, document=document)
    document_delete(by=admin, document=document)
    assert not Document.objects.exists()


def test_an_update_changes_the_fields(agent, account):
    document = make_document(by=agent, account=account)

    document_update(
        by=agent,
        document=document,
        document_type=document.document_type,
        title="Offer, revised",
        description="Cheaper",
        date=document.date,
        case=None,
        contacts=[],
        confidential=True,
        shared_users=[],
        shared_teams=[],
    )

    document.refresh_from_db()
    assert (document.title, document.confidential) == ("Offer, revised", True)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.pdf", b"", "“empty.pdf” is empty."),
        ("invoice.pdf", b"<html><script>alert(1)</script>", "its content is not a PDF file"),
        ("contract.docx", samples.zip_bomb(), "would unpack to more than 100 MB"),
        ("contract.docx", b"PK\x03\x04broken", "damaged archive"),
    ],
)
def test_a_hostile_upload_is_refused_with_a_message_and_nothing_is_stored(
    agent, account, name, data, message
):
    with pytest.raises(ValidationError) as refused:
        make_document(by=agent, account=account, files=[upload("fine.txt"), upload(name, data)])

    assert message in refused.value.message_dict["files"][0]
    assert not Document.objects.exists()
    assert not DocumentFile.objects.exists()


def test_an_oversized_upload_is_refused(agent, account, settings):
    settings.DOCUMENT_MAX_MB = 1

    with pytest.raises(ValidationError) as refused:
        make_document(
            by=agent, account=account, files=[upload("big.txt", b"a" * (1024 * 1024 + 1))]
        )

    assert "may have up to 1.0\xa0MB" in refused.value.message_dict["files"][0]


def test_a_document_needs_a_file(agent, account):
    with pytest.raises(ValidationError, match="at least one file"):
        make_document(by=agent, account=account, files=[])


def test_contacts_of_another_customer_are_refused(agent, account):
    stranger = ContactFactory()

    with pytest.raises(ValidationError, match="this customer's contacts"):
        make_document(by=agent, account=account, contacts=[stranger])


def test_refusals_are_translated(agent, account):
    from django.utils import translation

    with translation.override("pl"), pytest.raises(ValidationError) as refused:
        make_document(by=agent, account=account, files=[upload("empty.pdf", b"")])

    assert "jest pusty" in refused.value.message_dict["files"][0]
