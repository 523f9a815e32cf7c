"""The staff's side: administrators keep the portal roles, the self-registration switch and
the registration domains; staff manage a contact's login from the contact's page."""

from __future__ import annotations

import pytest
from django.test import Client

from kartoteka.customers.models import PortalRole
from kartoteka.portal.models import PortalDomain, PortalSettings
from kartoteka.testing.customers import AccountFactory
from kartoteka.testing.portal_access import contact_with_email, portal_login, portal_outbox

pytestmark = pytest.mark.django_db

ROLE = {
    "name": "Kierownik",
    "sees_company_cases": "on",
    "may_create_cases": "on",
    "may_close_cases": "on",
}


@pytest.fixture(autouse=True)
def _outbox(settings, tmp_path, monkeypatch) -> None:
    portal_outbox(settings, tmp_path, monkeypatch)


def test_the_default_roles_exist() -> None:
    roles = {role.name: role for role in PortalRole.objects.all()}
    assert set(roles) == {"Own cases", "Whole company"}
    assert roles["Own cases"].is_default is True
    company = roles["Whole company"]
    assert (company.sees_company_cases, company.sees_shared_documents) == (True, True)


def test_an_administrator_creates_a_default_role(admin_client_) -> None:
    response = admin_client_.post("/portal/staff/roles/new/", ROLE | {"is_default": "on"})
    assert response.url == "/portal/staff/roles/"
    assert PortalRole.objects.get(is_default=True).name == "Kierownik"


def test_a_role_name_is_unique(admin_client_) -> None:
    response = admin_client_.post("/portal/staff/roles/new/", ROLE | {"name": "own cases"})
    assert response.status_code == 422


def test_an_oversized_name_is_refused(admin_client_) -> None:
    response = admin_client_.post("/portal/staff/roles/new/", ROLE | {"name": "x" * 101})
    assert response.status_code == 422


def test_the_only_default_stays_default(admin_client_) -> None:
    role = PortalRole.objects.get(is_default=True)
    admin_client_.post(f"/portal/staff/roles/{role.pk}/", {"name": role.name})
    role.refresh_from_db()
    assert role.is_default is True


def test_a_role_in_use_cannot_be_deleted(admin_client_) -> None:
    role = PortalRole.objects.get(name="Whole company")
    portal_login(contact_with_email("jan@budimex.example"), role=role)
    page = admin_client_.get(f"/portal/staff/roles/{role.pk}/delete/")
    response = admin_client_.post(f"/portal/staff/roles/{role.pk}/delete/", follow=True)
    assert "is given to 1 contact: give them another role first" in page.content.decode()
    assert "(1): give them another role first" in response.content.decode()
    assert PortalRole.objects.filter(pk=role.pk).exists()


def test_a_role_nobody_holds_is_deleted(admin_client_) -> None:
    role = PortalRole.objects.get(name="Whole company")
    admin_client_.post(f"/portal/staff/roles/{role.pk}/delete/")
    assert not PortalRole.objects.filter(pk=role.pk).exists()


def test_only_administrators_manage_roles(agent_client, portal_user) -> None:
    portal = Client()
    portal.force_login(portal_user)
    assert agent_client.get("/portal/staff/roles/").status_code == 403
    assert agent_client.post("/portal/staff/roles/new/", ROLE).status_code == 403
    assert portal.get("/portal/staff/roles/").status_code == 404
    assert Client().get("/portal/staff/roles/").url.startswith("/login/")


def test_an_administrator_switches_self_registration(admin_client_) -> None:
    admin_client_.post("/portal/staff/roles/settings/", {"self_registration": "on"})
    assert PortalSettings.objects.get().self_registration is True
    admin_client_.post("/portal/staff/roles/settings/", {})
    assert PortalSettings.objects.get().self_registration is False


def test_a_registration_domain_is_added_lower_case(admin_client_) -> None:
    account = AccountFactory(name="Budimex S.A.")
    admin_client_.post(
        "/portal/staff/roles/domains/", {"account": account.pk, "domain": " @Budimex.PL "}
    )
    assert PortalDomain.objects.get().domain == "budimex.pl"


@pytest.mark.parametrize(
    ("domain", "message"),
    [
        ("gmail.com", "is a public mail service"),
        ("WP.PL", "is a public mail service"),
        ("seznam.cz", "is a public mail service"),
        ("not a domain", "Enter a domain"),
        ("x" * 300 + ".pl", "Ensure this value has at most 253 characters"),
        ("<script>.pl", "Enter a domain"),
    ],
)
def test_bad_domains_are_refused_with_a_reason(admin_client_, domain, message) -> None:
    account = AccountFactory()
    response = admin_client_.post(
        "/portal/staff/roles/domains/", {"account": account.pk, "domain": domain}
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not PortalDomain.objects.exists()


def test_a_domain_belongs_to_one_customer(admin_client_) -> None:
    first, second = AccountFactory(name="Pierwszy"), AccountFactory(name="Drugi")
    admin_client_.post("/portal/staff/roles/domains/", {"account": first.pk, "domain": "a.pl"})
    response = admin_client_.post(
        "/portal/staff/roles/domains/", {"account": second.pk, "domain": "a.pl"}
    )
    assert "is a registration domain of Pierwszy already" in response.content.decode()


# The contact's page


def test_the_contact_page_shows_the_portal_box_in_each_state(agent_client) -> None:
    contact = contact_with_email("jan@budimex.example")
    none = agent_client.get(contact.get_absolute_url()).content.decode()
    agent_client.post(f"/portal/staff/contacts/{contact.pk}/invite/")
    invited = agent_client.get(contact.get_absolute_url()).content.decode()
    agent_client.post(f"/portal/staff/contacts/{contact.pk}/active/", {"active": "0"})
    disabled = agent_client.get(contact.get_absolute_url()).content.decode()
    assert 'data-state="none"' in none
    assert "Invite to the portal" in none
    assert 'data-state="invited"' in invited
    assert "Send the invitation again" in invited
    assert 'data-state="disabled"' in disabled
    assert "Enable the login" in disabled


def test_staff_change_a_contacts_role(agent_client) -> None:
    contact = contact_with_email("jan@budimex.example")
    portal_login(contact)
    company = PortalRole.objects.get(name="Whole company")
    agent_client.post(f"/portal/staff/contacts/{contact.pk}/role/", {"role": company.pk})
    contact.refresh_from_db()
    assert contact.portal_role == company
    response = agent_client.post(
        f"/portal/staff/contacts/{contact.pk}/role/", {"role": "999999"}, follow=True
    )
    assert "Choose a portal role from the list." in response.content.decode()


def test_enabling_a_login_again(agent_client) -> None:
    contact = contact_with_email("jan@budimex.example")
    user = portal_login(contact)
    agent_client.post(f"/portal/staff/contacts/{contact.pk}/active/", {"active": "0"})
    user.refresh_from_db()
    assert user.is_active is False
    agent_client.post(f"/portal/staff/contacts/{contact.pk}/active/", {"active": "1"})
    user.refresh_from_db()
    assert user.is_active is True


def test_another_teams_restricted_contact_is_404(outsider_client, support_team) -> None:
    account = AccountFactory(restricted=True, team=support_team)
    contact = contact_with_email("tajny@tajny.example", account=account)
    portal_login(contact)
    for path in ("invite", "active", "role"):
        response = outsider_client.post(f"/portal/staff/contacts/{contact.pk}/{path}/")
        assert response.status_code == 404
    assert outsider_client.post("/portal/staff/contacts/999999/invite/").status_code == 404


def test_a_malformed_enable_request_changes_nothing(agent_client) -> None:
    contact = contact_with_email("jan@budimex.example")
    user = portal_login(contact)
    response = agent_client.post(
        f"/portal/staff/contacts/{contact.pk}/active/", {"active": "yes"}, follow=True
    )
    user.refresh_from_db()
    assert user.is_active is True
    assert "Choose whether the login is enabled or disabled." in response.content.decode()
