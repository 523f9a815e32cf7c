from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kartoteka.core.models import Dictionary, DictionaryEntry
from kartoteka.customers.models import Account, Contact
from kartoteka.people.models import User
from kartoteka.testing.customers import (
    AccountFactory,
    ContactFactory,
    EmailAddressFactory,
    PhoneNumberFactory,
    SegmentFactory,
)

ACCOUNTS = "/api/v1/accounts/"
CONTACTS = "/api/v1/contacts/"


def api_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def names(response) -> list[str]:
    return [row["name"] for row in response.json()["results"]]


@pytest.fixture
def industry(db: None) -> Dictionary:
    return Dictionary.objects.create(
        name="Industry", applies_to=Dictionary.AppliesTo.ACCOUNT, multiple=False
    )


@pytest.fixture
def budimex(db: None) -> Account:
    return AccountFactory(name="Budimex S.A.", nip="5260001246", regon="010732630")


# Reading


def test_account_list_leaves_out_a_restricted_account_of_another_team(
    outsider, support_team
) -> None:
    # given
    AccountFactory(name="Otwarty Klient")
    AccountFactory(name="Tajny Klient", restricted=True, team=support_team)
    # when
    response = api_for(outsider).get(ACCOUNTS)
    # then
    assert response.status_code == 200
    assert names(response) == ["Otwarty Klient"]


def test_account_list_shows_a_restricted_account_to_its_team(agent, support_team) -> None:
    # given
    AccountFactory(name="Otwarty Klient")
    AccountFactory(name="Tajny Klient", restricted=True, team=support_team)
    # when
    response = api_for(agent).get(ACCOUNTS)
    # then
    assert names(response) == ["Otwarty Klient", "Tajny Klient"]


def test_account_list_finds_an_account_by_its_nip_written_with_dashes(agent, budimex) -> None:
    # given
    AccountFactory(name="Inny Klient")
    # when
    response = api_for(agent).get(ACCOUNTS, {"q": "526-000-12-46"})
    # then
    assert names(response) == ["Budimex S.A."]


def test_account_list_finds_an_account_by_a_contacts_email(agent, budimex) -> None:
    # given
    EmailAddressFactory(contact__account=budimex, address="jan.kowalski@budimex.pl")
    AccountFactory(name="Inny Klient")
    # when
    response = api_for(agent).get(ACCOUNTS, {"q": "kowalski@budimex"})
    # then
    assert names(response) == ["Budimex S.A."]


def test_account_list_filters_by_kind_and_orders_by_city(agent) -> None:
    # given
    AccountFactory(name="Lead Kraków", kind=Account.Kind.LEAD, city="Kraków")
    AccountFactory(name="Lead Gdańsk", kind=Account.Kind.LEAD, city="Gdańsk")
    AccountFactory(name="Klient", kind=Account.Kind.CUSTOMER)
    # when
    response = api_for(agent).get(ACCOUNTS, {"kind": "lead", "ordering": "city"})
    # then
    assert names(response) == ["Lead Gdańsk", "Lead Kraków"]


def test_account_list_rejects_an_unknown_kind_with_400(agent) -> None:
    # when
    response = api_for(agent).get(ACCOUNTS, {"kind": "partner"})
    # then
    assert response.status_code == 400
    assert response.json() == {
        "kind": ["Select a valid choice. partner is not one of the available choices."]
    }


def test_account_list_is_paged_by_fifty(agent) -> None:
    # given
    AccountFactory.create_batch(51)
    client = api_for(agent)
    # when
    first = client.get(ACCOUNTS).json()
    second = client.get(ACCOUNTS, {"page": 2}).json()
    # then
    assert (first["count"], len(first["results"]), first["previous"]) == (51, 50, None)
    assert first["next"] == "http://testserver/api/v1/accounts/?page=2"
    assert (second["count"], len(second["results"]), second["next"]) == (51, 1, None)
    assert second["previous"] == "http://testserver/api/v1/accounts/"


def test_account_detail_shows_every_field(agent, support_team, industry) -> None:
    # given
    entry = DictionaryEntry.objects.create(dictionary=industry, label="Budownictwo")
    account = AccountFactory(
        name="Budimex S.A.",
        short_name="Budimex",
        nip="5260001246",
        regon="010732630",
        street="Siedmiogrodzka 9",
        postal_code="01-204",
        city="Warszawa",
        phone="+48226236000",
        website="https://www.budimex.pl",
        manager=agent,
        team=support_team,
        notes="Klient strategiczny",
    )
    account.segments.set([SegmentFactory(name="Duże firmy")])
    account.classifications.set([entry])
    EmailAddressFactory(contact=None, account=account, address="biuro@budimex.pl")
    # when
    response = api_for(agent).get(f"{ACCOUNTS}{account.pk}/")
    # then
    body = response.json()
    created_at, updated_at = body.pop("created_at"), body.pop("updated_at")
    assert body == {
        "id": account.pk,
        "kind": "customer",
        "name": "Budimex S.A.",
        "short_name": "Budimex",
        "nip": "5260001246",
        "regon": "010732630",
        "street": "Siedmiogrodzka 9",
        "postal_code": "01-204",
        "city": "Warszawa",
        "country": "PL",
        "phone": "+48226236000",
        "website": "https://www.budimex.pl",
        "segments": [{"id": account.segments.get().pk, "name": "Duże firmy"}],
        "manager": agent.pk,
        "team": support_team.pk,
        "restricted": False,
        "classifications": [{"id": entry.pk, "dictionary": industry.pk, "label": "Budownictwo"}],
        "shared_emails": ["biuro@budimex.pl"],
        "notes": "Klient strategiczny",
        "url": f"http://testserver/customers/{account.pk}/",
    }
    assert (created_at[:19], updated_at[:19]) == (
        account.created_at.astimezone().isoformat()[:19],
        account.updated_at.astimezone().isoformat()[:19],
    )


def test_outsider_gets_404_for_a_restricted_account(outsider, support_team) -> None:
    # given
    account = AccountFactory(restricted=True, team=support_team)
    # when
    response = api_for(outsider).get(f"{ACCOUNTS}{account.pk}/")
    # then
    assert response.status_code == 404


def test_outsider_cannot_change_or_delete_a_restricted_account(outsider, support_team) -> None:
    # given
    account = AccountFactory(name="Tajny Klient", restricted=True, team=support_team)
    client = api_for(outsider)
    # when
    patched = client.patch(f"{ACCOUNTS}{account.pk}/", {"name": "Zmiana"}, format="json")
    deleted = client.delete(f"{ACCOUNTS}{account.pk}/")
    # then
    assert (patched.status_code, deleted.status_code) == (404, 404)
    assert Account.objects.get().name == "Tajny Klient"


# Creating and changing accounts


def test_create_account_stores_the_nip_as_digits(agent) -> None:
    # when
    response = api_for(agent).post(
        ACCOUNTS,
        {"name": "Budimex S.A.", "nip": "PL 526-000-12-46", "shared_emails": ["Biuro@Budimex.PL"]},
        format="json",
    )
    # then
    assert response.status_code == 201
    account = Account.objects.get()
    assert (account.name, account.nip, account.created_by) == ("Budimex S.A.", "5260001246", agent)
    assert response.json()["id"] == account.pk
    assert response.json()["nip"] == "5260001246"
    assert response.json()["shared_emails"] == ["biuro@budimex.pl"]


def test_create_account_with_a_wrong_check_digit_reports_it_under_nip(agent) -> None:
    # when
    response = api_for(agent).post(
        ACCOUNTS, {"name": "Literówka", "nip": "526-000-12-47"}, format="json"
    )
    # then
    assert response.status_code == 400
    assert response.json() == {
        "nip": ["NIP 526-000-12-47 has a wrong check digit; check it for a typo."]
    }
    assert Account.objects.exists() is False


def test_create_account_with_a_taken_nip_names_the_holder(agent, budimex) -> None:
    # when
    response = api_for(agent).post(ACCOUNTS, {"name": "Kopia", "nip": "5260001246"}, format="json")
    # then
    assert response.status_code == 400
    assert response.json() == {
        "nip": ["NIP 5260001246 is already used by Budimex S.A."],
        "confirm_duplicate": [
            "Another account already has this NIP or REGON. If both are right, send the request "
            "again with “confirm_duplicate”: true."
        ],
    }
    assert Account.objects.filter(name="Kopia").exists() is False


def test_create_account_with_a_taken_nip_and_confirm_duplicate_saves_it(agent, budimex) -> None:
    # when
    response = api_for(agent).post(
        ACCOUNTS,
        {"name": "Budimex Oddział", "nip": "5260001246", "confirm_duplicate": True},
        format="json",
    )
    # then
    assert response.status_code == 201
    assert response.json()["nip"] == "5260001246"
    assert Account.objects.filter(nip="5260001246").count() == 2


def test_changing_the_regon_to_a_taken_one_needs_confirm_duplicate(agent, budimex) -> None:
    # given
    other = AccountFactory(name="Inna", regon="")
    url = f"{ACCOUNTS}{other.pk}/"
    # when
    refused = api_for(agent).patch(url, {"regon": "010732630"}, format="json")
    confirmed = api_for(agent).patch(
        url, {"regon": "010732630", "confirm_duplicate": True}, format="json"
    )
    # then
    assert refused.status_code == 400
    assert refused.json()["regon"] == ["REGON 010732630 is already used by Budimex S.A."]
    assert confirmed.status_code == 200
    assert confirmed.json()["regon"] == "010732630"


def test_a_taken_nip_of_a_hidden_account_is_not_named_by_the_api(outsider, support_team) -> None:
    # given
    AccountFactory(name="Tajny", nip="5260001246", restricted=True, team=support_team)
    # when
    response = api_for(outsider).post(
        ACCOUNTS, {"name": "Kopia", "nip": "5260001246"}, format="json"
    )
    # then
    assert response.status_code == 400
    assert response.json()["nip"] == [
        "NIP 5260001246 is already used by an account you cannot see."
    ]


def test_create_account_with_a_taken_email_reports_it_under_shared_emails(agent, budimex) -> None:
    # given
    EmailAddressFactory(contact=None, account=budimex, address="biuro@budimex.pl")
    # when
    response = api_for(agent).post(
        ACCOUNTS, {"name": "Kopia", "shared_emails": ["BIURO@budimex.pl"]}, format="json"
    )
    # then
    assert response.status_code == 400
    assert response.json() == {
        "shared_emails": ["biuro@budimex.pl already belongs to Budimex S.A."]
    }
    assert list(Account.objects.values_list("name", flat=True)) == ["Budimex S.A."]


def test_create_account_with_an_invalid_phone_reports_it_under_phone(agent) -> None:
    # when
    response = api_for(agent).post(ACCOUNTS, {"name": "Firma", "phone": "12"}, format="json")
    # then
    assert response.status_code == 400
    assert response.json() == {
        "phone": ["12 is not a valid phone number; include the country code, e.g. +48."]
    }


def test_create_account_with_two_values_of_a_single_choice_dictionary_is_rejected(
    agent, industry
) -> None:
    # given
    first = DictionaryEntry.objects.create(dictionary=industry, label="Budownictwo")
    second = DictionaryEntry.objects.create(dictionary=industry, label="Handel")
    # when
    response = api_for(agent).post(
        ACCOUNTS, {"name": "Firma", "classifications": [first.pk, second.pk]}, format="json"
    )
    # then
    assert response.status_code == 400
    assert response.json() == {"classifications": ["Choose at most one value of Industry."]}


def test_create_account_with_an_oversized_name_is_rejected(agent) -> None:
    # when
    response = api_for(agent).post(ACCOUNTS, {"name": "x" * 256}, format="json")
    # then
    assert response.status_code == 400
    assert response.json() == {"name": ["Ensure this field has no more than 255 characters."]}


def test_create_account_ignores_unknown_fields(agent) -> None:
    # when
    response = api_for(agent).post(
        ACCOUNTS, {"name": "Firma", "created_by": 999, "id": 12345}, format="json"
    )
    # then
    assert response.status_code == 201
    account = Account.objects.get()
    assert (account.name, account.created_by) == ("Firma", agent)
    assert account.pk != 12345


def test_patch_changes_only_the_given_fields(agent, budimex) -> None:
    # given
    budimex.segments.set([SegmentFactory(name="Duże firmy")])
    # when
    response = api_for(agent).patch(
        f"{ACCOUNTS}{budimex.pk}/", {"city": "Kraków", "regon": "01-07-32-630"}, format="json"
    )
    # then
    assert response.status_code == 200
    budimex.refresh_from_db()
    assert (budimex.name, budimex.city, budimex.nip, budimex.updated_by) == (
        "Budimex S.A.",
        "Kraków",
        "5260001246",
        agent,
    )
    assert [segment.name for segment in budimex.segments.all()] == ["Duże firmy"]
    assert response.json()["city"] == "Kraków"
    assert response.json()["segments"][0]["name"] == "Duże firmy"


def test_put_requires_the_name(agent, budimex) -> None:
    # when
    response = api_for(agent).put(f"{ACCOUNTS}{budimex.pk}/", {"city": "Kraków"}, format="json")
    # then
    assert response.status_code == 400
    assert response.json() == {"name": ["This field is required."]}


def test_put_replaces_the_shared_emails(agent, budimex) -> None:
    # given
    EmailAddressFactory(contact=None, account=budimex, address="stary@budimex.pl")
    # when
    response = api_for(agent).put(
        f"{ACCOUNTS}{budimex.pk}/",
        {"name": "Budimex", "shared_emails": ["nowy@budimex.pl"]},
        format="json",
    )
    # then
    assert response.status_code == 200
    assert response.json()["shared_emails"] == ["nowy@budimex.pl"]
    assert list(budimex.shared_emails.values_list("address", flat=True)) == ["nowy@budimex.pl"]


def test_agent_may_not_delete_an_account_of_someone_else(agent, budimex) -> None:
    # when
    response = api_for(agent).delete(f"{ACCOUNTS}{budimex.pk}/")
    # then
    assert response.status_code == 403
    assert response.json() == {
        "detail": "Only managers, administrators and its account manager may delete an account."
    }
    assert Account.objects.filter(pk=budimex.pk).exists() is True


def test_manager_deletes_an_account_with_its_contacts(manager, budimex) -> None:
    # given
    ContactFactory(account=budimex)
    # when
    response = api_for(manager).delete(f"{ACCOUNTS}{budimex.pk}/")
    # then
    assert response.status_code == 204
    assert (Account.objects.exists(), Contact.objects.exists()) == (False, False)


# Contacts


def test_contact_list_leaves_out_contacts_of_a_hidden_account(outsider, support_team) -> None:
    # given
    ContactFactory(last_name="Jawny", account=AccountFactory())
    ContactFactory(last_name="Ukryty", account=AccountFactory(restricted=True, team=support_team))
    # when
    response = api_for(outsider).get(CONTACTS)
    # then
    assert [row["last_name"] for row in response.json()["results"]] == ["Jawny"]


def test_contact_list_filtered_by_a_hidden_account_is_a_400_like_a_missing_one(
    outsider, support_team
) -> None:
    # given
    hidden = AccountFactory(restricted=True, team=support_team)
    ContactFactory(account=hidden)
    # when
    response = api_for(outsider).get(CONTACTS, {"account": hidden.pk})
    # then
    assert response.status_code == 400
    assert response.json() == {
        "account": ["Select a valid choice. That choice is not one of the available choices."]
    }


def test_contact_list_finds_a_contact_by_phone_digits(agent) -> None:
    # given
    PhoneNumberFactory(contact__last_name="Kowalski", number="+48601234567")
    ContactFactory(last_name="Nowak")
    # when
    response = api_for(agent).get(CONTACTS, {"q": "601 234 567"})
    # then
    assert [row["last_name"] for row in response.json()["results"]] == ["Kowalski"]


def test_contact_detail_shows_every_field(agent, budimex) -> None:
    # given
    contact = ContactFactory(
        account=budimex, first_name="Jan", last_name="Kowalski", position="Prezes", notes="VIP"
    )
    EmailAddressFactory(contact=contact, address="jan@budimex.pl")
    PhoneNumberFactory(contact=contact, number="+48601234567", kind="work")
    # when
    response = api_for(agent).get(f"{CONTACTS}{contact.pk}/")
    # then
    body = response.json()
    del body["created_at"], body["updated_at"]
    assert body == {
        "id": contact.pk,
        "account": budimex.pk,
        "first_name": "Jan",
        "last_name": "Kowalski",
        "position": "Prezes",
        "emails": ["jan@budimex.pl"],
        "phones": [{"number": "+48601234567", "kind": "work"}],
        "classifications": [],
        "notes": "VIP",
    }


def test_outsider_gets_404_for_a_contact_of_a_restricted_account(outsider, support_team) -> None:
    # given
    contact = ContactFactory(account=AccountFactory(restricted=True, team=support_team))
    # when
    response = api_for(outsider).get(f"{CONTACTS}{contact.pk}/")
    # then
    assert response.status_code == 404


def test_create_contact_stores_normalised_emails_and_phones(agent, budimex) -> None:
    # when
    response = api_for(agent).post(
        CONTACTS,
        {
            "account": budimex.pk,
            "first_name": "Jan",
            "last_name": "Kowalski",
            "emails": ["Jan@Budimex.PL"],
            "phones": [{"number": "601 234 567", "kind": "work"}, {"number": "+420 601 123 456"}],
        },
        format="json",
    )
    # then
    assert response.status_code == 201
    contact = Contact.objects.get()
    assert (contact.account, contact.created_by) == (budimex, agent)
    assert response.json()["emails"] == ["jan@budimex.pl"]
    assert response.json()["phones"] == [
        {"number": "+48601234567", "kind": "work"},
        {"number": "+420601123456", "kind": "mobile"},
    ]


def test_create_contact_for_an_account_the_user_cannot_see_says_it_does_not_exist(
    outsider, support_team
) -> None:
    # given
    hidden = AccountFactory(restricted=True, team=support_team)
    # when
    response = api_for(outsider).post(
        CONTACTS, {"account": hidden.pk, "last_name": "Kowalski"}, format="json"
    )
    # then
    assert response.status_code == 400
    assert response.json() == {"account": [f'Invalid pk "{hidden.pk}" - object does not exist.']}
    assert Contact.objects.exists() is False


def test_create_contact_with_a_taken_email_reports_it_under_emails(agent) -> None:
    # given
    EmailAddressFactory(
        contact__first_name="Anna", contact__last_name="Nowak", address="anna@firma.pl"
    )
    # when
    response = api_for(agent).post(
        CONTACTS, {"last_name": "Kowalski", "emails": ["anna@firma.pl"]}, format="json"
    )
    # then
    assert response.status_code == 400
    assert response.json() == {"emails": ["anna@firma.pl already belongs to Anna Nowak."]}


def test_create_contact_with_a_bad_phone_reports_it_under_phones(agent) -> None:
    # when
    response = api_for(agent).post(
        CONTACTS, {"last_name": "Kowalski", "phones": [{"number": "abc"}]}, format="json"
    )
    # then
    assert response.status_code == 400
    assert response.json() == {"phones": ["abc is not a phone number."]}


def test_create_contact_with_an_account_dictionary_entry_is_rejected(agent, industry) -> None:
    # given
    entry = DictionaryEntry.objects.create(dictionary=industry, label="Budownictwo")
    # when
    response = api_for(agent).post(
        CONTACTS, {"last_name": "Kowalski", "classifications": [entry.pk]}, format="json"
    )
    # then
    assert response.status_code == 400
    assert response.json() == {
        "classifications": ["Budownictwo belongs to a dictionary for Accounts."]
    }


def test_patch_contact_replaces_its_phones(agent) -> None:
    # given
    contact = PhoneNumberFactory(number="+48601234567").contact
    # when
    response = api_for(agent).patch(
        f"{CONTACTS}{contact.pk}/", {"phones": [{"number": "+48 602 000 000"}]}, format="json"
    )
    # then
    assert response.status_code == 200
    assert response.json()["phones"] == [{"number": "+48602000000", "kind": "mobile"}]
    assert list(contact.phones.values_list("number", flat=True)) == ["+48602000000"]


def test_agent_deletes_a_contact(agent) -> None:
    # given
    contact = ContactFactory()
    # when
    response = api_for(agent).delete(f"{CONTACTS}{contact.pk}/")
    # then
    assert response.status_code == 204
    assert Contact.objects.filter(pk=contact.pk).exists() is False


# Authentication


def test_token_in_the_authorization_header_signs_the_user_in(agent, budimex) -> None:
    # given
    token = Token.objects.create(user=agent)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    # when
    response = client.get(ACCOUNTS)
    # then
    assert response.status_code == 200
    assert names(response) == ["Budimex S.A."]


def test_wrong_token_is_a_401(agent) -> None:
    # given
    Token.objects.create(user=agent)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    # when
    response = client.get(ACCOUNTS)
    # then
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_anonymous_request_is_a_401(db: None) -> None:
    # when
    response = APIClient().get(ACCOUNTS)
    # then
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_session_of_a_staff_member_signs_them_in(agent, budimex) -> None:
    # given
    client = APIClient()
    client.force_login(agent)
    # when
    response = client.get(ACCOUNTS)
    # then
    assert names(response) == ["Budimex S.A."]


@pytest.mark.parametrize("url", [ACCOUNTS, CONTACTS])
def test_portal_user_is_refused_with_403(portal_user, url: str) -> None:
    # given
    token = Token.objects.create(user=portal_user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    # when
    response = client.get(url)
    # then
    assert response.status_code == 403


# Query counts: a page costs the same whatever it holds.


@pytest.mark.parametrize("rows", [3, 20])
def test_account_list_query_count_does_not_grow_with_rows(
    agent, support_team, industry, django_assert_max_num_queries, rows: int
) -> None:
    # given
    segment = SegmentFactory(name="Duże firmy")
    entry = DictionaryEntry.objects.create(dictionary=industry, label="Budownictwo")
    for account in AccountFactory.create_batch(rows, manager=agent, team=support_team):
        account.segments.set([segment])
        account.classifications.set([entry])
        EmailAddressFactory(contact=None, account=account)
    client = api_for(agent)
    # when
    # count, accounts, segments, classifications, their dictionaries, shared emails
    with django_assert_max_num_queries(6):
        response = client.get(ACCOUNTS)
    # then
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [3, 20])
def test_contact_list_query_count_does_not_grow_with_rows(
    agent, django_assert_max_num_queries, rows: int
) -> None:
    # given
    entry = DictionaryEntry.objects.create(
        dictionary=Dictionary.objects.create(
            name="Role", applies_to=Dictionary.AppliesTo.CONTACT, multiple=True
        ),
        label="Decydent",
    )
    for contact in ContactFactory.create_batch(rows):
        contact.classifications.set([entry])
        EmailAddressFactory(contact=contact)
        PhoneNumberFactory(contact=contact)
    client = api_for(agent)
    # when
    # count, contacts with their accounts, emails, phones, classifications
    with django_assert_max_num_queries(5):
        response = client.get(CONTACTS)
    # then
    assert len(response.json()["results"]) == rows


# Restricting an account

RESTRICTION_REFUSED = [
    "Only managers, administrators and the account manager may restrict an account or lift "
    "its restriction."
]


def test_plain_team_agent_may_not_lift_a_restriction(agent, support_team) -> None:
    # given
    account = AccountFactory(name="Tajny Klient", restricted=True, team=support_team, city="Kraków")
    # when
    response = api_for(agent).patch(
        f"{ACCOUNTS}{account.pk}/", {"restricted": False, "city": "Gdańsk"}, format="json"
    )
    # then
    assert response.status_code == 400
    assert response.json() == {"restricted": RESTRICTION_REFUSED}
    account.refresh_from_db()
    assert (account.restricted, account.city) == (True, "Kraków")


def test_account_manager_lifts_a_restriction(agent, support_team) -> None:
    # given
    account = AccountFactory(restricted=True, team=support_team, manager=agent)
    # when
    response = api_for(agent).patch(f"{ACCOUNTS}{account.pk}/", {"restricted": False})
    # then
    assert response.status_code == 200
    assert response.json()["restricted"] is False
    account.refresh_from_db()
    assert account.restricted is False


@pytest.mark.parametrize("persona", ["manager", "admin"])
def test_managers_and_administrators_lift_a_restriction(persona, request, support_team) -> None:
    # given
    user = request.getfixturevalue(persona)
    account = AccountFactory(restricted=True, team=support_team)
    # when
    response = api_for(user).patch(f"{ACCOUNTS}{account.pk}/", {"restricted": False})
    # then
    assert response.status_code == 200
    account.refresh_from_db()
    assert account.restricted is False


def test_outsider_gets_404_when_lifting_a_restriction(outsider, support_team) -> None:
    # given
    account = AccountFactory(restricted=True, team=support_team)
    # when
    response = api_for(outsider).patch(f"{ACCOUNTS}{account.pk}/", {"restricted": False})
    # then
    assert response.status_code == 404
    account.refresh_from_db()
    assert account.restricted is True


def test_plain_agent_creates_a_restricted_account_only_as_its_manager(agent, manager) -> None:
    # given
    client = api_for(agent)
    # when
    foreign = client.post(
        ACCOUNTS, {"name": "Cudzy", "restricted": True, "manager": manager.pk}, format="json"
    )
    own = client.post(
        ACCOUNTS, {"name": "Własny", "restricted": True, "manager": agent.pk}, format="json"
    )
    # then
    assert (foreign.status_code, own.status_code) == (400, 201)
    assert foreign.json() == {"restricted": RESTRICTION_REFUSED}
    assert list(Account.objects.values_list("name", "restricted")) == [("Własny", True)]
