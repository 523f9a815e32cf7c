"""The ``{placeholders}`` of a rule's email, filled like canned responses (``mail.canned``):
plain replacement of known names, never ``str.format`` on the administrator's text."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kartoteka.mail.sending import canned

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

    from kartoteka.cases.models import Case

PLACEHOLDERS: dict[str, StrPromise] = {
    "case_number": _("the case's number"),
    "case_subject": _("the case's subject"),
    "case_tag": _("the case's subject tag, e.g. [ACME#3932]"),
    "case_url": _("the address of the case's page (for staff)"),
    "case_status": _("the case's status"),
    "case_priority": _("the case's priority"),
    "case_type": _("the case's type"),
    "case_category": _("the case's category"),
    "case_group": _("the case's group"),
    "assignee_name": _("the full name of the case's assignee"),
    "contact_name": _("the full name of the case's reporter (else its first contact)"),
    "contact_first_name": _("the first name of the case's reporter (else its first contact)"),
    "customer_name": _("the name of the case's customer"),
}


def placeholders_unknown(text: str) -> list[str]:
    """The ``{names}`` in ``text`` that are not placeholders of a rule's email."""
    return canned.placeholders_unknown(text, known=PLACEHOLDERS.keys())


def placeholder_values(case: Case, *, prefix: str) -> dict[str, str]:
    """What each placeholder stands for in ``case`` ("" when the case has nothing there)."""
    contact = case.reporter or case.contacts.order_by("last_name", "first_name", "pk").first()

    def text(value: object) -> str:
        return "" if value is None else str(value)

    return {
        "case_number": str(case.number),
        "case_subject": case.subject,
        "case_tag": f"[{prefix}#{case.number}]",
        "case_url": settings.SITE_URL + case.get_absolute_url(),
        "case_status": text(case.status),
        "case_priority": text(case.priority),
        "case_type": text(case.case_type),
        "case_category": text(case.category),
        "case_group": text(case.group),
        "assignee_name": text(case.assignee),
        "contact_name": text(contact),
        "contact_first_name": (contact.first_name or str(contact)) if contact is not None else "",
        "customer_name": case.account.name if case.account is not None else "",
    }


def placeholders_fill(text: str, *, values: dict[str, str]) -> str:
    return canned.canned_render(text, values=values)
