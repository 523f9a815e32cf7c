from __future__ import annotations

from collections.abc import Callable

import factory

from kartoteka.people.models import Team, User

PASSWORD = "correct-horse-battery"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="pl_PL")
    last_name = factory.Faker("last_name", locale="pl_PL")
    email = factory.LazyAttribute(lambda u: f"{u.username}@firma.example")
    role = User.Role.AGENT
    language = "en"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


def persona(name: str) -> User:
    """One of the shared cast by its fixture's name (the root ``conftest.py`` describes
    each): created on the first call, the same row, untouched, on every later one. For data
    built once for a whole module, where the function-scoped fixtures cannot be used."""
    return _CAST[name]()


def _user(username: str, **fields: object) -> User:
    """The user of that name, made if missing; an existing one is left as it is (saving its
    password again would sign out a test client already signed in as them)."""
    found = User.objects.filter(username=username).first()
    return found if found is not None else UserFactory(username=username, **fields)


def _team(name: str) -> Team:
    return TeamFactory(name=name)


def _supervisor() -> User:
    team = _team("Support")
    user = _user("supervisor", role=User.Role.AGENT, team=team, can_work_with_cases=True)
    if team.supervisor_id != user.pk:
        team.supervisor = user
        team.save(update_fields=["supervisor"])
    return user


def _agent() -> User:
    _supervisor()
    return _user("agent", role=User.Role.AGENT, team=_team("Support"), can_work_with_cases=True)


def _case_worker(username: str, team: str) -> Callable[[], User]:
    return lambda: _user(username, role=User.Role.AGENT, team=_team(team), can_work_with_cases=True)


_CAST: dict[str, Callable[[], User]] = {
    "admin": lambda: _user("admin", role=User.Role.ADMINISTRATOR),
    "manager": lambda: _user("manager", role=User.Role.MANAGER),
    "supervisor": _supervisor,
    "agent": _agent,
    "outsider": _case_worker("outsider", "Sales"),
    "clerk": lambda: _user("clerk", role=User.Role.AGENT, team=_team("Support")),
    "portal_user": lambda: _user("portal", role=User.Role.PORTAL),
    # Of the documents' tests: a user a confidential document names, and a member of a team
    # it names.
    "named": _case_worker("named", "Legal"),
    "board_member": _case_worker("board", "Board"),
}
