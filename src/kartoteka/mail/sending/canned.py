"""Canned responses: texts an administrator prepares, inserted into the composer.

A text may hold placeholders such as ``{case_number}``; inserting it fills the known ones
with plain string replacement (never ``str.format`` on user text, so braces, attribute
lookups and format specs stay inert). An unknown placeholder is left as typed; the
administrator's form warns about it (``placeholders_unknown``).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from kartoteka.mail.models import CannedResponse

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

    from kartoteka.cases.models import Case
    from kartoteka.customers.models import Contact
    from kartoteka.people.models import User

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

# The one table of placeholders. Those of a case fill canned responses and workflow rules'
# emails alike; those of the writer only canned responses (a rule's email has no writer).
CASE_PLACEHOLDERS: dict[str, StrPromise] = {
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
    "salutation": _(
        "how the email opens, with a comma: the salutation of the case's reporter (else its "
        "first contact), e.g. “Szanowny Panie Janie,”; when none is written down, a neutral "
        "greeting (“Dzień dobry,”, “Dobrý den,”), never a bare first name"
    ),
    "customer_name": _("the name of the case's customer"),
}
WRITER_PLACEHOLDERS: dict[str, StrPromise] = {
    "agent_name": _("the full name of the user who writes"),
    "agent_first_name": _("the first name of the user who writes"),
}
PLACEHOLDERS: dict[str, StrPromise] = {**CASE_PLACEHOLDERS, **WRITER_PLACEHOLDERS}


def placeholders_unknown(text: str, *, known: Collection[str] = PLACEHOLDERS.keys()) -> list[str]:
    """The ``{names}`` in ``text`` that are not ``known`` placeholders (by default those of
    canned responses), each once, in order."""
    found: list[str] = []
    for name in PLACEHOLDER.findall(text):
        if name not in known and name not in found:
            found.append(name)
    return found


def salutation_for(contact: Contact | None) -> str:
    """The opening line of an email to ``contact``: its salutation (written by a user, in the
    vocative: "Szanowny Panie Janie") with a comma, else a neutral greeting in the active
    language. Never built from the first name: a name in the nominative reads wrong in
    Polish and Czech, and no rule makes a vocative right for every name."""
    written = contact.salutation.strip().rstrip(",").strip() if contact is not None else ""
    if written:
        return f"{written},"
    return pgettext("greeting opening an email", "Hello,")


def case_placeholder_values(case: Case, *, prefix: str) -> dict[str, str]:
    """What each of ``CASE_PLACEHOLDERS`` stands for in ``case`` ("" when it has nothing
    there)."""
    contact = case.reporter or case.contacts.order_by("last_name", "first_name", "pk").first()

    def text(value: object) -> str:
        return "" if value is None else str(value)

    return {
        "case_number": str(case.number),
        "case_subject": case.subject,
        "case_tag": case.tag(prefix),
        "case_url": settings.SITE_URL + case.get_absolute_url(),
        "case_status": text(case.status),
        "case_priority": text(case.priority),
        "case_type": text(case.case_type),
        "case_category": text(case.category),
        "case_group": text(case.group),
        "assignee_name": text(case.assignee),
        "contact_name": text(contact),
        "contact_first_name": (contact.first_name or str(contact)) if contact is not None else "",
        "salutation": salutation_for(contact),
        "customer_name": case.account.name if case.account is not None else "",
    }


def placeholder_values(*, case: Case, user: User, prefix: str) -> dict[str, str]:
    """What each of ``PLACEHOLDERS`` stands for in ``case`` written by ``user``."""
    return {
        **case_placeholder_values(case, prefix=prefix),
        "agent_name": str(user),
        "agent_first_name": user.first_name or str(user),
    }


def canned_render(text: str, *, values: dict[str, str]) -> str:
    """``text`` with every known ``{placeholder}`` replaced by its value, in one pass (a value
    that itself looks like a placeholder is not filled again)."""
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text)


def canned_responses_active() -> QuerySet[CannedResponse]:
    return CannedResponse.objects.filter(active=True)


@transaction.atomic
def canned_response_create(*, name: str, body: str, active: bool, position: int) -> CannedResponse:
    canned = CannedResponse(name=name.strip(), body=body, active=active, position=position)
    canned.full_clean()
    canned.save()
    return canned


@transaction.atomic
def canned_response_update(
    *, canned: CannedResponse, name: str, body: str, active: bool, position: int
) -> CannedResponse:
    canned.name, canned.body, canned.active, canned.position = name.strip(), body, active, position
    canned.full_clean()
    canned.save(update_fields=["name", "body", "active", "position"])
    return canned


@transaction.atomic
def canned_response_delete(*, canned: CannedResponse) -> None:
    canned.delete()
