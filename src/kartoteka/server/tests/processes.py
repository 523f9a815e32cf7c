"""Kartoteka's commands as real processes, for the tests of ``run`` and ``worker``."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote


def kartoteka_env(data_dir: Path, *, database_url: str | None = None) -> dict[str, str]:
    """A process environment with its files in ``data_dir`` and its own SQLite database
    there, unless ``database_url`` names another."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PORT", "DEBUG"}}
    env["KARTOTEKA_DATA_DIR"] = str(data_dir)
    env["DJANGO_SETTINGS_MODULE"] = "kartoteka.settings"
    env["PYTHONUNBUFFERED"] = "1"
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def database_url(settings_dict: dict[str, Any]) -> str:
    """The DATABASE_URL of a Django connection's database (the test database)."""
    if settings_dict["ENGINE"].endswith("postgresql"):
        user = quote(settings_dict["USER"] or "", safe="")
        password = (
            f":{quote(settings_dict['PASSWORD'], safe='')}" if settings_dict["PASSWORD"] else ""
        )
        host = settings_dict["HOST"] or "127.0.0.1"
        port = settings_dict["PORT"] or 5432
        return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"
    return f"sqlite:///{settings_dict['NAME']}"


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


def stop(process: subprocess.Popen[Any]) -> None:
    """Stop a process a test started, if it still runs: SIGTERM, then SIGKILL."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


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

    def count(self, pattern: str) -> int:
        return sum(1 for line in list(self.lines) if re.search(pattern, line))

    @property
    def text(self) -> str:
        return "".join(self.lines)
