"""The name of an admin-defined list value in the reader's language.

Lists the administrators edit (case statuses, priorities, types..., event types, document
types) hold a main name and, optionally, a name per language (``names``, keyed by language
code). Every page, API answer, export, email and print shows such a value through
``local_name``: the name in the active language, else the main name, translated when it is one
of the names the product starts with (those are stored as their English message, or matched by
the lists' ``defaults`` modules). Their forms get a field per language from
``names_fields_add`` and read them back with ``names_cleaned``.
"""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.conf import settings
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

# The label of a value's name in each language the product speaks.
NAME_LABELS = {
    "pl": _("Name in Polish"),
    "cs": _("Name in Czech"),
    "en": _("Name in English"),
}
NAME_HELP = _("Shown to users of this language. Empty: the main name is shown.")


def local_name(name: str, names: Mapping[str, str] | None = None) -> str:
    """``name`` as a reader of the active language should see it."""
    language = (get_language() or settings.LANGUAGE_CODE).lower()
    if names:
        own = names.get(language) or names.get(language.split("-")[0])
        if own:
            return own
    return gettext(name) if name else name


def names_clean(names: Mapping[str, str] | None) -> dict[str, str]:
    """The names per language worth storing: known languages, trimmed, not empty."""
    known = {code for code, _label in settings.LANGUAGES}
    return {
        code: " ".join(str(value).split())
        for code, value in (names or {}).items()
        if code in known and str(value).strip()
    }


def name_field(code: str) -> str:
    """The form field of the name in the language ``code``."""
    return f"name_{code}"


def names_fields_add(
    form: forms.BaseForm, names: Mapping[str, str] | None, *, max_length: int = 100
) -> None:
    """Give ``form`` a field per language right after its ``name`` field, which becomes the
    main name; ``names`` fills them."""
    names = names or {}
    fields = list(form.fields.items())
    form.fields.clear()
    for field_name, field in fields:
        form.fields[field_name] = field
        if field_name != "name":
            continue
        field.label = _("Main name")
        field.help_text = _("Shown where no name in the reader's language is given.")
        for code, label in NAME_LABELS.items():
            form.fields[name_field(code)] = forms.CharField(
                label=label,
                max_length=max_length,
                required=False,
                initial=names.get(code, ""),
                help_text=NAME_HELP,
            )


def names_cleaned(form: forms.BaseForm) -> dict[str, str]:
    """The names per language a valid form was given, as ``names_clean`` keeps them."""
    return names_clean({code: form.cleaned_data.get(name_field(code), "") for code in NAME_LABELS})
