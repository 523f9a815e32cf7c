from __future__ import annotations

import pytest

from kartoteka.mail.models import Message
from kartoteka.notifications import services
from kartoteka.notifications.models import TEXT_MAX_LENGTH, Notification
from kartoteka.people.models import User
from kartoteka.testing.cases import make_case
from kartoteka.testing.people import UserFactory

pytestmark = pytest.mark.django_db


def recipients(notifications: list[Notification]) -> list[str]:
    return sorted(notification.recipient.username for notification in notifications)


def test_one_notification_per_distinct_recipient_without_the_actor(agent, supervisor, manager):
    case = make_case()
    created = services.notify(
        users=[agent, supervisor, agent, manager],
        case=case,
        kind=Notification.Kind.NOTE,
        actor=supervisor,
        text="Proszę oddzwonić",
    )
    assert recipients(created) == ["agent", "manager"]
    assert Notification.objects.filter(case=case).count() == 2
    row = Notification.objects.get(recipient=agent)
    assert (row.kind, row.actor, row.text, row.read_at, row.emailed_at) == (
        "note",
        supervisor,
        "Proszę oddzwonić",
        None,
        None,
    )


def test_inactive_portal_and_non_case_users_are_not_told(agent, clerk, portal_user):
    gone = UserFactory(username="gone", can_work_with_cases=True, is_active=False)
    portal_worker = UserFactory(username="portal2", role=User.Role.PORTAL, can_work_with_cases=True)
    case = make_case()
    created = services.notify(
        users=[agent, clerk, portal_user, gone, portal_worker],
        case=case,
        kind=Notification.Kind.NEW_CASE,
    )
    assert recipients(created) == ["agent"]


def test_a_restricted_case_is_not_told_to_the_outsider(
    agent, supervisor, outsider, manager, admin, restricted_account
):
    case = make_case(account=restricted_account)
    created = services.notify(
        users=[agent, supervisor, outsider, manager, admin],
        case=case,
        kind=Notification.Kind.CHANGED,
    )
    assert recipients(created) == ["admin", "agent", "manager", "supervisor"]


def test_the_text_is_shortened_to_the_column(agent):
    case = make_case()
    [row] = services.notify(
        users=[agent], case=case, kind=Notification.Kind.NOTE, text="słowo " * 200
    )
    row.refresh_from_db()
    assert len(row.text) == TEXT_MAX_LENGTH
    assert row.text.endswith("…")


def test_an_unknown_kind_is_refused(agent):
    with pytest.raises(ValueError, match="unknown notification kind"):
        services.notify(users=[agent], case=make_case(), kind="gossip")
    assert Notification.objects.count() == 0


def test_immediate_emails_go_after_commit_only_to_those_who_want_them(
    agent, supervisor, manager, mailbox, django_capture_on_commit_callbacks, frozen_now
):
    supervisor.notification_email = User.NotificationEmail.HOURLY
    supervisor.save()
    manager.notification_email = User.NotificationEmail.OFF
    manager.save()
    case = make_case("Awaria serwera")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(
            users=[agent, supervisor, manager], case=case, kind=Notification.Kind.MESSAGE
        )
    # then
    sent = Message.objects.filter(direction=Message.Direction.OUTBOUND, automatic=True)
    assert [[entry["address"] for entry in m.to] for m in sent] == [["agent@firma.example"]]
    emailed = dict(Notification.objects.values_list("recipient__username", "emailed_at"))
    assert emailed == {"agent": frozen_now, "supervisor": None, "manager": None}


def test_nothing_is_emailed_before_commit(agent, mailbox):
    services.notify(users=[agent], case=make_case(), kind=Notification.Kind.MESSAGE)
    assert Message.objects.filter(direction=Message.Direction.OUTBOUND).count() == 0


def test_mark_read_marks_only_ones_own(agent, outsider, frozen_now):
    case = make_case()
    [mine] = services.notify(users=[agent], case=case, kind=Notification.Kind.NOTE)
    # when the outsider tries the agent's id, then the agent does
    by_outsider = services.notification_mark_read(user=outsider, notification_id=mine.pk)
    after_outsider = Notification.objects.get(pk=mine.pk).read_at
    by_agent = services.notification_mark_read(user=agent, notification_id=mine.pk)
    again = services.notification_mark_read(user=agent, notification_id=mine.pk)
    # then
    assert (by_outsider, after_outsider, by_agent, again) == (False, None, True, False)
    assert Notification.objects.get(pk=mine.pk).read_at == frozen_now


def test_mark_all_read_leaves_other_users_unread(agent, supervisor):
    case = make_case()
    services.notify(users=[agent, supervisor], case=case, kind=Notification.Kind.NOTE)
    services.notify(users=[agent], case=case, kind=Notification.Kind.MESSAGE)
    marked = services.notifications_mark_all_read(user=agent)
    assert marked == 2
    assert Notification.objects.unread().filter(recipient=agent).count() == 0
    assert Notification.objects.unread().filter(recipient=supervisor).count() == 1


def test_visible_to_is_only_ones_own(agent, supervisor, portal_user):
    case = make_case()
    services.notify(users=[agent, supervisor], case=case, kind=Notification.Kind.NOTE)
    assert [n.recipient for n in Notification.objects.visible_to(agent)] == [agent]
    assert list(Notification.objects.visible_to(portal_user)) == []
