"""What the composer tests post and read back."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import Message as EmailMessage
from typing import Any

from django import forms

from kartoteka.mail import rawstore
from kartoteka.mail.models import Message


def posted(form: forms.Form, **changes: Any) -> dict[str, Any]:
    """The data a browser posts for ``form`` as shown, with ``changes``."""
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        if field.widget.attrs.get("disabled"):
            continue  # a browser does not post a disabled field (the HTML editor enables it)
        value = form.initial.get(name, field.initial)
        if hasattr(value, "pk"):
            value = value.pk
        data[name] = value
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def raw_of(message: Message) -> EmailMessage:
    """The stored message as it was sent, parsed."""
    return message_from_bytes(rawstore.raw_read(message.raw_sha256), policy=policy.default)
