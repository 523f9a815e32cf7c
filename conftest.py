"""The shared cast of every test: one persona per role, and what each one owns.

- ``admin``: an Administrator; ``manager``: a Manager (sees everything).
- ``agent``: an Agent of the Support team; ``supervisor`` supervises that team.
- ``outsider``: an Agent of the Sales team, who must not see Support's restricted accounts.
- ``portal_user``: a customer's contact with a portal login (sees no staff data).
"""

from __future__ import annotations

import pytest
from django.test import Client

from kartoteka.people.models import User
from kartoteka.people.tests.factories import TeamFactory, UserFactory


@pytest.fixture(autouse=True)
def _english_and_fast(settings: object) -> None:
    settings.LANGUAGE_CODE = "en"  # type: ignore[attr-defined]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}  # type: ignore[attr-defined]
    settings.STORAGES = {  # type: ignore[attr-defined]
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def support_team(db: None):
    return TeamFactory(name="Support")


@pytest.fixture
def sales_team(db: None):
    return TeamFactory(name="Sales")


@pytest.fixture
def admin(db: None) -> User:
    return UserFactory(username="admin", role=User.Role.ADMINISTRATOR)


@pytest.fixture
def manager(db: None) -> User:
    return UserFactory(username="manager", role=User.Role.MANAGER)


@pytest.fixture
def supervisor(support_team) -> User:
    user = UserFactory(username="supervisor", role=User.Role.AGENT, team=support_team)
    support_team.supervisor = user
    support_team.save(update_fields=["supervisor"])
    return user


@pytest.fixture
def agent(support_team, supervisor) -> User:
    return UserFactory(username="agent", role=User.Role.AGENT, team=support_team)


@pytest.fixture
def outsider(sales_team) -> User:
    return UserFactory(username="outsider", role=User.Role.AGENT, team=sales_team)


@pytest.fixture
def portal_user(db: None) -> User:
    return UserFactory(username="portal", role=User.Role.PORTAL)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def agent_client(agent: User) -> Client:
    return client_for(agent)


@pytest.fixture
def admin_client_(admin: User) -> Client:
    return client_for(admin)


@pytest.fixture
def outsider_client(outsider: User) -> Client:
    return client_for(outsider)
