"""Inviting a contact to the portal: the email, in the customer's language, with a link that
sets the password once, within seven days, and only the newest one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from kartoteka.customers.models import PortalRole
from kartoteka.mail.models import Message
from kartoteka.people.models import User
from kartoteka.portal.accounts import services
from kartoteka.portal.models import PortalInvitation
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory
from kartoteka.testing.portal_access import (
    contact_with_email,
    link_in,
    portal_outbox,
    sent_to,
)

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Zielona-herbata-42"


@pytest.fixture(autouse=True)
def _outbox(settings, tmp_path, monkeypatch) -> None:
    portal_outbox(settings, tmp_path, monkeypatch)


@pytest.fixture
def jan():
    return contact_with_email("jan.kowalski@budimex.example")


def invite(agent_client: Client, contact) -> None:
    agent_client.post(f"/portal/staff/contacts/{contact.pk}/invite/")


def set_password(client: Client, link: str, password: str = NEW_PASSWORD):
    opened = client.get(link)
    if opened.status_code != 302:
        return opened
    return client.post(opened.url, {"new_password1": password, "new_password2": password})


# The invitation


def test_an_invitation_creates_a_login_without_password_and_sends_the_link(
    agent_client, jan
) -> None:
    # when
    response = agent_client.post(f"/portal/staff/contacts/{jan.pk}/invite/")
    # then
    jan.refresh_from_db()
    user = jan.portal_user
    assert response.status_code == 302
    assert (user.username, user.email, user.role) == (
        "jan.kowalski@budimex.example",
        "jan.kowalski@budimex.example",
        User.Role.PORTAL,
    )
    assert user.has_usable_password() is False
    assert jan.portal_role == PortalRole.objects.get(is_default=True)
    [email] = sent_to("jan.kowalski@budimex.example")
    assert link_in(email).startswith("/portal/invite/")
    assert email.automatic is True
    assert email.case_id is None


def test_the_invitation_is_in_the_customers_language(agent_client) -> None:
    # given: a Polish and a Czech customer's contacts
    polish = contact_with_email("anna@firma-pl.example", account=AccountFactory(country="PL"))
    czech = contact_with_email("petr@firma-cz.example", account=AccountFactory(country="CZ"))
    # when
    invite(agent_client, polish)
    invite(agent_client, czech)
    # then
    [to_polish] = sent_to("anna@firma-pl.example")
    [to_czech] = sent_to("petr@firma-cz.example")
    assert to_polish.subject == "Twój login do portalu klienta"
    assert to_czech.subject == "Vaše přihlášení do zákaznického portálu"
    polish.refresh_from_db()
    assert polish.portal_user.language == "pl"


def test_no_email_holds_a_password_and_the_database_no_secret(agent_client, jan) -> None:
    # when
    invite(agent_client, jan)
    [email] = sent_to("jan.kowalski@budimex.example")
    secret = link_in(email).split("/")[-2]
    stored = PortalInvitation.objects.get()
    set_password(Client(), link_in(email))
    # then
    assert len(secret) >= 40
    assert secret not in stored.token_hash
    assert not any(NEW_PASSWORD in message.text for message in Message.objects.all())


def test_a_contact_without_an_address_cannot_be_invited(agent_client) -> None:
    # given
    contact = contact_with_email("x@budimex.example")
    contact.emails.all().delete()
    # when
    response = agent_client.post(f"/portal/staff/contacts/{contact.pk}/invite/", follow=True)
    # then
    assert "has no email address: add one before inviting them" in response.content.decode()
    contact.refresh_from_db()
    assert contact.portal_user is None


def test_an_address_of_another_portal_login_is_refused(agent_client, jan) -> None:
    # given: another contact's login goes by the same address (changed since)
    invite(agent_client, jan)
    jan.refresh_from_db()
    other = contact_with_email("druga@budimex.example", account=jan.account)
    User.objects.filter(pk=jan.portal_user_id).update(email="druga@budimex.example")
    # when
    response = agent_client.post(f"/portal/staff/contacts/{other.pk}/invite/", follow=True)
    # then
    assert "is the portal login of another contact already" in response.content.decode()


def test_a_contact_one_may_not_see_is_404(outsider_client, restricted_contact) -> None:
    # when
    response = outsider_client.post(f"/portal/staff/contacts/{restricted_contact.pk}/invite/")
    # then
    assert response.status_code == 404
    restricted_contact.refresh_from_db()
    assert restricted_contact.portal_user is None


@pytest.fixture
def restricted_contact(support_team):
    account = AccountFactory(name="Tajny Klient", restricted=True, team=support_team)
    return contact_with_email("tajny@tajny.example", account=account)


def test_inviting_needs_a_csrf_token(agent, jan) -> None:
    # given
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    # when
    response = client.post(f"/portal/staff/contacts/{jan.pk}/invite/")
    # then
    assert response.status_code == 403
    assert sent_to("jan.kowalski@budimex.example") == []


def test_portal_users_and_strangers_cannot_invite(jan, portal_user) -> None:
    # when
    as_portal = client_for(portal_user).post(f"/portal/staff/contacts/{jan.pk}/invite/")
    anonymous = Client().post(f"/portal/staff/contacts/{jan.pk}/invite/")
    # then
    assert as_portal.status_code == 404
    assert anonymous.status_code == 302
    assert anonymous.url.startswith("/login/")


# Accepting


def test_the_link_sets_the_password_and_signs_in(agent_client, jan) -> None:
    # given
    invite(agent_client, jan)
    link = link_in(sent_to("jan.kowalski@budimex.example")[0])
    client = Client()
    # when
    opened = client.get(link)
    page = client.get(opened.url)
    done = client.post(opened.url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    # then: the secret left the address bar; the login has its password and is signed in
    assert opened.url == "/portal/invite/set-password/"
    assert "jan.kowalski@budimex.example" in page.content.decode()
    assert done.status_code == 302
    jan.refresh_from_db()
    assert jan.portal_user.check_password(NEW_PASSWORD)
    assert int(client.session["_auth_user_id"]) == jan.portal_user_id


def test_a_used_link_is_no_longer_valid(agent_client, jan) -> None:
    # given
    invite(agent_client, jan)
    link = link_in(sent_to("jan.kowalski@budimex.example")[0])
    set_password(Client(), link)
    # when
    again = Client().get(link)
    # then
    assert again.status_code == 200
    assert "This link is no longer valid" in again.content.decode()


def test_an_expired_link_is_no_longer_valid(agent_client, jan) -> None:
    # given: eight days later
    invite(agent_client, jan)
    link = link_in(sent_to("jan.kowalski@budimex.example")[0])
    PortalInvitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    # when
    response = set_password(Client(), link)
    # then
    assert "This link is no longer valid" in response.content.decode()
    jan.refresh_from_db()
    assert jan.portal_user.has_usable_password() is False


@pytest.mark.parametrize("secret", ["forged", "A" * 43, "A" * 5000, "%C4%85%00", "%2E%2E"])
def test_a_forged_link_gets_the_same_page(agent_client, jan, secret) -> None:
    # given
    invite(agent_client, jan)
    # when
    response = Client().get(f"/portal/invite/{secret}/")
    # then
    assert response.status_code == 200
    assert "This link is no longer valid" in response.content.decode()


def test_the_set_password_page_without_a_link_is_the_same_page() -> None:
    # when
    response = Client().post(
        "/portal/invite/set-password/",
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    # then
    assert response.status_code == 200
    assert "This link is no longer valid" in response.content.decode()


def test_a_new_invitation_voids_the_old_link(agent_client, jan) -> None:
    # given
    invite(agent_client, jan)
    invite(agent_client, jan)
    first, second = (link_in(message) for message in sent_to("jan.kowalski@budimex.example"))
    # when
    old = Client().get(first)
    new = Client().get(second)
    # then
    assert (old.status_code, new.status_code) == (200, 302)
    assert "This link is no longer valid" in old.content.decode()


def test_the_password_must_pass_the_validators(agent_client, jan) -> None:
    # given
    invite(agent_client, jan)
    link = link_in(sent_to("jan.kowalski@budimex.example")[0])
    # when
    response = set_password(Client(), link, password="12345678")
    # then
    assert response.status_code == 422
    assert "This password is too common." in response.content.decode()
    jan.refresh_from_db()
    assert jan.portal_user.has_usable_password() is False


def test_an_oversized_password_is_refused(agent_client, jan) -> None:
    invite(agent_client, jan)
    link = link_in(sent_to("jan.kowalski@budimex.example")[0])
    response = set_password(Client(), link, password="x" * 10_000)
    assert response.status_code == 422


def test_a_disabled_login_voids_its_invitation(agent_client, jan) -> None:
    # given
    invite(agent_client, jan)
    link = link_in(sent_to("jan.kowalski@budimex.example")[0])
    # when
    agent_client.post(f"/portal/staff/contacts/{jan.pk}/active/", {"active": "0"})
    # then
    assert "This link is no longer valid" in Client().get(link).content.decode()


def test_an_active_login_is_not_invited_again(agent_client, jan) -> None:
    # given
    invite(agent_client, jan)
    set_password(Client(), link_in(sent_to("jan.kowalski@budimex.example")[0]))
    # when
    response = agent_client.post(f"/portal/staff/contacts/{jan.pk}/invite/", follow=True)
    # then
    assert "signs in to the portal already" in response.content.decode()
    assert len(sent_to("jan.kowalski@budimex.example")) == 1


def test_without_a_default_mailbox_the_staff_member_is_told(agent_client, jan) -> None:
    # given
    from kartoteka.mail.models import Mailbox

    Mailbox.objects.update(is_default=False)
    # when
    response = agent_client.post(f"/portal/staff/contacts/{jan.pk}/invite/", follow=True)
    # then
    assert "The invitation could not be sent" in response.content.decode()


def test_the_service_reuses_the_login_of_a_reinvited_contact(agent, jan) -> None:
    first = services.portal_invite(contact=jan, by=agent)
    second = services.portal_invite(contact=jan, by=agent)
    assert first.user.pk == second.user.pk
    assert PortalInvitation.objects.count() == 1
