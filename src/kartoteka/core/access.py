"""Who may open which page: staff pages and the administrator's settings pages.

Anonymous users are sent to the login page; portal users get 404 on staff pages (for them
these pages do not exist); staff who lack a right get 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseBase

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from kartoteka.people.models import User

View = Callable[..., HttpResponseBase]


class StaffRequest(HttpRequest):
    """A request that ``staff_member_required`` let through (for type checking)."""

    user: User  # type: ignore[assignment]
    htmx: HtmxDetails


def staff_member_required(view: View) -> View:
    """Signed-in staff only."""

    @wraps(view)
    def wrapper(request: StaffRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_staff_member:
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def administrator_required(view: View) -> View:
    """Administrators only."""

    @wraps(view)
    def wrapper(request: StaffRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_administrator:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return staff_member_required(wrapper)


def case_worker_required(view: View) -> View:
    """Staff who work with cases; for everyone else case pages (and triage) do not exist."""

    @wraps(view)
    def wrapper(request: StaffRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.works_with_cases:
            raise Http404
        return view(request, *args, **kwargs)

    return staff_member_required(wrapper)


def case_configurator_required(view: View) -> View:
    """Users who configure cases (``User.configures_cases``): the case settings and the
    workflow rules; other staff get 403 (the pages are no secret, the right is missing)."""

    @wraps(view)
    def wrapper(request: StaffRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.configures_cases:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return staff_member_required(wrapper)
