"""Forms of the mailbox administration; they validate, ``mailboxes`` writes.

Passwords are write-only: never rendered back, an empty field keeps the stored one and a
checkbox removes it.

A mailbox fed by the mail server's pipe reads no server: its incoming fields (``INCOMING``)
are hidden by ``mail/mailbox_form.js`` and, whatever the browser sends, not required and
ignored (the stored values stay, for a later switch back to IMAP or POP3). Each of those
fields says for which protocols it is shown (``data-shown-for``), which the script follows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kartoteka.core.forms import CreateOnceModelForm
from kartoteka.mail.mailboxes import MAILBOX_FIELDS
from kartoteka.mail.models import Mailbox

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise as _StrPromise


def _password_field(label: str | _StrPromise) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Never shown again; leave empty to keep the stored one."),
    )


# The incoming fields and the protocols they belong to; hidden and ignored for the others.
INCOMING = {
    "host": ("imap", "pop3"),
    "port": ("imap", "pop3"),
    "security": ("imap", "pop3"),
    "login": ("imap", "pop3"),
    "password": ("imap", "pop3"),
    "clear_password": ("imap", "pop3"),
    "imap_folder": ("imap",),
    "after_fetch": ("imap", "pop3"),
    "move_to_folder": ("imap",),
    "fetch_every_minutes": ("imap", "pop3"),
}
# Required when the protocol reads a server (the model gives them defaults).
INCOMING_REQUIRED = ("security", "after_fetch", "fetch_every_minutes")


class MailboxForm(forms.ModelForm):
    password = _password_field(_("Password"))
    clear_password = forms.BooleanField(label=_("Remove the stored password"), required=False)
    smtp_password = _password_field(_("Outgoing password"))
    clear_smtp_password = forms.BooleanField(
        label=_("Remove the stored outgoing password (use the incoming one)"), required=False
    )

    class Meta:
        model = Mailbox
        fields = list(MAILBOX_FIELDS)
        help_texts = {
            "port": _("Empty: the usual port (IMAP 993/143, POP3 995/110)."),
            "smtp_port": _("Empty: the usual port (465, 587 or 25)."),
            "smtp_host": _("Empty: the incoming server."),
            "move_to_folder": _("Only when processed mail is moved; created when missing."),
            "is_default": _("Replies and new cases use the default mailbox unless told."),
        }
        widgets = {
            "signature_text": forms.Textarea(attrs={"rows": 4}),
            "signature_html": forms.Textarea(attrs={"rows": 4}),
        }

    field_order = [
        *MAILBOX_FIELDS[:8],
        "password",
        "clear_password",
        *MAILBOX_FIELDS[8:15],
        "smtp_password",
        "clear_smtp_password",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["purpose"].required = False  # left out: a mailbox for cases
        self.fields["protocol"].widget.attrs["data-protocol-switch"] = ""
        for name, protocols in INCOMING.items():
            if name in self.fields:
                self.fields[name].required = False
                self.fields[name].widget.attrs["data-shown-for"] = " ".join(protocols)

    def clean_purpose(self) -> str:
        return self.cleaned_data["purpose"] or Mailbox.Purpose.CASES

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        protocol = cleaned.get("protocol")
        if protocol == Mailbox.Protocol.NONE:
            self._ignore_incoming(cleaned)
        elif protocol:
            for name in INCOMING_REQUIRED:
                if name not in self.errors and cleaned.get(name) in (None, ""):
                    required = self.fields[name].error_messages["required"]
                    self.add_error(name, forms.ValidationError(required, code="required"))
        return cleaned

    def _ignore_incoming(self, cleaned: dict[str, Any]) -> None:
        """A pipe mailbox keeps its stored incoming values (the model's defaults when new),
        whatever came in, and none of them can fail the form."""
        for name in INCOMING:
            if name not in self.fields:
                continue
            self.errors.pop(name, None)
            if name in ("password", "clear_password"):
                cleaned[name] = "" if name == "password" else False
            else:
                cleaned[name] = getattr(self.instance, name)

    def validate_constraints(self) -> None:
        """The one-default rule is kept by the service (it moves the default), not refused."""

    def service_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in MAILBOX_FIELDS}
        data["password"] = self.cleaned_data["password"] or None
        data["smtp_password"] = self.cleaned_data["smtp_password"] or None
        if "clear_password" in self.fields:
            data["clear_password"] = self.cleaned_data["clear_password"]
            data["clear_smtp_password"] = self.cleaned_data["clear_smtp_password"]
        return data


class MailboxCreateForm(CreateOnceModelForm, MailboxForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["clear_password"]
        del self.fields["clear_smtp_password"]
        self.fields["password"].help_text = _("Stored encrypted and never shown again.")
        self.fields["smtp_password"].help_text = _("Empty: the incoming password.")
