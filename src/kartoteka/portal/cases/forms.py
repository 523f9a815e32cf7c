"""Forms of the portal's cases side: a new case and a reply, each with files."""

from __future__ import annotations

import re
import secrets
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kartoteka.cases.models import CaseType
from kartoteka.cases.services import NOTE_MAX_LENGTH
from kartoteka.documents.forms import MultipleFileField
from kartoteka.portal.cases.services import DESCRIPTION_MAX_LENGTH, FILES_MAX

_DRAFT = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def draft_token() -> str:
    """A new case form's own token: the knowledge base counts the suggestions opened while
    writing it (``?draft=``) and learns whether the case was created after all."""
    return secrets.token_urlsafe(16)


class FilesForm(forms.Form):
    """A form with files; ``uploads`` are the chosen files (none is fine)."""

    # Not "files": that name is the form's own dict of uploads.
    attachments = MultipleFileField(label=_("Attachments"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = gettext("Up to %(count)d files, 25 MB together.") % {
            "count": FILES_MAX
        }

    @property
    def uploads(self) -> list[UploadedFile[bytes]]:
        return [
            upload for upload in self.cleaned_data.get("attachments") or [] if upload is not None
        ]

    def add_service_errors(self, error: ValidationError) -> None:
        for name, messages in error.message_dict.items():
            name = "attachments" if name == "files" else name
            self.add_error(name if name in self.fields else None, messages)


class ReplyForm(FilesForm):
    text = forms.CharField(
        label=_("Your reply"), max_length=NOTE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 5})
    )

    field_order = ["text", "attachments"]


class NewCaseForm(FilesForm):
    subject = forms.CharField(label=_("Subject"), max_length=255)
    description = forms.CharField(
        label=_("Description"),
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
    )
    case_type = forms.ModelChoiceField(
        label=_("Type"), queryset=CaseType.objects.all(), required=False
    )
    draft = forms.CharField(widget=forms.HiddenInput, required=False)

    field_order = ["subject", "case_type", "description", "attachments", "draft"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("draft", draft_token())
            self.initial.setdefault("case_type", CaseType.objects.filter(is_default=True).first())

    def clean_draft(self) -> str:
        """A token that is not one of ours is dropped (the case is created all the same)."""
        return draft_clean(self.cleaned_data.get("draft") or "")


def draft_clean(value: str) -> str:
    """``value`` if it looks like a token of ``draft_token``, else ""."""
    return value if _DRAFT.match(value) else ""
