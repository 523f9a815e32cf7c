"""The compiled reads of receiving mail (``core.statements``) answer exactly as the ORM does.

``Statement`` builds its SQL through Django's compiler, which is not a public API: a Django
version that changes what the compiler hands back (parameters, converters, the select) shows
here as a statement whose rows differ from its own queryset's, on SQLite and on PostgreSQL
(the suite runs on both).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db.models import Model

from kartoteka.cases.models import Case
from kartoteka.core.statements import InstanceStatement, Statement, Values
from kartoteka.customers.models import Account, Contact, EmailAddress
from kartoteka.mail.models import Mailbox, Message
from kartoteka.mail.receiving import inbound, knowledge
from kartoteka.testing.cases import make_case
from kartoteka.testing.customers import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

MISSING = 987_654


@dataclass
class World:
    mailbox: Mailbox
    other_mailbox: Mailbox
    first: Account
    second: Account
    anna: Contact
    jan: Contact
    case: Case
    other_case: Case
    merged: Case


def world() -> World:
    first, second = AccountFactory(), AccountFactory()
    anna = ContactFactory(account=first, first_name="Anna", last_name="Bąk")
    jan = ContactFactory(account=second, first_name="Jan", last_name="Nowak")
    ola = ContactFactory(account=first, first_name="Ola", last_name="Śliwa")
    loner = ContactFactory(account=None)
    EmailAddress.objects.create(contact=anna, address="anna@klient.example")
    EmailAddress.objects.create(contact=ola, address="ola@klient.example")
    EmailAddress.objects.create(contact=jan, address="żaneta.jan@łódź.example")
    EmailAddress.objects.create(contact=None, account=first, address="biuro@klient.example")
    EmailAddress.objects.create(contact=loner, address="sam@gdzies.example")
    case = make_case("Drukarka", account=first, contacts=(anna, ola))
    other_case = make_case("Skaner", account=second, contacts=(jan,))
    merged = make_case("Drukarka znowu", account=first)
    Case.objects.filter(pk=merged.pk).update(merged_into=case)
    mailbox = Mailbox.objects.create(name="pomoc", address="pomoc@firma.example")
    other_mailbox = Mailbox.objects.create(name="biuro", address="biuro@firma.example")
    placed = [(case, mailbox), (case, mailbox), (other_case, mailbox), (None, mailbox)]
    for index, (in_case, box) in enumerate([*placed, (case, other_mailbox)]):
        Message.objects.create(
            mailbox=box,
            case=in_case,
            direction=Message.Direction.INBOUND,
            state=Message.State.PLACED if in_case else Message.State.TRIAGE,
            message_id=f"m{index}@klient.example",
            from_address=f"nadawca{index}@klient.example",
            to=[{"name": "Pomoc", "address": "pomoc@firma.example"}],
            cc=[{"name": "Łucja", "address": f"kopia{index}@klient.example"}] if index % 2 else [],
            raw_sha256=f"{index:064d}",
        )
    return World(mailbox, other_mailbox, first, second, anna, jan, case, other_case, merged)


def ids(*numbers: int) -> list[str]:
    return [f"m{n}@klient.example" for n in numbers]


# Per statement, the values it is asked with: hits and misses, one value and lists of 1, 2, 3
# and 5 (padded to 4 and 8), texts with non-ASCII letters.
INPUTS: dict[str, Callable[[World], list[dict[str, Values]]]] = {
    "knowledge._CONTACT": lambda w: [{"pk": w.anna.pk}, {"pk": w.jan.pk}, {"pk": MISSING}],
    "knowledge._ACCOUNT": lambda w: [{"pk": w.first.pk}, {"pk": MISSING}],
    "knowledge._ADDRESS_OWNER": lambda w: [
        {"address": "anna@klient.example"},
        {"address": "żaneta.jan@łódź.example"},
        {"address": "biuro@klient.example"},
        {"address": "nikt@klient.example"},
    ],
    "knowledge._ADDRESS_OWNERS": lambda w: [
        {"addresses": ["anna@klient.example"]},
        {"addresses": ["nikt@klient.example", "żaneta.jan@łódź.example"]},
        {"addresses": ["biuro@klient.example", "sam@gdzies.example", "anna@klient.example"]},
        {"addresses": ["a@x.example", "ola@klient.example", "b@x.example", "c@x.example", "d@y"]},
    ],
    "knowledge._REFERENCED_CASES": lambda w: [
        {"ids": ids(0)},
        {"ids": ids(2, 0)},
        {"ids": ids(3, 1, 2)},
        {"ids": [*ids(4, 3, 2, 1), "brak@klient.example"]},
    ],
    "knowledge._CASES_BY_NUMBER": lambda w: [
        {"numbers": [w.case.number]},
        {"numbers": [w.merged.number, w.other_case.number, MISSING]},
        {"numbers": [w.case.number, w.other_case.number, w.merged.number, MISSING, MISSING + 1]},
    ],
    "knowledge._CONTACT_ADDRESSES": lambda w: [
        {"cases": [w.case.pk]},
        {"cases": [w.other_case.pk, w.case.pk]},
        {"cases": [w.case.pk, w.other_case.pk, w.merged.pk]},
    ],
    "knowledge._ACCOUNT_ADDRESSES": lambda w: [
        {"accounts": [w.first.pk]},
        {"accounts": [w.second.pk, w.first.pk, MISSING]},
    ],
    "knowledge._CONVERSATION_ADDRESSES": lambda w: [
        {"cases": [w.case.pk]},
        {"cases": [w.other_case.pk, w.merged.pk, w.case.pk]},
    ],
    "inbound._STORED_IN_MAILBOX": lambda w: [
        {"mailbox": w.mailbox.pk, "message_id": "m1@klient.example"},
        {"mailbox": w.mailbox.pk, "message_id": "m3@klient.example"},
        {"mailbox": w.other_mailbox.pk, "message_id": "m1@klient.example"},
        {"mailbox": w.mailbox.pk, "message_id": "brak@klient.example"},
    ],
    "inbound._CASE_FOR_UPDATE": lambda w: [
        {"number": w.case.number},
        {"number": w.merged.number},
        {"number": MISSING},
    ],
}


def statements() -> dict[str, Statement | InstanceStatement[Any]]:
    return {
        f"{module.__name__.rsplit('.', 1)[-1]}.{name}": value
        for module in (knowledge, inbound)
        for name, value in vars(module).items()
        if isinstance(value, Statement | InstanceStatement)
    }


def test_every_statement_of_receiving_is_checked_here() -> None:
    assert sorted(statements()) == sorted(INPUTS)


def _instance(instance: Model) -> tuple[Any, ...]:
    fields = {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}
    return type(instance), fields, instance._state.db, instance._state.adding


def _answers(
    statement: Statement | InstanceStatement[Any], values: dict[str, Values]
) -> tuple[list[Any], list[Any]]:
    """(the statement's answer, the queryset's answer); in order when the queryset has one."""
    queryset = statement.queryset(**values)
    if isinstance(statement, InstanceStatement):
        compiled = [_instance(found) for found in statement.objects(**values)]
        orm = [_instance(found) for found in queryset]
    else:
        compiled = statement.rows(**values)
        orm = [tuple(row) for row in queryset]
    if not queryset.ordered:
        compiled, orm = sorted(compiled, key=repr), sorted(orm, key=repr)
    return compiled, orm


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_a_statement_answers_exactly_as_its_queryset(name: str) -> None:
    # given
    statement = statements()[name]
    inputs = INPUTS[name](world())
    # when: each shape compiled once, then run again with the same values
    answers = [_answers(statement, values) for values in inputs + inputs]
    # then
    for values, (compiled, orm) in zip(inputs + inputs, answers, strict=True):
        assert compiled == orm, values
    assert any(orm for _compiled, orm in answers), "no input found anything: a vacuous check"
