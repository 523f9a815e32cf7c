"""Reads of users and teams for the administrator's pages."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from kartoteka.people.models import Team, User


def user_list() -> QuerySet[User]:
    """Every user with their team, in the users' own order (one query per page)."""
    return User.objects.select_related("team").order_by("last_name", "first_name", "username")


def staff_users() -> QuerySet[User]:
    """Users who may supervise or join a team: staff (not portal) users, with their team."""
    return (
        User.objects.filter(Q(is_superuser=True) | ~Q(role=User.Role.PORTAL))
        .select_related("team")
        .order_by("last_name", "first_name", "username")
    )


def team_list() -> QuerySet[Team]:
    """Every team with its supervisor and ``member_count`` (one query)."""
    return Team.objects.select_related("supervisor").annotate(member_count=Count("members"))


def active_administrators() -> QuerySet[User]:
    """Users who can still administer the installation."""
    return User.objects.filter(
        Q(role=User.Role.ADMINISTRATOR) | Q(is_superuser=True), is_active=True
    )
