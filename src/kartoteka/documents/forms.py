"""Forms of documents: the upload (with its first files), the edit, and a new version."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from kartoteka.cases.models import Case
from kartoteka.core.names import names_cleaned, names_fields_add
from kartoteka.customers.models import Account, Contact
from kartoteka.documents.models import Document, DocumentType
from kartoteka.people.models import Team, User
from kartoteka.people.selectors import staff_users


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile[bytes]]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class ServiceErrorsMixin(forms.Form):
    # A service's argument → the field that shows its errors, where the names differ.
    service_fields: dict[str, str] = {}

    def add_service_errors(self, error: ValidationError) -> None:
        for name, messages in error.message_dict.items():
            field = self.service_fields.get(name, name)
            self.add_error(field if field in self.fields else None, messages)

    @property
    def status(self) -> int:
        return 400 if self.is_bound and self.errors else 200


class DocumentForm(ServiceErrorsMixin, forms.Form):
    service_fields = {"files": "uploads"}

    document_type = forms.ModelChoiceField(label=_("Type"), queryset=DocumentType.objects.none())
    title = forms.CharField(label=_("Title"), max_length=255)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    contacts = forms.ModelMultipleChoiceField(
        label=_("Contacts"), queryset=Contact.objects.none(), required=False
    )
    case = forms.ModelChoiceField(label=_("Case"), queryset=Case.objects.none(), required=False)
    confidential = forms.BooleanField(
        label=_("Confidential"),
        required=False,
        help_text=_("Only you, the users and teams named below, and administrators see it."),
    )
    shared_users = forms.ModelMultipleChoiceField(
        label=_("Shared with users"), queryset=User.objects.none(), required=False
    )
    shared_with_customer = forms.BooleanField(
        label=_("Shared with the customer"),
        required=False,
        help_text=_(
            "The customer's contacts see it in the customer portal (never a confidential one)."
        ),
    )
    shared_teams = forms.ModelMultipleChoiceField(
        label=_("Shared with teams"), queryset=Team.objects.all(), required=False
    )
    # Not "files": that name is the form's own dict of uploads.
    uploads = MultipleFileField(label=_("Files"))

    def __init__(
        self,
        *args: Any,
        user: User,
        account: Account,
        document: Document | None = None,
        **kwargs: Any,
    ) -> None:
        if document is not None:
            kwargs.setdefault("initial", {}).update(
                {
                    "document_type": document.document_type_id,
                    "title": document.title,
                    "date": document.date,
                    "description": document.description,
                    "contacts": list(document.contacts.all()),
                    "case": document.case_id,
                    "confidential": document.confidential,
                    "shared_users": list(document.shared_users.all()),
                    "shared_teams": list(document.shared_teams.all()),
                    "shared_with_customer": document.shared_with_customer,
                }
            )
        super().__init__(*args, **kwargs)
        types = DocumentType.objects.filter(active=True)
        if document is not None:
            types = types | DocumentType.objects.filter(pk=document.document_type_id)
            del self.fields["uploads"]
        self._choices("document_type").queryset = types
        self._choices("contacts").queryset = (
            Contact.objects.visible_to(user).filter(account=account).order_by("last_name", "pk")
        )
        self._choices("case").queryset = (
            Case.objects.visible_to(user).filter(account=account).order_by("-number")
        )
        self._choices("shared_users").queryset = staff_users()

    def service_arguments(self) -> dict[str, Any]:
        arguments = dict(self.cleaned_data)
        if "uploads" in arguments:
            arguments["files"] = arguments.pop("uploads")
        return arguments

    def _choices(self, name: str) -> forms.ModelChoiceField[Any]:
        return cast(forms.ModelChoiceField[Any], self.fields[name])


class VersionForm(ServiceErrorsMixin, forms.Form):
    service_fields = {"files": "file"}

    file = forms.FileField(label=_("File"))
    name = forms.ChoiceField(label=_("New version of"), required=False)

    def __init__(self, *args: Any, document: Document, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = sorted({row.name for row in document.files.all()})
        cast(forms.ChoiceField, self.fields["name"]).choices = [
            ("", _("A new file (its own name)")),
            *[(name, name) for name in names],
        ]


class DocumentTypeForm(ServiceErrorsMixin, forms.ModelForm[DocumentType]):
    """A type's main name, its name per language, icon, order and whether it is offered."""

    class Meta:
        model = DocumentType
        fields = ["name", "icon", "position", "active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names_fields_add(self, self.instance.names)

    def service_arguments(self) -> dict[str, Any]:
        """What ``services.document_type_save`` takes from a valid form."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        return {**data, "names": names_cleaned(self)}
