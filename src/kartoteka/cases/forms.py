"""Forms of the case pages. They shape input; ``cases.services`` holds the rules."""

from __future__ import annotations

import copy
from typing import Any, Protocol, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from kartoteka.cases.models import Case, CaseGroup, CaseType, Category, Priority, Status
from kartoteka.cases.pickers import case_worker_picker
from kartoteka.cases.selectors import case_workers
from kartoteka.cases.services import (
    ATTACHMENT_MAX_BYTES,
    CASE_FIELDS,
    NOTE_MAX_LENGTH,
    NOTIFY_TEXT_MAX_LENGTH,
)
from kartoteka.core.addresses import addresses_clean
from kartoteka.core.once import SubmitOnceForm
from kartoteka.core.validation import show_service_errors
from kartoteka.customers.models import Account, Contact
from kartoteka.customers.pickers import account_picker
from kartoteka.people.models import User

LOOKUPS: dict[str, type[Status | Priority | CaseType | Category | CaseGroup]] = {
    "status": Status,
    "priority": Priority,
    "case_type": CaseType,
    "category": Category,
    "group": CaseGroup,
}


class CaseFormExtra(Protocol):
    """A field that an app above cases adds to the case form (new and edit), registered once
    when Django starts (``case_form_extra_register``): the mail app's mailbox the case's mail
    goes out from. Cases may not import those apps; the form asks them instead."""

    name: str

    def field(self, *, case: Case | None) -> forms.Field:
        """The form field, its initial value the case's (or, for a new case, the default)."""
        ...

    def save(self, *, case: Case, value: Any, by: User | None) -> None:
        """Write the chosen value, inside the transaction that creates or changes the case;
        ``ValidationError`` (keyed by ``name``) refuses it and rolls the case back."""
        ...


_extras: dict[str, CaseFormExtra] = {}


def case_form_extra_register(extra: CaseFormExtra) -> None:
    _extras[extra.name] = extra


def case_form_extras() -> dict[str, CaseFormExtra]:
    return dict(_extras)


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CaseForm(SubmitOnceForm):
    """Creates a case, or edits one (then without the customer, fixed at creation).

    Contacts and the reporter validate against every contact the user sees, but only the
    customer's own are offered; ``services._check_people`` refuses anyone else's.
    """

    subject = forms.CharField(label=_("Subject"), max_length=255)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)
    status = forms.ModelChoiceField(label=_("Status"), queryset=Status.objects.all())
    priority = forms.ModelChoiceField(label=_("Priority"), queryset=Priority.objects.all())
    case_type = forms.ModelChoiceField(
        label=_("Type"), queryset=CaseType.objects.all(), required=False
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.all(), required=False
    )
    group = forms.ModelChoiceField(
        label=_("Group"), queryset=CaseGroup.objects.all(), required=False
    )
    account = account_picker(
        label=_("Customer"),
        required=False,
        help_text=_("Chosen once: a case stays with its customer."),
    )
    contacts = forms.ModelMultipleChoiceField(
        label=_("Contacts"),
        queryset=Contact.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reporter = forms.ModelChoiceField(
        label=_("Reporter"), queryset=Contact.objects.none(), required=False
    )
    assignee = case_worker_picker(label=_("Assignee"), required=False)
    due_date = forms.DateField(label=_("Expected resolution"), required=False, widget=date_input())
    annotation = forms.CharField(label=_("Annotation"), max_length=255, required=False)
    # Notification emails to the customer's side (``cases.notices``).
    notify = forms.BooleanField(
        label=_("Send notifications on creation and changes"), required=False
    )
    notify_reporter = forms.BooleanField(label=_("Tell the reporter"), required=False)
    notify_contact = forms.ModelChoiceField(
        label=_("Also tell this contact"), queryset=Contact.objects.none(), required=False
    )
    notify_addresses = forms.CharField(
        label=_("Also tell these addresses"),
        max_length=1000,
        required=False,
        help_text=_("Separate the addresses with commas or semicolons."),
    )
    notify_text = forms.CharField(
        label=_("Text added to the notifications"),
        max_length=NOTIFY_TEXT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self,
        data: Any = None,
        *,
        user: User,
        case: Case | None = None,
        account_id: Any = None,
        contact_id: Any = None,
    ) -> None:
        """``account_id`` chooses whose contacts a new case offers (the posted one wins);
        ``contact_id`` starts a new case for that contact: its customer, as contact and
        reporter. Either is ignored when the user may not see it."""
        initial: dict[str, Any] = {}
        contact = self._chosen(Contact.objects.visible_to(user), contact_id)
        if case is None:
            for name, model in LOOKUPS.items():
                initial[name] = model.objects.filter(is_default=True).first()
            initial["notify_reporter"] = Case._meta.get_field("notify_reporter").default
            if contact is not None:
                account_id = contact.account_id
                initial.update(contacts=[contact.pk], reporter=contact.pk)
        else:
            initial.update({name: getattr(case, name) for name in CASE_FIELDS})
            initial["contacts"] = list(case.contacts.all())
        super().__init__(data, initial=initial)
        self.case = case
        visible_contacts = Contact.objects.visible_to(user)
        self._field("contacts").queryset = visible_contacts
        self._field("reporter").queryset = visible_contacts
        self._field("notify_contact").queryset = visible_contacts
        self._field("assignee").queryset = case_workers()
        if case is None:
            self._field("account").queryset = Account.objects.visible_to(user)
            if data is not None:
                account_id = data.get("account")
            self.customer = self._chosen(Account.objects.visible_to(user), account_id)
            self.initial["account"] = self.customer
            self.fields["account"].widget.attrs.update(
                {
                    "hx-get": reverse("cases:case-create"),
                    "hx-trigger": "change",
                    "hx-include": "this",
                    "hx-target": "#case-people",
                    "hx-swap": "outerHTML",
                }
            )
        else:
            del self.fields["account"]
            self.customer = case.account
        self.people = self._offer_people_of(self.customer, without_customer=contact)
        for name, extra in _extras.items():
            self.fields[name] = extra.field(case=case)

    @property
    def extra_fields(self) -> list[forms.BoundField]:
        """The fields the apps above cases added (``CaseFormExtra``)."""
        return [self[name] for name in _extras if name in self.fields]

    def extras_save(self, *, case: Case, by: User | None) -> None:
        """Save the added fields; call inside the transaction that saves the case."""
        for name, extra in _extras.items():
            if name in self.fields:
                extra.save(case=case, value=self.cleaned_data.get(name), by=by)

    def _field(self, name: str) -> forms.ModelChoiceField:
        return cast(forms.ModelChoiceField, self.fields[name])

    @staticmethod
    def _chosen[M: (Account, Contact)](visible: QuerySet[M], pk: Any) -> M | None:
        if not pk or not str(pk).isdigit():
            return None
        return visible.filter(pk=pk).first()

    def _offer_people_of(
        self, account: Account | None, *, without_customer: Contact | None = None
    ) -> list[tuple[int, str]]:
        """The customer's contacts; without a customer, ``without_customer`` alone (a case
        started for a contact of no customer)."""
        if account is not None:
            contacts = list(
                account.contacts.order_by("last_name", "first_name").prefetch_related(
                    "emails", "phones"
                )
            )
        else:
            contacts = [without_customer] if without_customer is not None else []
        people = [(c.pk, str(c)) for c in contacts]
        self.fields["contacts"].widget.choices = people
        self.fields["reporter"].widget.choices = [("", "—"), *people]
        self.fields["notify_contact"].widget.choices = [
            ("", "—"),
            *((c.pk, contact_choice_label(c)) for c in contacts),
        ]
        return people

    def clean_notify_addresses(self) -> str:
        return addresses_clean(self.cleaned_data["notify_addresses"])

    @property
    def status_code(self) -> int:
        """The HTTP status of the page showing this form: 400 when it has errors."""
        return 400 if self.is_bound and not self.is_valid() else 200

    def add_service_errors(self, error: ValidationError) -> None:
        show_service_errors(self, error)

    def service_arguments(self) -> dict[str, Any]:
        """The keyword arguments of ``case_create`` (or ``case_update`` when editing)."""
        data = {name: self.cleaned_data[name] for name in CASE_FIELDS}
        contacts = list(self.cleaned_data["contacts"])
        if self.case is not None:
            return {"data": data, "contacts": contacts}
        return {
            "subject": data.pop("subject"),
            "account": self.cleaned_data["account"],
            "contacts": contacts,
            "data": data,
        }


class InternalToggle(forms.CheckboxInput):
    """The lock of a post: a checkbox after a hidden ``false`` of the same name, so an
    unticked box says "public" while a post that omits the toggle altogether (an old form, a
    script) stays internal. Never public by accident."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, check_test=bool)

    def format_value(self, value: Any) -> str:
        return "true"

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        hidden = format_html('<input type="hidden" name="{}" value="false">', name)
        return hidden + super().render(name, value, attrs, renderer)

    def value_from_datadict(self, data: Any, files: Any, name: str) -> bool:
        if name not in data:
            return True
        return data.get(name) not in ("false", "False", "0", "", None)


def contact_choice_label(contact: Contact) -> str:
    """A contact as an option of the notification select: name, first email, first phone
    (their prefetched ``emails`` and ``phones``)."""
    emails, phones = list(contact.emails.all()), list(contact.phones.all())
    parts = [str(contact), emails[0].address if emails else "", phones[0].number if phones else ""]
    return " · ".join(part for part in parts if part)


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "data-key": "n", "aria-keyshortcuts": "n"}),
        help_text=_("Write @username to tell a colleague."),
    )
    internal = forms.BooleanField(
        label=_("Internal note — never shown to the customer"),
        required=False,
        initial=True,
        widget=InternalToggle,
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"), max_length=255)
    shared = forms.BooleanField(label=_("Show to the customer in the portal"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("Up to %(megabytes)s MB.") % {
            "megabytes": ATTACHMENT_MAX_BYTES // 2**20
        }

    def add_service_errors(self, error: ValidationError) -> None:
        show_service_errors(self, error)


class NumbersField(forms.Field):
    """Case numbers posted as repeated values (the list's checkboxes)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        try:
            return sorted({int(v) for v in values})
        except (TypeError, ValueError):
            raise ValidationError(_("Case numbers are whole numbers."), code="invalid") from None


class BulkDeleteForm(forms.Form):
    """What a bulk deletion covers: the chosen numbers, or everything the filter matches."""

    SELECTED = "selected"
    MATCHING = "matching"

    scope = forms.ChoiceField(
        choices=[(SELECTED, _("Selected cases")), (MATCHING, _("All cases matching the filter"))],
        widget=forms.HiddenInput,
    )
    selected = NumbersField(required=False)
    count = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("scope") == self.SELECTED and not cleaned.get("selected"):
            raise ValidationError(_("Select the cases to delete first."), code="none_selected")
        return cleaned


# Changing one property in place on the case page

EDITABLE_PROPERTIES = (
    "subject", "status", "priority", "case_type", "category", "group", "contacts", "reporter",
    "assignee", "due_date", "annotation",
)  # fmt: skip


class CasePropertyForm(forms.Form):
    """One property of a case, edited in place: ``name`` is one of ``EDITABLE_PROPERTIES``.

    Only the case's customer's contacts are valid contacts and reporter (any visible contact
    when the case has none), so a forged id is an invalid choice before the service's own check.
    A new expected resolution date may not be in the past.
    """

    def __init__(self, data: Any = None, *, user: User, case: Case, name: str) -> None:
        if name not in EDITABLE_PROPERTIES:
            raise ValueError(f"not an editable property: {name}")
        initial = (
            {"contacts": list(case.contacts.all())}
            if name == "contacts"
            else {name: getattr(case, name)}
        )
        super().__init__(data, initial=initial)
        self.case = case
        self.name = name
        field = copy.deepcopy(CaseForm.base_fields[name])
        if name in ("contacts", "reporter"):
            people = (
                case.account.contacts.all()
                if case.account is not None
                else Contact.objects.visible_to(user)
            )
            cast(forms.ModelChoiceField, field).queryset = people.order_by(
                "last_name", "first_name"
            )
        elif name == "assignee":
            cast(forms.ModelChoiceField, field).queryset = case_workers()
        self.fields[name] = field

    @property
    def field(self) -> forms.BoundField:
        return self[self.name]

    def clean_due_date(self) -> Any:
        due = self.cleaned_data["due_date"]
        if due is not None and due != self.case.due_date and due < timezone.localdate():
            raise ValidationError(
                _("The expected resolution date is in the past; choose today or a later day."),
                code="due_date_past",
            )
        return due

    def add_service_errors(self, error: ValidationError) -> None:
        show_service_errors(self, error)

    def service_arguments(self) -> dict[str, Any]:
        """The keyword arguments of ``case_update`` for this one property."""
        value = self.cleaned_data[self.name]
        if self.name == "contacts":
            return {"data": {}, "contacts": list(value)}
        return {"data": {self.name: value}}
