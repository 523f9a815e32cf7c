"""Happenings: reported inside the writing transaction, followed up after it commits, in one
order whatever runs the tasks."""

from __future__ import annotations

import logging

import pytest
from django.db import transaction

from kartoteka.cases import happenings
from kartoteka.cases.happenings import Happening, Kind
from kartoteka.cases.models import Case, CaseFollower
from kartoteka.cases.services import case_create, case_note_add
from kartoteka.notifications.models import Notification
from kartoteka.testing.cases import make_case
from kartoteka.testing.workflows import make_group, make_members, make_rule
from kartoteka.workflows.followup import happening_follow

pytestmark = pytest.mark.django_db


def test_a_happening_waits_for_its_transaction_to_commit(django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks() as callbacks:
        case_create(by=None, subject="Printer", channel=Case.Channel.API)
    # then: one follow-up, enqueued only on commit
    assert len(callbacks) == 1


def test_a_rolled_back_change_is_nobodys_news(django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks() as callbacks:
        try:
            with transaction.atomic():
                case_create(by=None, subject="Printer")
                raise RuntimeError("the request failed later")
        except RuntimeError:
            pass
    # then
    assert callbacks == []


def test_nothing_is_reported_while_held(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, happenings.held():
        case_create(by=None, subject="Imported long ago")
    assert callbacks == []


def test_a_happening_survives_its_trip_through_the_task_queue():
    happening = Happening(
        Kind.CASE_UPDATED, 7, actor_id=3, changes={"status": [1, 2]}, by_rule=True
    )
    assert Happening.from_json(happening.as_json()) == happening


def test_what_a_rule_causes_is_followed_up_after_the_happening(
    django_capture_on_commit_callbacks,
):
    # given: new email cases go in turn to the members of Support
    [ewa] = make_members(1, prefix="ewa")
    support = make_group("Support", [ewa])
    make_rule(
        conditions=[{"field": "channel", "value": "email"}],
        actions=[{"kind": "assign_round_robin", "group": support}],
    )
    # when: a case comes by email and the worker follows it up (here: at once)
    with django_capture_on_commit_callbacks(execute=True):
        case = case_create(by=None, subject="Awaria drukarki", channel=Case.Channel.EMAIL)
    # then: the rule assigned her; she follows the case and is told once, as its assignee
    case.refresh_from_db()
    assert case.assignee == ewa
    assert CaseFollower.objects.filter(case=case, user=ewa).exists()
    assert list(Notification.objects.filter(recipient=ewa).values_list("kind", flat=True)) == [
        Notification.Kind.ASSIGNED
    ]


def test_a_failing_step_does_not_stop_the_next(monkeypatch, caplog, agent):
    # given: the rules step breaks; the agent follows the case
    case = make_case("Drukarka")
    CaseFollower.objects.create(case=case, user=agent)

    def broken(happening, case):
        raise RuntimeError("a broken rule")

    monkeypatch.setattr("kartoteka.workflows.engine.rules_apply", broken)
    note = case_note_add(case=case, by=None, text="Klient dzwonił")  # type: ignore[arg-type]
    # when
    with caplog.at_level(logging.ERROR, logger="kartoteka.workflows.followup"):
        happening_follow(Happening(Kind.NOTE_ADDED, case.pk, note_id=note.pk))
    # then: logged, and the follower was still told
    assert "broken failed for note_added" in caplog.text
    assert Notification.objects.filter(recipient=agent, case=case).count() == 1


def test_a_deleted_case_is_followed_up_by_nobody(agent):
    case = make_case("Drukarka")
    CaseFollower.objects.create(case=case, user=agent)
    gone = case.pk
    case.delete()
    happening_follow(Happening(Kind.CASE_OVERDUE, gone))
    assert Notification.objects.count() == 0
