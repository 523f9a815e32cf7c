"""Who may open which page: staff pages and the administrator's settings pages.

Anonymous users are sent to the login page; portal users get 404 on staff pages (for them
these pages do not exist); staff who lack a right get 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, Protocol, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseBase

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

View = Callable[..., HttpResponseBase]


class HtmxRequest(HttpRequest):
    """A request that ``django_htmx``'s middleware has marked (for type checking); the views'
    own ``people.access.StaffRequest`` adds the signed-in user."""

    htmx: HtmxDetails


class SignedInRequest(HtmxRequest):
    """A request behind ``staff_member_required``: its user is signed in."""

    user: AbstractBaseUser  # type: ignore[assignment]


class _Rights(Protocol):
    """What these checks read of the signed-in user (``people.models.User``)."""

    is_staff_member: bool
    is_administrator: bool
    works_with_cases: bool
    configures_cases: bool


def _rights(request: HttpRequest) -> _Rights:
    # Behind login_required: the user is signed in, so a people.models.User.
    return cast(_Rights, request.user)


def staff_member_required(view: View) -> View:
    """Signed-in staff only."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not _rights(request).is_staff_member:
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def administrator_required(view: View) -> View:
    """Administrators only."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not _rights(request).is_administrator:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return staff_member_required(wrapper)


def case_worker_required(view: View) -> View:
    """Staff who work with cases; for everyone else case pages (and triage) do not exist."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not _rights(request).works_with_cases:
            raise Http404
        return view(request, *args, **kwargs)

    return staff_member_required(wrapper)


def case_configurator_required(view: View) -> View:
    """Users who configure cases (``User.configures_cases``): the case settings and the
    workflow rules; other staff get 403 (the pages are no secret, the right is missing)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not _rights(request).configures_cases:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return staff_member_required(wrapper)
