"""In-app notifications (and their emails) for a happening: the step ``staff_notify`` of
``workflows.followup``.

Who is told what:

- ``case_created``: the case's followers (auto-followers included: the followers step ran
  first), "new case";
- ``case_updated``: the followers, "changed", with each changed field's old and new value;
  a new assignee "assigned" instead. A change a received message made (it moved the status)
  tells nobody: ``message_received`` does;
- ``message_received``: the followers, "message", with its sender and subject; never for an
  automatic reply;
- ``note_added``: the followers, "note"; the users the note mentions, "mention" instead;
- ``case_overdue``: the followers, "overdue".

Each user is told once per happening, and never about their own act. Texts are written in
each recipient's language and time zone (recipients are grouped by them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kartoteka.cases.changes import ChangeDescription
from kartoteka.cases.following import case_followers
from kartoteka.cases.happenings import Happening, Kind
from kartoteka.cases.models import Case, CaseNote
from kartoteka.mail.models import Message
from kartoteka.notifications.emails import recipient_locale
from kartoteka.notifications.models import Notification
from kartoteka.notifications.services import notify
from kartoteka.people.models import User

if TYPE_CHECKING:
    pass


def staff_notify(happening: Happening, case: Case) -> None:
    """In-app notifications (and their emails) for a happening (see the module docstring)."""
    handler = HANDLERS.get(happening.kind)
    if handler is not None:
        handler(happening, case, _actor(happening))


def _actor(happening: Happening) -> User | None:
    if happening.actor_id is None:
        return None
    return User.objects.filter(pk=happening.actor_id).first()


def _tell(
    users: Iterable[User],
    *,
    case: Case,
    kind: str,
    actor: User | None,
    text: Callable[[], str],
) -> list[Notification]:
    """``notify`` the users, with ``text()`` written in each one's language and time zone."""
    groups: dict[tuple[str, str], list[User]] = {}
    for user in users:
        if actor is None or user.pk != actor.pk:
            groups.setdefault((user.language, user.time_zone), []).append(user)
    created: list[Notification] = []
    for group in groups.values():
        with recipient_locale(group[0]):
            created += notify(users=group, case=case, kind=kind, actor=actor, text=text())
    return created


def _case_created(happening: Happening, case: Case, actor: User | None) -> None:
    def text() -> str:
        if case.description.strip():
            return case.description
        return str(Case.Channel(happening.channel).label) if happening.channel else ""

    _tell(case_followers(case), case=case, kind=Notification.Kind.NEW_CASE, actor=actor, text=text)


def _case_updated(happening: Happening, case: Case, actor: User | None) -> None:
    changes = happening.changes
    if happening.with_message == Message.Direction.INBOUND:
        return  # a customer's message moved the status: its message_received happening tells
    describe = ChangeDescription(changes)
    assignee_id = changes.get("assignee", [None, None])[1]
    followers = [user for user in case_followers(case) if user.pk != assignee_id]
    _tell(followers, case=case, kind=Notification.Kind.CHANGED, actor=actor, text=describe.text)
    if assignee_id is not None:
        assignee = User.objects.filter(pk=assignee_id).first()
        if assignee is not None:
            _tell(
                [assignee],
                case=case,
                kind=Notification.Kind.ASSIGNED,
                actor=actor,
                text=describe.text,
            )


def _message_received(happening: Happening, case: Case, actor: User | None) -> None:
    # The message that opened the case is the case's news ("new case"), not a second one.
    if happening.auto_reply or happening.opened_case or happening.message_id is None:
        return
    message = Message.objects.filter(pk=happening.message_id).first()
    if message is None:
        return

    def text() -> str:
        sender = message.from_address
        if message.from_name:
            sender = f"{message.from_name} <{message.from_address}>"
        return _("From %(sender)s: %(subject)s") % {
            "sender": sender,
            "subject": message.subject or _("(no subject)"),
        }

    _tell(case_followers(case), case=case, kind=Notification.Kind.MESSAGE, actor=actor, text=text)


def _note_added(happening: Happening, case: Case, actor: User | None) -> None:
    if happening.note_id is None:
        return
    note = CaseNote.objects.filter(pk=happening.note_id, case=case).first()
    if note is None:
        return
    mentioned = list(note.mentioned.all())
    mentioned_pks = {user.pk for user in mentioned}
    followers = [user for user in case_followers(case) if user.pk not in mentioned_pks]

    def text() -> str:
        return note.text

    _tell(followers, case=case, kind=Notification.Kind.NOTE, actor=actor, text=text)
    _tell(mentioned, case=case, kind=Notification.Kind.MENTION, actor=actor, text=text)


def _case_overdue(happening: Happening, case: Case, actor: User | None) -> None:
    def text() -> str:
        since = case.overdue_since or timezone.now()
        return _("In the status “%(status)s” since %(since)s; overdue since %(overdue)s.") % {
            "status": case.status.local_name,
            "since": date_format(
                timezone.localtime(case.status_changed_at), "SHORT_DATETIME_FORMAT"
            ),
            "overdue": date_format(timezone.localtime(since), "SHORT_DATETIME_FORMAT"),
        }

    _tell(case_followers(case), case=case, kind=Notification.Kind.OVERDUE, actor=actor, text=text)


HANDLERS: dict[Kind, Callable[[Happening, Case, User | None], None]] = {
    Kind.CASE_CREATED: _case_created,
    Kind.CASE_UPDATED: _case_updated,
    Kind.MESSAGE_RECEIVED: _message_received,
    Kind.NOTE_ADDED: _note_added,
    Kind.CASE_OVERDUE: _case_overdue,
}
