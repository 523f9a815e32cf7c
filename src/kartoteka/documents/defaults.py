"""The document types a new installation starts with (English names, shown translated)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

DOCUMENT_TYPES = [
    (gettext_noop("Offer"), "📝"),
    (gettext_noop("Invoice"), "🧾"),
    (gettext_noop("Order"), "📦"),
    (gettext_noop("Contract"), "📜"),
    (gettext_noop("Other"), "📄"),
]


def create_default_types(apps: Any) -> None:
    """Add the default types that are missing (a migration and the tests' database reset)."""
    document_type = apps.get_model("documents", "DocumentType")
    for position, (name, icon) in enumerate(DOCUMENT_TYPES):
        document_type.objects.get_or_create(
            name=name, defaults={"icon": icon, "position": position}
        )
