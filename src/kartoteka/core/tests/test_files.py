from __future__ import annotations

from pathlib import Path

import pytest

from kartoteka.core.files import durable_write


def test_a_file_is_written_once_and_never_replaced(tmp_path: Path) -> None:
    # given
    path = tmp_path / "ab" / "cd" / "name"
    # when
    durable_write(path, b"first")
    durable_write(path, b"second")
    # then
    assert path.read_bytes() == b"first"
    assert sorted(p.name for p in path.parent.iterdir()) == ["name"]


def test_a_failed_write_leaves_nothing_behind(tmp_path: Path, monkeypatch) -> None:
    # given a disk that fails at the flush
    def failing_fsync(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("kartoteka.core.files.os.fsync", failing_fsync)
    path = tmp_path / "name"
    # when
    with pytest.raises(OSError, match="disk full"):
        durable_write(path, b"data")
    # then
    assert list(tmp_path.iterdir()) == []
