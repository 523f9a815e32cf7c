"""Global search: everything a user may see that holds the words, grouped by kind.

The index (``core.search_index``) gives each kind's candidates — identifiers first (a case
number, NIP, REGON, phone, email address found in an entry's keys), then the newest entries
holding every word, ranked. Each candidate is then checked by its app's source through the
model's ``visible_to``: what the user may not see is dropped before anything of it (title,
excerpt, count) is used. When visibility drops many, older candidates are fetched, a few
rounds at most, so a user who sees little still gets results.

A kind costs two to four statements per round — the index (identifiers, the words whole,
then as a prefix) and the visible keys among the candidates — and one or two more for the few
hits shown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from kartoteka.core.search_index import (
    KIND_CODES,
    PREFIX_MIN,
    Hit,
    Query,
    index_search,
    query_parse,
    source_of,
    sources,
)
from kartoteka.core.text_search import fold

if TYPE_CHECKING:
    from kartoteka.people.models import User

PER_KIND = 5  # hits per group on the search page
PER_KIND_PAGE = 50  # hits on a kind's own page ("more of this kind")
CANDIDATES = 100  # candidates of a kind read from the index per round
ROUNDS = 5  # rounds of candidates at most, when visibility drops many
MIN_LENGTH = 2
SHOWN_TEXT = 1_000  # the longest search text shown back (the box takes no more)
EXCERPT = 220


@dataclass(frozen=True)
class FoundHit:
    hit: Hit
    exact: bool
    excerpt: list[tuple[str, bool]]  # (text, is a word found) parts


@dataclass(frozen=True)
class Group:
    kind: str
    label: str
    hits: list[FoundHit]
    more: bool  # more visible hits than shown

    @property
    def exact(self) -> bool:
        return any(found.exact for found in self.hits)


@dataclass(frozen=True)
class SearchResult:
    text: str
    query: Query
    groups: list[Group] = field(default_factory=list)
    problem: str = ""  # why nothing was searched, or what was left out

    @property
    def total(self) -> int:
        return sum(len(group.hits) for group in self.groups)


def global_search(
    *, user: User, text: str, kind: str = "", per_kind: int = PER_KIND
) -> SearchResult:
    """What ``user`` may see that ``text`` finds: all kinds (up to ``per_kind`` each), or one.

    Never raises on the text: an empty, one-letter, over-long text or one in any query
    syntax gets a result with ``problem`` saying what happened.
    """
    text = text.replace("\x00", "")[:SHOWN_TEXT]  # as the page shows it back
    query = query_parse(text)
    if query.empty or (not query.identifiers and len("".join(query.words)) < MIN_LENGTH):
        problem = _("Type at least %(count)d letters or digits to search.") % {"count": MIN_LENGTH}
        return SearchResult(text, query, problem=problem if text.strip() else "")
    chosen = [source for source in sources() if not kind or source.kind == kind]
    groups = []
    # Words whole first; the last word as a beginning only when that finds nothing at all
    # (see ``index_search``: expanding a common beginning costs more than the search).
    for prefix in (False, True):
        for source in chosen:
            found, more = _kind_hits(user, query, source.kind, per_kind, prefix=prefix)
            if found:
                groups.append(Group(source.kind, str(source.label), found, more))
        if groups or not query.words or len(query.words[-1]) < PREFIX_MIN:
            break
    groups.sort(key=lambda group: (not group.exact, KIND_CODES[group.kind]))
    problem = _("Only the beginning of the search text was used.") if query.shortened else ""
    return SearchResult(text, query, groups, problem)


def _kind_hits(
    user: User, query: Query, kind: str, wanted: int, *, prefix: bool
) -> tuple[list[FoundHit], bool]:
    """Up to ``wanted`` visible hits of ``kind``, and whether there are more."""
    source = source_of(kind)
    if source is None:
        return [], False
    shown: list[tuple[int, bool]] = []
    seen: set[int] = set()
    older_than = None
    for _round in range(ROUNDS):
        matches = index_search(
            query, kind, limit=max(CANDIDATES, wanted * 2), older_than=older_than, prefix=prefix
        )
        fresh = [match for match in matches.found if match.object_id not in seen]
        visible = source.visible(user, [match.object_id for match in fresh]) if fresh else set()
        for match in fresh:
            seen.add(match.object_id)
            if match.object_id in visible:
                shown.append((match.object_id, match.exact))
        if len(shown) > wanted or matches.older_than is None:
            break
        older_than = matches.older_than
    hits = source.hits(user, [object_id for object_id, _exact in shown[:wanted]])
    found = [
        FoundHit(hits[object_id], exact, excerpt(hits[object_id].text, query.words))
        for object_id, exact in shown[:wanted]
        if object_id in hits  # changed between the two statements
    ]
    return found, len(shown) > wanted


def _folded_with_positions(text: str) -> tuple[str, list[int]]:
    """``fold(text)`` and, for each of its characters, the index of the character it came from."""
    folded = fold(text)
    if len(folded) == len(text):
        return folded, list(range(len(text)))
    chars: list[str] = []
    positions: list[int] = []
    for index, char in enumerate(text):
        for folded_char in fold(char):
            chars.append(folded_char)
            positions.append(index)
    return "".join(chars), positions


def excerpt(text: str, words: Sequence[str], length: int = EXCERPT) -> list[tuple[str, bool]]:
    """A piece of ``text`` around the first word found (its beginning if none), split into
    parts with the found words marked; words are matched folded, at a word's start."""
    text = " ".join(text[:20_000].split())
    if not text:
        return []
    folded, positions = _folded_with_positions(text)
    pattern = (
        re.compile(r"(?<!\w)(?:" + "|".join(re.escape(word) for word in words) + ")")
        if words
        else None
    )
    found = [] if pattern is None else list(pattern.finditer(folded))
    start = 0
    if found:
        start = max(0, positions[found[0].start()] - length // 4)
        if start:
            start = text.find(" ", start) + 1 or start
    end = min(len(text), start + length)
    parts: list[tuple[str, bool]] = [("…" if start else "", False)]
    cursor = start
    for match in found:
        begin = positions[match.start()]
        finish = positions[match.end() - 1] + 1
        if begin < cursor or begin >= end:
            continue
        parts += [(text[cursor:begin], False), (text[begin:finish], True)]
        cursor = finish
    parts.append((text[cursor:end], False))
    if end < len(text):
        parts.append(("…", False))
    return [(part, marked) for part, marked in parts if part]
