from __future__ import annotations

from datetime import timedelta

import pytest

from kartoteka.cases.following import case_follow
from kartoteka.cases.happenings import Happening, Kind
from kartoteka.cases.models import Case, CaseNote, Priority, Status
from kartoteka.mail.models import Message
from kartoteka.notifications.models import Notification
from kartoteka.notifications.staff import staff_notify
from kartoteka.testing.cases import make_case

pytestmark = pytest.mark.django_db


def told(case: Case) -> dict[str, str]:
    """recipient → kind of every notification about ``case``."""
    return dict(Notification.objects.filter(case=case).values_list("recipient__username", "kind"))


def text_of(case: Case, username: str) -> str:
    return Notification.objects.get(case=case, recipient__username=username).text


def followed(case: Case, *users) -> Case:
    for user in users:
        case_follow(case=case, user=user)
    return Case.objects.select_related("account").get(pk=case.pk)


def test_a_new_case_tells_its_followers_but_not_its_creator(agent, supervisor, manager):
    case = followed(make_case(description="Drukarka na 2. piętrze"), agent, supervisor, manager)
    staff_notify(Happening(Kind.CASE_CREATED, case.pk, agent.pk, channel="user"), case)
    assert told(case) == {"supervisor": "new_case", "manager": "new_case"}
    assert text_of(case, "manager") == "Drukarka na 2. piętrze"


def test_a_change_lists_old_and_new_values_by_name(agent, supervisor):
    low = Priority.objects.create(name="Niski", position=90)
    high = Priority.objects.create(name="Wysoki", position=91)
    case = followed(make_case(priority=high), agent, supervisor)
    changes = {"priority": [low.pk, high.pk], "annotation": ["", "VIP"]}
    staff_notify(Happening(Kind.CASE_UPDATED, case.pk, agent.pk, changes=changes), case)
    assert told(case) == {"supervisor": "changed"}
    assert text_of(case, "supervisor") == "Priority: Niski → Wysoki; Annotation: — → “VIP”"


def test_the_new_assignee_is_told_assigned_and_not_changed(agent, supervisor, manager):
    case = followed(make_case(), agent, supervisor, manager)
    changes = {"assignee": [None, agent.pk]}
    staff_notify(Happening(Kind.CASE_UPDATED, case.pk, manager.pk, changes=changes), case)
    assert told(case) == {"agent": "assigned", "supervisor": "changed"}
    assert text_of(case, "agent") == f"Assignee: — → {agent}"


def test_the_assignee_who_does_not_follow_is_told_too(agent, manager):
    case = followed(make_case(), manager)
    changes = {"assignee": [None, agent.pk]}
    staff_notify(Happening(Kind.CASE_UPDATED, case.pk, None, changes=changes), case)
    assert told(case) == {"agent": "assigned", "manager": "changed"}


def test_assigning_oneself_tells_nobody_about_it_twice(agent, supervisor):
    case = followed(make_case(), agent, supervisor)
    changes = {"assignee": [None, agent.pk]}
    staff_notify(Happening(Kind.CASE_UPDATED, case.pk, agent.pk, changes=changes), case)
    assert told(case) == {"supervisor": "changed"}


def test_a_status_moved_by_incoming_mail_tells_nobody(agent):
    case = followed(make_case(), agent)
    other = Status.objects.create(name="Odpowiedź klienta", position=77)
    changes = {"status": [case.status_id, other.pk]}
    moved = Happening(Kind.CASE_UPDATED, case.pk, None, changes=changes, with_message="in")
    staff_notify(moved, case)
    assert told(case) == {}


def test_a_status_moved_by_our_reply_is_told(agent, supervisor):
    # followers hear of a colleague's reply through the status it set
    case = followed(make_case(), agent)
    other = Status.objects.create(name="Odpowiedziano", position=79)
    changes = {"status": [case.status_id, other.pk]}
    replied = Happening(
        Kind.CASE_UPDATED, case.pk, supervisor.pk, changes=changes, with_message="out"
    )
    staff_notify(replied, case)
    assert told(case) == {"agent": "changed"}


def test_a_status_moved_by_a_rule_is_told(agent):
    case = followed(make_case(), agent)
    other = Status.objects.create(name="Eskalacja", position=78)
    changes = {"status": [case.status_id, other.pk]}
    staff_notify(Happening(Kind.CASE_UPDATED, case.pk, None, changes=changes, by_rule=True), case)
    assert told(case) == {"agent": "changed"}
    assert text_of(case, "agent") == f"Status: {case.status.name} → Eskalacja"


def test_a_change_is_told_in_each_recipients_language(agent, supervisor):
    supervisor.language = "pl"
    supervisor.save()
    case = followed(make_case(), agent, supervisor)
    changes = {"due_date": [None, "2031-03-04"]}
    staff_notify(Happening(Kind.CASE_UPDATED, case.pk, None, changes=changes), case)
    # Django's own locale formats: Polish day-month-year, English month/day/year
    assert text_of(case, "supervisor").endswith("— → 04-03-2031")
    assert text_of(case, "agent") == "Expected resolution: — → 03/04/2031"


def make_inbound(case: Case, **fields) -> Message:
    values = {
        "case": case,
        "direction": Message.Direction.INBOUND,
        "state": Message.State.PLACED,
        "message_id": f"<{case.pk}-{Message.objects.count()}@klient.example>",
        "from_name": "Jan Kowalski",
        "from_address": "jan@klient.example",
        "subject": "Nadal nie działa",
    }
    values.update(fields)
    return Message.objects.create(**values)


def test_a_received_message_tells_followers_its_sender_and_subject(agent, supervisor):
    case = followed(make_case(), agent, supervisor)
    message = make_inbound(case)
    staff_notify(Happening(Kind.MESSAGE_RECEIVED, case.pk, message_id=message.pk), case)
    assert told(case) == {"agent": "message", "supervisor": "message"}
    assert text_of(case, "agent") == "From Jan Kowalski <jan@klient.example>: Nadal nie działa"


def test_an_automatic_reply_tells_nobody(agent):
    case = followed(make_case(), agent)
    message = make_inbound(case, auto_reply=True, subject="Out of office")
    happening = Happening(Kind.MESSAGE_RECEIVED, case.pk, message_id=message.pk, auto_reply=True)
    staff_notify(happening, case)
    assert told(case) == {}


def test_a_mentioned_user_gets_a_mention_instead_of_a_note(agent, supervisor, manager, admin):
    case = followed(make_case(), agent, supervisor, manager)
    note = CaseNote.objects.create(case=case, author=agent, text="@supervisor @admin zerknij")
    note.mentioned.set([supervisor, admin])
    staff_notify(Happening(Kind.NOTE_ADDED, case.pk, agent.pk, note_id=note.pk), case)
    assert told(case) == {"supervisor": "mention", "admin": "mention", "manager": "note"}
    assert text_of(case, "manager") == "@supervisor @admin zerknij"
    assert Notification.objects.get(recipient=manager).actor == agent


def test_a_mention_of_the_outsider_on_a_restricted_case_tells_them_nothing(
    agent, supervisor, outsider, restricted_account
):
    case = followed(make_case(account=restricted_account), agent, supervisor, outsider)
    note = CaseNote.objects.create(case=case, author=agent, text="@outsider?")
    note.mentioned.set([outsider])
    staff_notify(Happening(Kind.NOTE_ADDED, case.pk, agent.pk, note_id=note.pk), case)
    assert told(case) == {"supervisor": "note"}


def test_an_overdue_case_tells_its_followers(agent, supervisor):
    case = followed(make_case(), agent, supervisor)
    case.overdue_since = case.status_changed_at + timedelta(days=3)
    Case.objects.filter(pk=case.pk).update(overdue_since=case.overdue_since)
    staff_notify(Happening(Kind.CASE_OVERDUE, case.pk), case)
    assert told(case) == {"agent": "overdue", "supervisor": "overdue"}
    assert text_of(case, "agent").startswith(f"In the status “{case.status.name}” since ")


def test_the_outsider_following_a_restricted_case_is_not_told(agent, outsider, restricted_account):
    case = followed(make_case(account=restricted_account), agent, outsider)
    staff_notify(Happening(Kind.CASE_OVERDUE, case.pk), case)
    assert told(case) == {"agent": "overdue"}


def test_the_whole_chain_tells_the_auto_followers_of_a_new_case(
    agent, supervisor, django_capture_on_commit_callbacks
):
    # given a user who follows every new case
    supervisor.auto_follow_new_cases = True
    supervisor.save()
    # when an agent creates a case and its happening is followed after commit
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case(by=agent)
    # then the auto-follower is told, the creator (who follows too) is not
    assert told(case) == {"supervisor": "new_case"}
