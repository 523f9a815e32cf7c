"""Files written once and whole: a crash never leaves half a file under its final name."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def durable_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` unless it exists: a temporary file, fsync, then rename."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
