"""The documents' pages: upload, a new version, edit and delete."""

from __future__ import annotations

from django.urls import reverse

from kartoteka.documents.models import Document, DocumentType
from kartoteka.documents.tests import samples
from kartoteka.documents.tests.conftest import make_document, upload
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import ContactFactory


def _form(account, **changes):
    data = {
        "document_type": DocumentType.objects.get(name="Invoice").pk,
        "title": "Invoice FV/1/2026",
        "date": "2026-12-01",
        "description": "For the toner",
        "contacts": [ContactFactory(account=account).pk],
    }
    return data | changes


def test_an_agent_uploads_a_document_with_two_files(agent, account):
    url = f"{reverse('documents:create')}?account={account.pk}"
    data = _form(account, uploads=[upload("fv.pdf", samples.pdf_with("FV")), upload("note.txt")])

    response = client_for(agent).post(url, data)

    document = Document.objects.get()
    assert response.status_code == 302
    assert response["Location"] == document.get_absolute_url()
    assert sorted(document.files.values_list("name", flat=True)) == ["fv.pdf", "note.txt"]
    assert (document.author, document.account) == (agent, account)


def test_a_hostile_upload_shows_the_reason_on_the_form(agent, account):
    url = f"{reverse('documents:create')}?account={account.pk}"

    response = client_for(agent).post(url, _form(account, uploads=[upload("fv.pdf", b"<html>")]))

    assert response.status_code == 400
    assert "its content is not a PDF file" in response.text
    assert not Document.objects.exists()


def test_a_case_of_another_customer_cannot_be_chosen(agent, account):
    from kartoteka.testing.cases import make_case

    other_case = make_case(by=agent)
    url = f"{reverse('documents:create')}?account={account.pk}"

    response = client_for(agent).post(url, _form(account, case=other_case.pk, uploads=[upload()]))

    assert response.status_code == 400
    assert not Document.objects.exists()


def test_the_author_adds_a_version_of_a_file(agent, account):
    document = make_document(by=agent, account=account, files=[upload("offer.txt", b"v1")])
    url = reverse("documents:version-add", args=[document.pk])

    response = client_for(agent).post(
        url, {"file": upload("offer-new.txt", b"v2"), "name": "offer.txt"}
    )

    assert response.status_code == 302
    assert list(document.files.values_list("name", "version")) == [
        ("offer.txt", 2),
        ("offer.txt", 1),
    ]
    page = client_for(agent).get(document.get_absolute_url())
    assert page.text.count(">offer.txt</a>") == 2


def test_another_agent_sees_but_may_not_change_a_public_document(agent, outsider, account):
    document = make_document(by=agent, account=account)
    client = client_for(outsider)

    assert client.get(document.get_absolute_url()).status_code == 200
    assert "Add a version" not in client.get(document.get_absolute_url()).text
    assert client.get(reverse("documents:edit", args=[document.pk])).status_code == 403
    assert client.post(reverse("documents:delete", args=[document.pk])).status_code == 403
    assert Document.objects.exists()


def test_the_author_edits_and_deletes(agent, account):
    document = make_document(by=agent, account=account)
    client = client_for(agent)

    edited = client.post(
        reverse("documents:edit", args=[document.pk]), _form(account, title="Offer, final")
    )
    deleted = client.post(reverse("documents:delete", args=[document.pk]))

    assert edited.status_code == 302
    assert deleted.status_code == 302
    assert deleted["Location"] == f"{reverse('documents:list')}?account={account.pk}"
    assert not Document.objects.exists()


def test_a_list_without_a_visible_account_is_not_found(agent, outsider, restricted_account):
    url = reverse("documents:list")

    assert client_for(agent).get(url, {"account": "x"}).status_code == 404
    assert client_for(outsider).get(url, {"account": restricted_account.pk}).status_code == 404


def test_the_case_shows_only_to_those_who_see_it(agent, clerk, account):
    from kartoteka.testing.cases import make_case

    case = make_case("Reklamacja tonera", by=agent, account=account)
    document = make_document(by=agent, account=account, case=case)

    assert "Reklamacja tonera" in client_for(agent).get(document.get_absolute_url()).text
    page = client_for(clerk).get(document.get_absolute_url())
    assert page.status_code == 200
    assert "Reklamacja tonera" not in page.text
