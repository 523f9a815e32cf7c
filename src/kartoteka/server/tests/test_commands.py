"""``kartoteka run`` and ``kartoteka worker``, the latter two as real processes."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.tasks import task
from django_tasks_db.models import DBTaskResult

DONE: list[int] = []


@task
def remember(number: int) -> None:
    DONE.append(number)


def kartoteka_env(data_dir: Path) -> dict[str, str]:
    """A process environment with its own SQLite database and files in ``data_dir``."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PORT", "DEBUG"}}
    env["KARTOTEKA_DATA_DIR"] = str(data_dir)
    env["DJANGO_SETTINGS_MODULE"] = "kartoteka.settings"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def kartoteka(*args: str) -> list[str]:
    return [sys.executable, "-m", "kartoteka", *args]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def processes_with(fragment: str) -> list[int]:
    """Ids of the running processes whose command line contains ``fragment``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if fragment in cmdline:
            found.append(int(entry.name))
    return found


class OutputReader:
    """Collects a process's output in a thread so the test can wait for a line."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        assert process.stdout is not None
        self._stream = process.stdout
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        for line in self._stream:
            self.lines.append(line)

    def wait_for(self, pattern: str, timeout: float = 60) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if match := re.search(pattern, line):
                    return match
            time.sleep(0.05)
        raise AssertionError(f"no {pattern!r} in output:\n{self.text}")

    @property
    def text(self) -> str:
        return "".join(self.lines)


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
