from __future__ import annotations

import random

import factory
from stdnum.pl import nip as stdnum_nip
from stdnum.pl import regon as stdnum_regon

from kartoteka.customers.models import Account, Contact, EmailAddress, PhoneNumber, Segment


def valid_nip(seed: int) -> str:
    """A NIP with a correct check digit, different for each seed."""
    rng = random.Random(seed)  # noqa: S311 - test data
    while True:
        body = f"{rng.randint(100, 999)}{rng.randint(0, 999999):06d}"
        for check in "0123456789":
            if stdnum_nip.is_valid(body + check):
                return body + check


def valid_regon(seed: int) -> str:
    rng = random.Random(seed + 7919)  # noqa: S311 - test data
    body = f"{rng.randint(10, 99)}{rng.randint(0, 999999):06d}"
    return body + stdnum_regon.calc_check_digit(body)


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Segment
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Segment {n}")


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Faker("company", locale="pl_PL")
    nip = factory.Sequence(valid_nip)
    regon = factory.Sequence(valid_regon)
    city = factory.Faker("city", locale="pl_PL")
    kind = Account.Kind.CUSTOMER


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    account = factory.SubFactory(AccountFactory)
    first_name = factory.Faker("first_name", locale="pl_PL")
    last_name = factory.Faker("last_name", locale="pl_PL")


class EmailAddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmailAddress

    contact = factory.SubFactory(ContactFactory)
    address = factory.Sequence(lambda n: f"osoba{n}@klient.example")


class PhoneNumberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PhoneNumber

    contact = factory.SubFactory(ContactFactory)
    number = factory.Sequence(lambda n: f"+4860{n:07d}")
