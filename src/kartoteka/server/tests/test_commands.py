"""``kartoteka run`` and ``kartoteka worker``, the latter two as real processes."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.tasks import task
from django_tasks_db.models import DBTaskResult

from kartoteka.core.heartbeat import WORKER_SILENT_AFTER
from kartoteka.server.tests.processes import (
    OutputReader,
    free_port,
    kartoteka,
    kartoteka_env,
    processes_with,
    stop,
)

DONE: list[int] = []


@task
def remember(number: int) -> None:
    DONE.append(number)


@pytest.fixture(scope="module")
def migrated_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("kartoteka-data")
    subprocess.run(kartoteka("migrate", "-v0"), env=kartoteka_env(data_dir), check=True)
    return data_dir


@pytest.fixture
def run_process(migrated_data_dir: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = free_port()
    process = subprocess.Popen(
        kartoteka("run", "--port", str(port), "--workers", "1", "--threads", "2"),
        env=kartoteka_env(migrated_data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield process, port
    if process.poll() is None:
        process.kill()
        process.wait()


@dataclass
class RunningServer:
    process: subprocess.Popen[str]
    output: OutputReader
    address: str


@pytest.fixture
def server_without_demo(migrated_data_dir: Path) -> Iterator[RunningServer]:
    """``kartoteka run --no-demo``, once it is ready."""
    port = free_port()
    process = subprocess.Popen(
        kartoteka("run", "--no-demo", "--port", str(port), "--workers", "1", "--threads", "2"),
        env=kartoteka_env(migrated_data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output = OutputReader(process)
        address = output.wait_for(r"Kartoteka is running at (\S+)").group(1)
        yield RunningServer(process, output, address)
    finally:
        stop(process)


def healthz(address: str) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(f"{address}/healthz") as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as failing:
        return failing.code, json.loads(failing.read())


def wait_until(condition, timeout: float = 30):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout} s")


def test_worker_runs_the_queued_tasks_in_batch_mode(transactional_db: None, settings) -> None:
    # given
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    DONE.clear()
    remember.enqueue(7)
    remember.enqueue(8)
    # when
    call_command("worker", "--batch", "--interval", "0", stdout=StringIO())
    # then
    assert sorted(DONE) == [7, 8]
    assert list(DBTaskResult.objects.values_list("status", flat=True)) == [
        "SUCCESSFUL",
        "SUCCESSFUL",
    ]


def test_worker_stops_cleanly_on_sigterm(migrated_data_dir: Path) -> None:
    worker = subprocess.Popen(
        kartoteka("worker"),
        env=kartoteka_env(migrated_data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = OutputReader(worker)
    output.wait_for("Starting worker")

    worker.send_signal(signal.SIGTERM)

    assert worker.wait(10) == 0
    assert "shutting down gracefully" in output.text


def test_worker_stops_when_its_parent_is_gone(migrated_data_dir: Path) -> None:
    # given: a worker watching a parent id that is not its parent
    worker = subprocess.Popen(
        kartoteka("worker", "--parent", "1"),
        env=kartoteka_env(migrated_data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # then
    assert worker.wait(15) == 0


def test_run_serves_pages_and_static_files_then_stops_with_its_worker(run_process) -> None:
    process, port = run_process
    output = OutputReader(process)

    address = output.wait_for(r"Kartoteka is running at (\S+)").group(1)
    assert address == f"http://127.0.0.1:{port}"
    output.wait_for(r"agent\s+kartoteka-demo\s+Agent")
    assert "Added 8 users, 200 accounts, 400 contacts, 300 cases and " in output.text

    # The login page and its hashed static files are served (DEBUG is off: whitenoise).
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    login_page = opener.open(f"{address}/login/").read().decode()
    script = re.search(r'src="(/static/vendor/htmx-[^"]+\.js)"', login_page)
    assert script is not None
    assert re.fullmatch(r"/static/vendor/htmx-2\.0\.11\.min\.[0-9a-f]{12}\.js", script.group(1))
    static = opener.open(f"{address}{script.group(1)}")
    assert static.status == 200
    assert "immutable" in static.headers["Cache-Control"]

    # The printed demo login works.
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page).group(1)
    form = urllib.parse.urlencode(
        {"username": "agent", "password": "kartoteka-demo", "csrfmiddlewaretoken": token}
    ).encode()
    request = urllib.request.Request(
        f"{address}/login/", data=form, headers={"Referer": f"{address}/login/"}
    )
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(request)
    assert redirect.value.code == 302
    assert redirect.value.headers["Location"] == "/"

    # A SIGTERM stops the server and its worker.
    assert processes_with(f"worker --parent {process.pid}") != []
    process.send_signal(signal.SIGTERM)
    assert process.wait(20) == 0
    assert processes_with(f"worker --parent {process.pid}") == []
    assert "Kartoteka stopped." in output.text


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def test_run_starts_its_worker_again_when_the_worker_dies(server_without_demo) -> None:
    # given
    server = server_without_demo
    process = server.process
    [worker] = wait_until(lambda: processes_with(f"worker --parent {process.pid}"))
    # when: the worker is killed outright
    os.kill(worker, signal.SIGKILL)
    # then: a new one runs, and the server said so
    [restarted] = wait_until(
        lambda: [pid for pid in processes_with(f"worker --parent {process.pid}") if pid != worker]
    )
    assert restarted != worker
    # (gunicorn's master reaps every child of its process: when it reaps the worker first, the
    # supervisor can no longer read how it ended, and says so)
    server.output.wait_for(
        rf"The worker \(process {worker}\) exited with (signal SIGKILL|an unknown status); "
        r"starting it again in 1 s\."
    )
    assert process.poll() is None


def test_run_answers_healthz_once_its_worker_beats(server_without_demo) -> None:
    # given
    address = server_without_demo.address
    # when
    status, body = wait_until(lambda: (health := healthz(address))[0] == 200 and health)
    # then
    assert status == 200
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["worker"] == "ok"
    assert isinstance(body["worker_last_seen_seconds"], int)
    # recent enough to count as beating (a loaded machine may delay a beat by some seconds)
    assert body["worker_last_seen_seconds"] <= WORKER_SILENT_AFTER.total_seconds()
