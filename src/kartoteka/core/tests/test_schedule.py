from __future__ import annotations

from datetime import timedelta

from django.tasks import task
from django.utils import timezone

from kartoteka.core.models import PeriodicRun
from kartoteka.core.schedule import Job, job_claim, schedule_due

RAN: list[str] = []


@task
def note_run() -> None:
    RAN.append("ran")


JOB = Job(note_run, timedelta(minutes=1), "for the tests")


def test_a_job_runs_once_per_interval_whoever_asks(db) -> None:
    # given
    RAN.clear()
    now = timezone.now()
    # when two workers look at the same moment, and again within the interval
    first = schedule_due(now=now, jobs=(JOB,))
    second = schedule_due(now=now, jobs=(JOB,))
    later = schedule_due(now=now + timedelta(seconds=59), jobs=(JOB,))
    # then
    assert (first, second, later, RAN) == ([JOB.name], [], [], ["ran"])


def test_a_job_runs_again_after_its_interval(db) -> None:
    now = timezone.now()
    assert job_claim(JOB, now=now) is True
    assert job_claim(JOB, now=now + timedelta(minutes=1)) is True
    assert PeriodicRun.objects.get().last_started_at == now + timedelta(minutes=1)


def test_a_job_is_kept_under_its_tasks_dotted_path(db) -> None:
    schedule_due(now=timezone.now(), jobs=(JOB,))
    assert list(PeriodicRun.objects.values_list("name", flat=True)) == [
        "kartoteka.core.tests.test_schedule.note_run"
    ]


def test_old_task_results_are_pruned(transactional_db, settings) -> None:
    from datetime import timedelta

    from django_tasks_db.models import DBTaskResult

    from kartoteka.core.tasks import prune_task_results

    # given a finished result from a month ago and one from today
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    old = note_run.enqueue()
    new = note_run.enqueue()
    DBTaskResult.objects.filter(id=old.id).update(
        status="SUCCESSFUL", finished_at=timezone.now() - timedelta(days=30)
    )
    DBTaskResult.objects.filter(id=new.id).update(status="SUCCESSFUL", finished_at=timezone.now())
    # when
    prune_task_results.call()
    # then
    assert [str(pk) for pk in DBTaskResult.objects.values_list("id", flat=True)] == [new.id]
