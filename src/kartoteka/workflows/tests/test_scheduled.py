"""Scheduled rules: when they run, each occurrence once (however many workers look, and after
a downtime only the last missed one), a case for each customer of a segment in chunks."""

from __future__ import annotations

import threading
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from kartoteka.cases.models import Case, CaseGroup, CaseType, Priority
from kartoteka.mail.mailboxes import mailbox_for_case
from kartoteka.testing.customers import AccountFactory, SegmentFactory
from kartoteka.testing.workflows import make_group, make_mailbox, make_members, make_rule
from kartoteka.workflows import scheduled
from kartoteka.workflows.models import Rule, ScheduledRun
from kartoteka.workflows.schedule import occurrence_latest, occurrence_next

pytestmark = pytest.mark.django_db

WARSAW = ZoneInfo("Europe/Warsaw")


def at(*args: int) -> datetime:
    """A moment in the installation's time zone (the tests' settings: Europe/Warsaw)."""
    return datetime(*args, tzinfo=WARSAW)


def monthly(day: int = 1, hour: int = 7) -> dict:
    return {"frequency": "monthly", "day": day, "at": time(hour, 0)}


def segment_with(count: int, name: str = "Serwis kotłów") -> tuple:
    segment = SegmentFactory(name=name)
    accounts = [AccountFactory(name=f"Klient {n:04d}") for n in range(count)]
    for account in accounts:
        account.segments.add(segment)
    return segment, accounts


def inspection_rule(target: dict, *, schedule: dict | None = None, **action) -> Rule:
    return make_rule(
        Rule.Trigger.SCHEDULED,
        name="Przegląd miesięczny",
        schedule=schedule or monthly(),
        actions=[
            {
                "kind": "create_case",
                "case_subject": "Przegląd miesięczny — {customer}",
                "case_description": "Coroczny przegląd.",
                **target,
                **action,
            }
        ],
    )


def scheduled_from(rule: Rule, moment: datetime) -> Rule:
    Rule.objects.filter(pk=rule.pk).update(schedule_from=moment)
    rule.refresh_from_db()
    return rule


# When a rule runs


def schedule_rule(**fields) -> Rule:
    return Rule(trigger=Rule.Trigger.SCHEDULED, **fields)


def test_a_monthly_rule_on_the_31st_runs_on_the_last_day_of_a_shorter_month() -> None:
    rule = schedule_rule(schedule_frequency="monthly", schedule_day=31, schedule_time=time(7, 0))
    assert occurrence_latest(rule, at(2027, 3, 5, 12)) == at(2027, 2, 28, 7)
    assert occurrence_next(rule, at(2027, 3, 5, 12)) == at(2027, 3, 31, 7)
    assert occurrence_next(rule, at(2028, 2, 1)) == at(2028, 2, 29, 7)  # a leap year


def test_a_weekly_rule_runs_on_its_weekday_at_its_local_time() -> None:
    rule = schedule_rule(schedule_frequency="weekly", schedule_weekday=0, schedule_time=time(8, 30))
    # Monday 7 December 2026, 08:30 in Warsaw is 07:30 UTC (winter time)
    assert occurrence_next(rule, at(2026, 12, 6, 23)) == at(2026, 12, 7, 8, 30)
    assert occurrence_next(rule, at(2026, 12, 6, 23)).astimezone(ZoneInfo("UTC")).hour == 7
    assert occurrence_latest(rule, at(2026, 12, 7, 8, 29)) == at(2026, 11, 30, 8, 30)
    assert occurrence_latest(rule, at(2026, 12, 7, 8, 30)) == at(2026, 12, 7, 8, 30)


def test_a_daily_rule_runs_every_day_across_the_change_to_summer_time() -> None:
    rule = schedule_rule(schedule_frequency="daily", schedule_time=time(6, 0))
    assert occurrence_next(rule, at(2027, 3, 27, 7)) == at(2027, 3, 28, 6)
    assert occurrence_latest(rule, at(2027, 3, 28, 5)) == at(2027, 3, 27, 6)


def test_a_rule_without_a_schedule_never_runs() -> None:
    assert occurrence_latest(Rule(trigger="case_created"), at(2027, 1, 1)) is None
    assert occurrence_next(Rule(trigger="case_created"), at(2027, 1, 1)) is None


# Each occurrence once


def test_the_first_look_after_the_occurrence_creates_a_case_for_each_customer() -> None:
    # given
    make_mailbox(is_default=True)
    segment, accounts = segment_with(3)
    outsider = AccountFactory(name="Spoza segmentu")
    rule = scheduled_from(inspection_rule({"segment": segment}), at(2027, 1, 15))
    # when
    runs = scheduled.scheduled_rules_run(now=at(2027, 2, 1, 7, 1))
    # then
    cases = list(Case.objects.order_by("number"))
    assert [c.subject for c in cases] == [f"Przegląd miesięczny — {a.name}" for a in accounts]
    assert {c.account_id for c in cases} == {a.pk for a in accounts}
    assert outsider.pk not in {c.account_id for c in cases}
    assert {(c.channel, c.created_by_id, c.description) for c in cases} == {
        ("rule", None, "Coroczny przegląd.")
    }
    assert [(r.occurrence, r.created, r.outcome) for r in runs] == [
        (at(2027, 2, 1, 7), 3, "3 cases created.")
    ]
    assert runs[0].finished_at is not None
    assert rule.scheduled_runs.count() == 1


def test_a_second_look_at_the_same_occurrence_creates_nothing() -> None:
    segment, _accounts = segment_with(2)
    scheduled_from(inspection_rule({"segment": segment}), at(2027, 1, 15))
    scheduled.scheduled_rules_run(now=at(2027, 2, 1, 7, 1))
    # when: the job looks again a minute later, and the next day
    scheduled.scheduled_rules_run(now=at(2027, 2, 1, 7, 2))
    scheduled.scheduled_rules_run(now=at(2027, 2, 2, 9))
    # then
    assert Case.objects.count() == 2
    assert ScheduledRun.objects.count() == 1


def test_before_its_first_occurrence_a_new_rule_creates_nothing() -> None:
    # given a monthly rule for the 1st saved on the 15th: the 1st that passed is not its own
    segment, _accounts = segment_with(2)
    scheduled_from(inspection_rule({"segment": segment}), at(2027, 1, 15, 12))
    # when
    scheduled.scheduled_rules_run(now=at(2027, 1, 15, 12, 1))
    scheduled.scheduled_rules_run(now=at(2027, 1, 31, 23, 59))
    # then
    assert Case.objects.count() == 0


def test_after_a_downtime_only_the_last_missed_occurrence_runs_once() -> None:
    # given a daily rule whose worker was down for ten days
    account = AccountFactory(name="Ciepłownia Radom")
    rule = inspection_rule({"account": account}, schedule={"frequency": "daily", "at": time(6, 0)})
    scheduled_from(rule, at(2027, 1, 1, 12))
    # when the worker comes back, and looks again
    scheduled.scheduled_rules_run(now=at(2027, 1, 11, 10))
    scheduled.scheduled_rules_run(now=at(2027, 1, 11, 10, 1))
    # then one case, for the last missed morning, not ten
    assert Case.objects.count() == 1
    assert list(ScheduledRun.objects.values_list("occurrence", flat=True)) == [at(2027, 1, 11, 6)]


def test_an_inactive_rule_does_not_run_and_switched_on_waits_for_its_next_occurrence() -> None:
    from kartoteka.workflows.services import rule_activate

    account = AccountFactory()
    rule = scheduled_from(inspection_rule({"account": account}), at(2026, 1, 1))
    Rule.objects.filter(pk=rule.pk).update(active=False)
    scheduled.scheduled_rules_run()
    assert Case.objects.count() == 0
    # when switched on: the occurrences missed while off stay missed
    rule_activate(rule=Rule.objects.get(pk=rule.pk), active=True)
    scheduled.scheduled_rules_run()
    assert Case.objects.count() == 0


def test_a_worker_that_lost_the_race_for_a_chunk_makes_no_case() -> None:
    # given a run whose first chunk another worker has just taken
    segment, _accounts = segment_with(3)
    rule = scheduled_from(inspection_rule({"segment": segment}), at(2027, 1, 15))
    run = ScheduledRun.objects.create(rule=rule, occurrence=at(2027, 2, 1, 7))
    stale = ScheduledRun.objects.get(pk=run.pk)
    ScheduledRun.objects.filter(pk=run.pk).update(cursor=1)
    # when / then: the stale worker's claim of the same chunk fails
    assert scheduled._chunk_claim(stale, cursor=99) is False
    assert ScheduledRun.objects.get(pk=run.pk).cursor == 1


def test_an_interrupted_run_resumes_where_it_stopped_without_making_a_case_twice(
    monkeypatch,
) -> None:
    # given a run of 5 customers in chunks of 2, whose worker died after the first chunk
    monkeypatch.setattr(scheduled, "CHUNK", 2)
    segment, accounts = segment_with(5)
    rule = scheduled_from(inspection_rule({"segment": segment}), at(2027, 1, 15))
    calls = {"n": 0}
    real = scheduled.case_from_action

    def dies_on_the_third(**kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise SystemExit("worker stopped")
        return real(**kwargs)

    monkeypatch.setattr(scheduled, "case_from_action", dies_on_the_third)
    with pytest.raises(SystemExit):
        scheduled.scheduled_rules_run(now=at(2027, 2, 1, 7, 1))
    assert Case.objects.count() == 2
    # when the next look resumes it
    monkeypatch.setattr(scheduled, "case_from_action", real)
    runs = scheduled.scheduled_rules_run(now=at(2027, 2, 1, 7, 2))
    # then every customer has exactly one case
    assert sorted(Case.objects.values_list("account_id", flat=True)) == [a.pk for a in accounts]
    assert [(r.created, r.outcome) for r in runs] == [(5, "5 cases created.")]
    assert rule.scheduled_runs.count() == 1


def test_a_customer_whose_case_fails_is_counted_and_the_others_get_theirs(monkeypatch) -> None:
    segment, accounts = segment_with(3)
    scheduled_from(inspection_rule({"segment": segment}), at(2027, 1, 15))
    real = scheduled.case_from_action

    def fails_for_the_second(*, action, account, rule):
        if account == accounts[1]:
            raise ValidationError("broken")
        return real(action=action, account=account, rule=rule)

    monkeypatch.setattr(scheduled, "case_from_action", fails_for_the_second)
    runs = scheduled.scheduled_rules_run(now=at(2027, 2, 1, 7, 1))
    assert sorted(Case.objects.values_list("account_id", flat=True)) == [
        accounts[0].pk,
        accounts[2].pk,
    ]
    assert [(r.created, r.failed, r.outcome) for r in runs] == [
        (2, 1, "2 cases created. 1 customer failed; see the log.")
    ]


def test_a_big_segment_is_created_in_chunks_each_in_its_own_transaction(monkeypatch) -> None:
    # given
    monkeypatch.setattr(scheduled, "CHUNK", 10)
    segment, _accounts = segment_with(35)
    scheduled_from(inspection_rule({"segment": segment}), at(2027, 1, 15))
    cursors: list[int] = []
    real = scheduled._chunk_claim

    def spy(run, **moved):
        cursors.append(moved.get("cursor", -1))
        return real(run, **moved)

    monkeypatch.setattr(scheduled, "_chunk_claim", spy)
    # when
    runs = scheduled.scheduled_rules_run(now=at(2027, 2, 1, 7, 1))
    # then four chunks of customers, then the step to the end
    assert len(cursors) == 5
    assert cursors[-1] == 0
    assert runs[0].created == 35
    assert Case.objects.count() == 35


def test_the_new_cases_take_the_actions_lists_group_assignee_and_mailbox(agent) -> None:
    # given
    make_mailbox(is_default=True)
    service = make_mailbox("serwis", "serwis@firma.example")
    members = make_members(2)
    group = make_group("Serwis", members)
    case_type = CaseType.objects.create(name="Przegląd", position=9)
    priority = Priority.objects.create(name="Planowy", position=9)
    segment, _accounts = segment_with(4)
    scheduled_from(
        inspection_rule(
            {"segment": segment},
            case_type=str(case_type.pk),
            case_priority=str(priority.pk),
            group=group,
            case_assignment="round_robin",
            mailbox=service,
        ),
        at(2027, 1, 15),
    )
    # when
    scheduled.scheduled_rules_run(now=at(2027, 2, 1, 7, 1))
    # then
    cases = list(Case.objects.order_by("number"))
    assert {(c.case_type, c.priority, c.group) for c in cases} == {(case_type, priority, group)}
    assert [c.assignee for c in cases] == [members[0], members[1], members[0], members[1]]
    assert {mailbox_for_case(c) for c in cases} == {service}


def test_a_new_case_goes_to_the_actions_assignee_only_if_they_may_see_the_customer(
    agent, outsider, support_team
) -> None:
    restricted = AccountFactory(name="Tajny klient", restricted=True, team=support_team)
    rule = inspection_rule({"account": restricted}, case_assignee=outsider)
    scheduled_from(rule, at(2027, 1, 15))
    scheduled.scheduled_rules_run(now=at(2027, 2, 1, 7, 1))
    assert Case.objects.get().assignee is None


def test_run_now_creates_the_cases_at_once(admin) -> None:
    segment, _accounts = segment_with(2)
    rule = inspection_rule({"segment": segment})
    run = scheduled.rule_run_now(rule=rule, by=admin)
    assert run is not None
    scheduled.run_work(run)
    run.refresh_from_db()
    assert (run.by_hand, run.started_by, run.created) == (True, admin, 2)
    assert Case.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_workers_looking_at_one_moment_run_the_occurrence_once() -> None:
    # given a segment of 30 customers, and two workers whose jobs wake at the same moment
    if connection.vendor != "postgresql":
        pytest.skip("the race needs concurrent writers (PostgreSQL)")
    segment, accounts = segment_with(30)
    scheduled_from(inspection_rule({"segment": segment}), at(2027, 1, 15))
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=30)
            scheduled.scheduled_rules_run(now=at(2027, 2, 1, 7, 1))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert errors == []
    assert sorted(Case.objects.values_list("account_id", flat=True)) == sorted(
        a.pk for a in accounts
    )
    assert list(ScheduledRun.objects.values_list("created", flat=True)) == [30]


def test_the_periodic_job_is_listed_every_minute() -> None:
    from kartoteka.server.schedule import SCHEDULE

    jobs = {job.name: job.every for job in SCHEDULE}
    assert jobs["kartoteka.workflows.tasks.run_scheduled_rules"] == timedelta(minutes=1)


def test_case_group_default_is_kept_when_the_action_names_none() -> None:
    account = AccountFactory()
    scheduled_from(inspection_rule({"account": account}), at(2027, 1, 15))
    scheduled.scheduled_rules_run(now=at(2027, 2, 1, 7, 1))
    case = Case.objects.get()
    assert case.group == CaseGroup.objects.filter(is_default=True).first()
