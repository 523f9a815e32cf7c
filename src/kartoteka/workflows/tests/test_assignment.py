"""Assignment by rules: round robin and least busy, who is skipped, and fairness when many
cases arrive at once."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from kartoteka.cases import happenings
from kartoteka.cases.models import Case, Status
from kartoteka.cases.services import case_create
from kartoteka.people.models import User
from kartoteka.testing.cases import make_case
from kartoteka.testing.customers import AccountFactory
from kartoteka.testing.workflows import created, make_group, make_members, make_rule
from kartoteka.workflows.engine import rules_apply
from kartoteka.workflows.models import Assignment, RuleRun


def assign_rule(group, kind: str = "assign_round_robin", **extra):
    return make_rule(actions=[{"kind": kind, "group": group, **extra}])


def new_case_through_rules(subject: str = "Case", **kwargs) -> Case:
    case = make_case(subject, **kwargs)
    rules_apply(created(case), case)
    return Case.objects.get(pk=case.pk)


def counts(users: list[User]) -> list[int]:
    by_user = Counter(Case.objects.filter(assignee__in=users).values_list("assignee_id", flat=True))
    return [by_user[user.pk] for user in users]


@pytest.mark.django_db
def test_round_robin_gives_each_member_a_case_in_turn() -> None:
    members = make_members(3)
    assign_rule(make_group("Helpdesk", members))
    assignees = [new_case_through_rules(f"Case {n}").assignee for n in range(7)]
    assert assignees == [*members, *members, members[0]]


@pytest.mark.django_db
def test_round_robin_is_fair_over_many_cases() -> None:
    members = make_members(4)
    assign_rule(make_group("Helpdesk", members))
    for n in range(100):
        new_case_through_rules(f"Case {n}")
    assert counts(members) == [25, 25, 25, 25]


@pytest.mark.django_db
def test_round_robin_skips_absent_inactive_and_non_case_workers() -> None:
    present, absent, gone, clerk = make_members(4)
    absent.is_absent = True
    absent.save(update_fields=["is_absent"])
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    clerk.can_work_with_cases = False
    clerk.save(update_fields=["can_work_with_cases"])
    assign_rule(make_group("Helpdesk", [present, absent, gone, clerk]))
    assert [new_case_through_rules(f"Case {n}").assignee for n in range(3)] == [present] * 3


@pytest.mark.django_db
def test_round_robin_continues_after_the_last_one_when_someone_returns() -> None:
    first, second, third = make_members(3)
    assign_rule(make_group("Helpdesk", [first, second, third]))
    assert new_case_through_rules().assignee == first
    second.is_absent = True
    second.save(update_fields=["is_absent"])
    assert new_case_through_rules().assignee == third
    second.is_absent = False
    second.save(update_fields=["is_absent"])
    assert [new_case_through_rules().assignee for _ in range(3)] == [first, second, third]


@pytest.mark.django_db
def test_a_member_who_cannot_see_a_restricted_customers_case_is_skipped(support_team) -> None:
    # given: a restricted customer of the Support team; the first member is of another team
    stranger, insider = make_members(2)
    insider.team = support_team
    insider.save(update_fields=["team"])
    assign_rule(make_group("Helpdesk", [stranger, insider]))
    restricted = AccountFactory(restricted=True, team=support_team)
    # when / then
    assert new_case_through_rules(account=restricted).assignee == insider
    assert new_case_through_rules(account=restricted).assignee == insider
    assert new_case_through_rules().assignee == stranger


@pytest.mark.django_db
def test_nobody_eligible_assigns_nobody_and_says_so(caplog) -> None:
    (absent,) = make_members(1, is_absent=True)
    rule = assign_rule(make_group("Helpdesk", [absent]))
    case = new_case_through_rules()
    assert case.assignee is None
    assert RuleRun.objects.get(rule=rule).outcome == (
        "Not assigned: no member of the group can take it."
    )
    assert "no member of group" in caplog.text


@pytest.mark.django_db
def test_a_case_someone_has_already_is_left_to_them(agent) -> None:
    members = make_members(2)
    assign_rule(make_group("Helpdesk", members))
    assert new_case_through_rules(assignee=agent).assignee == agent
    assert Assignment.objects.count() == 0


@pytest.mark.django_db
def test_reassigning_rule_takes_a_case_someone_has(agent) -> None:
    members = make_members(2)
    assign_rule(make_group("Helpdesk", members), only_unassigned=False)
    assert new_case_through_rules(assignee=agent).assignee == members[0]


@pytest.mark.django_db
def test_least_busy_chooses_the_member_with_fewest_open_cases() -> None:
    # given: the first has two open cases, the second one open and one closed
    first, second, third = make_members(3)
    closed = Status.objects.get(closes_case=True)
    for _ in range(2):
        make_case(assignee=first)
    make_case(assignee=second)
    make_case(assignee=second, status=closed)
    make_case(assignee=third)
    merged_target = make_case()
    merged = make_case(assignee=third)
    Case.objects.filter(pk=merged.pk).update(merged_into=merged_target)
    assign_rule(make_group("Helpdesk", [first, second, third]), "assign_least_busy")
    # when / then: second and third have one open case; third was never assigned by a rule…
    assert new_case_through_rules().assignee == second
    # …now second has two, third one
    assert new_case_through_rules().assignee == third
    # all have two: the one assigned longest ago (never by a rule: first)
    assert new_case_through_rules().assignee == first


@pytest.mark.django_db
def test_least_busy_ties_go_to_who_waited_longest_since_the_last_assignment() -> None:
    first, second = make_members(2)
    group = make_group("Helpdesk", [first, second])
    assign_rule(group, "assign_least_busy")
    a = new_case_through_rules()
    b = new_case_through_rules()
    assert (a.assignee, b.assignee) == (first, second)
    # first's case closes: first is least busy; then both have one, first was assigned last
    Case.objects.filter(pk=a.pk).update(status=Status.objects.get(closes_case=True))
    assert new_case_through_rules().assignee == first
    Case.objects.filter(pk=b.pk).update(status=Status.objects.get(closes_case=True))
    assert new_case_through_rules().assignee == second


@pytest.mark.django_db
def test_least_busy_is_fair_over_many_cases() -> None:
    members = make_members(4)
    assign_rule(make_group("Helpdesk", members), "assign_least_busy")
    for n in range(100):
        new_case_through_rules(f"Case {n}")
    assert counts(members) == [25, 25, 25, 25]


@pytest.mark.django_db
def test_assignment_records_the_run() -> None:
    (member,) = make_members(1, first_name="Anna", last_name="Nowak")
    group = make_group("Helpdesk", [member])
    rule = assign_rule(group)
    case = new_case_through_rules()
    run = RuleRun.objects.get(rule=rule)
    assert (run.case_id, run.happening, run.outcome) == (
        case.pk,
        "case_created",
        "Assigned to Anna Nowak (group Helpdesk).",
    )


# Concurrency: the worker runs many happenings at once.

CASES = 100
THREADS = 10


def _create_and_assign_concurrently() -> None:
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            barrier.wait(timeout=30)
            for n in range(CASES // THREADS):
                with happenings.held():  # the test runs the rules itself, like the worker
                    case = case_create(by=None, subject=f"Case {worker}-{n}", channel="portal")
                rules_apply(created(case), case)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(work, range(THREADS)))
    assert errors == []


needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"
)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_round_robin_stays_fair_when_100_cases_arrive_at_once() -> None:
    members = make_members(4)
    assign_rule(make_group("Helpdesk", members))
    _create_and_assign_concurrently()
    assert Case.objects.count() == CASES
    assert counts(members) == [25, 25, 25, 25]


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_least_busy_stays_fair_when_100_cases_arrive_at_once() -> None:
    members = make_members(4)
    assign_rule(make_group("Helpdesk", members), "assign_least_busy")
    _create_and_assign_concurrently()
    assert Case.objects.count() == CASES
    assert counts(members) == [25, 25, 25, 25]
