"""The customer file's tabs and the filters of its timeline (a GET form: a wrong value is
named and left out, the page still shows)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from kartoteka.customers.models import Account, Contact
from kartoteka.customers.timeline import Cursor, Window, kinds_offered
from kartoteka.people.models import User
from kartoteka.people.selectors import staff_users

# Each tab but Contacts is the timeline narrowed to some kinds (None: every kind). The kinds
# are those the sources write (cases, mail, customers, documents, activities).
TABS: dict[str, frozenset[str] | None] = {
    "timeline": None,
    "cases": frozenset({"case"}),
    "correspondence": frozenset({"email_in", "email_out"}),
    "documents": frozenset({"document", "email_attachment"}),
    "activities": frozenset({"event", "task"}),
    "contacts": frozenset(),
    "history": frozenset({"account_change", "contact_change"}),
}
TAB_LABELS = {
    "timeline": _("Timeline"),
    "cases": _("Cases"),
    "correspondence": _("Correspondence"),
    "documents": _("Documents"),
    "activities": _("Activities"),
    "contacts": _("Contacts"),
    "history": _("History"),
}


class TimelineFilterForm(forms.Form):
    kind = forms.MultipleChoiceField(
        label=_("Type"), required=False, widget=forms.CheckboxSelectMultiple
    )
    contact = forms.ModelChoiceField(
        label=_("Contact"), queryset=Contact.objects.none(), required=False
    )
    case = forms.IntegerField(label=_("Case number"), min_value=1, required=False)
    user = forms.ModelChoiceField(label=_("User"), queryset=User.objects.none(), required=False)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    q = forms.CharField(label=_("Search this customer"), max_length=200, required=False)

    def __init__(
        self,
        *args: Any,
        user: User,
        account: Account,
        tab: str,
        contact: Contact | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.tab = tab
        self.narrowed_to = contact
        preset = TABS[tab]
        offered = kinds_offered()
        cast(forms.MultipleChoiceField, self.fields["kind"]).choices = [
            (kind, label) for kind, label in offered if preset is None or kind in preset
        ]
        cast(forms.ModelChoiceField, self.fields["contact"]).queryset = (
            Contact.objects.visible_to(user).filter(account=account).order_by("last_name", "pk")
        )
        cast(forms.ModelChoiceField, self.fields["user"]).queryset = staff_users()
        if contact is not None:  # the contact page: its own file, narrowed for good
            del self.fields["contact"]

    def window(self, *, user: User, account: Account, before: str) -> Window:
        """The timeline window these filters ask for (valid fields only)."""
        data: dict[str, Any] = {}
        if self.is_bound:
            self.is_valid()  # an invalid field is left out of cleaned_data; the others filter
            data = self.cleaned_data
        preset = TABS[self.tab]
        chosen = frozenset(data.get("kind") or ())
        kinds = chosen or (preset if preset is not None else frozenset())
        contact = self.narrowed_to or data.get("contact")
        by_user = data.get("user")
        return Window(
            user=user,
            account_id=account.pk,
            contact_id=contact.pk if contact is not None else None,
            kinds=kinds,
            case_number=data.get("case"),
            by_user_id=by_user.pk if by_user is not None else None,
            since=data.get("since"),
            until=data.get("until"),
            query=(data.get("q") or "").strip(),
            before=Cursor.decode(before[:100]),
        )
