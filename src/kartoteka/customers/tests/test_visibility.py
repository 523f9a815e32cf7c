"""The visibility rule of accounts and contacts, as a matrix of roles by kinds of record."""

from __future__ import annotations

import pytest

from kartoteka.customers.models import Account, Contact
from kartoteka.people.models import User
from kartoteka.testing.customers import AccountFactory, ContactFactory
from kartoteka.testing.people import UserFactory

RECORDS = ["open", "restricted_support", "restricted_of_agent", "restricted_of_outsider", "hidden"]

# Which records each persona sees: the rule of customers.models.account_visibility.
EXPECTED = {
    "admin": set(RECORDS),
    "manager": set(RECORDS),
    "supervisor": {"open", "restricted_support", "restricted_of_agent"},
    "agent": {"open", "restricted_support", "restricted_of_agent"},
    "outsider": {"open", "restricted_of_outsider"},
    "portal_user": set(),
    "inactive_manager": set(),
}


@pytest.fixture
def records(support_team, agent, outsider) -> dict[str, Account]:
    return {
        "open": AccountFactory(),
        "restricted_support": AccountFactory(restricted=True, team=support_team),
        "restricted_of_agent": AccountFactory(restricted=True, manager=agent),
        "restricted_of_outsider": AccountFactory(restricted=True, manager=outsider),
        "hidden": AccountFactory(restricted=True),
    }


@pytest.fixture
def inactive_manager(db: None) -> User:
    return UserFactory(username="gone", role=User.Role.MANAGER, is_active=False)


@pytest.mark.parametrize("persona", list(EXPECTED))
def test_accounts_visible_to_each_role(request, records, persona: str) -> None:
    # given
    user = request.getfixturevalue(persona)
    names = {account.pk: name for name, account in records.items()}
    # when
    visible = Account.objects.visible_to(user).values_list("pk", flat=True)
    # then
    assert {names[pk] for pk in visible} == EXPECTED[persona]


@pytest.mark.parametrize("persona", list(EXPECTED))
def test_contacts_follow_their_account_and_loose_ones_are_seen_by_staff(
    request, records, persona: str
) -> None:
    # given
    user = request.getfixturevalue(persona)
    contacts = {ContactFactory(account=account).pk: name for name, account in records.items()}
    contacts[ContactFactory(account=None).pk] = "without_account"
    staff = persona not in {"portal_user", "inactive_manager"}
    # when
    visible = Contact.objects.visible_to(user).values_list("pk", flat=True)
    # then
    expected = EXPECTED[persona] | ({"without_account"} if staff else set())
    assert {contacts[pk] for pk in visible} == expected


def test_supervisor_of_the_managers_team_sees_the_managers_restricted_account(
    supervisor, agent
) -> None:
    # given an account managed by an agent, with no team of its own
    account = AccountFactory(restricted=True, manager=agent)
    # then the agent's team supervisor sees it
    assert Account.objects.visible_to(supervisor).filter(pk=account.pk).exists()


def test_visibility_is_one_query_and_no_duplicates(django_assert_num_queries, agent, records):
    # given an account that matches the rule in several ways at once
    AccountFactory(restricted=True, manager=agent, team=agent.team)
    # when
    with django_assert_num_queries(1):
        pks = list(Account.objects.visible_to(agent).values_list("pk", flat=True))
    # then
    assert len(pks) == len(set(pks)) == 4
