"""Who follows a case: the users told about what happens to it.

A user follows or unfollows by hand (``case_follow``, ``case_unfollow``); after each
happening (``workflows.followup``), ``followers_update`` adds whom the product makes follow.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q

from kartoteka.cases.models import Case, CaseFollower, CaseNote

if TYPE_CHECKING:
    from kartoteka.cases.happenings import Happening
    from kartoteka.people.models import User


def case_follow(*, case: Case, user: User) -> bool:
    """Make ``user`` follow ``case``; whether they did not before. Idempotent, safe when two
    requests race (the unique constraint keeps one row)."""
    _row, created = CaseFollower.objects.get_or_create(case=case, user=user)
    return created


def case_unfollow(*, case: Case, user: User) -> bool:
    """Stop ``user`` following ``case``; whether they did."""
    deleted, _per_model = CaseFollower.objects.filter(case=case, user=user).delete()
    return bool(deleted)


def followers_add(*, case: Case, users: Iterable[User]) -> int:
    """Make every user of ``users`` follow ``case`` (those already following stay); how many
    began to follow."""
    wanted = {user.pk for user in users if user is not None and user.pk is not None}
    if not wanted:
        return 0
    already = set(
        CaseFollower.objects.filter(case=case, user_id__in=wanted).values_list("user_id", flat=True)
    )
    new = [CaseFollower(case=case, user_id=pk) for pk in sorted(wanted - already)]
    CaseFollower.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def case_followers(case: Case) -> list[User]:
    """The users following ``case``, in name order."""
    from kartoteka.people.models import User

    return list(User.objects.filter(followed_cases__case=case, is_active=True))


# A few hundred EXISTS columns per statement stay well inside every database's limits.
_VIEWERS_PER_QUERY = 200


def case_viewers_among(case: Case, users: Iterable[User]) -> list[User]:
    """Those of ``users`` who work with cases and may see ``case``, in the given order.

    One query however many users: each user's own ``Case.objects.visible_to`` as an
    ``EXISTS`` column of a single row, so the visibility rule stays written once (in the
    model) and a restricted account's case is never followed by someone who cannot see it.
    """
    candidates = {user.pk: user for user in users if user is not None and user.works_with_cases}
    if not candidates:
        return []
    seen: set[int] = set()
    pks = list(candidates)
    for start in range(0, len(pks), _VIEWERS_PER_QUERY):
        chunk = pks[start : start + _VIEWERS_PER_QUERY]
        columns = {
            f"u{pk}": Exists(Case.objects.visible_to(candidates[pk]).filter(pk=OuterRef("pk")))
            for pk in chunk
        }
        row = Case.objects.filter(pk=case.pk).values(**columns).first() or {}
        seen.update(pk for pk in chunk if row.get(f"u{pk}"))
    return [user for pk, user in candidates.items() if pk in seen]


def followers_update(happening: Happening, case: Case) -> None:
    """Who follows the case after a happening (the first step of ``happening_follow``).

    - ``case_created``: the creator, the assignee, every user who follows each new case
      (``User.auto_follow_new_cases``) and every member of a team that does
      (``Team.auto_follow_new_cases``); and the reporter's portal login, if any;
    - ``case_updated`` with a new assignee: the new assignee;
    - ``note_added``: the note's author and the users it mentions;
    - anything else (``message_received``, ``case_overdue``): nobody new.

    Only active users who work with cases and may see the case begin to follow (one query
    for all of them, ``case_viewers_among``). Idempotent: the worker may run a happening
    twice, and those already following stay as they are; nobody is ever unfollowed here.
    """
    from kartoteka.cases.happenings import Kind
    from kartoteka.cases.selectors import case_workers

    if happening.kind == Kind.CASE_CREATED:
        named = {pk for pk in (happening.actor_id, case.assignee_id) if pk is not None}
        users = list(
            case_workers()
            .filter(
                Q(pk__in=named)
                | Q(auto_follow_new_cases=True)
                | Q(team__auto_follow_new_cases=True)
            )
            .order_by("pk")
        )
    elif happening.kind == Kind.CASE_UPDATED and "assignee" in happening.changes:
        _old, new = happening.changes["assignee"]
        users = list(case_workers().filter(pk=new)) if new is not None else []
    elif happening.kind == Kind.NOTE_ADDED and happening.note_id is not None:
        note = CaseNote.objects.filter(pk=happening.note_id, case=case).first()
        if note is None:
            return  # deleted meanwhile
        mentioned = set(note.mentioned.values_list("pk", flat=True))
        named = mentioned | ({note.author_id} if note.author_id is not None else set())
        users = list(case_workers().filter(pk__in=named).order_by("pk"))
    else:
        return
    followers_add(case=case, users=case_viewers_among(case, users))
    if happening.kind == Kind.CASE_CREATED and case.reporter_id is not None:
        followers_add(case=case, users=_reporter_portal_login(case))


def _reporter_portal_login(case: Case) -> list[User]:
    """The portal login of the case's reporter, if it may see the case in the portal: portal
    users follow their cases (``notifications.portal_notices`` tells them of public answers;
    staff notifications never reach them)."""
    from kartoteka.people.models import User

    login = User.objects.filter(
        portal_contact=case.reporter_id, is_active=True, role=User.Role.PORTAL
    ).first()
    if login is None or not Case.objects.visible_to(login).filter(pk=case.pk).exists():
        return []
    return [login]
