"""``kartoteka mail parse FILE… --json``: what the parser reads, for support and tools."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

MESSAGE = (
    "From: =?utf-8?q?Jan_Kowalski?= <Jan@Klient.example>\r\n"
    "To: biuro@firma.example\r\n"
    "Subject: =?iso-8859-2?q?Zam=F3wienie_=B3=F3d=BF?=\r\n"
    "Message-ID: <abc@klient.example>\r\n"
    "Date: Mon, 23 Nov 2026 10:00:00 +0100\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    "Dzień dobry\r\n\r\n> stara wiadomość\r\n"
)


def test_parse_prints_one_json_object_per_file_in_order(tmp_path: Path) -> None:
    # given
    first = tmp_path / "a.eml"
    first.write_bytes(MESSAGE.encode())
    second = tmp_path / "b.eml"
    second.write_bytes(b"not really a message")
    out = StringIO()
    # when
    call_command("mail", "parse", str(first), str(second), "--json", stdout=out)
    # then
    parsed = json.loads(out.getvalue())
    assert [item["file"] for item in parsed] == [str(first), str(second)]
    assert parsed[0]["from"] == {"name": "Jan Kowalski", "address": "jan@klient.example"}
    assert parsed[0]["subject"] == "Zamówienie łódż"
    assert parsed[0]["message_id"] == "abc@klient.example"
    assert parsed[0]["date"] == "2026-11-23T10:00:00+01:00"
    assert parsed[0]["text_new"].strip() == "Dzień dobry"
    assert (parsed[0]["auto_reply"], parsed[0]["bounce"]) == (False, False)


def test_parse_fails_for_a_file_it_cannot_read(tmp_path: Path) -> None:
    with pytest.raises(CommandError):
        call_command("mail", "parse", str(tmp_path / "missing.eml"), stdout=StringIO())
