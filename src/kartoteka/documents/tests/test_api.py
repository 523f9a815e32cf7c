"""The documents API: a customer's documents and one document, each only for who may see it."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from kartoteka.cases.models import Case
from kartoteka.documents.services import file_version_add
from kartoteka.documents.tests.conftest import make_document, upload
from kartoteka.people.models import User
from kartoteka.testing.cases import make_case
from kartoteka.testing.people import UserFactory

pytestmark = pytest.mark.django_db


def api_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def listed(user: User, account) -> list[str]:
    response = api_for(user).get(f"/api/v1/accounts/{account.pk}/documents/")
    assert response.status_code == 200
    return [row["title"] for row in response.json()["results"]]


def test_a_document_with_its_versions_and_case(agent, account) -> None:
    # given
    case: Case = make_case("Oferta", account=account)
    document = make_document(by=agent, account=account, case=case)
    file_version_add(by=agent, document=document, upload=upload(data=b"Poprawiona oferta"))
    # when
    body = api_for(agent).get(f"/api/v1/documents/{document.pk}/").json()
    # then
    assert (body["title"], body["type"], body["case"], body["confidential"]) == (
        "Offer 2026", "Offer", case.number, False,
    )  # fmt: skip
    assert [(f["name"], f["version"]) for f in body["files"]] == [
        ("offer.txt", 2),
        ("offer.txt", 1),
    ]
    assert body["files"][0]["download_url"] == (
        f"/documents/{document.pk}/files/{body['files'][0]['id']}/"
    )


def test_a_confidential_document_is_not_listed_and_404_for_who_it_does_not_name(
    agent, account, support_team
) -> None:
    # given: a confidential contract shared with one colleague
    named = UserFactory(username="named", team=support_team)
    other = UserFactory(username="other", team=support_team)
    secret = make_document(
        by=agent, account=account, title="Umowa poufna", confidential=True, shared_users=[named]
    )
    make_document(by=agent, account=account, title="Oferta jawna")
    # then
    assert listed(agent, account) == ["Oferta jawna", "Umowa poufna"]
    assert listed(named, account) == ["Oferta jawna", "Umowa poufna"]
    assert listed(other, account) == ["Oferta jawna"]
    assert api_for(other).get(f"/api/v1/documents/{secret.pk}/").status_code == 404


def test_a_hidden_customer_is_404(agent, outsider, restricted_account) -> None:
    document = make_document(by=agent, account=restricted_account)
    client = api_for(outsider)
    assert client.get(f"/api/v1/accounts/{restricted_account.pk}/documents/").status_code == 404
    assert client.get(f"/api/v1/documents/{document.pk}/").status_code == 404


def test_a_clerk_sees_the_document_but_not_its_case(clerk, agent, account) -> None:
    document = make_document(by=agent, account=account, case=make_case("Ukryta", account=account))
    body = api_for(clerk).get(f"/api/v1/documents/{document.pk}/").json()
    assert body["case"] is None


def test_anonymous_requests_are_refused(account) -> None:
    assert APIClient().get(f"/api/v1/accounts/{account.pk}/documents/").status_code == 401


def test_the_list_makes_the_same_queries_for_2_and_12_documents(
    agent, account, django_assert_max_num_queries
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            listed(agent, account)
        return len(captured)

    for n in range(2):
        make_document(by=agent, account=account, title=f"A {n}")
    few = queries()
    for n in range(10):
        make_document(by=agent, account=account, title=f"B {n}")
    assert queries() == few
