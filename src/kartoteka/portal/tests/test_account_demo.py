"""The demo's portal: three customers' contacts sign in with the demo password, one sees
the whole company; one customer's domain takes registrations; a rerun adds nothing."""

from __future__ import annotations

import pytest

from kartoteka.customers.models import Contact
from kartoteka.demo.portal import demo_portal
from kartoteka.portal.models import PortalDomain
from kartoteka.testing.customers import AccountFactory
from kartoteka.testing.portal_access import contact_with_email

pytestmark = pytest.mark.django_db


def test_three_customers_contacts_get_logins_once() -> None:
    # given
    for n in range(4):
        contact_with_email(f"osoba{n}@firma{n}.example", account=AccountFactory(name=f"F{n}"))
    # when
    first = demo_portal("kartoteka-demo")
    again = demo_portal("kartoteka-demo")
    # then
    with_login = Contact.objects.filter(portal_user__isnull=False).order_by("account_id")
    assert (
        first
        == again
        == ["osoba0@firma0.example", "osoba1@firma1.example", "osoba2@firma2.example"]
    )
    assert [c.portal_role.sees_company_cases for c in with_login] == [False, True, False]
    assert all(c.portal_user.check_password("kartoteka-demo") for c in with_login)
    assert list(PortalDomain.objects.values_list("domain", flat=True)) == ["firma0.example"]
