"""Cases for tests, made through the service so numbers and history are real."""

from __future__ import annotations

from typing import Any

from kartoteka.cases import services
from kartoteka.cases.models import Case
from kartoteka.customers.models import Account, Contact
from kartoteka.people.models import User


def make_case(
    subject: str = "Drukarka nie drukuje",
    *,
    by: User | None = None,
    account: Account | None = None,
    contacts: tuple[Contact, ...] = (),
    **data: Any,
) -> Case:
    return services.case_create(
        by=by, subject=subject, account=account, contacts=contacts, data=data
    )
