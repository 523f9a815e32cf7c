"""The cases' part of the customer file's timeline: cases opened, comments and internal notes.

Read through ``Case.visible_to`` and ``CaseNote.visible_to``: a reader who may not see a case
sees neither it nor its notes. Registered in ``CasesConfig.ready``.
"""

from __future__ import annotations

import operator
from functools import reduce

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kartoteka.cases.models import Case, CaseNote
from kartoteka.core.search_index import index_matches_in_file
from kartoteka.customers.timeline import (
    Entry,
    Figure,
    Window,
    excerpt,
    narrowed,
    older_than,
    page_span,
    within_dates,
)
from kartoteka.people.models import User

CASE = "case"
COMMENT = "comment"
INTERNAL_NOTE = "internal_note"
_USER_NAME = ("first_name", "last_name", "username")  # what ``str(user)`` reads


class CaseEntries:
    kinds = [
        (CASE, gettext_lazy("Cases opened")),
        (COMMENT, gettext_lazy("Comments")),
        (INTERNAL_NOTE, gettext_lazy("Internal notes")),
    ]

    def entries(self, window: Window) -> list[Entry]:
        found: list[Entry] = []
        if window.wants(CASE):
            found += self._cases(window)
        notes = [kind for kind in (COMMENT, INTERNAL_NOTE) if window.wants(kind)]
        if notes:
            found += self._notes(window, notes)
        return found

    def figures(self, user: User, account_id: int) -> list[Figure]:
        cases = Case.objects.visible_to(user).filter(account_id=account_id)
        open_cases = cases.filter(status__closes_case=False).count()
        return [Figure(_("Open cases"), str(open_cases))]

    def _cases(self, window: Window) -> list[Entry]:
        rows = Case.objects.visible_to(window.user).filter(
            Q(account_id=window.account_id) & older_than(window, CASE) & within_dates(window)
        )
        rows = narrowed(
            rows, window, contacts="contacts", case_number="number", author="created_by_id"
        )
        if window.query:
            rows = rows.filter(
                index_matches_in_file(
                    window.query, "case", window.account_id, prefix=window.query_prefix
                )
            )
        rows = (
            rows.select_related("created_by", "status")
            .only(
                "number", "subject", "description", "created_at", "status__name",
                "status__names",
                *(f"created_by__{name}" for name in _USER_NAME),
            )
            .order_by("-created_at", "-pk")
        )  # fmt: skip
        return [
            Entry(
                kind=CASE,
                at=case.created_at,
                key=case.pk,
                title=_("Case #%(number)s opened: %(subject)s")
                % {"number": case.number, "subject": case.subject},
                url=case.get_absolute_url(),
                who=str(case.created_by or ""),
                text=excerpt(case.description),
                context=case.status.local_name,
            )
            for case in rows[: window.limit + 1]
        ]

    def _notes(self, window: Window, kinds: list[str]) -> list[Entry]:
        """Comments and internal notes by one query: of the two together, the newest
        ``limit + 1`` are all that the page can show of either (in the timeline's order, where
        "internal_note" sorts after "comment" at the same moment)."""
        of_kinds = reduce(
            operator.or_,
            (Q(internal=kind == INTERNAL_NOTE) & older_than(window, kind) for kind in kinds),
        )
        rows = CaseNote.objects.visible_to(window.user).filter(
            Q(account_id=window.account_id) & page_span(window) & of_kinds & within_dates(window)
        )
        rows = narrowed(
            rows, window, contacts="case__contacts", case_number="case__number", author="author_id"
        )
        if window.query:
            rows = rows.filter(
                index_matches_in_file(
                    window.query, "note", window.account_id, prefix=window.query_prefix
                )
            )
        rows = (
            rows.select_related("author", "case")
            .only(
                "text", "internal", "created_at", "case__number", "case__subject",
                *(f"author__{name}" for name in _USER_NAME),
            )
            .order_by("-created_at", "-internal", "-pk")
        )  # fmt: skip
        return [
            Entry(
                kind=INTERNAL_NOTE if note.internal else COMMENT,
                at=note.created_at,
                key=note.pk,
                title=_("Internal note") if note.internal else _("Comment"),
                url=f"{note.case.get_absolute_url()}#note-{note.pk}",
                who=str(note.author or ""),
                text=excerpt(note.text),
                context=f"#{note.case.number} {note.case.subject}",
            )
            for note in rows[: window.limit + 1]
        ]
