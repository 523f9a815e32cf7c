"""Canned responses: placeholders, the composer's offer, and the administrator's pages."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from kartoteka.cases.services import case_settings
from kartoteka.mail.models import CannedResponse
from kartoteka.mail.sending.canned import canned_render, placeholder_values, placeholders_unknown
from kartoteka.mail.tests.test_compose import HTMX, compose_url
from kartoteka.testing.cases import make_case
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import ContactFactory
from kartoteka.testing.mail.sending import make_inbound, make_mailbox
from kartoteka.testing.people import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    contact = ContactFactory(first_name="Jan", last_name="Kowalski", account__name="Drukpol")
    return make_case(
        "Drukarka nie drukuje", account=contact.account, contacts=(contact,), reporter=contact
    )


@pytest.fixture
def writer():
    return UserFactory(username="ewa", first_name="Ewa", last_name="Nowak", role="manager")


def test_placeholders_are_filled_for_the_case_and_the_writer(case, writer) -> None:
    # given
    values = placeholder_values(case=case, user=writer, prefix="KART")
    text = (
        "Dzień dobry {contact_first_name} ({contact_name}, {customer_name}),\n"
        "sprawa {case_tag} nr {case_number}: {case_subject}.\n{agent_name} / {agent_first_name}"
    )

    # when
    rendered = canned_render(text, values=values)

    # then
    assert rendered == (
        "Dzień dobry Jan (Jan Kowalski, Drukpol),\n"
        f"sprawa [KART#{case.number}] nr {case.number}: Drukarka nie drukuje.\nEwa Nowak / Ewa"
    )


def test_unknown_placeholders_and_format_tricks_stay_as_typed(case, writer) -> None:
    values = placeholder_values(case=case, user=writer, prefix="KART")

    rendered = canned_render(
        "{nieznane} {case_number!r} {case_number:>10} {0} {} {{case_number}} {case.__class__}",
        values=values,
    )

    assert rendered == (
        f"{{nieznane}} {{case_number!r}} {{case_number:>10}} {{0}} {{}} {{{case.number}}} "
        "{case.__class__}"
    )


def test_a_value_looking_like_a_placeholder_is_not_filled_again(case, writer) -> None:
    case.subject = "{agent_name}"

    rendered = canned_render(
        "{case_subject}", values=placeholder_values(case=case, user=writer, prefix="KART")
    )

    assert rendered == "{agent_name}"


def test_placeholders_unknown_names_each_once() -> None:
    assert placeholders_unknown("{contact_nmae} {case_number} {x} {contact_nmae}") == [
        "contact_nmae",
        "x",
    ]


def test_the_composer_offers_active_responses_filled_for_the_case(agent, case) -> None:
    # given
    CannedResponse.objects.create(
        name="Powitanie", body="Dzień dobry {contact_first_name},", position=1
    )
    CannedResponse.objects.create(name="Stara", body="Nieużywana", active=False)
    make_inbound(case, mailbox=make_mailbox())

    # when
    response = client_for(agent).get(compose_url(case), **HTMX)

    # then
    assert [(item["name"], item["text"]) for item in response.context["canned"]] == [
        ("Powitanie", "Dzień dobry Jan,")
    ]
    assert 'data-text="Dzień dobry Jan,"' in response.content.decode()


def test_administrator_adds_a_response_and_is_warned_about_unknown_placeholders(admin) -> None:
    # given
    client = client_for(admin)
    token = client.get(reverse("mail:canned-create")).context["form"].initial["submission_token"]
    data = {
        "name": "Zamknięcie",
        "body": "Zamykamy sprawę {case_number}, {contact_nmae}.",
        "active": "on",
        "position": "5",
        "submission_token": token,
    }

    # when
    response = client.post(reverse("mail:canned-create"), data)
    again = client.post(reverse("mail:canned-create"), data)

    # then
    assert response.status_code == 302
    assert response.url == reverse("mail:canned-list")
    assert again.status_code == 302
    canned = CannedResponse.objects.get()
    assert (canned.name, canned.active, canned.position) == ("Zamknięcie", True, 5)
    texts = [str(message) for message in get_messages(response.wsgi_request)]
    assert "Not placeholders, so sent as typed: {contact_nmae}." in texts


def test_administrator_edits_and_deletes_a_response(admin) -> None:
    # given
    canned = CannedResponse.objects.create(name="Stara nazwa", body="Tekst")
    client = client_for(admin)

    # when
    edited = client.post(
        reverse("mail:canned-edit", args=[canned.pk]),
        {"name": "Nowa nazwa", "body": "Nowy tekst", "position": "2"},
    )
    listed = client.get(reverse("mail:canned-list"))
    asked = client.get(reverse("mail:canned-delete", args=[canned.pk]))
    deleted = client.post(reverse("mail:canned-delete", args=[canned.pk]))

    # then
    assert edited.status_code == 302
    assert b"Nowa nazwa" in listed.content
    assert asked.status_code == 200
    assert deleted.status_code == 302
    assert not CannedResponse.objects.exists()


def test_a_duplicate_name_is_refused_on_the_form(admin) -> None:
    CannedResponse.objects.create(name="Powitanie", body="A")

    response = client_for(admin).post(
        reverse("mail:canned-create"), {"name": "Powitanie", "body": "B", "position": "0"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [
        "Canned response with this Name already exists."
    ]


@pytest.mark.parametrize("persona", ["manager", "agent", "clerk", "outsider"])
def test_only_administrators_manage_canned_responses(request, persona) -> None:
    canned = CannedResponse.objects.create(name="Powitanie", body="A")
    client = client_for(request.getfixturevalue(persona))

    for url in (
        reverse("mail:canned-list"),
        reverse("mail:canned-create"),
        reverse("mail:canned-edit", args=[canned.pk]),
        reverse("mail:canned-delete", args=[canned.pk]),
    ):
        assert client.get(url).status_code == 403
    assert client.post(reverse("mail:canned-delete", args=[canned.pk])).status_code == 403
    assert CannedResponse.objects.count() == 1


def test_the_prefix_of_the_settings_is_used_in_the_tag(case, writer) -> None:
    prefix = case_settings().prefix

    values = placeholder_values(case=case, user=writer, prefix=prefix)

    assert values["case_tag"] == f"[{prefix}#{case.number}]"
