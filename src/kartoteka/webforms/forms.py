"""The visitor's form (built from a web form's settings) and the administrator's form."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kartoteka.cases.models import CaseGroup, CaseType, Priority
from kartoteka.cases.services import ATTACHMENT_MAX_BYTES
from kartoteka.mail.models import Mailbox
from kartoteka.webforms.models import WebForm
from kartoteka.webforms.services import SubmissionData
from kartoteka.webforms.tokens import POW_MAX_LENGTH, TOKEN_MAX_LENGTH

HONEYPOT = "website"
NAME_MAX = 200
MESSAGE_MAX = 10_000
ANSWER_MAX = 1_000


class PublicForm(forms.Form):
    """What a visitor fills in; the fields and which are required come from the web form."""

    name = forms.CharField(label=gettext_lazy("Your name"), max_length=NAME_MAX)
    email = forms.EmailField(label=gettext_lazy("Email"), max_length=254)
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=32)
    company = forms.CharField(label=gettext_lazy("Company"), max_length=NAME_MAX)
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=200)
    message = forms.CharField(
        label=gettext_lazy("Message"), max_length=MESSAGE_MAX, widget=forms.Textarea
    )
    # The robot trap: hidden from people, filled in by robots.
    website = forms.CharField(required=False, max_length=200)
    token = forms.CharField(required=False, max_length=TOKEN_MAX_LENGTH, widget=forms.HiddenInput)
    pow = forms.CharField(required=False, max_length=POW_MAX_LENGTH, widget=forms.HiddenInput)

    def __init__(self, webform: WebForm, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.webform = webform
        for name in ("phone", "company", "subject", "message"):
            use = getattr(webform, name)
            if use == WebForm.FieldUse.HIDDEN:
                del self.fields[name]
            else:
                self.fields[name].required = use == WebForm.FieldUse.REQUIRED
        for index, question in enumerate(webform.custom_fields):
            self.fields[f"q{index}"] = forms.CharField(
                label=question["label"], max_length=ANSWER_MAX, required=question["required"]
            )
        self.fields[HONEYPOT].widget.attrs.update(
            {"autocomplete": "off", "tabindex": "-1", "class": "wf-trap"}
        )
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["name"].widget.attrs["autocomplete"] = "name"

    def visible_fields(self) -> list[forms.BoundField]:
        return [field for field in super().visible_fields() if field.name != HONEYPOT]

    @property
    def trap(self) -> forms.BoundField:
        return self[HONEYPOT]

    def trapped(self) -> bool:
        return bool(str(self.data.get(HONEYPOT, "")).strip())

    def files_checked(self) -> list[Any]:
        """The uploaded files, or ``ValidationError`` when there are too many or too big."""
        uploads = self.files.getlist("files") if self.files else []
        form = self.webform
        if not form.attachments:
            if uploads:
                raise ValidationError(_("This form takes no files."), code="no_files")
            return []
        if len(uploads) > form.attachments_max_count:
            raise ValidationError(
                _("At most %(count)d files.") % {"count": form.attachments_max_count},
                code="too_many_files",
            )
        limit = min(form.attachment_max_mb * 1024 * 1024, ATTACHMENT_MAX_BYTES)
        for upload in uploads:
            if (upload.size or 0) > limit:
                raise ValidationError(
                    _("%(name)s is larger than %(limit)s.")
                    % {"name": upload.name, "limit": filesizeformat(limit)},
                    code="too_big",
                )
            if not upload.size:
                raise ValidationError(_("%(name)s is empty.") % {"name": upload.name}, code="empty")
        return uploads

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            self.uploads = self.files_checked()
        except ValidationError as error:
            self.add_error(None, error)
        return cleaned

    def submission(self) -> SubmissionData:
        data = self.cleaned_data
        return SubmissionData(
            name=data["name"],
            email=data["email"],
            phone=data.get("phone", ""),
            company=data.get("company", ""),
            subject=data.get("subject", ""),
            message=data.get("message", ""),
            answers=[
                (question["label"], data.get(f"q{index}", ""))
                for index, question in enumerate(self.webform.custom_fields)
            ],
            files=self.uploads,
        )


class WebFormForm(forms.ModelForm):
    """The administrator's settings of a form; origins and questions one a line."""

    origins = forms.CharField(
        label=gettext_lazy("Allowed origins"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "One a line, e.g. https://www.firma.pl: the pages that may show the form in a frame "
            "and send it. Leave empty to use only the form's own page."
        ),
    )
    questions = forms.CharField(
        label=gettext_lazy("Extra questions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "One a line; end a line with * to make the answer required. The answers go into "
            "the case's description."
        ),
    )

    class Meta:
        model = WebForm
        fields = [
            "name", "active", "language", "phone", "company", "subject", "message",
            "attachments", "attachments_max_count", "attachment_max_mb", "group", "case_type",
            "priority", "mailbox", "thank_you_text", "rate_limit_count", "rate_limit_minutes",
            "proof_of_work", "proof_of_work_bits",
        ]  # fmt: skip
        widgets = {"thank_you_text": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = (
            ("group", CaseGroup.objects.all()),
            ("case_type", CaseType.objects.all()),
            ("priority", Priority.objects.all()),
            ("mailbox", Mailbox.objects.filter(active=True)),
        )
        for name, rows in choices:
            cast(forms.ModelChoiceField, self.fields[name]).queryset = rows
        if self.instance.pk:
            self.initial["origins"] = "\n".join(self.instance.allowed_origins)
            self.initial["questions"] = "\n".join(
                question["label"] + (" *" if question["required"] else "")
                for question in self.instance.custom_fields
            )
        else:
            self.initial.setdefault("mailbox", Mailbox.objects.default())
        for name, low, high in (
            ("attachments_max_count", 1, 10),
            ("attachment_max_mb", 1, ATTACHMENT_MAX_BYTES // (1024 * 1024)),
            ("rate_limit_count", 1, 1000),
            ("rate_limit_minutes", 1, 1440),
            ("proof_of_work_bits", 8, 24),
        ):
            self.fields[name].widget.attrs.update({"min": low, "max": high})

    def clean_attachments_max_count(self) -> int:
        return _in_range(self.cleaned_data["attachments_max_count"], 1, 10)

    def clean_attachment_max_mb(self) -> int:
        return _in_range(
            self.cleaned_data["attachment_max_mb"], 1, ATTACHMENT_MAX_BYTES // (1024 * 1024)
        )

    def clean_rate_limit_count(self) -> int:
        return _in_range(self.cleaned_data["rate_limit_count"], 1, 1000)

    def clean_rate_limit_minutes(self) -> int:
        return _in_range(self.cleaned_data["rate_limit_minutes"], 1, 1440)

    def clean_proof_of_work_bits(self) -> int:
        return _in_range(self.cleaned_data["proof_of_work_bits"], 8, 24)

    def config(self) -> dict[str, Any]:
        """The keyword ``data`` of ``webform_create`` and ``webform_update``."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["allowed_origins"] = [
            line.strip() for line in self.cleaned_data["origins"].splitlines() if line.strip()
        ]
        questions = []
        for line in self.cleaned_data["questions"].splitlines():
            label = line.strip()
            required = label.endswith("*")
            label = label.rstrip("*").strip()
            if label:
                questions.append({"label": label, "required": required})
        data["custom_fields"] = questions
        return data


def _in_range(value: int, low: int, high: int) -> int:
    if value is None or not low <= value <= high:
        raise ValidationError(
            _("Enter a number from %(low)d to %(high)d.") % {"low": low, "high": high},
            code="range",
        )
    return value
