"""Notification settings: per case (form, API, service) and the installation's (settings page)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kartoteka.cases import services
from kartoteka.cases.models import Case, CaseSettings, Priority, Status
from kartoteka.cases.services import case_notice_settings_update
from kartoteka.people.models import User
from kartoteka.testing.cases import make_case
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import (
    AccountFactory,
    ContactFactory,
    EmailAddressFactory,
    PhoneNumberFactory,
)
from kartoteka.testing.people import UserFactory

pytestmark = pytest.mark.django_db

CREATE_URL = reverse("cases:case-create")
SETTINGS_URL = reverse("cases:case-notice-settings")
CASES_API = "/api/v1/cases/"


@pytest.fixture
def customer(db):
    return AccountFactory(name="Budimex")


@pytest.fixture
def anna(customer):
    contact = ContactFactory(account=customer, first_name="Anna", last_name="Nowak")
    EmailAddressFactory(contact=contact, address="anna@klient.example")
    PhoneNumberFactory(contact=contact, number="+48601000200")
    return contact


@pytest.fixture
def stranger(db):
    """A contact of another customer."""
    return ContactFactory(
        account=AccountFactory(name="Inna firma"), first_name="Obcy", last_name="Człowiek"
    )


def case_post(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "subject": "Drukarka nie drukuje",
        "status": Status.objects.get(is_default=True).pk,
        "priority": Priority.objects.get(is_default=True).pk,
    }
    data.update(overrides)
    return data


def api_for(user: User):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


# The service


def test_the_extra_addresses_are_checked_and_stored_cleaned(customer) -> None:
    case = make_case(
        account=customer,
        notify_addresses=" Biuro@Klient.example; szef@klient.example,biuro@klient.example ",
    )
    assert case.notify_addresses == "biuro@klient.example, szef@klient.example"


def test_a_bad_extra_address_is_refused_by_name(customer) -> None:
    with pytest.raises(ValidationError) as refused:
        make_case(account=customer, notify_addresses="biuro@klient.example, jan@@klient")
    assert refused.value.message_dict == {
        "notify_addresses": ["“jan@@klient” is not an email address."]
    }
    assert Case.objects.exists() is False


def test_another_customers_contact_is_refused(customer, stranger, agent) -> None:
    case = make_case(account=customer)
    with pytest.raises(ValidationError) as refused:
        services.case_update(case=case, by=agent, data={"notify_contact": stranger})
    assert refused.value.message_dict == {
        "notify_contact": ["Obcy Człowiek is not a contact of Budimex."]
    }
    assert Case.objects.get(pk=case.pk).notify_contact is None


def test_a_case_without_a_customer_has_no_contact_to_tell(stranger) -> None:
    with pytest.raises(ValidationError) as refused:
        make_case(notify_contact=stranger)
    assert list(refused.value.message_dict) == ["notify_contact"]


def test_an_oversized_extra_text_is_refused(customer) -> None:
    with pytest.raises(ValidationError) as refused:
        make_case(account=customer, notify_text="x" * 2001)
    assert refused.value.message_dict == {
        "notify_text": ["The text has 2001 characters; it may have up to 2000."]
    }


# The case form


def test_a_new_case_keeps_its_notification_settings(agent, customer, anna) -> None:
    # when
    response = client_for(agent).post(
        CREATE_URL,
        case_post(
            account=customer.pk,
            notify="on",
            notify_contact=anna.pk,
            notify_addresses="biuro@klient.example; szef@klient.example",
            notify_text="Pozdrawiamy.",
        ),
    )
    # then
    assert response.status_code == 302
    case = Case.objects.get()
    assert (
        case.notify,
        case.notify_reporter,
        case.notify_contact,
        case.notify_addresses,
        case.notify_text,
    ) == (True, False, anna, "biuro@klient.example, szef@klient.example", "Pozdrawiamy.")


def test_the_new_case_form_tells_the_reporter_by_default(agent) -> None:
    response = client_for(agent).get(CREATE_URL)
    assert response.status_code == 200
    text = response.text
    assert 'name="notify_reporter" id="id_notify_reporter" checked' in text
    assert 'type="checkbox" name="notify" id="id_notify"' in text


def test_choosing_the_customer_offers_its_contacts_with_email_and_phone(
    agent, customer, anna, stranger
) -> None:
    # when the customer is chosen (htmx)
    response = client_for(agent).get(
        CREATE_URL, {"account": customer.pk}, headers={"HX-Request": "true"}
    )
    # then the contact select is swapped in too, with Anna and not the stranger
    assert response.status_code == 200
    assert 'id="notify-contact-field" hx-swap-oob="true"' in response.text
    assert (
        f'<option value="{anna.pk}">Anna Nowak · anna@klient.example · +48601000200</option>'
        in response.text
    )
    assert "Obcy" not in response.text


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        (
            "notify_addresses",
            "biuro@klient.example, jan(at)klient",
            "“jan(at)klient” is not an email address.",
        ),
        ("notify_text", "x" * 2001, "Ensure this value has at most 2000 characters (it has 2001)."),
    ],
)
def test_bad_notification_input_is_refused_and_nothing_created(
    agent, customer, field, value, error
) -> None:
    response = client_for(agent).post(CREATE_URL, case_post(account=customer.pk, **{field: value}))
    assert response.status_code == 400
    assert error in response.text
    assert Case.objects.exists() is False


def test_another_customers_contact_is_refused_in_the_form(agent, customer, stranger) -> None:
    # given a case of Budimex
    case = make_case(account=customer)
    # when its edit posts a contact of another customer
    response = client_for(agent).post(
        reverse("cases:case-edit", args=[case.number]),
        case_post(notify="on", notify_contact=stranger.pk),
    )
    # then
    assert response.status_code == 400
    assert "Obcy Człowiek is not a contact of Budimex." in response.text
    assert Case.objects.get(pk=case.pk).notify is False


def test_editing_keeps_and_changes_the_notification_settings(agent, customer, anna) -> None:
    case = make_case(account=customer, notify=True, notify_contact=anna)
    response = client_for(agent).post(
        reverse("cases:case-edit", args=[case.number]),
        case_post(notify="on", notify_reporter="on", notify_contact=anna.pk, notify_text="Hej"),
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.notify, case.notify_reporter, case.notify_contact, case.notify_text) == (
        True,
        True,
        anna,
        "Hej",
    )


def test_outsider_gets_404_on_the_edit_of_a_hidden_case(outsider, support_team) -> None:
    case = make_case(account=AccountFactory(restricted=True, team=support_team))
    response = client_for(outsider).post(
        reverse("cases:case-edit", args=[case.number]), case_post(notify="on")
    )
    assert response.status_code == 404
    assert Case.objects.get(pk=case.pk).notify is False


# The API


def test_the_api_sets_and_shows_the_notification_settings(agent, customer, anna) -> None:
    response = api_for(agent).post(
        CASES_API,
        {
            "subject": "Drukarka",
            "account": customer.pk,
            "notify": True,
            "notify_reporter": False,
            "notify_contact": anna.pk,
            "notify_addresses": "biuro@klient.example",
            "notify_text": "Pozdrawiamy.",
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert {key: value for key, value in body.items() if key.startswith("notify")} == {
        "notify": True,
        "notify_reporter": False,
        "notify_contact": {"id": anna.pk, "name": "Anna Nowak"},
        "notify_addresses": "biuro@klient.example",
        "notify_text": "Pozdrawiamy.",
    }


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"notify_addresses": "nie-adres"}, "notify_addresses"),
        ({"notify_text": "x" * 2001}, "notify_text"),
        ({"notify_contact": "stranger"}, "notify_contact"),
    ],
)
def test_the_api_refuses_bad_notification_input(agent, customer, stranger, payload, field) -> None:
    case = make_case(account=customer)
    if payload.get("notify_contact") == "stranger":
        payload = {"notify_contact": stranger.pk}
    response = api_for(agent).patch(f"{CASES_API}{case.number}/", payload, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert Case.objects.get(pk=case.pk).notify_addresses == ""


def test_outsider_gets_404_when_patching_a_hidden_case(outsider, support_team) -> None:
    case = make_case(account=AccountFactory(restricted=True, team=support_team))
    response = api_for(outsider).patch(
        f"{CASES_API}{case.number}/", {"notify": True}, format="json"
    )
    assert response.status_code == 404


# The installation's settings


def test_the_settings_service_keeps_the_fields_in_their_order() -> None:
    row = case_notice_settings_update(
        notify_account_manager=True,
        notify_administrator=False,
        notify_addresses="Dyzur@Firma.example",
        notify_fields=["last_message", "subject", "status"],
    )
    assert (row.notify_fields, row.notify_addresses) == (
        ["subject", "status", "last_message"],
        "dyzur@firma.example",
    )


def test_the_settings_service_refuses_an_unknown_field() -> None:
    with pytest.raises(ValidationError) as refused:
        case_notice_settings_update(
            notify_account_manager=False,
            notify_administrator=False,
            notify_addresses="",
            notify_fields=["subject", "password"],
        )
    assert refused.value.message_dict == {"notify_fields": ["Unknown fields: password."]}


@pytest.mark.parametrize(
    ("persona", "status"), [("admin", 200), ("manager", 403), ("agent", 403), ("outsider", 403)]
)
def test_only_case_configurators_open_the_notification_settings(request, persona, status) -> None:
    response = client_for(request.getfixturevalue(persona)).get(SETTINGS_URL)
    assert response.status_code == status


def test_the_settings_page_offers_every_field_as_a_checkbox(admin) -> None:
    response = client_for(admin).get(SETTINGS_URL)
    assert response.text.count('name="notify_fields"') == 10
    assert 'aria-current="page">Notifications</a>' in response.text


def test_the_administrator_saves_the_notification_settings(admin) -> None:
    response = client_for(admin).post(
        SETTINGS_URL,
        {
            "notify_administrator": "on",
            "notify_addresses": "dyzur@firma.example",
            "notify_fields": ["status", "subject"],
        },
    )
    assert response.status_code == 302
    row = CaseSettings.objects.get()
    assert (
        row.notify_account_manager,
        row.notify_administrator,
        row.notify_addresses,
        row.notify_fields,
    ) == (False, True, "dyzur@firma.example", ["subject", "status"])


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (
            {"notify_fields": ["subject", "password"]},
            "Select a valid choice. password is not one of the available choices.",
        ),
        ({"notify_addresses": "dyzur(at)firma"}, "is not an email address."),
        ({"notify_addresses": "a@firma.example," * 100}, "at most 1000 characters"),
    ],
)
def test_bad_settings_are_refused_and_nothing_changes(admin, data, error) -> None:
    response = client_for(admin).post(SETTINGS_URL, data)
    assert response.status_code == 400
    assert error in response.text
    row = CaseSettings.objects.get()
    assert (row.notify_fields, row.notify_addresses) == ([], "")


def test_a_configurator_who_is_not_an_administrator_may_save(support_team) -> None:
    configurator = UserFactory(role=User.Role.AGENT, team=support_team, can_configure_cases=True)
    response = client_for(configurator).post(SETTINGS_URL, {"notify_account_manager": "on"})
    assert response.status_code == 302
    assert CaseSettings.objects.get().notify_account_manager is True
