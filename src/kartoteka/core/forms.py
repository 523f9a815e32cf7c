"""Forms of the administrator's dictionary pages; they validate, services write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kartoteka.core.models import Dictionary, DictionaryEntry
from kartoteka.core.once import SubmitOnceForm


class CreateOnceModelForm(SubmitOnceForm):
    """A model creation form posted once (``submit_once``) whose service checks uniqueness.

    The form skips the model's unique checks: after the first post created the record they
    would refuse a repeated post, which must instead lead to what the first one created.
    """

    def validate_unique(self) -> None:
        pass

    def validate_constraints(self) -> None:
        pass


class DictionaryForm(forms.ModelForm):
    class Meta:
        model = Dictionary
        fields = ["name", "applies_to", "multiple", "position"]
        help_texts = {
            "multiple": _("A record may hold several values of this dictionary."),
            "position": _("Dictionaries are shown in this order, lowest first."),
        }


class DictionaryCreateForm(CreateOnceModelForm, DictionaryForm):
    pass


class EntryLabelForm(forms.Form):
    label = forms.CharField(
        label=_("Value"), max_length=DictionaryEntry._meta.get_field("label").max_length
    )


class EntryMoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", _("Up")), ("down", _("Down"))])
