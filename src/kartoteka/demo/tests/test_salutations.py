"""The demo contacts' salutations: written out in the vocative, one per known first name."""

from __future__ import annotations

import pytest
from faker.providers.person.pl_PL import Provider

from kartoteka.customers.models import Contact
from kartoteka.demo.salutations import MEN, WOMEN, demo_salutations, salutation_of
from kartoteka.testing.customers import ContactFactory


@pytest.mark.parametrize(
    ("first_name", "salutation"),
    [
        ("Jan", "Szanowny Panie Janie"),
        ("Marcin", "Szanowny Panie Marcinie"),
        ("Paweł", "Szanowny Panie Pawle"),
        ("Anna", "Szanowna Pani Anno"),
        ("Katarzyna", "Szanowna Pani Katarzyno"),
        ("Kaja", "Szanowna Pani Kaju"),
        ("Xawery-Nieznany", ""),
    ],
)
def test_a_demo_salutation_is_in_the_vocative(first_name, salutation) -> None:
    assert salutation_of(first_name) == salutation


def test_every_first_name_the_demo_draws_has_a_salutation() -> None:
    assert set(Provider.first_names_male) <= set(MEN)
    assert set(Provider.first_names_female) <= set(WOMEN)


@pytest.mark.django_db
def test_demo_salutations_fill_the_empty_ones_only() -> None:
    jan = ContactFactory(first_name="Jan", salutation="")
    own = ContactFactory(first_name="Anna", salutation="Droga Anno")
    stranger = ContactFactory(first_name="Xawery-Nieznany", salutation="")

    written = demo_salutations()

    assert written == 1
    assert list(Contact.objects.order_by("pk").values_list("pk", "salutation")) == [
        (jan.pk, "Szanowny Panie Janie"),
        (own.pk, "Droga Anno"),
        (stranger.pk, ""),
    ]
