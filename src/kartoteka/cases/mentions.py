"""@mentions in the case stream: finding them in a post, and showing them.

A mention is ``@`` and a username (letters, digits and ``@.+-_``, as Django allows), where
the ``@`` starts the text or follows a character that cannot be part of a username (a space,
a line break, a bracket, a comma…). So ``jan@firma.pl`` is an address, not a mention of
``firma.pl``, while ``(@jan)`` and ``cc:@jan`` mention ``jan``. A mention ends with a letter
or digit: the full stop in "ask @jan." ends the sentence. Usernames match regardless of case.

Only active users who work with cases and may see the case are mentioned; other names are
left as text. Who is mentioned is stored on the note (``CaseNote.mentioned``) when it is
written; the notifications tell them, and they begin to follow the case
(``following.followers_update``).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import normalize_newlines

from kartoteka.cases.following import case_viewers_among

if TYPE_CHECKING:
    from kartoteka.cases.models import Case
    from kartoteka.people.models import User

MENTION = re.compile(r"(?<![\w@.+-])@([\w.@+-]*\w)")
# A post naming more people than this is a list, not a call: the rest are left as text.
MAX_MENTIONS = 50
USERNAME_MAX_LENGTH = 150


def mention_names(text: str) -> list[str]:
    """The usernames mentioned in ``text``, each once (by lower case), in order of appearance."""
    names: dict[str, str] = {}
    for match in MENTION.finditer(text):
        name = match.group(1)
        if len(name) <= USERNAME_MAX_LENGTH:
            names.setdefault(name.lower(), name)
    return list(names.values())[:MAX_MENTIONS]


def mentions_resolve(*, case: Case, text: str) -> list[User]:
    """The users ``text`` mentions who may be told about ``case``: active, working with cases
    and seeing the case. An exact username wins over one that differs only in case; a name
    matching several users only in case mentions nobody. Two queries whatever the count."""
    from kartoteka.cases.selectors import case_workers

    names = mention_names(text)
    if not names:
        return []
    wanted = Q()
    for name in names:
        wanted |= Q(username__iexact=name)
    candidates = list(case_workers().filter(wanted).order_by("pk"))
    found: dict[int, User] = {}
    for name in names:
        exact = [user for user in candidates if user.username == name]
        alike = [user for user in candidates if user.username.lower() == name.lower()]
        chosen = exact or (alike if len(alike) == 1 else [])
        for user in chosen:
            found.setdefault(user.pk, user)
    return case_viewers_among(case, found.values())


def mentions_html(text: str, names: Collection[str]) -> SafeString:
    """``text`` as paragraphs (as the ``linebreaks`` filter makes them), every character
    escaped, with the mentions of ``names`` (usernames) highlighted. Nothing of the text
    itself becomes markup."""
    wanted = {name.lower() for name in names}
    text = normalize_newlines(text)
    pieces: list[str] = []
    last = 0
    for match in MENTION.finditer(text):
        if match.group(1).lower() not in wanted:
            continue
        pieces.append(escape(text[last : match.start()]))
        pieces.append(format_html('<span class="mention">@{}</span>', match.group(1)))
        last = match.end()
    pieces.append(escape(text[last:]))
    paragraphs = re.split("\n{2,}", "".join(pieces))
    # Every piece was escaped or built by ``format_html`` above.
    return mark_safe("\n\n".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in paragraphs))  # noqa: S308
