"""Parsing speed against bare ``email`` parsing: ``python -m bench.mail_parse``.

Times ``kartoteka.mail.reading.parsing.parse`` and bare ``email.message_from_bytes(raw,
policy=policy.default)`` on the same messages: a generated corpus (plain and HTML, UTF-8 /
ISO-8859-2 / Windows-1250, encoded-word subjects, 20% with attachments, 40% replies) and, when
present, the real-world corpora in ``../shared/corpora``. The target is a ratio of at most 1.5.

Environment: ``BENCH_MAIL_MESSAGES`` (generated messages, default 2,000), ``BENCH_REPEAT``
(timed runs, best taken, default 3), ``KARTOTEKA_CORPORA`` (the corpora elsewhere, as for the
tests).
"""

from __future__ import annotations

import base64
import os
import random
import time
from collections.abc import Callable
from email import message_from_bytes, policy
from email.header import Header
from pathlib import Path
from typing import Any

from kartoteka.mail.reading.parsing import parse

TARGET_RATIO = 1.5
# The real-world corpora: where the tests find them (``KARTOTEKA_CORPORA``), else beside the
# checkout, so that a bench run from a clone elsewhere still has its second row.
_CORPORA = Path(
    os.environ.get("KARTOTEKA_CORPORA")
    or Path(__file__).resolve().parents[2] / "shared" / "corpora"
)
_WORDS = (
    "faktura", "zamówienie", "dostawa", "reklamacja", "prośba", "odpowiedź", "termin", "płatność",
    "żółć", "příloha", "děkuji", "objednávka", "zpráva", "řešení", "úterý", "invoice", "order",
)  # fmt: skip
_CHARSETS = ("utf-8", "iso-8859-2", "windows-1250")


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words)).capitalize() + "."


def generated_message(rng: random.Random, index: int) -> bytes:
    """One varied message; deterministic for a given ``rng`` state."""
    charset = rng.choice(_CHARSETS)
    subject = _sentence(rng, rng.randint(2, 7))
    reply = rng.random() < 0.4
    if reply:
        subject = f"Re: [KART#{rng.randint(1, 5000)}] {subject}"
    body = "\n\n".join(_sentence(rng, rng.randint(5, 30)) for _ in range(rng.randint(1, 6)))
    if reply:
        body += "\n\nW dniu 2.03.2026 o 10:00, Obsługa <support@firma.pl> pisze:\n> " + (
            _sentence(rng, 20)
        )
    headers = [
        f"From: {Header('Łukasz Żółtowski', 'utf-8').encode()} <user{index}@example.pl>",
        "To: support@firma.pl",
        f"Subject: {Header(subject, 'utf-8').encode()}",
        "Date: Tue, 03 Mar 2026 10:15:00 +0100",
        f"Message-ID: <bench.{index}@example.pl>",
        "MIME-Version: 1.0",
    ]
    if reply:
        headers.append(f"In-Reply-To: <kart.{index}.1.abcdefgh@firma.pl>")
    encoded = body.encode(charset, "replace")
    if rng.random() < 0.5:
        text_part = (
            f"Content-Type: text/plain; charset={charset}\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n"
        ).encode() + encoded
    else:
        html = "".join(f"<p>{paragraph}</p>" for paragraph in body.split("\n\n"))
        text_part = (
            b'Content-Type: multipart/alternative; boundary="alt"\r\n\r\n--alt\r\n'
            + f"Content-Type: text/plain; charset={charset}\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n".encode()
            + encoded
            + b"\r\n--alt\r\n"
            + f"Content-Type: text/html; charset={charset}\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n".encode()
            + f"<html><body>{html}</body></html>".encode(charset, "replace")
            + b"\r\n--alt--\r\n"
        )
    head = "\r\n".join(headers).encode() + b"\r\n"
    if rng.random() < 0.2:
        attachment = base64.encodebytes(rng.randbytes(rng.randint(2_000, 60_000)))
        return (
            head
            + b'Content-Type: multipart/mixed; boundary="mix"\r\n\r\n--mix\r\n'
            + text_part
            + b"\r\n--mix\r\nContent-Type: application/pdf\r\n"
            + b"Content-Disposition: attachment;\r\n"
            + b" filename*=UTF-8''faktura%20%C5%BC%C3%B3%C5%82ta.pdf\r\n"
            + b"Content-Transfer-Encoding: base64\r\n\r\n"
            + attachment
            + b"\r\n--mix--\r\n"
        )
    return head + text_part


def _best_seconds(function: Callable[[bytes], Any], messages: list[bytes], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for raw in messages:
            function(raw)
        best = min(best, time.perf_counter() - started)
    return best


def _bare(raw: bytes) -> Any:
    return message_from_bytes(raw, policy=policy.default)


def _corpus_files() -> list[bytes]:
    if not _CORPORA.is_dir():
        return []
    files = [
        path
        for folder in ("ruby-mail", "spamassassin-t", "sisimai", "flufl_bounce", "talon")
        for path in sorted((_CORPORA / folder).rglob("*"))
        if path.is_file()
        and path.name not in ("SOURCE.txt", "README.md", "LICENSE")
        and path.suffix != ".json"
    ]
    return [path.read_bytes() for path in files]


def measure(name: str, messages: list[bytes], repeat: int) -> dict[str, Any]:
    bare = _best_seconds(_bare, messages, repeat)
    ours = _best_seconds(parse, messages, repeat)
    return {
        "corpus": name,
        "messages": len(messages),
        "bare_per_s": round(len(messages) / bare, 1),
        "parse_per_s": round(len(messages) / ours, 1),
        "ratio": round(ours / bare, 2),
        "within_target": ours / bare <= TARGET_RATIO,
    }


def run() -> list[dict[str, Any]]:
    """Measure and print one row per corpus; returns the rows."""
    count = int(os.environ.get("BENCH_MAIL_MESSAGES", "2000"))
    repeat = int(os.environ.get("BENCH_REPEAT", "3"))
    rng = random.Random(4)
    corpora = [(f"generated ({count})", [generated_message(rng, i) for i in range(count)])]
    real = _corpus_files()
    if real:
        corpora.append(("shared/corpora", real))
    rows = [measure(name, messages, repeat) for name, messages in corpora]
    print(
        f"\nMail parsing vs bare email.message_from_bytes(policy.default), target ≤ {TARGET_RATIO}×"
    )
    print(f"{'corpus':<22} {'messages':>8} {'bare/s':>8} {'parse/s':>8} {'ratio':>6}")
    for row in rows:
        flag = "" if row["within_target"] else "  over the target!"
        print(
            f"{row['corpus']:<22} {row['messages']:>8} {row['bare_per_s']:>8} "
            f"{row['parse_per_s']:>8} {row['ratio']:>6}{flag}"
        )
    return rows


if __name__ == "__main__":
    run()
