"""Cases for tests, made through the service so numbers and history are real."""

from __future__ import annotations

from typing import Any

from django.test import Client

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


def client_for(user: User) -> Client:
    """A test client signed in as ``user``.

    The root conftest has the same helper, but ``from conftest import`` picks up
    tests/e2e/conftest.py when both directories are collected in one run.
    """
    client = Client()
    client.force_login(user)
    return client
