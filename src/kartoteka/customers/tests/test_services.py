from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kartoteka.core.models import Dictionary, DictionaryEntry
from kartoteka.customers import services
from kartoteka.customers.models import Account, Contact, EmailAddress, PhoneNumber
from kartoteka.testing.customers import (
    AccountFactory,
    ContactFactory,
    EmailAddressFactory,
    SegmentFactory,
)


def test_account_create_stores_normalised_identifiers_and_authors(agent) -> None:
    # when
    account = services.account_create(
        by=agent,
        data={
            "name": "Budimex",
            "nip": "PL 526-000-12-46",
            "regon": "010732630",
            "phone": "22 623 60 00",
        },
        segments=[SegmentFactory(name="MŚP")],
        shared_emails=["Biuro@Budimex.PL", "biuro@budimex.pl"],
    )
    # then
    account.refresh_from_db()
    assert (account.nip, account.regon, account.phone) == (
        "5260001246",
        "010732630",
        "+48226236000",
    )
    assert (account.created_by, account.updated_by) == (agent, agent)
    assert list(account.shared_emails.values_list("address", flat=True)) == ["biuro@budimex.pl"]
    assert [s.name for s in account.segments.all()] == ["MŚP"]
    assert account.history.get().history_user == agent


def test_duplicate_nip_names_the_account_that_holds_it(agent) -> None:
    # given
    AccountFactory(name="Budimex S.A.", nip="5260001246")
    # when
    with pytest.raises(ValidationError) as raised:
        services.account_create(by=agent, data={"name": "Kopia", "nip": "526-000-12-46"})
    # then
    assert raised.value.message_dict == {"nip": ["NIP 5260001246 is already used by Budimex S.A."]}
    assert raised.value.error_dict["nip"][0].code == "duplicate"
    assert Account.objects.filter(name="Kopia").exists() is False


def test_a_confirmed_duplicate_nip_and_regon_are_saved(agent) -> None:
    # given: a branch of the same company
    head = AccountFactory(name="Budimex S.A.", nip="5260001246", regon="010732630")
    # when
    branch = services.account_create(
        by=agent,
        data={"name": "Budimex Oddział Kraków", "nip": "5260001246", "regon": "010732630"},
        confirm_duplicate=True,
    )
    # then
    assert sorted(Account.objects.filter(nip="5260001246").values_list("pk", flat=True)) == [
        head.pk,
        branch.pk,
    ]
    assert branch.regon == head.regon == "010732630"


def test_duplicate_regon_is_refused_on_its_own_field(agent) -> None:
    # given
    AccountFactory(name="Budimex S.A.", regon="010732630")
    # when
    with pytest.raises(ValidationError) as raised:
        services.account_create(by=agent, data={"name": "Kopia", "regon": "010732630"})
    # then
    assert raised.value.message_dict == {
        "regon": ["REGON 010732630 is already used by Budimex S.A."]
    }


def test_a_warning_names_five_holders_and_says_there_are_more(agent) -> None:
    # given
    for number in range(7):
        AccountFactory(name=f"Oddział {number}", nip="5260001246")
    # when
    with pytest.raises(ValidationError) as raised:
        services.account_create(by=agent, data={"name": "Kopia", "nip": "5260001246"})
    # then
    assert raised.value.message_dict["nip"] == [
        "NIP 5260001246 is already used by Oddział 0, Oddział 1, Oddział 2, Oddział 3, "
        "Oddział 4, more."
    ]


def test_editing_an_account_that_shares_its_nip_asks_nothing_when_the_nip_stays(agent) -> None:
    # given
    AccountFactory(name="Centrala", nip="5260001246")
    branch = AccountFactory(name="Oddział", nip="5260001246")
    # when
    services.account_update(account=branch, by=agent, data={"nip": "5260001246", "city": "Łódź"})
    # then
    branch.refresh_from_db()
    assert (branch.nip, branch.city) == ("5260001246", "Łódź")


def test_changing_the_nip_to_one_in_use_is_refused_until_confirmed(agent) -> None:
    # given
    AccountFactory(name="Centrala", nip="5260001246")
    other = AccountFactory(name="Inna", nip="5260250274")
    # when
    with pytest.raises(ValidationError) as raised:
        services.account_update(account=other, by=agent, data={"nip": "5260001246"})
    # then
    assert raised.value.message_dict == {"nip": ["NIP 5260001246 is already used by Centrala."]}
    other.refresh_from_db()
    assert other.nip == "5260250274"
    # when
    services.account_update(
        account=other, by=agent, data={"nip": "5260001246"}, confirm_duplicate=True
    )
    # then
    other.refresh_from_db()
    assert other.nip == "5260001246"


def test_duplicate_nip_of_a_hidden_account_does_not_reveal_its_name(outsider, support_team) -> None:
    # given
    AccountFactory(name="Tajny Klient", nip="5260001246", restricted=True, team=support_team)
    # when
    with pytest.raises(ValidationError) as raised:
        services.account_create(by=outsider, data={"name": "Kopia", "nip": "5260001246"})
    # then
    assert raised.value.message_dict["nip"] == [
        "NIP 5260001246 is already used by an account you cannot see."
    ]


def test_invalid_nip_and_regon_are_reported_together_and_nothing_is_saved(agent) -> None:
    # when
    with pytest.raises(ValidationError) as raised:
        services.account_create(by=agent, data={"name": "Zła", "nip": "5260001247", "regon": "123"})
    # then
    assert set(raised.value.message_dict) == {"nip", "regon"}
    assert Account.objects.count() == 0


def test_account_update_keeps_its_own_nip(agent) -> None:
    # given
    account = AccountFactory(nip="5260001246")
    # when
    services.account_update(
        account=account, by=agent, data={"nip": "526 000 12 46", "city": "Kraków"}
    )
    # then
    account.refresh_from_db()
    assert (account.nip, account.city, account.updated_by) == ("5260001246", "Kraków", agent)
    assert account.history.latest().history_user == agent


def test_email_address_belongs_to_one_owner_across_contacts_and_accounts(agent) -> None:
    # given
    holder = ContactFactory(first_name="Anna", last_name="Nowak")
    EmailAddressFactory(contact=holder, address="anna@klient.pl")
    # when
    with pytest.raises(ValidationError) as raised:
        services.account_create(by=agent, data={"name": "Inna"}, shared_emails=["ANNA@klient.pl"])
    # then
    assert raised.value.messages == ["anna@klient.pl already belongs to Anna Nowak."]
    assert Account.objects.filter(name="Inna").exists() is False


def test_contact_keeps_its_own_address_on_update(agent) -> None:
    # given
    contact = ContactFactory()
    EmailAddressFactory(contact=contact, address="jan@klient.pl")
    # when
    services.contact_update(
        contact=contact, by=agent, data={}, emails=["jan@klient.pl", "Jan.K@Klient.pl"]
    )
    # then
    assert list(contact.emails.values_list("address", flat=True)) == [
        "jan@klient.pl",
        "jan.k@klient.pl",
    ]


def test_contact_with_a_bad_phone_is_not_saved_at_all(agent) -> None:
    # when
    with pytest.raises(ValidationError) as raised:
        services.contact_create(
            by=agent,
            data={"last_name": "Kowalski"},
            emails=["jan@kowalski.pl"],
            phones=[("601 234 567", "mobile"), ("12", "work")],
        )
    # then
    assert raised.value.messages == [
        "12 is not a valid phone number; include the country code, e.g. +48."
    ]
    assert (Contact.objects.count(), EmailAddress.objects.count(), PhoneNumber.objects.count()) == (
        0,
        0,
        0,
    )


def test_contact_phones_are_normalised_and_deduplicated(agent) -> None:
    # when
    contact = services.contact_create(
        by=agent,
        data={"first_name": "Jan", "last_name": "Kowalski"},
        phones=[("601 234 567", "mobile"), ("+48601234567", "work"), ("22 123 45 67", "fax")],
    )
    # then
    assert list(contact.phones.values_list("number", "kind")) == [
        ("+48601234567", "mobile"),
        ("+48221234567", "other"),
    ]


@pytest.fixture
def industry(db: None) -> Dictionary:
    dictionary = Dictionary.objects.create(name="Branża", applies_to=Dictionary.AppliesTo.ACCOUNT)
    for position, label in enumerate(["IT", "Budownictwo"]):
        DictionaryEntry.objects.create(dictionary=dictionary, label=label, position=position)
    return dictionary


def test_single_choice_dictionary_takes_one_value(agent, industry) -> None:
    # when
    with pytest.raises(ValidationError) as raised:
        services.account_create(
            by=agent, data={"name": "Dwie branże"}, classifications=industry.entries.all()
        )
    # then
    assert raised.value.messages == ["Choose at most one value of Branża."]


def test_account_dictionary_value_cannot_classify_a_contact(agent, industry) -> None:
    with pytest.raises(ValidationError) as raised:
        services.contact_create(
            by=agent, data={"last_name": "Nowak"}, classifications=[industry.entries.first()]
        )
    assert raised.value.messages == ["IT belongs to a dictionary for Accounts."]


def test_unknown_field_is_a_programming_error(agent) -> None:
    with pytest.raises(TypeError):
        services.account_create(by=agent, data={"name": "X", "created_by": agent})


def test_deleting_an_account_deletes_its_contacts_and_addresses(manager) -> None:
    # given
    account = AccountFactory()
    EmailAddressFactory(contact=ContactFactory(account=account))
    EmailAddress.objects.create(account=account, address="biuro@klient.pl")
    # when
    services.account_delete(account=account, by=manager)
    # then
    assert (Account.objects.count(), Contact.objects.count(), EmailAddress.objects.count()) == (
        0,
        0,
        0,
    )
    assert Account.history.filter(history_type="-").get().history_user == manager


def test_an_account_with_cases_is_not_deleted(manager) -> None:
    # given
    from kartoteka.cases.services import case_create

    account = AccountFactory(name="Stały Klient")
    case_create(by=manager, subject="Reklamacja", account=account)
    # when
    with pytest.raises(ValidationError) as raised:
        services.account_delete(account=account, by=manager)
    # then
    assert raised.value.messages == [
        "Stały Klient has 1 case; it cannot be deleted while the case exists."
    ]
    assert Account.objects.filter(pk=account.pk).exists()


# Restricting an account

AUDIENCE_REFUSED = [
    "Only managers, administrators and the account manager may change who sees a restricted "
    "account."
]
RESTRICTION_REFUSED = [
    "Only managers, administrators and the account manager may restrict an account or lift "
    "its restriction."
]


def test_plain_agent_of_the_team_may_not_lift_a_restriction(agent, support_team) -> None:
    # given
    account = AccountFactory(restricted=True, team=support_team)
    # when
    with pytest.raises(ValidationError) as raised:
        services.account_update(account=account, by=agent, data={"restricted": False})
    # then
    assert raised.value.message_dict == {"restricted": RESTRICTION_REFUSED}
    account.refresh_from_db()
    assert account.restricted is True


def test_plain_agent_may_not_restrict_an_account(agent) -> None:
    # given
    account = AccountFactory(restricted=False)
    # when
    with pytest.raises(ValidationError) as raised:
        services.account_update(account=account, by=agent, data={"restricted": True})
    # then
    assert raised.value.message_dict == {"restricted": RESTRICTION_REFUSED}
    account.refresh_from_db()
    assert account.restricted is False


def test_plain_agent_may_not_make_themselves_manager_and_lift_the_restriction_at_once(
    agent, support_team
) -> None:
    # given
    account = AccountFactory(restricted=True, team=support_team)
    # when
    with pytest.raises(ValidationError) as raised:
        services.account_update(
            account=account, by=agent, data={"manager": agent, "restricted": False}
        )
    # then
    assert raised.value.message_dict == {
        "restricted": RESTRICTION_REFUSED,
        "manager": AUDIENCE_REFUSED,
    }
    account.refresh_from_db()
    assert (account.restricted, account.manager) == (True, None)


@pytest.mark.parametrize("field", ["manager", "team"])
def test_plain_agent_may_not_change_who_sees_a_restricted_account(
    agent, support_team, sales_team, field
) -> None:
    # given: a restricted account of the agent's team; making oneself its manager (or moving it
    # to another team) would show it to new people without touching "restricted"
    account = AccountFactory(restricted=True, team=support_team)
    change = {"manager": agent, "team": sales_team}[field]
    # when
    with pytest.raises(ValidationError) as raised:
        services.account_update(account=account, by=agent, data={field: change})
    # then
    assert raised.value.message_dict == {field: AUDIENCE_REFUSED}
    account.refresh_from_db()
    assert (account.manager, account.team) == (None, support_team)


def test_the_account_manager_hands_a_restricted_account_over(agent, manager, support_team):
    # given
    account = AccountFactory(restricted=True, team=support_team, manager=agent)
    # when
    services.account_update(account=account, by=agent, data={"manager": manager})
    # then
    account.refresh_from_db()
    assert (account.restricted, account.manager) == (True, manager)


def test_plain_agent_may_save_an_unchanged_restriction(agent, support_team) -> None:
    # given
    account = AccountFactory(restricted=True, team=support_team, city="Kraków")
    # when
    services.account_update(account=account, by=agent, data={"restricted": True, "city": "Łódź"})
    # then
    account.refresh_from_db()
    assert (account.restricted, account.city) == (True, "Łódź")


def test_account_manager_lifts_the_restriction(agent, support_team) -> None:
    # given
    account = AccountFactory(restricted=True, team=support_team, manager=agent)
    # when
    services.account_update(account=account, by=agent, data={"restricted": False})
    # then
    account.refresh_from_db()
    assert account.restricted is False


@pytest.mark.parametrize("persona", ["manager", "admin"])
def test_managers_and_administrators_restrict_and_lift(persona, request, support_team) -> None:
    # given
    user = request.getfixturevalue(persona)
    account = AccountFactory(restricted=False, team=support_team)
    # when
    services.account_update(account=account, by=user, data={"restricted": True})
    restricted = Account.objects.get(pk=account.pk).restricted
    services.account_update(account=account, by=user, data={"restricted": False})
    # then
    account.refresh_from_db()
    assert (restricted, account.restricted) == (True, False)


def test_plain_agent_creates_a_restricted_account_only_as_its_manager(agent, manager) -> None:
    # when
    with pytest.raises(ValidationError) as raised:
        services.account_create(
            by=agent, data={"name": "Cudzy Tajny", "restricted": True, "manager": manager}
        )
    own = services.account_create(
        by=agent, data={"name": "Własny Tajny", "restricted": True, "manager": agent}
    )
    # then
    assert raised.value.message_dict == {"restricted": RESTRICTION_REFUSED}
    assert list(Account.objects.values_list("name", "restricted")) == [("Własny Tajny", True)]
    assert own.manager == agent


def test_manager_creates_a_restricted_account_for_anyone(manager, agent) -> None:
    # when
    account = services.account_create(
        by=manager, data={"name": "Tajny", "restricted": True, "manager": agent}
    )
    # then
    account.refresh_from_db()
    assert (account.restricted, account.manager) == (True, agent)
