"""The case's stream as its page shows it: public comments and internal notes, each with its
mentions highlighted, and who follows the case.

The notes come with the case (``selectors.case_get_for_user`` prefetches them with their
authors); the followers and every note's mentioned users are read together in one query, so
the page costs the same whatever the number of notes, mentions and followers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import IntegerField, Value
from django.utils.safestring import SafeString

from kartoteka.cases.mentions import mentions_html
from kartoteka.cases.models import Case, CaseFollower, CaseNote
from kartoteka.people.models import User


@dataclass(frozen=True)
class StreamPost:
    """A note or comment as its card shows it."""

    note: CaseNote
    html: SafeString  # the text escaped, as paragraphs, with its mentions highlighted
    anchor: str

    @property
    def internal(self) -> bool:
        return self.note.internal


@dataclass(frozen=True)
class CaseStream:
    posts: list[StreamPost]
    followers: list[User]  # active users, in name order
    following: bool  # whether the reader follows the case


# The marker of a follower's row in the combined query (note ids start at 1).
_FOLLOWER = 0
_USER_FIELDS = ("user_id", "user__username", "user__first_name", "user__last_name")


def case_stream(case: Case, *, user: User) -> CaseStream:
    """The posts of ``case`` oldest first, its followers and whether ``user`` is one of them.

    One query (the followers and the mentions together, as a ``UNION ALL``) besides the
    notes the case was fetched with.
    """
    followers_rows = (
        CaseFollower.objects.filter(case=case, user__is_active=True)
        .annotate(marker=Value(_FOLLOWER, output_field=IntegerField()))
        .values_list("marker", *_USER_FIELDS)
    )
    mention_rows = CaseNote.mentioned.through.objects.filter(casenote__case=case).values_list(
        "casenote_id", *_USER_FIELDS
    )
    followers: list[User] = []
    mentioned: defaultdict[int, set[str]] = defaultdict(set)
    for marker, pk, username, first_name, last_name in followers_rows.union(mention_rows, all=True):
        if marker == _FOLLOWER:
            followers.append(
                User(pk=pk, username=username, first_name=first_name, last_name=last_name)
            )
        else:
            mentioned[marker].add(username)
    followers.sort(key=lambda u: (u.last_name, u.first_name, u.username))
    posts = [
        StreamPost(
            note=note,
            html=mentions_html(note.text, mentioned.get(note.pk, ())),
            anchor=f"note-{note.pk}",
        )
        for note in case.notes.all()
    ]
    return CaseStream(
        posts=posts,
        followers=followers,
        following=any(follower.pk == user.pk for follower in followers),
    )
