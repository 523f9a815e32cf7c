"""``/healthz`` for load balancers and monitoring, and the administrators' worker banner."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import connection
from django.tasks import task
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from kartoteka.core.heartbeat import heartbeat_write
from kartoteka.testing.clients import client_for


@task
def nothing() -> None:
    pass


def healthz(client: Client | None = None) -> tuple[int, dict[str, object]]:
    response = (client or Client()).get("/healthz")
    assert response["Content-Type"] == "application/json"
    return response.status_code, json.loads(response.content)


@pytest.mark.django_db
def test_healthy_when_a_worker_beat_lately(frozen_now) -> None:
    # given
    heartbeat_write(name="host:101", now=frozen_now - timedelta(seconds=5))
    # when
    status, body = healthz()
    # then
    assert status == 200
    assert body == {
        "status": "ok",
        "web": "ok",
        "database": "ok",
        "worker": "ok",
        "worker_last_seen_seconds": 5,
        "tasks_waiting": 0,
        "oldest_waiting_task_seconds": None,
    }


@pytest.mark.django_db
def test_failing_when_the_worker_has_been_silent_for_minutes(frozen_now) -> None:
    heartbeat_write(name="host:101", now=frozen_now - timedelta(minutes=4))

    status, body = healthz()

    assert status == 503
    assert (body["status"], body["worker"], body["worker_last_seen_seconds"]) == (
        "failing",
        "silent",
        240,
    )


@pytest.mark.django_db
def test_failing_when_no_worker_ever_ran() -> None:
    status, body = healthz()

    assert status == 503
    assert (body["worker"], body["worker_last_seen_seconds"]) == ("silent", None)


@pytest.mark.django_db
def test_gives_the_number_of_waiting_tasks_and_the_age_of_the_oldest(settings, frozen_now) -> None:
    # given: two tasks waiting, one due later, one finished
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    heartbeat_write(name="host:101", now=frozen_now)
    waiting = [nothing.enqueue().id, nothing.enqueue().id]
    DBTaskResult.objects.filter(id=waiting[0]).update(enqueued_at=frozen_now - timedelta(hours=2))
    DBTaskResult.objects.filter(id=waiting[1]).update(enqueued_at=frozen_now - timedelta(minutes=1))
    nothing.using(run_after=frozen_now + timedelta(hours=1)).enqueue()
    finished = nothing.enqueue().id
    DBTaskResult.objects.filter(id=finished).update(
        status="SUCCESSFUL", enqueued_at=frozen_now - timedelta(days=3)
    )
    # when
    status, body = healthz()
    # then: a growing queue alone does not fail the check
    assert status == 200
    assert (body["tasks_waiting"], body["oldest_waiting_task_seconds"]) == (2, 7200)


@pytest.mark.django_db
def test_answers_anyone_in_two_queries_and_is_never_cached(
    frozen_now, django_assert_num_queries
) -> None:
    heartbeat_write(name="host:101", now=frozen_now)

    with django_assert_num_queries(2):
        response = Client().get("/healthz")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_answers_even_where_every_page_requires_login(settings, frozen_now) -> None:
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE,
        "django.contrib.auth.middleware.LoginRequiredMiddleware",
    ]
    heartbeat_write(name="host:101", now=frozen_now)

    status, body = healthz()

    assert (status, body["status"]) == (200, "ok")


@pytest.mark.django_db
def test_answers_get_and_head_only(frozen_now) -> None:
    heartbeat_write(name="host:101", now=frozen_now)

    assert Client().head("/healthz").status_code == 200
    assert Client(enforce_csrf_checks=True).post("/healthz").status_code == 405


@pytest.fixture
def unreachable_database() -> Iterator[None]:
    """The default connection pointed at a database that cannot be opened, then restored."""
    settings_dict = connection.settings_dict
    saved = dict(settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        settings_dict["NAME"] = "/nonexistent-folder/kartoteka.sqlite3"
    else:
        settings_dict["PORT"] = "1"  # nothing listens there
    yield
    connection.close()
    settings_dict.update(saved)


@pytest.mark.django_db(transaction=True)
def test_failing_without_a_word_of_why_when_the_database_does_not_answer(
    unreachable_database,
) -> None:
    response = Client().get("/healthz")

    assert response.status_code == 503
    assert json.loads(response.content) == {
        "status": "failing",
        "web": "ok",
        "database": "unreachable",
        "worker": "unknown",
        "worker_last_seen_seconds": None,
        "tasks_waiting": None,
        "oldest_waiting_task_seconds": None,
    }


# The banner


@pytest.mark.django_db
def test_administrators_see_the_banner_when_the_worker_is_silent(admin, frozen_now) -> None:
    heartbeat_write(name="host:101", now=frozen_now - timedelta(minutes=10))

    response = client_for(admin).get(reverse("core:worker-banner"))

    assert response.status_code == 200
    assert "The background worker has been silent for 10\xa0minutes" in response.text


@pytest.mark.django_db
def test_administrators_see_the_banner_when_no_worker_ever_ran(admin) -> None:
    response = client_for(admin).get(reverse("core:worker-banner"))

    assert "The background worker has never run" in response.text


@pytest.mark.django_db
def test_the_banner_is_empty_while_the_worker_beats(admin, frozen_now) -> None:
    heartbeat_write(name="host:101", now=frozen_now - timedelta(seconds=20))

    response = client_for(admin).get(reverse("core:worker-banner"))

    assert (response.status_code, response.text.strip()) == (200, "")


@pytest.mark.django_db
def test_only_administrators_get_the_banner(agent, portal_user) -> None:
    url = reverse("core:worker-banner")

    assert client_for(agent).get(url).status_code == 403
    assert client_for(portal_user).get(url).status_code == 404
    assert Client().get(url).status_code == 302


@pytest.mark.django_db
def test_administrators_pages_load_the_banner_and_others_do_not(admin, agent) -> None:
    url = reverse("core:worker-banner")
    page = reverse("customers:account-list")

    assert f'hx-get="{url}"' in client_for(admin).get(page).text
    assert f'hx-get="{url}"' not in client_for(agent).get(page).text
