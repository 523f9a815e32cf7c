"""Forms of the case settings pages; they read input, ``cases.lookups`` checks and writes.

The lookup forms skip the model's unique and constraint checks: the services check names
ignoring case and keep the one-default rule by unsetting the old default first, which a
check of the unsaved instance against the constraint would wrongly refuse.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from kartoteka.cases.lookups import STATUS_FIELDS, AnyLookup, LookupModel
from kartoteka.cases.models import NOTICE_FIELDS, CaseGroup, CaseSettings, Status
from kartoteka.cases.selectors import case_workers
from kartoteka.core.forms import CreateOnceModelForm
from kartoteka.core.names import NAME_LABELS, name_field, names_fields_add

DEFAULT_HELP = _("New cases get the default value. Making this one the default unsets the old one.")
IS_DEFAULT_HELP = _("This is the default. To change it, make another value the default.")


class LookupForm(forms.ModelForm):
    """A value's name (the main one and one per language) and whether it is the default;
    built per list by ``lookup_form_class``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names_fields_add(self, self.instance.names)
        self.fields["is_default"].help_text = DEFAULT_HELP
        if self.instance.pk and self.instance.is_default:
            # The default stops being it only when another value becomes the default.
            self.fields["is_default"].disabled = True
            self.fields["is_default"].help_text = IS_DEFAULT_HELP

    def validate_unique(self) -> None:
        pass

    def validate_constraints(self) -> None:
        pass


class StatusForm(LookupForm):
    overdue_after_days = forms.TypedChoiceField(
        label=_("Overdue after"),
        choices=[("", _("Never")), *Status.OverdueAfter.choices],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("A case left this long in this status is overdue."),
    )

    class Meta:
        model = Status
        fields = [
            "name",
            "is_default",
            "closes_case",
            "overdue_after_days",
            "notify_account_manager",
            "notify_administrator",
            "notify_addresses",
        ]
        labels = {
            "notify_account_manager": _("When overdue, tell the customer's account manager"),
            "notify_administrator": _("When overdue, tell the administrators"),
            "notify_addresses": _("When overdue, also tell these addresses"),
        }
        help_texts = {
            "closes_case": _("A case in this status counts as closed."),
        }


class CaseGroupForm(LookupForm):
    class Meta:
        model = CaseGroup
        fields = ["name", "is_default", "members"]
        help_texts = {
            "members": _("Assignment rules choose among them; absent members are skipped."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelMultipleChoiceField, self.fields["members"]).queryset = case_workers()


def lookup_form_class(model: LookupModel, *, create: bool = False) -> type[LookupForm]:
    """The edit (or, with ``create``, the submit-once creation) form of a list's values."""
    base: type[LookupForm] = (
        StatusForm
        if model is Status
        else CaseGroupForm
        if model is CaseGroup
        else cast(
            type[LookupForm],
            forms.modelform_factory(model, form=LookupForm, fields=["name", "is_default"]),
        )
    )
    if not create:
        return base
    return cast(
        type[LookupForm], type(f"{model.__name__}CreateForm", (CreateOnceModelForm, base), {})
    )


def lookup_data(form: LookupForm) -> dict[str, Any]:
    """A valid form's fields as the services take them: ``name``, ``names``, ``is_default``,
    ``data``."""
    extra = {name: form.cleaned_data[name] for name in STATUS_FIELDS if name in form.cleaned_data}
    members = {"members": form.cleaned_data["members"]} if "members" in form.cleaned_data else {}
    return {
        "name": form.cleaned_data["name"],
        "names": {code: form.cleaned_data[name_field(code)] for code in NAME_LABELS},
        "is_default": form.cleaned_data["is_default"],
        "data": extra,
        **members,
    }


class LookupActionForm(forms.Form):
    """A row button of a list: move a value up or down, or make it the default."""

    value = forms.ModelChoiceField(queryset=Status.objects.none())
    action = forms.ChoiceField(
        choices=[("up", _("Move up")), ("down", _("Move down")), ("default", _("Make default"))]
    )

    def __init__(self, *args: Any, model: LookupModel, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["value"]).queryset = model.objects.all()


class LookupDeleteForm(forms.Form):
    """What becomes of a value's cases and of the default; only the questions that apply."""

    move_to = forms.ModelChoiceField(
        queryset=Status.objects.none(),
        label=_("Move its cases to"),
        help_text=_("Each case moved gets a line in its history."),
    )
    new_default = forms.ModelChoiceField(
        queryset=Status.objects.none(),
        label=_("New default"),
        help_text=_("The value new cases get from now on instead of this one."),
    )

    def __init__(self, *args: Any, value: AnyLookup, case_count: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        others = type(value).objects.exclude(pk=value.pk).order_by("position", "name", "pk")
        cast(forms.ModelChoiceField, self.fields["move_to"]).queryset = others
        cast(forms.ModelChoiceField, self.fields["new_default"]).queryset = others
        # With no other value there is nothing to choose; the service says why it refuses.
        has_others = others.exists()
        if not (case_count and has_others):
            del self.fields["move_to"]
        if not (value.is_default and has_others):
            del self.fields["new_default"]


class CaseSettingsForm(forms.ModelForm):
    class Meta:
        model = CaseSettings
        fields = ["prefix", "accepted_old_prefixes", "incoming_status", "reply_status"]
        help_texts = {
            "accepted_old_prefixes": _(
                "Prefixes of earlier names still accepted in incoming subjects"
            ),
            "incoming_status": _("A case moves to this status when the customer writes to it."),
            "reply_status": _("A case moves to this status when we reply to the customer."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("incoming_status", "reply_status"):
            field = cast(forms.ModelChoiceField, self.fields[name])
            field.required = True
            field.queryset = Status.objects.order_by("position", "name", "pk")


class CaseNoticeSettingsForm(forms.Form):
    """Whom every case's notifications also go to, and which fields they show."""

    notify_account_manager = forms.BooleanField(
        label=_("Also tell the customer's account manager"), required=False
    )
    notify_administrator = forms.BooleanField(
        label=_("Also tell the administrators"), required=False
    )
    notify_addresses = forms.CharField(
        label=_("Also tell these addresses"),
        max_length=CaseSettings._meta.get_field("notify_addresses").max_length,
        required=False,
        help_text=_("Separate the addresses with commas or semicolons."),
    )
    notify_fields = forms.MultipleChoiceField(
        label=_("Fields shown in the emails"),
        choices=NOTICE_FIELDS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen shows them all."),
    )

    def __init__(self, data: Any = None, *, instance: CaseSettings) -> None:
        initial = {
            "notify_account_manager": instance.notify_account_manager,
            "notify_administrator": instance.notify_administrator,
            "notify_addresses": instance.notify_addresses,
            "notify_fields": list(instance.notify_fields or ()),
        }
        super().__init__(data, initial=initial)
