"""The portal branch of the documents' door: a portal user whose role sees shared documents
sees their customer's documents shared with the customer, never a confidential one."""

from __future__ import annotations

import pytest

from kartoteka.documents.models import Document
from kartoteka.documents.tests.conftest import make_document
from kartoteka.testing.customers import AccountFactory
from kartoteka.testing.portal import portal_contact, portal_role

pytestmark = pytest.mark.django_db


def titles(user) -> set[str]:
    return set(Document.objects.visible_to(user).values_list("title", flat=True))


@pytest.fixture
def anna(account):
    return portal_contact(
        account=account, role=portal_role("Documents", sees_shared_documents=True)
    )


def test_shared_documents_of_the_customer_are_seen(agent, account, anna):
    # given
    make_document(by=agent, account=account, title="Cennik 2027", shared_with_customer=True)
    make_document(by=agent, account=account, title="Notatka handlowa")
    make_document(
        by=agent,
        account=account,
        title="Umowa poufna",
        shared_with_customer=True,
        confidential=True,
    )
    make_document(
        by=agent, account=AccountFactory(), title="Cennik obcy", shared_with_customer=True
    )
    # then
    assert titles(anna.portal_user) == {"Cennik 2027"}


def test_a_role_without_shared_documents_sees_none(agent, account):
    # given
    piotr = portal_contact(
        account=account, role=portal_role("No documents", sees_shared_documents=False)
    )
    make_document(by=agent, account=account, title="Cennik 2027", shared_with_customer=True)
    # then
    assert titles(piotr.portal_user) == set()


def test_staff_see_shared_documents_as_before(agent, account):
    # given
    make_document(by=agent, account=account, title="Cennik 2027", shared_with_customer=True)
    # then
    assert titles(agent) == {"Cennik 2027"}


def test_a_login_without_contact_sees_none(agent, account, portal_user):
    # given
    make_document(by=agent, account=account, title="Cennik 2027", shared_with_customer=True)
    # then
    assert titles(portal_user) == set()
