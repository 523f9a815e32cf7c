"""Who sees a document: a confidential one leaves no trace for those who may not see it — not
in the list, the document page, the downloads, the customer file's timeline nor its search."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kartoteka.customers.timeline import Window, timeline_page
from kartoteka.documents.models import Document
from kartoteka.documents.tests.conftest import make_document, upload
from kartoteka.people.models import User
from kartoteka.testing.clients import client_for
from kartoteka.testing.people import persona

SECRET = "Umowa poufna Zebra"


@pytest.fixture
def named(db: None) -> User:
    return persona("named")


@pytest.fixture
def board_member(db: None) -> User:
    return persona("board_member")


@pytest.fixture
def secret(agent, named, board_member, account, django_capture_on_commit_callbacks) -> Document:
    with django_capture_on_commit_callbacks(execute=True):
        return make_document(
            by=agent,
            account=account,
            title="Contract 7/2026",
            files=[upload("contract.txt", f"{SECRET}: the text inside".encode())],
            confidential=True,
            shared_users=[named],
            shared_teams=[board_member.team],
        )


SEES_SECRET = {"agent", "named", "board_member", "admin"}
PERSONAS = [
    "agent",
    "named",
    "board_member",
    "outsider",
    "manager",
    "admin",
    "clerk",
    "portal_user",
]


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_confidential_document_is_seen_only_by_author_named_and_administrators(
    request, persona, secret, account
):
    user = request.getfixturevalue(persona)
    sees = persona in SEES_SECRET

    assert Document.objects.visible_to(user).filter(pk=secret.pk).exists() is sees
    client = client_for(user)
    detail = client.get(secret.get_absolute_url())
    download = client.get(secret.files.get().get_absolute_url())
    listing = client.get(reverse("documents:list"), {"account": account.pk})
    file_page = client.get(reverse("customers:account-detail", args=[account.pk]))
    search = client.get(reverse("customers:account-detail", args=[account.pk]), {"q": "Zebra"})
    tab = client.get(reverse("customers:account-detail", args=[account.pk]), {"tab": "documents"})
    if persona == "portal_user":
        assert {detail.status_code, download.status_code, listing.status_code} <= {302, 403, 404}
        return
    assert detail.status_code == (200 if sees else 404)
    assert download.status_code == (200 if sees else 404)
    assert listing.status_code == 200
    for page in (listing, file_page, search, tab):
        assert ("Contract 7/2026" in page.text) is sees
    window = Window(user=user, account_id=account.pk, query="zebra")
    assert [entry.key for entry in timeline_page(window).entries] == ([secret.pk] if sees else [])


def test_a_public_document_is_seen_by_everyone_who_sees_the_customer(
    agent, clerk, manager, account
):
    document = make_document(by=agent, account=account)

    for user in (agent, clerk, manager):
        assert Document.objects.visible_to(user).get() == document


def test_a_restricted_customer_hides_its_documents_from_outsiders(
    agent, outsider, admin, restricted_account
):
    document = make_document(by=agent, account=restricted_account)

    assert not Document.objects.visible_to(outsider).exists()
    assert client_for(outsider).get(document.get_absolute_url()).status_code == 404
    assert Document.objects.visible_to(admin).get() == document


def test_a_download_is_an_attachment_never_sniffed(agent, account):
    document = make_document(by=agent, account=account, files=[upload("page.html", b"<html>x")])

    response = client_for(agent).get(document.files.get().get_absolute_url())

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_document_of_another_customer_is_not_found_under_a_wrong_file_id(agent, account):
    first = make_document(by=agent, account=account)
    second = make_document(by=agent, account=account)

    url = reverse("documents:download", args=[first.pk, second.files.get().pk])
    assert client_for(agent).get(url).status_code == 404


def test_the_list_takes_as_many_queries_for_many_documents_as_for_one(
    agent, account, django_assert_max_num_queries, django_assert_num_queries
):
    make_document(by=agent, account=account)
    client = client_for(agent)
    url = reverse("documents:list")
    with django_assert_max_num_queries(50) as one:
        client.get(url, {"account": account.pk})
    for number in range(5):
        make_document(by=agent, account=account, title=f"Offer {number}")

    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(url, {"account": account.pk})

    assert response.text.count("Offer ") == 6
