"""Writes of dictionaries and their entries."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kartoteka.core import services
from kartoteka.core.models import Dictionary, DictionaryEntry
from kartoteka.testing.customers import AccountFactory, ContactFactory


@pytest.fixture
def industry(db: None) -> Dictionary:
    dictionary = Dictionary.objects.create(
        name="Industry", applies_to=Dictionary.AppliesTo.ACCOUNT, multiple=True
    )
    for position, label in enumerate(["Retail", "Energy", "Transport"]):
        DictionaryEntry.objects.create(dictionary=dictionary, label=label, position=position)
    return dictionary


def labels(dictionary: Dictionary) -> list[str]:
    return list(dictionary.entries.order_by("position").values_list("label", flat=True))


def test_dictionary_create_refuses_a_name_taken_for_the_same_records(industry) -> None:
    # given an "Industry" dictionary for accounts
    # when another one named "industry" is created for accounts
    with pytest.raises(ValidationError) as refusal:
        services.dictionary_create(
            name="industry", applies_to=Dictionary.AppliesTo.ACCOUNT, multiple=False, position=0
        )
    # then it is refused on the name
    assert refusal.value.message_dict == {
        "name": ["A dictionary named industry already exists for Accounts."]
    }


def test_dictionary_create_allows_the_same_name_for_other_records(industry) -> None:
    dictionary = services.dictionary_create(
        name=" Industry ", applies_to=Dictionary.AppliesTo.CONTACT, multiple=False, position=3
    )
    assert (dictionary.name, dictionary.applies_to, dictionary.position) == (
        "Industry",
        "contact",
        3,
    )


def test_switching_to_single_choice_is_refused_while_a_record_holds_two_values(industry) -> None:
    # given an account with two values of the multiple-choice dictionary
    retail, energy, _transport = industry.entries.order_by("position")
    AccountFactory().classifications.set([retail, energy])
    # when the administrator makes it single choice
    with pytest.raises(ValidationError) as refusal:
        services.dictionary_update(
            dictionary=industry, name="Industry", applies_to="account", multiple=False, position=0
        )
    # then it is refused and stays multiple choice
    assert refusal.value.message_dict == {
        "multiple": [
            "Some records hold more than one value of this dictionary (accounts: 1). "
            "Leave at most one value on each before making it single choice."
        ]
    }
    industry.refresh_from_db()
    assert industry.multiple is True


def test_switching_to_single_choice_counts_contacts_too(db: None) -> None:
    # given a contact dictionary with a contact holding two of its values
    role = Dictionary.objects.create(name="Role", applies_to="contact", multiple=True)
    buyer = DictionaryEntry.objects.create(dictionary=role, label="Buyer", position=0)
    payer = DictionaryEntry.objects.create(dictionary=role, label="Payer", position=1)
    ContactFactory().classifications.set([buyer, payer])
    # when / then
    with pytest.raises(ValidationError, match=r"contacts: 1"):
        services.dictionary_update(
            dictionary=role, name="Role", applies_to="contact", multiple=False, position=0
        )


def test_switching_to_single_choice_is_allowed_when_every_record_has_one_value(industry) -> None:
    # given two accounts with one value each
    retail, energy, _transport = industry.entries.order_by("position")
    AccountFactory().classifications.set([retail])
    AccountFactory().classifications.set([energy])
    # when
    services.dictionary_update(
        dictionary=industry, name="Industry", applies_to="account", multiple=False, position=0
    )
    # then
    industry.refresh_from_db()
    assert industry.multiple is False


def test_a_dictionary_in_use_cannot_move_to_other_records(industry) -> None:
    AccountFactory().classifications.set([industry.entries.first()])
    with pytest.raises(ValidationError) as refusal:
        services.dictionary_update(
            dictionary=industry, name="Industry", applies_to="contact", multiple=True, position=0
        )
    assert list(refusal.value.message_dict) == ["applies_to"]


def test_dictionary_delete_removes_its_values_from_records(industry) -> None:
    # given an account holding a value
    account = AccountFactory()
    account.classifications.set([industry.entries.first()])
    # when
    services.dictionary_delete(dictionary=industry)
    # then
    assert Dictionary.objects.filter(pk=industry.pk).exists() is False
    assert account.classifications.count() == 0


def test_entry_add_appends_at_the_end(industry) -> None:
    entry = services.dictionary_entry_add(dictionary=industry, label="  Mining ")
    assert (entry.label, entry.position) == ("Mining", 3)
    assert labels(industry) == ["Retail", "Energy", "Transport", "Mining"]


def test_entry_add_refuses_a_label_the_dictionary_has(industry) -> None:
    with pytest.raises(ValidationError) as refusal:
        services.dictionary_entry_add(dictionary=industry, label="retail")
    assert refusal.value.message_dict == {"label": ["Industry already has the value retail."]}
    assert labels(industry) == ["Retail", "Energy", "Transport"]


def test_entry_rename_keeps_the_entry_on_records(industry) -> None:
    # given an account holding "Retail"
    retail = industry.entries.get(label="Retail")
    account = AccountFactory()
    account.classifications.set([retail])
    # when
    services.dictionary_entry_rename(entry=retail, label="Retail trade")
    # then
    assert list(account.classifications.values_list("label", flat=True)) == ["Retail trade"]


def test_entry_rename_to_its_own_label_in_other_case_is_allowed(industry) -> None:
    retail = industry.entries.get(label="Retail")
    services.dictionary_entry_rename(entry=retail, label="RETAIL")
    assert labels(industry) == ["RETAIL", "Energy", "Transport"]


def test_entry_rename_refuses_another_entrys_label(industry) -> None:
    retail = industry.entries.get(label="Retail")
    with pytest.raises(ValidationError) as refusal:
        services.dictionary_entry_rename(entry=retail, label="Energy")
    assert refusal.value.message_dict == {"label": ["Industry already has the value Energy."]}


@pytest.mark.parametrize(
    ("label", "direction", "expected"),
    [
        ("Energy", "up", ["Energy", "Retail", "Transport"]),
        ("Energy", "down", ["Retail", "Transport", "Energy"]),
        ("Retail", "up", ["Retail", "Energy", "Transport"]),
        ("Transport", "down", ["Retail", "Energy", "Transport"]),
    ],
)
def test_entry_move_swaps_with_its_neighbour(industry, label, direction, expected) -> None:
    services.dictionary_entry_move(entry=industry.entries.get(label=label), direction=direction)
    assert labels(industry) == expected


def test_entry_move_straightens_equal_positions(industry) -> None:
    # given entries imported with the same position
    industry.entries.update(position=0)
    # when the last one in label order moves up
    services.dictionary_entry_move(entry=industry.entries.get(label="Transport"), direction="up")
    # then positions are dense again and the move applied to the shown order
    assert list(industry.entries.order_by("position").values_list("label", "position")) == [
        ("Energy", 0),
        ("Transport", 1),
        ("Retail", 2),
    ]


def test_entry_delete_closes_up_positions(industry) -> None:
    services.dictionary_entry_delete(entry=industry.entries.get(label="Retail"))
    assert list(industry.entries.order_by("position").values_list("label", "position")) == [
        ("Energy", 0),
        ("Transport", 1),
    ]
