"""``Statement``: a read compiled once answers exactly as its queryset would, run after run."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.db import connection
from django.db.models import Q, QuerySet
from django.test.utils import CaptureQueriesContext

from kartoteka.core.statements import InstanceStatement, Statement
from kartoteka.customers.models import Contact, EmailAddress
from kartoteka.testing.customers import (
    AccountFactory,
    ContactFactory,
    EmailAddressFactory,
)

pytestmark = pytest.mark.django_db

OWNER = Statement(
    lambda address: (
        EmailAddress.objects.filter(address=address)
        .values_list("contact_id", "contact__last_name")
        .order_by()[:1]
    )
)
IN_ACCOUNTS = Statement(
    lambda accounts: (
        EmailAddress.objects.filter(
            Q(account_id__in=accounts) | Q(contact__account_id__in=accounts)
        )
        .values_list("address", flat=False)
        .order_by("address")
    )
)


def test_a_statement_answers_like_its_queryset_for_each_new_value() -> None:
    # given
    anna = EmailAddressFactory(address="anna@firma.pl", contact__last_name="Nowak").contact
    jan = EmailAddressFactory(address="jan@firma.pl", contact__last_name="Bąk").contact

    # when / then
    assert OWNER.first(address="anna@firma.pl") == (anna.pk, "Nowak")
    assert OWNER.first(address="jan@firma.pl") == (jan.pk, "Bąk")
    assert OWNER.first(address="nikt@firma.pl") is None


def test_the_queryset_is_built_once_and_values_go_as_parameters() -> None:
    # given
    EmailAddressFactory(address="anna@firma.pl")
    builds: list[str] = []

    def build(address: str) -> QuerySet[EmailAddress, tuple[int]]:
        builds.append(address)
        return EmailAddress.objects.filter(address=address).values_list("pk")

    statement = Statement(build)

    # when
    with CaptureQueriesContext(connection) as queries:
        answers = [statement.rows(address=a) for a in ("anna@firma.pl", "x' OR 1=1 --", "")]

    # then
    assert len(builds) == 1
    assert len(queries) == 3
    assert [len(rows) for rows in answers] == [1, 0, 0]


def test_lists_of_any_length_with_a_value_used_twice() -> None:
    # given
    first, second, third = AccountFactory(), AccountFactory(), AccountFactory()
    EmailAddressFactory(address="biuro@a.pl", contact=None, account=first)
    EmailAddressFactory(address="jan@b.pl", contact=ContactFactory(account=second))
    EmailAddressFactory(address="ola@c.pl", contact=ContactFactory(account=third))

    # when / then: 1, 2 and 3 values (3 is padded to 4 by repeating the last)
    assert IN_ACCOUNTS.rows(accounts=[first.pk]) == [("biuro@a.pl",)]
    assert IN_ACCOUNTS.rows(accounts=[second.pk, first.pk]) == [("biuro@a.pl",), ("jan@b.pl",)]
    assert IN_ACCOUNTS.rows(accounts=[third.pk, first.pk, second.pk]) == [
        ("biuro@a.pl",),
        ("jan@b.pl",),
        ("ola@c.pl",),
    ]


def test_values_are_converted_as_the_orm_converts_them() -> None:
    # given
    contact = ContactFactory()
    created = Statement(
        lambda pk: Contact.objects.filter(pk=pk).values_list("created_at", "account_id")
    )

    # when
    (when, account), *_rest = created.rows(pk=contact.pk)

    # then
    assert isinstance(when, datetime)
    assert when == Contact.objects.get(pk=contact.pk).created_at
    assert account == contact.account_id


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({"address": None}, "IS NULL"),
        ({"address": []}, "empty"),
    ],
)
def test_values_that_would_change_the_sql_are_refused(values: dict, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        OWNER.rows(**values)


def test_a_lookup_that_changes_its_value_is_refused_when_built() -> None:
    # contains hands the database a pattern (%firma%), not the value given
    contains = Statement(lambda text: EmailAddress.objects.filter(address__contains=text))

    with pytest.raises(ValueError, match="as they are"):
        contains.rows(text="firma")


def test_an_instance_statement_gives_whole_instances() -> None:
    # given
    contact = ContactFactory(first_name="Żaneta", last_name="Bąk")
    by_pk = InstanceStatement(Contact, lambda pk: Contact.objects.filter(pk=pk))

    # when
    found = by_pk.first(pk=contact.pk)

    # then
    assert found == contact
    assert (found.first_name, found.last_name, found.account_id) == (
        "Żaneta",
        "Bąk",
        contact.account_id,
    )
    assert found._state.adding is False
    assert by_pk.first(pk=contact.pk + 1000) is None
