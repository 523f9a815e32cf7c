"""Choosing a staff user by typing (``core.pickers``).

Users are few (tens, a few thousand at most), so the search is an ordinary filter: every word
of the text begins or is contained in the first name, last name, username or email, ignoring
case and accents; a name that begins with the text comes first. Portal users never appear: the
rows passed in are staff (``staff_users``, or the form's narrower list).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from kartoteka.core.pickers import PickerField, PickerKind, PickerMultipleField
from kartoteka.core.text_search import contains_ignoring_case, fold
from kartoteka.people.models import User

USER_FIELDS = ("first_name", "last_name", "username", "email")


def user_search(rows: QuerySet[User], text: str, limit: int) -> list[User]:
    """The users among ``rows`` matching ``text``; without a text the first ``limit`` by name."""
    rows = rows.filter(is_active=True)
    words = text.split()[:4]
    for word in words:
        match = Q()
        for name in USER_FIELDS:
            match |= contains_ignoring_case(name, word)
        rows = rows.filter(match)
    found = list(rows.order_by("last_name", "first_name", "username", "pk")[: limit * 5])
    wanted = fold(text.strip())

    def rank(user: User) -> int:
        names = [fold(user.get_full_name()), fold(user.last_name), fold(user.username)]
        if not wanted or any(name.startswith(wanted) for name in names):
            return 0
        return 1 if any(w.startswith(wanted) for n in names for w in n.split()) else 2

    found.sort(key=rank)
    return found[:limit]


def user_detail(user: User) -> str:
    return user.email


USERS = PickerKind(url_name="people:pick-users", search=user_search, detail=user_detail)


def user_picker(*, multiple: bool = False, **kwargs: Any) -> PickerField | PickerMultipleField:
    """A staff user picker (several with ``multiple``); the form sets ``queryset``."""
    kwargs.setdefault("queryset", User.objects.none())
    if multiple:
        return PickerMultipleField(USERS, **kwargs)
    return PickerField(USERS, **kwargs)


class UserPickerField(PickerField):
    """A staff user picker as a filter's field (``django_filters`` passes the queryset)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(USERS, **kwargs)


class UserPickerFilter(django_filters.ModelChoiceFilter):
    """A list filter's staff user, chosen by typing."""

    field_class = UserPickerField
