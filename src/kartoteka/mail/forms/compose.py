"""Forms of the composer and of the canned responses; they validate, ``compose`` and
``canned`` write.

The composer form is strict when sending and lenient when a draft is saved (``strict=False``:
every value is kept as typed, a value that is not valid is left out).
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kartoteka.cases.models import Status
from kartoteka.core.forms import CreateOnceModelForm
from kartoteka.core.once import SubmitOnceForm
from kartoteka.mail.models import Attachment, CannedResponse, Draft, DraftAttachment, Message
from kartoteka.mail.reading.header_text import has_line_break
from kartoteka.mail.sending import outbound, rich_text
from kartoteka.mail.sending.canned import PLACEHOLDERS
from kartoteka.mail.sending.compose import DraftContent, Outgoing, sending_mailboxes

ADDRESSES_MAX = 4000


class MailboxSelect(forms.Select):
    """Each option carries its mailbox's signature, shown under the text by app.js."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        instance = getattr(option["value"], "instance", None)
        if instance is not None:
            option["attrs"]["data-signature"] = instance.signature_text
        return option


class ReplyHtmlField(forms.CharField):
    """The editor's HTML, shown back (a draft, a refused send) only as cleaned."""

    def prepare_value(self, value: Any) -> Any:
        return rich_text.reply_html_clean(value) if isinstance(value, str) else value


class ComposeForm(SubmitOnceForm):
    kind = forms.ChoiceField(choices=Draft.Kind.choices, widget=forms.HiddenInput)
    message = forms.IntegerField(required=False, widget=forms.HiddenInput)
    mailbox = forms.ModelChoiceField(
        label=_("From"), queryset=sending_mailboxes(), empty_label=None, widget=MailboxSelect
    )
    to = forms.CharField(label=_("To"), required=False, max_length=ADDRESSES_MAX)
    cc = forms.CharField(label=_("Cc"), required=False, max_length=ADDRESSES_MAX)
    bcc = forms.CharField(
        label=_("Bcc"),
        required=False,
        max_length=ADDRESSES_MAX,
        help_text=_("Blind copies: the other recipients do not see these addresses."),
    )
    subject = forms.CharField(label=_("Subject"), max_length=998, required=False)
    body = forms.CharField(
        label=_("Message"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12, "data-composer-body": ""}),
    )
    # Filled by the HTML editor (``mail/composer.js``), which enables it: without JavaScript
    # it is disabled, so not sent, and the message is the plain ``body`` as typed.
    body_html = ReplyHtmlField(
        required=False,
        strip=False,
        widget=forms.HiddenInput(attrs={"data-composer-html": "", "disabled": True}),
    )
    status = forms.ModelChoiceField(
        label=_("and set status"), queryset=Status.objects.all(), empty_label=None
    )
    forwarded = forms.ModelMultipleChoiceField(
        label=_("Forwarded attachments"),
        queryset=Attachment.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    kept = forms.ModelMultipleChoiceField(
        label=_("Attached files"),
        queryset=DraftAttachment.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args: Any,
        replying_to: Message | None,
        kind: str,
        draft: Draft | None,
        strict: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.strict = strict
        self.choices_of("mailbox").queryset = sending_mailboxes()
        if replying_to is not None and kind == Draft.Kind.FORWARD:
            self.choices_of("forwarded").queryset = replying_to.attachments.all()
        if draft is not None:
            self.choices_of("kept").queryset = draft.attachments.all()
        if not strict:
            for bound_field in self.fields.values():
                bound_field.required = False
            for name in ("to", "cc", "bcc", "subject"):
                cast(forms.CharField, self.fields[name]).max_length = None
                self.fields[name].validators = []

    def choices_of(self, name: str) -> forms.ModelChoiceField:
        return cast(forms.ModelChoiceField, self.fields[name])

    def header_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("mailbox", "to", "cc", "bcc", "subject")]

    def _addresses(self, name: str, *, required: bool = False) -> str:
        value: str = self.cleaned_data.get(name) or ""
        if not self.strict:
            return value
        if "\r" in value or "\n" in value:
            raise ValidationError(_("Addresses must be on one line."), code="line_break")
        try:
            entries = outbound.recipients_parse([value], field=name)
        except ValidationError as error:
            raise ValidationError(error.message_dict[name], code="invalid_address") from error
        if required and not entries:
            raise ValidationError(_("Enter at least one recipient."), code="no_recipient")
        return value

    def clean_to(self) -> str:
        return self._addresses("to", required=True)

    def clean_cc(self) -> str:
        return self._addresses("cc")

    def clean_bcc(self) -> str:
        return self._addresses("bcc")

    def clean_subject(self) -> str:
        value: str = self.cleaned_data.get("subject") or ""
        if self.strict:
            if has_line_break(value):
                raise ValidationError(_("The subject must be a single line."), code="line_break")
            if not value.strip():
                raise ValidationError(_("Enter a subject."), code="required")
        return value

    def clean_body_html(self) -> str:
        """The editor's HTML, cleaned (``rich_text.reply_html_clean``); "" when there is
        none, or too much to be a message (then the plain ``body`` is what counts)."""
        value: str = self.cleaned_data.get("body_html") or ""
        if len(value) > rich_text.REPLY_HTML_MAX_CHARS:
            if self.strict:
                raise ValidationError(_("The message is too long."), code="too_long")
            return ""
        return rich_text.reply_html_clean(value)

    def clean(self) -> dict[str, Any]:
        """A message written in the editor has its text derived from its HTML, so the two
        parts of the mail say the same."""
        cleaned = super().clean() or {}
        html = cleaned.get("body_html") or ""
        if html and rich_text.html_is_empty(html):
            cleaned["body_html"] = html = ""
            if self.strict:
                cleaned["body"] = ""
        if html:
            cleaned["body"] = rich_text.html_to_text(html)
        if self.strict and "body" not in self.errors and not cleaned.get("body", "").strip():
            self.add_error("body", ValidationError(_("Write the message first."), code="required"))
        return cleaned

    def draft_content(self) -> DraftContent:
        """What was typed, for the draft (call after ``is_valid``; invalid values left out)."""
        data = self.cleaned_data
        return DraftContent(
            mailbox=data.get("mailbox"),
            to=data.get("to") or self.data.get("to", "")[:ADDRESSES_MAX],
            cc=data.get("cc") or self.data.get("cc", "")[:ADDRESSES_MAX],
            bcc=data.get("bcc") or self.data.get("bcc", "")[:ADDRESSES_MAX],
            subject=data.get("subject") or self.data.get("subject", ""),
            body=data.get("body") or self.data.get("body", ""),
            status=data.get("status"),
            body_html=data.get("body_html") or "",
        )

    def outgoing(self, *, uploads: list[Any]) -> Outgoing:
        data = self.cleaned_data
        return Outgoing(
            mailbox=data["mailbox"],
            to=data["to"],
            cc=data["cc"],
            bcc=data["bcc"],
            subject=data["subject"],
            body=data["body"],
            status=data["status"],
            forwarded=list(data["forwarded"]),
            kept=list(data["kept"]),
            uploads=uploads,
            html=data.get("body_html") or "",
        )


class CannedResponseForm(forms.ModelForm):
    class Meta:
        model = CannedResponse
        fields = ["name", "body", "active", "position"]
        widgets = {"body": forms.Textarea(attrs={"rows": 10})}
        help_texts = {"position": _("Shown in this order in the composer, lowest first.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
        self.fields["body"].help_text = _("Placeholders filled in when inserted: %(names)s.") % {
            "names": names
        }


class CannedResponseCreateForm(CreateOnceModelForm, CannedResponseForm):
    pass
