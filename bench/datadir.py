"""Where the benchmark keeps its data, and the environment of the child processes that use it.

Each measurement that writes runs in a child process with a data dir of its own
(``KARTOTEKA_DATA_DIR``: the SQLite database, the files, the collected static files). A new
SQLite data dir starts as a copy of one migrated once per bench dir (``BENCH_DIR``/migrated):
migrating from nothing takes seconds, in which Django renders the state of every migration.
The children still run ``migrate``, which applies whatever migration came after the copy.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

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


def migrations_key() -> str:
    """A short digest of every migration file's name and bytes: templates migrated by other
    migrations (an older checkout, or one whose migration was still being written) are never
    reused."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "src" / "kartoteka").glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def copy_migrated(data_dir: Path) -> None:
    """Make ``data_dir`` (new, or empty) a data dir with a migrated SQLite database."""
    template = bench_dir() / f"migrated-{migrations_key()}"
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


def fresh_children(module: str, args: Sequence[str], *, what: str) -> dict[str, dict[str, Any]]:
    """Run ``python -m bench.<module> ARGS`` once for each database of ``BENCH_DATABASES``,
    each on a fresh database of its own (SQLite: a copy of the migrated one in a new data dir;
    PostgreSQL: ``kartoteka_bench_<module>``, dropped and created), and gather the JSON report
    each prints; ``{"failed": True}`` for a child that failed. A PostgreSQL server that cannot
    be reached is skipped, and said so (``what`` names the measurement in progress lines)."""
    from bench.__main__ import postgres_create, postgres_server

    reports: dict[str, dict[str, Any]] = {}
    for vendor in os.environ.get("BENCH_DATABASES", "sqlite,postgresql").split(","):
        print(f"{vendor}: {what}", file=sys.stderr, flush=True)
        data_dir = bench_dir() / f"{module}-{vendor}"
        shutil.rmtree(data_dir, ignore_errors=True)
        database_url = ""
        if vendor == "postgresql":
            import psycopg

            name = f"kartoteka_bench_{module}"
            try:
                postgres_create(name, drop=True)
            except psycopg.OperationalError as error:
                print(f"{vendor}: skipped, the server is not reachable ({error})", file=sys.stderr)
                continue
            data_dir.mkdir(parents=True)
            database_url = f"{postgres_server()}/{name}"
        else:
            copy_migrated(data_dir)
        child = subprocess.run(  # noqa: S603
            [sys.executable, "-m", f"bench.{module}", *args],
            env=child_env(data_dir, database_url),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        shutil.rmtree(data_dir, ignore_errors=True)
        reports[vendor] = {"failed": True} if child.returncode else json.loads(child.stdout)
    return reports
