"""Who may open a portal page: a signed-in, active portal user whose login belongs to a contact.

Anonymous visitors are sent to the portal's sign-in page; staff and portal logins without a
contact get 404 (for them the portal's pages do not exist). A view behind
``portal_user_required`` finds the contact on ``request.portal_contact``, its role loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse

from kartoteka.customers.models import Contact

if TYPE_CHECKING:
    from kartoteka.people.models import User

View = Callable[..., HttpResponseBase]


class PortalRequest(HttpRequest):
    """A request behind ``portal_user_required`` (for type checking)."""

    user: User  # type: ignore[assignment]
    portal_contact: Contact


def portal_contact_of(user: Any) -> Contact | None:
    """The contact whose portal login ``user`` is, with its role and account; None for anyone
    else (anonymous, staff, an inactive login, a login no contact holds)."""
    if not user.is_authenticated or not user.is_active or user.role != user.Role.PORTAL:
        return None
    return Contact.objects.select_related("account", "portal_role").filter(portal_user=user).first()


def portal_user_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("portal:login"))
        contact = portal_contact_of(request.user)
        if contact is None:
            raise Http404
        portal_request = cast(PortalRequest, request)
        portal_request.portal_contact = contact
        return view(portal_request, *args, **kwargs)

    return wrapper


def portal_render(
    request: PortalRequest, template: str, context: dict[str, Any] | None = None
) -> HttpResponseBase:
    """Render a portal page: every page's layout shows the contact (``portal/base.html``)."""
    return render(request, template, {"portal_contact": request.portal_contact, **(context or {})})
