"""Forms of the triage inbox and of moving messages. They shape input; the services of
``mail.triage`` and ``cases.merge`` hold the rules."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from kartoteka.cases.candidates import case_candidate_get
from kartoteka.cases.forms_merge import CaseNumberField, ServiceErrorsForm
from kartoteka.cases.models import Case
from kartoteka.customers.models import Account, Contact
from kartoteka.customers.pickers import account_picker
from kartoteka.mail.models import Message
from kartoteka.mail.triage.services import sender_name_parts
from kartoteka.people.models import User

NOT_REMEMBERED = ""
NEW_CONTACT = "new"


def _digits(value: Any) -> int | None:
    text = str(value or "").strip().lstrip("#")
    return int(text) if text.isdigit() and len(text) <= 18 else None


class RememberForm(ServiceErrorsForm):
    """Whether and where to remember the sender's address on a customer: not at all, as a new
    contact (named from the From header, editable), or on one of the customer's contacts.

    Offered only when the address has no owner yet (``offer``) and there is a customer."""

    remember = forms.ChoiceField(label=_("Remember the sender's address"), required=False)
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)

    def __init__(
        self,
        data: Any = None,
        *,
        message: Message,
        account: Account | None,
        offer: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        self.customer = account
        self.contacts: dict[int, Contact] = {}
        self.offers_remembering = offer and account is not None
        if not self.offers_remembering or account is None:
            for name in ("remember", "first_name", "last_name"):
                del self.fields[name]
            return
        self.contacts = {c.pk: c for c in account.contacts.order_by("last_name", "first_name")}
        first, last = sender_name_parts(message)
        new = _("As a new contact of %(account)s") % {"account": account.name}
        cast(forms.ChoiceField, self.fields["remember"]).choices = [
            (NOT_REMEMBERED, _("Do not remember it")),
            (NEW_CONTACT, new),
            *((str(pk), _("On %(name)s") % {"name": c}) for pk, c in self.contacts.items()),
        ]
        self.fields["first_name"].initial = first
        self.fields["last_name"].initial = last

    def remember_arguments(self) -> dict[str, Any]:
        """The ``remember``/``contact``/name keywords of the triage services."""
        choice = self.cleaned_data.get("remember") or NOT_REMEMBERED
        if choice == NOT_REMEMBERED:
            return {"remember": False}
        return {
            "remember": True,
            "contact": self.contacts.get(int(choice)) if choice != NEW_CONTACT else None,
            "first_name": self.cleaned_data.get("first_name", ""),
            "last_name": self.cleaned_data.get("last_name", ""),
        }


class TriageNewCaseForm(RememberForm):
    """(a) A new case of a customer holding the message; the customer is one the user sees."""

    account = forms.ModelChoiceField(
        label=_("Customer"), queryset=Account.objects.none(), widget=forms.HiddenInput
    )
    subject = forms.CharField(label=_("Subject"), max_length=255)

    def __init__(
        self,
        data: Any = None,
        *,
        user: User,
        message: Message,
        account: Account | None = None,
        offer: bool = True,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("auto_id", "new-case-%s")
        accounts = Account.objects.visible_to(user)
        if data is not None:
            chosen = _digits(data.get("account"))
            account = accounts.filter(pk=chosen).first() if chosen is not None else None
        super().__init__(data, message=message, account=account, offer=offer, **kwargs)
        cast(forms.ModelChoiceField, self.fields["account"]).queryset = accounts
        if account is not None:
            self.initial.setdefault("account", account.pk)


class TriageRememberForm(TriageNewCaseForm):
    """(c) Only remember the address (the message stays in triage)."""

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["subject"].required = False
        if "remember" in self.fields:
            self.fields["remember"].required = True


class TriageAppendForm(RememberForm):
    """(b) The message appended to an existing case the user sees."""

    case = CaseNumberField(label=_("Case number"), widget=forms.HiddenInput)

    def __init__(
        self,
        data: Any = None,
        *,
        user: User,
        message: Message,
        case: Case | None = None,
        offer: bool = True,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("auto_id", "append-%s")
        if data is not None:
            number = _digits(data.get("case"))
            case = case_candidate_get(user, number) if number is not None else None
        account = case.account if case is not None else None
        super().__init__(data, message=message, account=account, offer=offer, **kwargs)
        cast(CaseNumberField, self.fields["case"]).user = user
        self.target = case
        if case is not None:
            self.initial.setdefault("case", case.number)


class MessageMoveForm(ServiceErrorsForm):
    """A message moved to another case; ``source`` is the case the user saw it in."""

    source = forms.IntegerField(required=False, widget=forms.HiddenInput)
    target = CaseNumberField(label=_("Case number"))

    def __init__(self, data: Any = None, *, user: User, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        cast(CaseNumberField, self.fields["target"]).user = user


class MessageSplitForm(ServiceErrorsForm):
    """A new case made from one message: its subject, customer and contacts.

    Contacts validate against every contact the user sees; only the customer's are offered
    and ``case_create`` refuses anyone else's."""

    source = forms.IntegerField(required=False, widget=forms.HiddenInput)
    subject = forms.CharField(label=_("Subject"), max_length=255)
    account = account_picker(label=_("Customer"), required=False)
    contacts = forms.ModelMultipleChoiceField(
        label=_("Contacts"),
        queryset=Contact.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        data: Any = None,
        *,
        user: User,
        account: Account | None = None,
        reload_url: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        accounts = Account.objects.visible_to(user)
        cast(forms.ModelChoiceField, self.fields["account"]).queryset = accounts
        self.fields["account"].widget.attrs.update(
            {
                "hx-get": reload_url,
                "hx-trigger": "change",
                "hx-include": "this",
                "hx-target": "#split-people",
                "hx-swap": "outerHTML",
            }
        )
        contacts_field = cast(forms.ModelMultipleChoiceField, self.fields["contacts"])
        contacts_field.queryset = Contact.objects.visible_to(user)
        if data is not None:
            chosen = data.get("account")
            account = (
                accounts.filter(pk=chosen).first() if chosen and str(chosen).isdigit() else None
            )
        self.customer = account
        people = (
            [(c.pk, str(c)) for c in account.contacts.order_by("last_name", "first_name")]
            if account is not None
            else []
        )
        contacts_field.widget.choices = people
