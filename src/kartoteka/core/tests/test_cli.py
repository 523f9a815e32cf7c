"""``kartoteka`` start-up (``cli._start_up``): what Django loads is frozen, and the collector
works again for everything the command makes afterwards."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

# Runs ``kartoteka check`` in a process of its own (freezing is for the whole process), then
# reports on the collector.
AFTER_START_UP = """
import gc, json, weakref
from kartoteka import cli

cli.main(["check"])

from kartoteka.cases.models import Case


class Node:
    pass


first, second = Node(), Node()
first.other, second.other = second, first
gone = weakref.ref(first)
del first, second
gc.collect()
print(json.dumps({
    "enabled": gc.isenabled(),
    "frozen": gc.get_freeze_count(),
    "model_scanned_by_collections": any(found is Case for found in gc.get_objects()),
    "cycle_made_after_start_up_collected": gone() is None,
}))
"""


def test_start_up_freezes_what_django_loaded_and_leaves_the_collector_on(tmp_path: Path) -> None:
    # given
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG"}}
    env.update(KARTOTEKA_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="kartoteka.settings")
    # when
    run = subprocess.run(
        [sys.executable, "-c", AFTER_START_UP],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # then
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout.splitlines()[-1])
    assert report["frozen"] > 50_000, report  # Django, the apps and their models
    assert report == {
        "enabled": True,
        "frozen": report["frozen"],
        "model_scanned_by_collections": False,
        "cycle_made_after_start_up_collected": True,
    }
