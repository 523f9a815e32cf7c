"""Cases for tests, made through the service so numbers and history are real."""

from __future__ import annotations

from typing import Any

from kartoteka.cases import services
from kartoteka.cases.models import Case
from kartoteka.customers.models import Account, Contact
from kartoteka.people.models import User
from kartoteka.testing.customers import ContactFactory, EmailAddressFactory


def make_case(
    subject: str = "Drukarka nie drukuje",
    *,
    by: User | None = None,
    account: Account | None = None,
    contacts: tuple[Contact, ...] = (),
    reporter_address: str = "",
    **data: Any,
) -> Case:
    """A case as ``case_create`` makes it; ``reporter_address`` also makes its reporter, a
    contact without a customer who writes from that address."""
    if reporter_address:
        reporter = ContactFactory(account=None, first_name="Jan", last_name="Kowalski")
        EmailAddressFactory(contact=reporter, address=reporter_address)
        data["reporter"] = reporter
    return services.case_create(
        by=by, subject=subject, account=account, contacts=contacts, data=data
    )
