"""The only code that writes users and teams.

Every function runs in one transaction and either makes the whole change or raises
``ValidationError`` (keyed by the form field it concerns) and changes nothing. Users are never
deleted (their history references them): they are deactivated. The installation always keeps
at least one active administrator: the checks lock every administrator's row first, so two
administrators demoting each other at once cannot both succeed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kartoteka.people.models import Team, User
from kartoteka.people.selectors import active_administrators

USER_FIELDS = frozenset(
    {
        "username", "first_name", "last_name", "email", "role", "team", "language", "time_zone",
        "can_work_with_cases", "can_configure_cases", "is_absent", "auto_follow_new_cases",
        "notification_email", "reminder_lead", "reminder_in_the_morning", "signature",
    }
)  # fmt: skip


def _check_fields(data: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")


def _validate_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.error_list}) from error


def _check_another_administrator_remains(user: User, *, field: str, message: str) -> None:
    """Refuse (``ValidationError`` on ``field``) if ``user`` is the last active administrator."""
    others = list(
        active_administrators().select_for_update().exclude(pk=user.pk).values_list("pk", flat=True)
    )
    if not others:
        raise ValidationError({field: message}, code="last_administrator")


@transaction.atomic
def user_create(*, data: dict[str, Any], password: str) -> User:
    """Create an active user from ``USER_FIELDS``; the password must pass the validators."""
    _check_fields(data, USER_FIELDS)
    user = User(**data)
    _validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def user_update(*, user: User, data: dict[str, Any]) -> User:
    """Change the given ``USER_FIELDS``; the last active administrator keeps that role."""
    _check_fields(data, USER_FIELDS)
    stored = User.objects.select_for_update().get(pk=user.pk)
    if (
        stored.is_active
        and stored.role == User.Role.ADMINISTRATOR
        and not stored.is_superuser
        and data.get("role", stored.role) != User.Role.ADMINISTRATOR
    ):
        _check_another_administrator_remains(
            stored,
            field="role",
            message=_(
                "%(user)s is the last active administrator. Make someone else an administrator "
                "first."
            )
            % {"user": stored},
        )
    for field, value in data.items():
        setattr(stored, field, value)
    stored.full_clean(exclude=["password"])
    stored.save(update_fields=list(data))
    return stored


@transaction.atomic
def user_conversation_order_set(*, user: User, order: str) -> None:
    """The reader's order of a case's conversation, remembered for every case (a preference,
    written alone: no history)."""
    if order not in User.ConversationOrder.values:
        raise ValueError(f"unknown conversation order: {order!r}")
    user.conversation_order = order
    user.save(update_fields=["conversation_order"])


@transaction.atomic
def user_notification_preferences_set(
    *,
    user: User,
    auto_follow_new_cases: bool,
    notification_email: str,
    is_absent: bool | None = None,
) -> User:
    """The user's own notification preferences: whether they follow every new case, how
    notifications reach them by email and (unless None) whether they are away, so that
    assignment rules pass them over (preferences, written alone: no history). An unknown
    email choice raises ``ValidationError`` on ``notification_email`` and changes nothing."""
    _check_notification_email(notification_email)
    user.auto_follow_new_cases = bool(auto_follow_new_cases)
    user.notification_email = notification_email
    fields = ["auto_follow_new_cases", "notification_email"]
    if is_absent is not None:
        user.is_absent = is_absent
        fields.append("is_absent")
    user.save(update_fields=fields)
    return user


@transaction.atomic
def user_notification_email_set(*, user: User, choice: str) -> User:
    """How notifications reach the user by email (the unsubscribe link sets "off");
    idempotent. An unknown choice raises ``ValidationError`` and changes nothing."""
    _check_notification_email(choice)
    user.notification_email = choice
    user.save(update_fields=["notification_email"])
    return user


def _check_notification_email(choice: str) -> None:
    if choice not in User.NotificationEmail.values:
        raise ValidationError(
            {"notification_email": _("Choose how notifications reach you by email.")},
            code="invalid_choice",
        )


def user_set_password(*, user: User, password: str) -> None:
    """Set a new password that passes the validators; the user's other sessions end."""
    _validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])


@transaction.atomic
def user_set_active(*, user: User, active: bool) -> User:
    """Activate or deactivate a user (they cannot sign in while inactive).

    The last active administrator cannot be deactivated.
    """
    stored = User.objects.select_for_update().get(pk=user.pk)
    if not active and stored.is_active and stored.is_administrator:
        _check_another_administrator_remains(
            stored,
            field="is_active",
            message=_(
                "%(user)s is the last active administrator and cannot be deactivated. Make "
                "someone else an administrator first."
            )
            % {"user": stored},
        )
    stored.is_active = active
    stored.save(update_fields=["is_active"])
    return stored


def _set_members(team: Team, members: Iterable[User]) -> None:
    """Make exactly ``members`` the team's members; they leave any other team."""
    member_pks = {member.pk for member in members}
    User.objects.filter(team=team).exclude(pk__in=member_pks).update(team=None)
    User.objects.filter(pk__in=member_pks).update(team=team)


def _check_team_name_free(name: str, exclude_pk: int | None = None) -> None:
    taken = Team.objects.filter(name__iexact=name)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError(
            {"name": _("A team named %(name)s already exists.") % {"name": name}},
            code="team_name_taken",
        )


@transaction.atomic
def team_create(
    *,
    name: str,
    supervisor: User | None,
    members: Iterable[User],
    auto_follow_new_cases: bool = False,
) -> Team:
    """Create a team; its members leave the teams they were in (a user has one team).
    With ``auto_follow_new_cases`` every member follows each new case."""
    name = name.strip()
    _check_team_name_free(name)
    team = Team(name=name, supervisor=supervisor, auto_follow_new_cases=auto_follow_new_cases)
    team.full_clean(validate_unique=False)
    team.save()
    _set_members(team, members)
    return team


@transaction.atomic
def team_update(
    *,
    team: Team,
    name: str,
    supervisor: User | None,
    members: Iterable[User],
    auto_follow_new_cases: bool | None = None,
) -> Team:
    """Rename a team, change its supervisor and set its members exactly (and, unless
    ``auto_follow_new_cases`` is None, whether every member follows each new case).

    Members left out lose their team; new ones leave the team they were in.
    """
    name = name.strip()
    _check_team_name_free(name, exclude_pk=team.pk)
    team.name = name
    team.supervisor = supervisor
    fields = ["name", "supervisor"]
    if auto_follow_new_cases is not None:
        team.auto_follow_new_cases = auto_follow_new_cases
        fields.append("auto_follow_new_cases")
    team.full_clean(validate_unique=False)
    team.save(update_fields=fields)
    _set_members(team, members)
    return team


@transaction.atomic
def team_delete(*, team: Team) -> None:
    """Delete a team; its members are left without a team."""
    User.objects.filter(team=team).update(team=None)
    team.delete()
