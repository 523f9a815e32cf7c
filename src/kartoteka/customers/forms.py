"""Forms of the customer pages.

They collect and shape input only. The rules (valid and unique NIP, REGON and email addresses,
phone numbers, dictionary choices) live in ``customers.services``; a view passes its
``ValidationError`` back with ``add_service_errors`` so the form shows it where it belongs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kartoteka.core.addresses import address_entries
from kartoteka.core.dictionaries import dictionaries_for
from kartoteka.core.models import Dictionary, DictionaryEntry
from kartoteka.core.once import SubmitOnceForm
from kartoteka.core.validation import show_service_errors
from kartoteka.customers.identifiers import normalise_nip, normalise_regon
from kartoteka.customers.merge import BOTH, KEPT, MERGED, ComparedField
from kartoteka.customers.models import Account, Contact, PhoneNumber, Segment
from kartoteka.customers.pickers import account_picker
from kartoteka.customers.services import (
    ACCOUNT_FIELDS,
    CONTACT_FIELDS,
    account_restriction_changeable,
)
from kartoteka.people.models import Team, User
from kartoteka.people.pickers import user_picker


def group_entry_choices(field: forms.ModelChoiceField) -> None:
    """Show a field's dictionary entries grouped under their dictionary's name.

    Only the widget changes; the field still validates against its queryset.
    """
    groups: dict[str, list[tuple[int, str]]] = {}
    entries = DictionaryEntry.objects.none() if field.queryset is None else field.queryset
    for entry in entries.select_related("dictionary"):
        groups.setdefault(entry.dictionary.name, []).append((entry.pk, entry.label))
    field.widget.choices = list(groups.items())


class ServiceForm(SubmitOnceForm):
    """A form whose data a service validates; its errors are shown on the fields they concern.

    Services key their errors by field; an error about no field of this form is shown above it.
    """

    def add_service_errors(self, error: ValidationError) -> None:
        show_service_errors(self, error)

    @property
    def status(self) -> int:
        """The HTTP status of the page showing this form: 400 when it has errors."""
        return 400 if self.is_bound and not self.is_valid() else 200


class ClassificationFields(ServiceForm):
    """Adds one field per dictionary (``dictionary_<pk>``) and turns the answers into entries."""

    applies_to: str = ""

    def add_dictionary_fields(self, chosen: Iterable[DictionaryEntry] = ()) -> None:
        self.entries: dict[str, DictionaryEntry] = {}
        chosen_ids = {entry.pk for entry in chosen}
        for dictionary in dictionaries_for(self.applies_to):
            entries = list(dictionary.entries.all())
            if not entries:
                continue
            self.entries.update((str(entry.pk), entry) for entry in entries)
            choices = [(str(entry.pk), entry.label) for entry in entries]
            selected = [str(entry.pk) for entry in entries if entry.pk in chosen_ids]
            name = f"dictionary_{dictionary.pk}"
            if dictionary.multiple:
                self.fields[name] = forms.MultipleChoiceField(
                    label=dictionary.name,
                    choices=choices,
                    required=False,
                    widget=forms.CheckboxSelectMultiple,
                )
                self.initial.setdefault(name, selected)
            else:
                self.fields[name] = forms.ChoiceField(
                    label=dictionary.name, choices=[("", "—"), *choices], required=False
                )
                self.initial.setdefault(name, selected[0] if selected else "")

    def classifications(self) -> list[DictionaryEntry]:
        chosen: list[DictionaryEntry] = []
        for name, value in self.cleaned_data.items():
            if not name.startswith("dictionary_") or not value:
                continue
            values = value if isinstance(value, list) else [value]
            chosen.extend(self.entries[pk] for pk in values)
        return chosen


class AccountForm(ClassificationFields):
    applies_to = Dictionary.AppliesTo.ACCOUNT

    kind = forms.ChoiceField(label=_("Kind"), choices=Account.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=255)
    short_name = forms.CharField(label=_("Short name"), max_length=100, required=False)
    nip = forms.CharField(
        label=_("NIP"),
        max_length=32,
        required=False,
        help_text=_("10 digits; spaces, dashes and the PL prefix are fine."),
    )
    regon = forms.CharField(label=_("REGON"), max_length=32, required=False)
    street = forms.CharField(label=_("Street"), max_length=255, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=16, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    country = forms.CharField(
        label=_("Country"),
        max_length=2,
        help_text=_("Two-letter code, e.g. PL or CZ."),
    )
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    website = forms.URLField(label=_("Website"), max_length=200, required=False)
    segments = forms.ModelMultipleChoiceField(
        label=_("Segments"),
        queryset=Segment.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    manager = user_picker(
        label=_("Account manager"),
        queryset=User.objects.filter(is_active=True).exclude(role=User.Role.PORTAL),
        required=False,
    )
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all(), required=False)
    restricted = forms.BooleanField(
        label=_("Restricted"),
        required=False,
        help_text=_("Only the account manager, the team, their supervisors and managers see it."),
    )
    legal_hold = forms.BooleanField(
        label=_("Legal hold"),
        required=False,
        help_text=_("Its contacts' personal data may not be erased while this is set."),
    )
    shared_emails = forms.CharField(
        label=_("Shared email addresses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Addresses of the whole company, such as the office; one per line."),
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea)

    def __init__(self, data: Any = None, *, user: User, account: Account | None = None) -> None:
        """On an account ``user`` may not restrict or free, the checkbox shows and keeps its
        value; a new account's checkbox is offered to all (the service refuses an agent who
        restricts an account without being its manager)."""
        initial: dict[str, Any] = {"kind": Account.Kind.CUSTOMER, "country": "PL"}
        if account is not None:
            initial.update({field: getattr(account, field) for field in ACCOUNT_FIELDS})
            initial["segments"] = list(account.segments.all())
            initial["shared_emails"] = "\n".join(e.address for e in account.shared_emails.all())
        super().__init__(data, initial=initial)
        if account is not None and not account_restriction_changeable(
            by=user, manager=account.manager
        ):
            self.fields["restricted"].disabled = True
            self.fields["restricted"].help_text = _(
                "Only managers, administrators and the account manager may change this."
            )
        if not user.is_administrator:
            del self.fields["legal_hold"]
        self.add_dictionary_fields(account.classifications.all() if account else ())
        if data is not None and "duplicate_key" in data:
            self._add_confirmation_fields()

    def identifiers(self) -> dict[str, str]:
        """The NIP and REGON as stored (as typed when invalid: the service says why)."""
        found = {}
        for field, normalise in (("nip", normalise_nip), ("regon", normalise_regon)):
            raw = str(self.data.get(field, "")).strip()
            try:
                found[field] = normalise(raw)
            except ValidationError:
                found[field] = raw
        return found

    def _identifiers_key(self) -> str:
        found = self.identifiers()
        return f"{found['nip']}/{found['regon']}"

    def offer_duplicate_confirmation(self) -> None:
        """Show "Save anyway" (first) after the service found the NIP or REGON in use: it
        confirms the values shown now, so a value changed later is checked again."""
        self._add_confirmation_fields()
        if self.is_bound:
            data = dict(self.data.items()) if not hasattr(self.data, "copy") else self.data.copy()
            data["duplicate_key"] = self._identifiers_key()
            self.data = data

    def _add_confirmation_fields(self) -> None:
        self.fields["confirm_duplicate"] = forms.BooleanField(
            label=_("Save anyway"),
            required=False,
            help_text=_(
                "Another account already has this NIP or REGON. Tick this if both are right, "
                "e.g. a branch of the same company or a lead of an existing customer."
            ),
        )
        self.fields["duplicate_key"] = forms.CharField(widget=forms.HiddenInput, required=False)
        self.order_fields(["confirm_duplicate"])

    def service_arguments(self) -> dict[str, Any]:
        """The keyword arguments of ``account_create`` and ``account_update``."""
        return {
            "confirm_duplicate": bool(
                self.cleaned_data.get("confirm_duplicate")
                and self.cleaned_data.get("duplicate_key") == self._identifiers_key()
            ),
            "data": {
                field: self.cleaned_data[field] for field in ACCOUNT_FIELDS & self.fields.keys()
            },
            "segments": self.cleaned_data["segments"],
            "classifications": self.classifications(),
            "shared_emails": address_entries(self.cleaned_data["shared_emails"]),
        }


class PhoneForm(forms.Form):
    number = forms.CharField(label=_("Phone number"), max_length=32, required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=PhoneNumber.Kind.choices, initial=PhoneNumber.Kind.MOBILE
    )


PhoneFormSet = forms.formset_factory(PhoneForm, extra=2)


class ContactForm(ClassificationFields):
    applies_to = Dictionary.AppliesTo.CONTACT

    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    position = forms.CharField(label=_("Position"), max_length=100, required=False)
    salutation = forms.CharField(
        label=_("Salutation"),
        max_length=100,
        required=False,
        help_text=Contact._meta.get_field("salutation").help_text,
    )
    account = account_picker(label=_("Customer"), required=False)
    emails = forms.CharField(
        label=_("Email addresses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line; the first is the main address."),
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea)

    def __init__(
        self,
        data: Any = None,
        *,
        user: User,
        contact: Contact | None = None,
        account: str | None = None,
    ) -> None:
        """``account`` preselects a customer (a pk from the URL); only visible ones are offered."""
        initial: dict[str, Any] = {"account": account}
        phones: list[dict[str, str]] = []
        if contact is not None:
            initial.update({field: getattr(contact, field) for field in CONTACT_FIELDS})
            initial["emails"] = "\n".join(email.address for email in contact.emails.all())
            phones = [{"number": p.number, "kind": p.kind} for p in contact.phones.all()]
        super().__init__(data, initial=initial)
        account_field = cast(forms.ModelChoiceField, self.fields["account"])
        account_field.queryset = Account.objects.visible_to(user)
        self.add_dictionary_fields(contact.classifications.all() if contact else ())
        self.phones = PhoneFormSet(data, prefix="phones", initial=phones)

    def is_valid(self) -> bool:
        phones_valid = self.phones.is_valid()
        return super().is_valid() and phones_valid

    def service_arguments(self) -> dict[str, Any]:
        """The keyword arguments of ``contact_create`` and ``contact_update``."""
        return {
            "data": {field: self.cleaned_data[field] for field in CONTACT_FIELDS},
            "emails": address_entries(self.cleaned_data["emails"]),
            "phones": [
                (row["number"], row["kind"])
                for row in self.phones.cleaned_data
                if row.get("number", "").strip()
            ],
            "classifications": self.classifications(),
        }


class SegmentForm(ServiceForm):
    name = forms.CharField(label=_("Name"), max_length=100)

    def __init__(self, data: Any = None, *, segment: Segment | None = None) -> None:
        super().__init__(data, initial={"name": segment.name} if segment else {})


class AccountMergeForm(forms.Form):
    """One choice per differing group of fields (see ``customers.merge``): the value of the
    kept account, of the merged one, or, for the notes, both texts."""

    def __init__(self, data: Any = None, *, comparison: list[ComparedField]) -> None:
        super().__init__(data)
        self.comparison = comparison
        for row in comparison:
            if not row.differs:
                continue
            choices = [(KEPT, _("This account's")), (MERGED, _("The other account's"))]
            if row.group == "notes":
                choices.append((BOTH, _("Both")))
            # Left out, a choice takes its default (``default_side``), as the page preselects.
            self.fields[row.group] = forms.ChoiceField(
                label=row.label,
                choices=choices,
                initial=row.default,
                required=False,
                widget=forms.RadioSelect,
            )

    def sides(self) -> dict[str, str]:
        """The ``fields`` argument of ``account_merge``."""
        return {group: side for group, side in self.cleaned_data.items() if side}
