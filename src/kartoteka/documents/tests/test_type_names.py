"""A document type has a name per language, as the case lists do: a Czech colleague of a
Polish company reads "Protokol" where a Polish one reads "Protokół"."""

from __future__ import annotations

from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kartoteka.documents.models import DocumentType
from kartoteka.documents.tests.conftest import make_document
from kartoteka.testing.clients import client_for


def test_an_administrator_names_a_type_in_each_language(admin) -> None:
    # when
    response = client_for(admin).post(
        reverse("documents:type-create"),
        {
            "name": "Protokół",
            "name_pl": "",
            "name_cs": "  Protokol  ",
            "name_en": "Report",
            "icon": "✅",
            "position": 9,
            "active": "on",
        },
    )
    # then: empty names are not kept, the others trimmed
    assert response.status_code == 302
    protocol = DocumentType.objects.get(name="Protokół")
    assert protocol.names == {"cs": "Protokol", "en": "Report"}
    form = client_for(admin).get(reverse("documents:type-edit", args=[protocol.pk])).text
    assert 'name="name_cs" value="Protokol"' in form


def test_each_reader_sees_the_type_in_their_language(admin, agent, account) -> None:
    # given
    protocol = DocumentType.objects.create(
        name="Protokół", names={"cs": "Protokol"}, icon="✅", position=9
    )
    document = make_document(by=agent, account=account, title="Odbiór", document_type=protocol)
    # when a Czech agent and a Polish one read the document
    agent.language = "cs"
    agent.save(update_fields=["language"])
    czech = client_for(agent).get(document.get_absolute_url()).text
    admin.language = "pl"
    admin.save(update_fields=["language"])
    polish = client_for(admin).get(document.get_absolute_url()).text
    # then
    assert "<dd>Protokol</dd>" in czech
    assert "<dd>Protokół</dd>" in polish


def test_a_starting_type_without_names_is_still_shown_translated(agent, account) -> None:
    agent.language = "pl"
    agent.save(update_fields=["language"])
    document = make_document(by=agent, account=account)  # an "Offer"
    assert "<dd>Oferta</dd>" in client_for(agent).get(document.get_absolute_url()).text


def test_the_api_gives_the_main_name_and_the_reader_s(agent, account) -> None:
    # given
    protocol = DocumentType.objects.create(name="Protokół", names={"cs": "Protokol"}, icon="✅")
    document = make_document(by=agent, account=account, document_type=protocol)
    agent.language = "cs"
    agent.save(update_fields=["language"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=agent).key}")
    # when
    body = api.get(f"/api/v1/documents/{document.pk}/").json()
    # then
    assert (body["type"], body["type_name"]) == ("Protokół", "Protokol")
