"""The lists a new installation starts with, named in the installation's language.

The names are marked for translation here and stored translated by the data migration,
because they are the admin's data from then on (renamed, reordered, deleted at will); each
value also gets its name in every other language (``names``), so that a Czech user of a
Polish installation reads "Otevřený" where a Polish one reads "Otwarta".
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_noop

PRIORITIES = [
    (gettext_noop("Low"), False),
    (gettext_noop("Normal"), True),
    (gettext_noop("High"), False),
    (gettext_noop("Urgent"), False),
]
CASE_TYPES = [
    (gettext_noop("Question"), True),
    (gettext_noop("Problem"), False),
    (gettext_noop("Request"), False),
    (gettext_noop("Complaint"), False),
]
CATEGORIES = [
    (gettext_noop("General"), True),
    (gettext_noop("Technical"), False),
    (gettext_noop("Invoices and payments"), False),
]
GROUPS = [(gettext_noop("Customer service"), True), (gettext_noop("Sales"), False)]
# name, default, closes the case, overdue after days
STATUSES = [
    (gettext_noop("New"), True, False, 1),
    (gettext_noop("Open"), False, False, 2),
    (gettext_noop("Waiting for customer"), False, False, 7),
    (gettext_noop("Closed"), False, True, None),
]
INCOMING_STATUS = gettext_noop("Open")
REPLY_STATUS = gettext_noop("Closed")


LISTS = {
    "Priority": [name for name, _default in PRIORITIES],
    "CaseType": [name for name, _default in CASE_TYPES],
    "Category": [name for name, _default in CATEGORIES],
    "CaseGroup": [name for name, _default in GROUPS],
    "Status": [name for name, *_rest in STATUSES],
}


def names_in_languages(message: str) -> dict[str, str]:
    """A starting value's name in every language of the product, by language code."""
    names = {}
    for code, _label in settings.LANGUAGES:
        with translation.override(code):
            names[code] = translation.gettext(message)
    return names


def default_names_fill(apps: Any, schema_editor: Any = None) -> None:
    """Give each starting value still named as the product named it (in any language) its
    name in every language; values with names of their own are left alone."""
    for model_name, messages in LISTS.items():
        known: dict[str, dict[str, str]] = {}
        for message in messages:
            translated = names_in_languages(message)
            known.update({name.casefold(): translated for name in [message, *translated.values()]})
        model = apps.get_model("cases", model_name)
        if not any(f.name == "names" for f in model._meta.get_fields()):
            return  # the migrations before the names (0002 creates the lists)
        for value in model.objects.all():
            found = known.get(value.name.casefold())
            if found and not value.names:
                value.names = found
                value.save(update_fields=["names"])


def create_default_lists(apps: Any, schema_editor: Any = None) -> None:
    """Create the default lists and the settings row unless they exist (also after a flush)."""
    with translation.override(settings.LANGUAGE_CODE):
        _ = translation.gettext
        for model_name, values in [
            ("Priority", PRIORITIES),
            ("CaseType", CASE_TYPES),
            ("Category", CATEGORIES),
            ("CaseGroup", GROUPS),
        ]:
            model = apps.get_model("cases", model_name)
            for position, (name, is_default) in enumerate(values):
                model.objects.get_or_create(
                    name=_(name), defaults={"position": position, "is_default": is_default}
                )
        Status = apps.get_model("cases", "Status")
        for position, (name, is_default, closes, overdue) in enumerate(STATUSES):
            Status.objects.get_or_create(
                name=_(name),
                defaults={
                    "position": position,
                    "is_default": is_default,
                    "closes_case": closes,
                    "overdue_after_days": overdue,
                },
            )
        CaseSettings = apps.get_model("cases", "CaseSettings")
        CaseSettings.objects.get_or_create(
            pk=1,
            defaults={
                "incoming_status": Status.objects.get(name=_(INCOMING_STATUS)),
                "reply_status": Status.objects.get(name=_(REPLY_STATUS)),
            },
        )
    default_names_fill(apps)
