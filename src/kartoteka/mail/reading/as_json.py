"""``kartoteka mail parse FILE… --json``: what the parser makes of message files, as JSON.

One JSON array, one object per file in the order given, with the fields of the issue's
"Output for tools and tests": file, from, to, cc, reply_to, subject, date, message_id,
in_reply_to, references, text, text_new, html, attachments, auto_reply, bounce, bulk.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from django.utils.translation import gettext as _

from kartoteka.mail.reading.parsed import Address, ParsedMessage
from kartoteka.mail.reading.parsing import parse


def _address(address: Address) -> dict[str, str]:
    return {"name": address.name, "address": address.address}


def as_dict(file: str, message: ParsedMessage) -> dict[str, Any]:
    """The JSON object of one parsed message file."""
    return {
        "file": file,
        "from": _address(message.from_) if message.from_ else None,
        "to": [_address(item) for item in message.to],
        "cc": [_address(item) for item in message.cc],
        "reply_to": [_address(item) for item in message.reply_to],
        "subject": message.subject,
        "date": message.date.isoformat() if message.date else None,
        "message_id": message.message_id,
        "in_reply_to": message.in_reply_to,
        "references": list(message.references),
        "text": message.text,
        "text_new": message.text_new,
        "html": message.html,
        "attachments": [
            {
                "filename": attachment.filename,
                "content_type": attachment.content_type,
                "size": len(attachment.content),
                "sha256": hashlib.sha256(attachment.content).hexdigest(),
                "inline": attachment.inline,
            }
            for attachment in message.attachments
        ],
        "auto_reply": message.auto_reply,
        "bounce": message.bounce,
        "bulk": message.bulk,
    }


def run(paths: list[str], stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Print the JSON array for ``paths``; 0 when every file was read, 1 otherwise.

    A file that cannot be read is reported on ``stderr`` and left out of the array.
    """
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    results: list[dict[str, Any]] = []
    status = 0
    for path in paths:
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            err.write(_("Cannot read %(path)s: %(error)s\n") % {"path": path, "error": exc})
            status = 1
            continue
        results.append(as_dict(path, parse(raw)))
    # One write: Django's OutputWrapper would end every chunk of ``json.dump`` with a newline.
    out.write(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    return status


def parse_command(files: list[str], as_json: bool = True) -> int:
    """Entry point for the ``mail parse`` subcommand (the output is JSON either way)."""
    return run(files)
