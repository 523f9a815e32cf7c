from __future__ import annotations

from pathlib import Path

import pytest

from kartoteka.core.files import durable_write, file_name_clean


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


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("invoice\u202egpj.exe", "invoicegpj.exe"),  # shown as "invoiceexe.jpg" with the override
        ("\u2067umowa\u2069.pdf", "umowa.pdf"),  # isolates
        ("fak\u200btura.pdf", "faktura.pdf"),  # zero-width space
        ("C:\\Users\\jan\\raport.xlsx", "raport.xlsx"),
        ("../../etc/passwd", "passwd"),
        ("linia\x00\x1fdwa.txt", "linia__dwa.txt"),
        (" .ukryty. ", "ukryty"),
        ("\u202e", ""),
        ("Zażółć gęślą jaźń.pdf", "Zażółć gęślą jaźń.pdf"),
    ],
)
def test_a_file_name_keeps_what_a_reader_sees_and_nothing_that_lies(given, kept) -> None:
    assert file_name_clean(given) == kept


def test_a_long_file_name_is_cut_to_255_characters_before_its_extension() -> None:
    assert file_name_clean("a" * 300 + ".pdf") == "a" * 251 + ".pdf"
    assert file_name_clean("b" * 300) == "b" * 255
