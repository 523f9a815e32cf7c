"""The shared cast of every test: one persona per role, and what each one owns.

- ``admin``: an Administrator; ``manager``: a Manager (sees everything).
- ``agent``: an Agent of the Support team; ``supervisor`` supervises that team.
- ``outsider``: an Agent of the Sales team, who must not see Support's restricted accounts.
- ``portal_user``: a customer's contact with a portal login (sees no staff data).
- ``clerk``: an Agent of the Support team without the right to work with cases.

Agents, the supervisor and the outsider have been granted work with cases.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client

from kartoteka.people.models import User
from kartoteka.testing.clients import client_for
from kartoteka.testing.people import TeamFactory, persona


def _restore_migrated_data() -> None:
    from django.apps import apps

    from kartoteka.activities.defaults import create_default_event_types
    from kartoteka.cases.defaults import create_default_lists
    from kartoteka.customers.defaults import create_default_portal_roles
    from kartoteka.documents.defaults import create_default_types

    create_default_lists(apps)
    create_default_types(apps)
    create_default_event_types(apps)
    create_default_portal_roles(apps)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, with the rows migrations create (a reused one may have lost them)."""
    with django_db_blocker.unblock():
        _restore_migrated_data()


@pytest.fixture(autouse=True)
def _migrated_data_in_transactional_tests(request: pytest.FixtureRequest) -> None:
    """Transactional tests (threads, processes, the browser's live server) start with the rows
    migrations create: each such test ends with a flush of every table, which removes them.
    pytest-django runs these tests after the others, so only they need this."""
    marker = request.node.get_closest_marker("django_db")
    transactional = {"transactional_db", "live_server"} & set(request.fixturenames) or (
        marker is not None and marker.kwargs.get("transaction")
    )
    if transactional:
        request.getfixturevalue("transactional_db")
        _restore_migrated_data()


@pytest.fixture(autouse=True)
def _installation_language() -> None:
    """Each test starts in the installation's language: a request of a Polish user earlier
    in the same worker leaves Polish active in the thread."""
    from django.utils import translation

    translation.deactivate()


@pytest.fixture
def frozen_now(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """``django.utils.timezone.now()`` stands still at the moment the test starts (whole
    seconds), which it returns: to assert the exact time a service stamps. A default bound
    at import (``default=timezone.now`` of a model field) does not stand still."""
    from django.utils import timezone

    moment = timezone.now().replace(microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    return moment


@pytest.fixture
def support_team(db: None):
    return TeamFactory(name="Support")


@pytest.fixture
def sales_team(db: None):
    return TeamFactory(name="Sales")


@pytest.fixture
def admin(db: None) -> User:
    return persona("admin")


@pytest.fixture
def manager(db: None) -> User:
    return persona("manager")


@pytest.fixture
def supervisor(support_team) -> User:
    user = persona("supervisor")
    support_team.refresh_from_db()
    return user


@pytest.fixture
def agent(support_team, supervisor) -> User:
    return persona("agent")


@pytest.fixture
def outsider(sales_team) -> User:
    return persona("outsider")


@pytest.fixture
def clerk(support_team) -> User:
    return persona("clerk")


@pytest.fixture
def portal_user(db: None) -> User:
    return persona("portal_user")


@pytest.fixture
def agent_client(agent: User) -> Client:
    return client_for(agent)


@pytest.fixture
def admin_client_(admin: User) -> Client:
    return client_for(admin)


@pytest.fixture
def outsider_client(outsider: User) -> Client:
    return client_for(outsider)
