"""Where the benchmark keeps its data, and the environment of the child processes that use it.

Each measurement that writes runs in a child process with a data dir of its own
(``KARTOTEKA_DATA_DIR``: the SQLite database, the files, the collected static files). A new
SQLite data dir starts as a copy of one migrated once per bench dir (``BENCH_DIR``/migrated):
migrating from nothing takes seconds, in which Django renders the state of every migration.
The children still run ``migrate``, which applies whatever migration came after the copy.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def bench_dir() -> Path:
    return Path(os.environ.get("BENCH_DIR") or Path(tempfile.gettempdir()) / "kartoteka-bench")


def child_env(data_dir: Path, database_url: str = "") -> dict[str, str]:
    """The environment of a child whose settings use ``data_dir`` (and SQLite in it, by default)."""
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="kartoteka.settings", DEBUG="0")
    env["KARTOTEKA_DATA_DIR"] = str(data_dir)
    env["DATABASE_URL"] = database_url
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def copy_migrated(data_dir: Path) -> None:
    """Make ``data_dir`` (new, or empty) a data dir with a migrated SQLite database."""
    template = bench_dir() / "migrated"
    if not (template / "ready").exists():
        shutil.rmtree(template, ignore_errors=True)
        template.mkdir(parents=True)
        subprocess.run(
            [sys.executable, "-m", "kartoteka", "migrate", "-v0"],
            env=child_env(template),
            cwd=ROOT,
            check=True,
        )
        (template / "ready").touch()
    shutil.copytree(template, data_dir, ignore=shutil.ignore_patterns("ready"), dirs_exist_ok=True)
