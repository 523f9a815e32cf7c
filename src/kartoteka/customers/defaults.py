"""The portal roles a new installation starts with, named in the installation's language.

The names are marked for translation here and stored translated by the data migration,
because they are the administrator's data from then on (renamed, changed, deleted at will).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_noop

# name, default, sees the company's cases, sees the company's shared documents
PORTAL_ROLES = [
    (gettext_noop("Own cases"), True, False, False),
    (gettext_noop("Whole company"), False, True, True),
]


def create_default_portal_roles(apps: Any, schema_editor: Any = None) -> None:
    """Create the default portal roles unless some role exists (also after a flush)."""
    PortalRole = apps.get_model("customers", "PortalRole")
    if PortalRole.objects.exists():
        return
    with translation.override(settings.LANGUAGE_CODE):
        for name, is_default, company_cases, shared_documents in PORTAL_ROLES:
            PortalRole.objects.create(
                name=translation.gettext(name),
                is_default=is_default,
                sees_company_cases=company_cases,
                sees_shared_documents=shared_documents,
                may_create_cases=True,
                may_close_cases=True,
            )
