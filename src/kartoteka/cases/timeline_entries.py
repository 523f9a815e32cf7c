"""The cases' part of the customer file's timeline: cases opened, comments and internal notes.

Read through ``Case.visible_to`` and ``CaseNote.visible_to``: a reader who may not see a case
sees neither it nor its notes. Registered in ``CasesConfig.ready``.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kartoteka.cases.models import Case, CaseNote
from kartoteka.core.text_search import contains_ignoring_case
from kartoteka.customers.timeline import (
    Entry,
    Figure,
    Window,
    excerpt,
    narrowed,
    older_than,
    within_dates,
)
from kartoteka.people.models import User

CASE = "case"
COMMENT = "comment"
INTERNAL_NOTE = "internal_note"


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
        for kind, internal in ((COMMENT, False), (INTERNAL_NOTE, True)):
            if window.wants(kind):
                found += self._notes(window, kind, internal=internal)
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
            rows = rows.filter(contains_ignoring_case("subject", window.query))
        rows = rows.select_related("created_by", "status").order_by("-created_at", "-pk")
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
                context=case.status.name,
            )
            for case in rows[: window.limit + 1]
        ]

    def _notes(self, window: Window, kind: str, *, internal: bool) -> list[Entry]:
        rows = CaseNote.objects.visible_to(window.user).filter(
            Q(case__account_id=window.account_id, internal=internal)
            & older_than(window, kind)
            & within_dates(window)
        )
        rows = narrowed(
            rows, window, contacts="case__contacts", case_number="case__number", author="author_id"
        )
        if window.query:
            rows = rows.filter(contains_ignoring_case("text", window.query))
        rows = rows.select_related("author", "case").order_by("-created_at", "-pk")
        title = _("Internal note") if internal else _("Comment")
        return [
            Entry(
                kind=kind,
                at=note.created_at,
                key=note.pk,
                title=title,
                url=f"{note.case.get_absolute_url()}#note-{note.pk}",
                who=str(note.author or ""),
                text=excerpt(note.text),
                context=f"#{note.case.number} {note.case.subject}",
            )
            for note in rows[: window.limit + 1]
        ]
