"""The name of an admin-defined list value in the reader's language.

Lists the administrators edit (case statuses, priorities, types...) hold a main name and,
optionally, a name per language (``names``, keyed by language code). Every page, API answer,
export, email and print shows such a value through ``local_name``: the name in the active
language, else the main name, translated when it is one of the names the product starts with
(those are stored as their English message, or matched by the lists' ``defaults`` modules).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.utils.translation import get_language, gettext


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
