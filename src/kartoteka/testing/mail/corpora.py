"""Where the shared real-world mail corpora are, for tests that read them.

The corpora live outside the project (``../shared/corpora``, see its README). A test needing
them skips when they are absent, and fails instead when ``KARTOTEKA_REQUIRE_CORPORA=1``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_CANDIDATES = (
    os.environ.get("KARTOTEKA_CORPORA", ""),
    str(Path(__file__).resolve().parents[5] / "shared" / "corpora"),
    "/work/shared/corpora",
)


def corpora_dir(subdirectory: str = "") -> Path:
    """The corpora folder (or one of its subfolders); skips or fails the test when absent."""
    for candidate in _CANDIDATES:
        if candidate and (Path(candidate) / subdirectory).is_dir():
            return Path(candidate) / subdirectory
    reason = f"the mail corpora ({subdirectory or 'shared/corpora'}) are not here"
    if os.environ.get("KARTOTEKA_REQUIRE_CORPORA") == "1":
        pytest.fail(f"{reason}, and KARTOTEKA_REQUIRE_CORPORA=1")
    pytest.skip(reason)


def message_files(folder: Path) -> list[Path]:
    """Regular files below ``folder`` except the corpus bookkeeping files."""
    return sorted(
        path
        for path in folder.rglob("*")
        if path.is_file()
        and path.name not in ("SOURCE.txt", "README.md", "LICENSE")
        and path.suffix not in (".json", ".py")
    )
