"""The "Portal" box of the staff's contact page: the contact's login and what to do with it.

The contact page belongs to ``customers``, below the portal; it loads this library, so the
portal's state and forms come from the portal's own code."""

from __future__ import annotations

from typing import Any

from django import template

from kartoteka.customers.models import Contact, PortalRole
from kartoteka.portal.accounts.services import LoginState, login_email, login_state

register = template.Library()


@register.inclusion_tag("portal/account/staff_contact_box.html", takes_context=True)
def portal_login_box(context: template.Context, contact: Contact) -> dict[str, Any]:
    return {
        "contact": contact,
        "state": login_state(contact),
        "states": LoginState,
        "email": login_email(contact),
        "roles": PortalRole.objects.all(),
        "csrf_token": context.get("csrf_token"),
    }
