"""Cases and their notes in the global search (``core.search_index``).

The services write the entries (``case_entry``, ``note_entry``) in the transaction of the
change; the sources rebuild them and show hits only through ``Case.visible_to`` and
``CaseNote.visible_to``. Registered in ``CasesConfig.ready``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kartoteka.cases.models import Case, CaseNote
from kartoteka.core.search_index import BATCH, Hit, IndexEntry, ModelSource, batched

if TYPE_CHECKING:
    from kartoteka.people.models import User


def case_entry(case: Case) -> IndexEntry:
    """The number is the case's identifier ("3932", "#3932" and "[ACME#3932]" find it)."""
    return _case_entry(case.pk, case.number, case.subject, case.description, case.account_id)


def _case_entry(
    pk: int, number: int, subject: str, description: str, account_id: int | None
) -> IndexEntry:
    return IndexEntry(
        "case", pk, keys=[str(number)], title=subject, body=description, account_id=account_id
    )


def note_entry(note: CaseNote) -> IndexEntry:
    return _note_entry(note.pk, note.text, note.account_id)


def _note_entry(pk: int, text: str, account_id: int | None) -> IndexEntry:
    return IndexEntry("note", pk, body=text, account_id=account_id)


class CaseSource(ModelSource):
    model = Case
    kind = "case"
    label = gettext_lazy("Cases")

    def entries(self) -> Iterator[list[IndexEntry]]:
        rows = Case.objects.order_by("pk").values_list(
            "pk", "number", "subject", "description", "account_id"
        )
        for batch in batched(rows.iterator(chunk_size=BATCH)):
            yield [_case_entry(*row) for row in batch]

    def hits(self, user: User, object_ids: Sequence[int]) -> dict[int, Hit]:
        rows = (
            Case.objects.visible_to(user)
            .filter(pk__in=object_ids)
            .select_related("account", "status")
            .only("number", "subject", "description", "created_at", "account__name", "status__name")
        )
        return {
            case.pk: Hit(
                "case",
                case.pk,
                title=f"#{case.number} {case.subject}",
                url=case.get_absolute_url(),
                context=" · ".join(
                    part for part in (case.status.name, case.account and case.account.name) if part
                ),
                text=case.description,
                at=case.created_at,
            )
            for case in rows
        }


class NoteSource(ModelSource):
    model = CaseNote
    kind = "note"
    label = gettext_lazy("Notes and comments")

    def entries(self) -> Iterator[list[IndexEntry]]:
        rows = CaseNote.objects.order_by("pk").values_list("pk", "text", "account_id")
        for batch in batched(rows.iterator(chunk_size=BATCH)):
            yield [_note_entry(*row) for row in batch]

    def hits(self, user: User, object_ids: Sequence[int]) -> dict[int, Hit]:
        rows = (
            CaseNote.objects.visible_to(user)
            .filter(pk__in=object_ids)
            .select_related("case", "author")
        )
        return {
            note.pk: Hit(
                "note",
                note.pk,
                title=(
                    _("Internal note on #%(number)s")
                    if note.internal
                    else _("Comment on #%(number)s")
                )
                % {"number": note.case.number},
                url=f"{note.case.get_absolute_url()}#note-{note.pk}",
                context=" · ".join(
                    part for part in (note.case.subject, str(note.author or "")) if part
                ),
                text=note.text,
                at=note.created_at,
            )
            for note in rows
        }
