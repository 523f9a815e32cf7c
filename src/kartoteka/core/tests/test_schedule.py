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


JOB = Job(f"{__name__}.note_run", timedelta(minutes=1), "for the tests")


def test_a_job_runs_once_per_interval_whoever_asks(db) -> None:
    # given
    RAN.clear()
    now = timezone.now()
    # when two workers look at the same moment, and again within the interval
    first = schedule_due(now=now, jobs=(JOB,))
    second = schedule_due(now=now, jobs=(JOB,))
    later = schedule_due(now=now + timedelta(seconds=59), jobs=(JOB,))
    # then
    assert (first, second, later, RAN) == ([JOB.task], [], [], ["ran"])


def test_a_job_runs_again_after_its_interval(db) -> None:
    now = timezone.now()
    assert job_claim(JOB, now=now) is True
    assert job_claim(JOB, now=now + timedelta(minutes=1)) is True
    assert PeriodicRun.objects.get().last_started_at == now + timedelta(minutes=1)


def test_a_job_that_cannot_be_imported_is_skipped_not_fatal(db) -> None:
    broken = Job("kartoteka.nowhere.task", timedelta(minutes=1), "broken")
    assert schedule_due(now=timezone.now(), jobs=(broken, JOB)) == [JOB.task]


def test_every_scheduled_job_names_a_task(db) -> None:
    from django.tasks import Task
    from django.utils.module_loading import import_string

    from kartoteka.core.schedule import SCHEDULE

    assert all(isinstance(import_string(job.task), Task) for job in SCHEDULE)


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
