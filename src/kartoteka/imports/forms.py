"""Forms of the import pages; they validate input, services write."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from kartoteka.customers.models import Segment
from kartoteka.imports.columns import FIELDS
from kartoteka.imports.reading import DELIMITER_LABELS, ENCODING_LABELS, ENCODINGS


def encoding_choices(*, auto: bool) -> list[tuple[str, Any]]:
    choices: list[tuple[str, Any]] = [(name, ENCODING_LABELS[name]) for name in ENCODINGS]
    if auto:
        choices.insert(0, ("", _("Detect")))
    return choices


class SegmentChoiceMixin(forms.Form):
    segment = forms.ModelChoiceField(
        label=_("Segment"),
        queryset=Segment.objects.order_by("name"),
        required=False,
        empty_label=_("(none, or type a new one)"),
    )
    segment_name = forms.CharField(
        label=_("New segment"),
        max_length=100,
        required=False,
        help_text=_("Type a name to put every imported account in a new segment."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("segment") and (data.get("segment_name") or "").strip():
            self.add_error(
                "segment_name", _("Choose a segment from the list or type a new one, not both.")
            )
        return data


class UploadForm(SegmentChoiceMixin):
    file = forms.FileField(label=_("File (CSV or Excel .xlsx)"))
    skip_header = forms.BooleanField(
        label=_("The first row is a header, don't load it"), required=False, initial=True
    )
    encoding = forms.ChoiceField(
        label=_("Encoding"), choices=encoding_choices(auto=True), required=False
    )

    field_order = ["file", "skip_header", "encoding", "segment", "segment_name"]


def field_choices() -> list[tuple[str, Any]]:
    return [("", _("(ignore this column)"))] + [(spec.key, spec.label) for spec in FIELDS]


class ContactsUploadForm(forms.Form):
    file = forms.FileField(label=_("File of contacts (CSV or Excel .xlsx)"))
    skip_header = forms.BooleanField(
        label=_("The first row is a header, don't load it"), required=False, initial=True
    )
    encoding = forms.ChoiceField(
        label=_("Encoding"), choices=encoding_choices(auto=True), required=False
    )


def contact_field_choices() -> list[tuple[str, Any]]:
    from kartoteka.imports.contacts import CONTACT_FILE_FIELDS

    labels = {spec.key: spec.label for spec in FIELDS}
    labels["name"] = _("Company name")
    return [("", _("(ignore this column)"))] + [(key, labels[key]) for key in CONTACT_FILE_FIELDS]


class MappingForm(forms.Form):
    """The way the file is read and one field per column (``column_<index>``)."""

    encoding = forms.ChoiceField(label=_("Encoding"), choices=(), required=False)
    delimiter = forms.ChoiceField(label=_("Delimiter"), choices=(), required=False)
    skip_header = forms.BooleanField(
        label=_("The first row is a header, don't load it"), required=False
    )

    def __init__(
        self,
        *args: Any,
        headers: list[str],
        choices: list[tuple[str, Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["encoding"]).choices = encoding_choices(auto=False)
        cast(forms.ChoiceField, self.fields["delimiter"]).choices = list(DELIMITER_LABELS.items())
        choices = choices or field_choices()
        for index, header in enumerate(headers):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=header or _("Column %(number)d") % {"number": index + 1},
                choices=choices,
                required=False,
            )
        self.column_count = len(headers)

    def columns(self) -> list[forms.BoundField]:
        return [self[f"column_{index}"] for index in range(self.column_count)]

    def mapping(self) -> dict[int, str]:
        return {
            index: self.cleaned_data[f"column_{index}"]
            for index in range(self.column_count)
            if self.cleaned_data.get(f"column_{index}")
        }


class CellFixForm(forms.Form):
    field = forms.CharField(max_length=100)
    value = forms.CharField(max_length=10_000, required=False, strip=True)


ROW_ACTIONS = ("strike", "restore", "delete", "delete_all", "new", "update", "skip", "keep")


class RowsActionForm(forms.Form):
    """An action on the rows ticked on the page (their ids in ``rows``)."""

    action = forms.ChoiceField(choices=[(action, action) for action in ROW_ACTIONS])
    update_fields = forms.MultipleChoiceField(required=False, choices=())

    def __init__(self, *args: Any, updatable: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["update_fields"]).choices = [
            (key, key) for key in updatable
        ]

    def row_ids(self) -> list[int]:
        found = []
        for value in self.data.getlist("rows") if hasattr(self.data, "getlist") else []:
            if str(value).isdigit():
                found.append(int(value))
        return found
