"""Self-registration: only when switched on, only for addresses of a customer's registration
domain, confirmed by email; the answer never tells whether an address or domain is known."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from kartoteka.customers.models import Contact, PortalRole
from kartoteka.portal.accounts.services import portal_domain_add, portal_settings_set
from kartoteka.portal.models import PortalRegistration
from kartoteka.testing.customers import AccountFactory
from kartoteka.testing.portal_access import (
    contact_with_email,
    link_in,
    portal_login,
    portal_outbox,
    sent_to,
)

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Zielona-herbata-42"


@pytest.fixture(autouse=True)
def _outbox(settings, tmp_path, monkeypatch) -> None:
    portal_outbox(settings, tmp_path, monkeypatch)


@pytest.fixture
def budimex():
    account = AccountFactory(name="Budimex S.A.", country="PL")
    portal_domain_add(account=account, domain="budimex.example")
    portal_settings_set(self_registration=True)
    return account


def register(client: Client, email: str, **data: str):
    return client.post(
        "/portal/register/", {"first_name": "Ewa", "last_name": "Nowak", "email": email, **data}
    )


def confirm(client: Client, link: str, password: str = NEW_PASSWORD):
    opened = client.get(link)
    if opened.status_code != 302:
        return opened
    return client.post(opened.url, {"new_password1": password, "new_password2": password})


def test_registration_is_off_by_default() -> None:
    assert Client().get("/portal/register/").status_code == 404


def test_an_address_of_a_registration_domain_gets_a_confirmation_link(budimex) -> None:
    # when
    response = register(Client(), "ewa.nowak@budimex.example")
    # then
    assert response.url == "/portal/register/sent/"
    [email] = sent_to("ewa.nowak@budimex.example")
    assert link_in(email).startswith("/portal/register/confirm/")
    assert email.subject == "Confirm your address for the customer portal"


def test_an_unknown_domain_gets_the_same_answer_and_no_email(budimex) -> None:
    known = register(Client(), "ewa.nowak@budimex.example")
    unknown = register(Client(), "ewa.nowak@nieznana.example")
    assert (known.status_code, known.url) == (unknown.status_code, unknown.url)
    assert sent_to("ewa.nowak@nieznana.example") == []


def test_an_address_with_a_login_gets_the_same_answer_and_no_email(budimex) -> None:
    portal_login(contact_with_email("jan@budimex.example", account=budimex))
    response = register(Client(), "jan@budimex.example")
    assert response.url == "/portal/register/sent/"
    assert sent_to("jan@budimex.example") == []


def test_confirming_creates_the_contact_and_the_login_and_signs_in(budimex) -> None:
    # given
    register(Client(), "Ewa.Nowak@budimex.example")
    link = link_in(sent_to("ewa.nowak@budimex.example")[0])
    client = Client()
    # when
    response = confirm(client, link)
    # then
    contact = Contact.objects.get(emails__address="ewa.nowak@budimex.example")
    assert response.status_code == 302
    assert (contact.account, contact.first_name, contact.last_name) == (budimex, "Ewa", "Nowak")
    assert contact.portal_role == PortalRole.objects.get(is_default=True)
    assert contact.portal_user.check_password(NEW_PASSWORD)
    assert int(client.session["_auth_user_id"]) == contact.portal_user_id


def test_confirming_attaches_the_login_to_the_contact_with_that_address(budimex) -> None:
    # given
    existing = contact_with_email("ewa.nowak@budimex.example", account=budimex)
    register(Client(), "ewa.nowak@budimex.example")
    # when
    confirm(Client(), link_in(sent_to("ewa.nowak@budimex.example")[0]))
    # then
    existing.refresh_from_db()
    assert existing.portal_user.email == "ewa.nowak@budimex.example"
    assert Contact.objects.filter(emails__address="ewa.nowak@budimex.example").count() == 1


def test_a_confirmation_link_works_once_and_expires(budimex) -> None:
    register(Client(), "ewa.nowak@budimex.example")
    link = link_in(sent_to("ewa.nowak@budimex.example")[0])
    confirm(Client(), link)
    assert "This link is no longer valid" in Client().get(link).content.decode()
    register(Client(), "adam@budimex.example")
    PortalRegistration.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = link_in(sent_to("adam@budimex.example")[0])
    assert "This link is no longer valid" in Client().get(expired).content.decode()


def test_requests_are_limited_per_address(budimex) -> None:
    client = Client()
    statuses = [register(client, "ewa@budimex.example").status_code for _ in range(4)]
    assert statuses == [302, 302, 302, 429]
    assert len(sent_to("ewa@budimex.example")) == 3


def test_requests_are_limited_per_client_address(budimex) -> None:
    client = Client(REMOTE_ADDR="203.0.113.5")
    statuses = [register(client, f"osoba{n}@gdzies.example").status_code for n in range(11)]
    assert statuses[-1] == 429
    assert statuses[:10] == [302] * 10


@pytest.mark.parametrize(
    "data",
    [
        {"email": "not an address"},
        {"email": "a@" + "b" * 300 + ".example"},
        {"last_name": "x" * 101},
        {"last_name": ""},
    ],
)
def test_malformed_input_is_refused(budimex, data) -> None:
    response = register(Client(), **({"email": "ewa@budimex.example"} | data))
    assert response.status_code == 422
    assert PortalRegistration.objects.count() == 0


def test_switched_off_the_links_stop_working(budimex) -> None:
    register(Client(), "ewa.nowak@budimex.example")
    link = link_in(sent_to("ewa.nowak@budimex.example")[0])
    portal_settings_set(self_registration=False)
    assert "This link is no longer valid" in Client().get(link).content.decode()
